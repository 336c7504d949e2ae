"""A run's report: the JSON other tools read, and the text printed in the terminal."""

from __future__ import annotations

from typing import Any

from .results import JSON_KEYS, Report

__all__ = ["JSON_KEYS", "Report", "confusion_text", "report_json", "report_text"]


def confusion_text(matrix: list[list[int]], labels: list[str], invalid_by_gold: list[int] | None = None) -> str:
    """Gold rows, predicted columns; each cell 'count (row share)'. An 'invalid' column appears
    when any prediction was invalid. Plain text (no colour) so it reads the same in a pipe, a log
    or a file; the TUI draws its own with plotext."""
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
    return "\n".join(lines)


def _fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s" if seconds >= 1 else f"{seconds * 1000:.0f}ms"


def report_text(report: Report) -> str:
    t = report.timing
    ci = report.ci95
    lines = [
        f"run {report.run_id[:12]}  {report.method}  model {report.model}",
        f"data {report.dataset} [{report.split}, n={report.n}]  status {report.status}",
        f"device {report.device or '-'}{' ' + report.dtype if report.dtype else ''}  "
        f"load {_fmt_s(t.load_s)}  fit {_fmt_s(t.fit_s)}  predict {_fmt_s(t.predict_s)}"
        f"  ({t.examples_per_s:.1f} examples/s)",
    ]
    for key, value in report.details.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key.replace('_', ' ')}: {item}")
    if report.score_rule:
        lines.append(f"scores: {report.score_rule}")
    for note in report.notes:
        lines.append(f"note: {note}")
    lines.append("")

    def with_ci(name: str, key: str) -> str:
        iv = ci.of(key)
        tail = f"  95% CI [{iv[0]:.4f}, {iv[1]:.4f}]" if iv else ""
        return f"{name:<12}{report.metric(key):.4f}{tail}"

    lines += [
        with_ci("accuracy", "accuracy"),
        with_ci("macro F1", "f1_macro"),
        f"{'weighted F1':<12}{report.f1_weighted:.4f}",
        f"{'invalid':<12}{report.invalid}" + (f" of {report.n} (counted as wrong)" if report.invalid else ""),
    ]
    if report.truncated:
        lines.append(f"{'truncated':<12}{report.truncated} of {report.n} (longer than the model reads; only their start was classified)")
    from .confidence import calibration_line  # calibration and coverage (workbench/confidence.py)

    lines += calibration_line(report)
    lines.append("")
    names = report.labels
    w = max(12, *(len(n) for n in names))
    lines.append(f"{'':<{w}}  precision  recall      f1  support")
    for name in names:
        pc = report.per_class[name]
        lines.append(f"{name:<{w}}  {pc.precision:>9.4f}  {pc.recall:>6.4f}  {pc.f1:>6.4f}  {pc.support:>7}")
    for avg, precision, recall, f1 in (
        ("macro", report.precision_macro, report.recall_macro, report.f1_macro),
        ("weighted", report.precision_weighted, report.recall_weighted, report.f1_weighted),
    ):
        if precision is not None:
            lines.append(f"{avg + ' avg':<{w}}  {precision:>9.4f}  {recall or 0.0:>6.4f}  {f1:>6.4f}  {report.n:>7}")
    lines += ["", "confusion matrix (rows: gold, columns: predicted; count and row share)"]
    lines.append(confusion_text(report.confusion_matrix, names, report.invalid_by_gold))
    return "\n".join(lines)


def report_json(report: Report) -> dict[str, Any]:
    """The documented keys first, in their documented order; extra keys after them (see
    :meth:`Report.to_json`)."""
    return report.to_json()
