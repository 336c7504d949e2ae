"""A learning curve (workbench/curve.py) as a file to share: a self-contained HTML page with the
summary table, an inline SVG chart (the mean per method against examples per class on a log2
axis, with a band from the min to the max over the seeds, and the whole train split as a dashed
level) and every point's run; GitHub Markdown with the same tables; or CSV of the summary.
Every text that comes from the curve (method names, models, errors) is escaped by the package's
own helpers: :func:`svg.esc` in HTML, :func:`markdown.cell` in Markdown, the csv module's quoting;
control characters are shown as signs first (safe_text.visible), so no file carries an escape
sequence to a terminal that prints it."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import WorkbenchError
from ..safe_text import visible
from .html import _page, table
from .markdown import cell, md_table
from .rows import fig
from .svg import _num, esc

if TYPE_CHECKING:
    from ..curve import Curve
    from . import Export

FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".csv": "csv"}
"""A curve export's file suffix -> format."""
HEADERS = ("method", "per class", "seeds", "mean", "sd", "min", "max")
POINT_HEADERS = ("method", "per class", "seed", "value", "status", "run")
SERIES = 6
"""Distinct line colours (style.py's ``--s0`` .. ``--s5``), then they repeat."""
W, H, L, T, B, R = 640, 340, 56, 16, 44, 170  # the chart's size and margins (the legend on the right)


def curve_format(path: str | Path) -> str:
    """The format of a curve export by its file's suffix; refuses another."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise WorkbenchError(f"cannot tell the export format of {Path(path).name}", expected="a file ending in .html, .md or .csv")
    return fmt


def _size(per_class: int) -> str:
    return "all" if per_class == 0 else str(per_class)


def summary_rows(curve: "Curve") -> list[tuple[Any, ...]]:
    return [(visible(r["method"]), _size(r["per_class"]), r["n"], fig(r["mean"]), fig(r["sd"]), fig(r["min"]), fig(r["max"])) for r in curve.summary()]


def point_rows(curve: "Curve") -> list[tuple[Any, ...]]:
    rows = []
    for p in curve.points:
        status = p.status + (" (stored)" if p.reused else "") + (f": {p.error[:300]}" if p.error else "")
        rows.append((visible(p.line or p.method), _size(p.per_class), p.seed, fig(p.value), visible(status), (p.run_id or "-")[:12]))
    return rows


def curve_svg(curve: "Curve") -> str:
    """The chart: per method a band (min to max over the seeds), the mean as a line with a dot per
    size (its title gives the figures), and the whole train split's value as a dashed level."""
    summary = curve.summary()
    sized = sorted({r["per_class"] for r in summary if r["per_class"] != 0})
    values = [v for r in summary for v in (r["min"], r["max"]) if v is not None]
    lo_y = math.floor(min(values, default=0.0) * 20) / 20
    hi_y = min(1.0, math.ceil(max(values, default=1.0) * 20) / 20)
    if hi_y - lo_y < 0.1:  # one value, or all close: a tenth around them
        mid = (hi_y + lo_y) / 2
        lo_y = max(0.0, min(mid - 0.05, 0.9))
        hi_y = lo_y + 0.1
    lo_x, hi_x = (math.log2(sized[0]), math.log2(sized[-1])) if sized else (0.0, 1.0)
    span_x = (hi_x - lo_x) or 1.0
    pw, ph = W - L - R, H - T - B

    def x_of(per_class: int) -> float:
        return L + 12 + (math.log2(per_class) - lo_x) / span_x * (pw - 24) if len(sized) > 1 else L + pw / 2

    def y_of(v: float) -> float:
        return T + ph - (v - lo_y) / ((hi_y - lo_y) or 1.0) * ph

    caption = f"learning curve: {curve.metric} against train examples per class"
    out = [
        f'<svg class="lc" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{esc(caption)}" font-size="11">',
        f"<title>{esc(caption)}</title>",
        f'<rect class="plot" x="{L}" y="{T}" width="{pw}" height="{ph}"/>',
    ]
    for k in range(5):
        v = lo_y + k / 4 * (hi_y - lo_y)
        out.append(f'<line class="grid" x1="{L}" y1="{_num(y_of(v))}" x2="{L + pw}" y2="{_num(y_of(v))}"/>')
        out.append(f'<text class="tick" x="{L - 5}" y="{_num(y_of(v) + 4)}" text-anchor="end">{v:.3f}</text>')
    for s in sized:
        out.append(f'<line class="grid" x1="{_num(x_of(s))}" y1="{T}" x2="{_num(x_of(s))}" y2="{T + ph}"/>')
        out.append(f'<text class="tick" x="{_num(x_of(s))}" y="{T + ph + 14}" text-anchor="middle">{s}</text>')
    out.append(f'<text class="axis" x="{L + pw / 2:g}" y="{T + ph + 32}" text-anchor="middle">train examples per class (log scale)</text>')
    out.append(f'<text class="axis" transform="translate(14,{T + ph / 2:g}) rotate(-90)" text-anchor="middle">{esc(curve.metric)}</text>')
    for k, method in enumerate(dict.fromkeys(r["method"] for r in summary)):
        klass, name = f"s{k % SERIES}", visible(method)
        rows = [r for r in summary if r["method"] == method and r["per_class"] != 0 and r["mean"] is not None]
        whole = next((r for r in summary if r["method"] == method and r["per_class"] == 0 and r["mean"] is not None), None)
        if len(rows) > 1 and any(r["n"] > 1 for r in rows):
            edge = [f"{_num(x_of(r['per_class']))},{_num(y_of(r['max']))}" for r in rows] + [f"{_num(x_of(r['per_class']))},{_num(y_of(r['min']))}" for r in reversed(rows)]
            out.append(f'<polygon class="band {klass}" points="{" ".join(edge)}"><title>{esc(name)}: min to max over the seeds</title></polygon>')
        if rows:
            path = " ".join(f"{_num(x_of(r['per_class']))},{_num(y_of(r['mean']))}" for r in rows)
            out.append(f'<polyline class="mean {klass}" points="{path}"><title>{esc(name)}: mean over the seeds</title></polyline>')
        for r in rows:
            spread = f", sd {fig(r['sd'])}, min {fig(r['min'])}, max {fig(r['max'])}" if r["n"] > 1 else ""
            tip = f"{name}, {r['per_class']} per class: mean {fig(r['mean'])} over {r['n']} seed{'s' if r['n'] != 1 else ''}{spread}"
            out.append(f'<circle class="pt {klass}" cx="{_num(x_of(r["per_class"]))}" cy="{_num(y_of(r["mean"]))}" r="3.5"><title>{esc(tip)}</title></circle>')
        if whole is not None:
            y = _num(y_of(whole["mean"]))
            out.append(f'<line class="whole {klass}" x1="{L}" y1="{y}" x2="{L + pw}" y2="{y}"><title>{esc(name)}: the whole train split, {fig(whole["mean"])}</title></line>')
        ly = T + 8 + k * 18
        out.append(f'<line class="mean {klass}" x1="{L + pw + 12}" y1="{ly}" x2="{L + pw + 32}" y2="{ly}"/>')
        out.append(f'<text x="{L + pw + 38}" y="{ly + 4}"><title>{esc(name)}</title>{esc(name if len(name) <= 22 else name[:21] + "…")}</text>')
    out.append("</svg>")
    return "".join(out)


def curve_html(curve: "Curve", title: str, description: str = "") -> str:
    title, description = visible(title), visible(description)
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="sub">{esc(description)} · workbench learning curve</p>' if description else '<p class="sub">workbench learning curve</p>',
        f'<figure class="wide">{curve_svg(curve)}<figcaption>the mean per method; the band: min to max over the seeds; dashed: the whole train split</figcaption></figure>',
        f"<h2>{esc(curve.metric)} per method and examples per class</h2>",
        table(HEADERS, summary_rows(curve), numeric=(1, 2, 3, 4, 5, 6)),
        "<h2>Points</h2>",
        '<p class="muted">each point is an ordinary stored run: <code>workbench show RUN</code></p>',
        table(POINT_HEADERS, point_rows(curve), numeric=(1, 2, 3)),
    ]
    return _page(f"workbench: {title}", body)


def curve_markdown(curve: "Curve", title: str, description: str = "") -> str:
    title, description = visible(title), visible(description)
    lines = [f"# {cell(title)}", ""]
    if description:
        lines += [cell(description), ""]
    lines += [f"## {cell(curve.metric)} per method and examples per class", "", *md_table(HEADERS, summary_rows(curve), numeric=(1, 2, 3, 4, 5, 6)), ""]
    lines += ["## Points", "", "Each point is an ordinary stored run (`workbench show RUN`).", "", *md_table(POINT_HEADERS, point_rows(curve), numeric=(1, 2, 3))]
    return "\n".join(lines) + "\n"


def curve_csv(curve: "Curve") -> str:
    """One row per method and size: the summary, figures unrounded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "method", "per_class", "seeds", "mean", "sd", "min", "max"])
    for r in curve.summary():
        writer.writerow([curve.metric, visible(r["method"]), _size(r["per_class"]), r["n"], *("" if r[k] is None else f"{r[k]:.6g}" for k in ("mean", "sd", "min", "max"))])
    return out.getvalue()


def export_curve(curve: "Curve", fmt: str, *, title: str = "learning curve", description: str = "", name: str = "workbench-curve") -> "Export":
    """``curve`` in format ``fmt`` (html, md or csv) as an :class:`Export` (``name``: without suffix)."""
    from . import Export

    if fmt == "html":
        content = curve_html(curve, title, description)
    elif fmt == "md":
        content = curve_markdown(curve, title, description)
    elif fmt == "csv":
        content = curve_csv(curve)
    else:
        raise WorkbenchError(f"unknown curve export format {fmt!r}", expected="html, md or csv")
    return Export(fmt, content, f"{name}.{fmt}")
