"""A run (or a comparison) as GitHub-flavoured Markdown, to paste into a pull request: the
summary, the per-class table and the top confusions as tables; for a comparison the delta table
and McNemar's test. Every cell is one line with ``|`` and Markdown's markup characters escaped
(:func:`cell`), so a text of the data cannot break a table or turn into a link or HTML."""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

from .gather import ExportData, RunExport
from .rows import fig, metrics_rows, origin, setting_text

EXAMPLE_CUT = 120
"""Characters of an example text in the confusions table."""

_SPECIAL = re.compile(r"([\\`*|~]|\](?=[(\[]))")
"""Backslash, code, emphasis, the cell separator, strikethrough, and a ``]`` that would close a
link's text (``[text](url)``, ``![image](url)``, ``[text][ref]``): escaped in a cell."""
_LONE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")  # intraword _ is no emphasis in GFM


def cell(value: Any) -> str:
    """A value as one table cell: on one line, Markdown's markup characters and ``|`` escaped,
    ``<``, ``>`` and ``&`` as entities (GitHub renders HTML in Markdown). Brackets, ``!`` and
    ``_`` between letters are left as they are: they are markup only in the places escaped."""
    text = "-" if value is None else str(value)
    text = " ".join(text.split())  # newlines and tabs would end the row
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return _LONE_UNDERSCORE.sub(r"\\_", text)


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = ()) -> list[str]:
    nums = set(numeric)
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "|".join("---:" if j in nums else "---" for j in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def _cut(text: str, width: int = EXAMPLE_CUT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def run_lines(rx: RunExport, heading: str = "##") -> list[str]:
    r = rx.report
    lines = [
        f"{heading} {cell(r.method)} · {cell(r.model or '-')} · {cell(r.dataset)} [{cell(r.split)}]",
        "",
        f"run `{r.run_id[:12]}` · n={r.n} · {cell(r.status)}" + (f" · scores: {cell(r.score_rule)}" if r.score_rule else ""),
        "",
        *md_table(("figure", "value", "95% interval"), metrics_rows(rx), numeric=(1,)),
        "",
        f"{heading}# Per class",
        "",
        *md_table(
            ("class", "precision", "recall", "F1", "support"),
            ((name, f"{pc.precision:.4f}", f"{pc.recall:.4f}", f"{pc.f1:.4f}", pc.support) for name, pc in ((n, r.per_class[n]) for n in r.labels if n in r.per_class)),
            numeric=(1, 2, 3, 4),
        ),
        "",
        f"{heading}# Top confusions",
        "",
    ]
    if rx.confusions:
        rows = []
        for ce in rx.confusions:
            c = ce.confusion
            example = f"{origin(ce.examples[0])}: {_cut(ce.examples[0].text)}" if ce.examples else "-"
            rows.append((rx.label(c.gold), rx.label(c.pred), c.count, f"{c.share:.0%}", example))
        lines += md_table(("gold", "predicted", "count", "share of gold", "example"), rows, numeric=(2, 3))
    else:
        lines.append("none: every answer is right")
    for column, figures in r.slices.items():
        lines += ["", f"{heading}# Slices by {cell(column)}", ""]
        lines += md_table(
            ("value", "n", "accuracy", "macro F1", "invalid"),
            ((s.value, s.n, f"{s.accuracy:.4f}" + ("" if s.ci95.accuracy is None else f" [{s.ci95.accuracy[0]:.4f}, {s.ci95.accuracy[1]:.4f}]"), f"{s.f1_macro:.4f}", s.invalid) for s in figures),
            numeric=(1, 4),
        )
    if r.notes:
        lines += ["", *(f"- note: {cell(n)}" for n in r.notes)]
    return lines + [""]


def comparison_lines(data: ExportData) -> list[str]:
    c, a, b = data.comparison, data.a, data.b
    assert c is not None and b is not None
    rows = []
    for m, d in c.rows():
        better = m.improved(d.delta)
        mark = "" if better is None else " (better)" if better else " (worse)"
        rows.append((m.label, fig(d.a, m.digits), fig(d.b, m.digits), ("-" if d.delta is None else f"{d.delta:+.{m.digits}f}") + mark))
    lines = [
        f"## A `{a.report.run_id[:12]}` vs B `{b.report.run_id[:12]}`",
        "",
        f"- A: {cell(a.report.method)} · {cell(a.report.model or '-')} · {cell(a.report.dataset)} [{cell(a.report.split)}], n={a.report.n}",
        f"- B: {cell(b.report.method)} · {cell(b.report.model or '-')} · {cell(b.report.dataset)} [{cell(b.report.split)}], n={b.report.n}",
        "",
        *md_table(("figure", "A", "B", "B − A"), rows, numeric=(1, 2, 3)),
        "",
    ]
    test = c.mcnemar
    if test is None:
        lines.append("McNemar's test: not computed (no example is in both runs)")
    else:
        verdict = "significant at 5%" if test.p_value < 0.05 else "not significant at 5%"
        lines += md_table(
            ("paired", "right only in A", "right only in B", "test", "statistic", "p", "verdict"),
            [(c.paired, test.a_only, test.b_only, f"McNemar, {test.method}", f"{test.statistic:.3f}", f"{test.p_value:.4g}", verdict)],
            numeric=(0, 1, 2, 4, 5),
        )
    lines += [f"- note: {cell(n)}" for n in c.notes]
    for column, deltas in data.slice_deltas.items():
        lines += ["", f"### Slices by {cell(column)}, A and B", ""]
        lines += md_table(
            ("value", "n", "accuracy A", "accuracy B", "B − A", "macro F1 A", "macro F1 B", "B − A"),
            ((d.value, d.a.n, fig(d.a.accuracy), fig(d.b.accuracy), f"{d.accuracy_delta:+.4f}", fig(d.a.f1_macro), fig(d.b.f1_macro), f"{d.f1_delta:+.4f}") for d in deltas),
            numeric=(1, 2, 3, 4, 5, 6, 7),
        )
    if c.config_diff:
        lines += ["", "### Configuration diff", "", *md_table(("setting", "A", "B"), ((k, "(default)" if va is None else setting_text(va), "(default)" if vb is None else setting_text(vb)) for k, va, vb in c.config_diff))]
    return lines + [""]


def render_markdown(data: ExportData) -> str:
    if not data.compared:
        return "\n".join(run_lines(data.a))
    assert data.b is not None
    return "\n".join([*comparison_lines(data), *run_lines(data.a, "##"), *run_lines(data.b, "##")])
