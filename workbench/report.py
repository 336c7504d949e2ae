"""A run's report: the JSON other tools read, and the text printed in the terminal."""

from __future__ import annotations

from typing import Any

from .confusions import MANY_CLASSES, TOP_CONFUSIONS, fit, fit_names, legend_lines, many_classes, short_labels, top_confusions
from .metric_registry import metric
from .results import JSON_KEYS, Report, note_line
from .safe_text import visible

__all__ = ["JSON_KEYS", "Report", "confusion_text", "report_json", "report_text", "text_width"]

TEXT_WIDTH = 120
"""The report's width where the output is no terminal (a pipe, a file)."""


def text_width() -> int:
    """The terminal's columns when standard output is one, else TEXT_WIDTH."""
    import shutil
    import sys

    try:
        if sys.stdout.isatty():
            return max(40, shutil.get_terminal_size((TEXT_WIDTH, 24)).columns)
    except (AttributeError, ValueError, OSError):
        pass
    return TEXT_WIDTH


def confusion_text(matrix: list[list[int]], labels: list[str], invalid_by_gold: list[int] | None = None, width: int | None = None) -> str:
    """Gold rows, predicted columns; each cell 'count (row share)'. An 'invalid' column appears
    when any prediction was invalid. Plain text (no colour) so it reads the same in a pipe, a log
    or a file; the TUI draws its own with plotext. Where that is wider than ``width`` (or there are
    more than MANY_CLASSES classes), the compact form: see :func:`compact_confusion_text`."""
    show_invalid = bool(invalid_by_gold) and any(invalid_by_gold or [])
    cols = list(labels) + (["invalid"] if show_invalid else [])
    rows = []
    for i, row in enumerate(matrix):
        full = list(row) + ([invalid_by_gold[i]] if show_invalid and invalid_by_gold else [])
        total = sum(full)
        rows.append([f"{c} ({c / total:.0%})" if total else "0" for c in full])
    head_w = max([len("gold \\ pred")] + [len(label) for label in labels])
    col_w = [max(len(c), *(len(r[j]) for r in rows)) for j, c in enumerate(cols)]
    lines = ["gold \\ pred".ljust(head_w) + "  " + "  ".join(c.rjust(w) for c, w in zip(cols, col_w))]
    for label, r in zip(labels, rows):
        lines.append(label.ljust(head_w) + "  " + "  ".join(v.rjust(w) for v, w in zip(r, col_w)))
    if width is not None and (len(labels) > MANY_CLASSES or max(len(line) for line in lines) > width):
        return compact_confusion_text(matrix, labels, invalid_by_gold, width)
    return "\n".join(lines)


def compact_confusion_text(matrix: list[list[int]], labels: list[str], invalid_by_gold: list[int] | None, width: int) -> str:
    """The matrix in ``width`` columns: classes by number (short_labels), counts only ('.' for
    none), the predicted columns in bands that fit, and a legend of the numbers' names."""
    width = max(width, 20)
    show_invalid = bool(invalid_by_gold) and any(invalid_by_gold or [])
    short = short_labels(labels)
    cols = short + (["x"] if show_invalid else [])
    body = [list(row) + ([invalid_by_gold[i]] if show_invalid and invalid_by_gold else []) for i, row in enumerate(matrix)]
    cell_w = max([len(c) for c in cols] + [len(str(c)) for row in body for c in row] + [1])
    num_w = max(len(s) for s in short) if short else 1
    name_w = min(max((len(n) for n in labels), default=0), 14 if width >= 80 else 0)
    head_w = num_w + (1 + name_w if name_w else 0)
    row_names = fit_names(labels, name_w) if name_w else []
    per_band = max(1, (width - head_w) // (cell_w + 1))
    lines: list[str] = []
    for start in range(0, len(cols), per_band):
        band = range(start, min(start + per_band, len(cols)))
        if start:
            lines.append("")
        lines.append("gold".ljust(head_w)[:head_w] + "".join(" " + cols[j].rjust(cell_w) for j in band))
        for i, row in enumerate(body):
            head = short[i].rjust(num_w) + (" " + row_names[i].ljust(name_w) if name_w else "")
            lines.append(head + "".join(" " + (str(row[j]) if row[j] else ".").rjust(cell_w) for j in band))
    lines += ["", *legend_lines(labels, width) + (["x  an invalid answer"] if show_invalid else [])]
    return "\n".join(lines)


def confusions_text(report: Report, width: int, k: int = TOP_CONFUSIONS) -> list[str]:
    """The top confusions, ranked (workbench/confusions.py), one a line in ``width`` columns."""
    top = top_confusions(report, k)
    if not top:
        return ["top confusions: none (every answer right)"]
    lines = ["top confusions (gold -> predicted, count, share of gold)"]
    for c in top:
        pred = "invalid" if c.pred is None else visible(report.labels[c.pred])
        lines.append(fit(f"{c.count:>6}  {c.share:>4.0%}  {visible(report.labels[c.gold])} -> {pred}", width))
    return lines


def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s" if seconds >= 1 else f"{seconds * 1000:.0f}ms"


def report_text(report: Report, width: int = TEXT_WIDTH) -> str:
    """The report as the terminal shows it, no line wider than ``width`` (the CLI passes
    :func:`text_width`): long notes wrap, long class names are cut, and a report with many classes
    lists its top confusions and draws its matrix compactly with a legend."""
    return "\n".join(line for block in _report_lines(report, width) for line in _wrapped(block, width))


def _wrapped(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    import textwrap

    return textwrap.wrap(line, width, subsequent_indent="  ", break_long_words=True, break_on_hyphens=False) or [""]


def _report_lines(report: Report, width: int) -> list[str]:
    t = report.timing
    # Every field from data or configuration on one line each: a newline in a label or a note is
    # shown (␊), not obeyed, so no row of a table breaks (safe_text.py)
    lines = [
        f"run {report.run_id[:12]}  {visible(report.method)}  model {visible(report.model)}",
        f"data {visible(report.dataset)} [{visible(report.split)}, n={report.n}]  status {report.status}",
        f"device {report.device or '-'}{' ' + report.dtype if report.dtype else ''}  "
        f"load {_fmt_s(t.load_s)}  fit {_fmt_s(t.fit_s)}  predict {_fmt_s(t.predict_s)}"
        f"  ({t.examples_per_s:.1f} examples/s)",
    ]
    for key, value in report.details.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key.replace('_', ' ')}: {visible(item)}")
    if report.score_rule:
        lines.append(f"scores: {report.score_rule}")
    for note in report.notes:
        lines.append(visible(note_line(note)))
    lines.append("")

    def with_ci(name: str) -> str:
        m = metric(name)
        iv = m.interval(report)
        tail = f"  95% CI [{iv[0]:.4f}, {iv[1]:.4f}]" if iv else ""
        return f"{m.label:<12}{m.value(report):.4f}{tail}"

    lines += [
        with_ci("accuracy"),
        with_ci("f1_macro"),
        with_ci("f1_weighted"),
        f"{'invalid':<12}{report.invalid}" + (f" of {report.n} (counted as wrong)" if report.invalid else ""),
    ]
    if report.truncated:
        lines.append(f"{'truncated':<12}{report.truncated} of {report.n} (longer than the model reads; only their start was classified)")
    from .confidence import calibration_line  # calibration and coverage (workbench/confidence.py)

    lines += calibration_line(report)
    lines.append("")
    names = [visible(name) for name in report.labels]
    w = min(max(12, *(len(n) for n in names)), max(12, width - 36))  # 36: the four figures' columns
    lines.append(f"{'':<{w}}  precision  recall      f1  support")
    for key, shown in zip(report.labels, fit_names(names, w)):
        pc = report.per_class[key]
        lines.append(f"{shown:<{w}}  {pc.precision:>9.4f}  {pc.recall:>6.4f}  {pc.f1:>6.4f}  {pc.support:>7}")
    for avg, precision, recall, f1 in (
        ("macro", report.precision_macro, report.recall_macro, report.f1_macro),
        ("weighted", report.precision_weighted, report.recall_weighted, report.f1_weighted),
    ):
        if precision is not None:
            lines.append(f"{avg + ' avg':<{w}}  {precision:>9.4f}  {recall or 0.0:>6.4f}  {f1:>6.4f}  {report.n:>7}")
    if many_classes(report):
        lines += ["", *confusions_text(report, width)]
    matrix = confusion_text(report.confusion_matrix, names, report.invalid_by_gold, width)
    compact = matrix != confusion_text(report.confusion_matrix, names, report.invalid_by_gold)
    if compact:
        lines += ["", "confusion matrix (rows: gold, columns: predicted)", "classes by number, the legend below; counts, '.' for none"]
    else:
        lines += ["", "confusion matrix (rows: gold, columns: predicted; count and row share)"]
    lines += matrix.split("\n")
    lines += _slice_lines(report, width)
    return lines


def _slice_lines(report: Report, width: int) -> list[str]:
    """A table per sliced column (``--slice-by``), then the weakest slice."""
    lines: list[str] = []
    for column, figures in report.slices.items():
        w = min(max(8, *(len(visible(s.value)) for s in figures)), max(8, width - 60))
        lines += ["", f"slices by {visible(column)}", f"{'value':<{w}}  {'n':>6}  {'accuracy':>8}  {'95% CI':<16}  {'macro F1':>8}  {'95% CI':<16}  {'invalid':>7}"]
        for s in figures:
            acc, f1 = s.ci95.accuracy, s.ci95.f1_macro
            acc_ci = f"[{acc[0]:.3f}, {acc[1]:.3f}]" if acc else ""
            f1_ci = f"[{f1[0]:.3f}, {f1[1]:.3f}]" if f1 else ""
            small = "  n < 30: wide interval" if s.small else ""
            lines.append(f"{fit(visible(s.value), w):<{w}}  {s.n:>6}  {s.accuracy:>8.4f}  {acc_ci:<16}  {s.f1_macro:>8.4f}  {f1_ci:<16}  {s.invalid:>7}{small}")
    weakest = report.weakest_slice()
    if weakest:
        column, s = weakest
        lines += ["", f"weakest slice: {visible(column)} = {visible(s.value)} (accuracy {s.accuracy:.4f}, n={s.n}{', under 30 rows' if s.small else ''})"]
    return lines


def report_json(report: Report) -> dict[str, Any]:
    """The documented keys first, in their documented order; extra keys after them (see
    :meth:`Report.to_json`)."""
    return report.to_json()
