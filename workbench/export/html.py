"""A run (or a comparison of two) as one self-contained HTML page: settings, metrics with
intervals, the per-class table, the confusion matrix as a heat map, the reliability diagram, the
risk-coverage curve, slices, the top confusions with example texts, and for a comparison the
metric deltas, McNemar's test, the flips and the configuration diff.

Self-contained: the style is inline (style.py), the plots are inline SVG (svg.py), there is no
script, and a Content-Security-Policy forbids any fetch, so the page opens the same from a file on
a laptop. Every text of the data (texts, class names, parameters, notes) is escaped with
``html.escape`` (:func:`esc`) where it is written; markup built here is marked :class:`Safe`."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Sequence

from ..compare import Flip
from ..metric_registry import metric
from .gather import ExportData, RunExport
from .rows import fig, metrics_rows, origin, setting_text
from .style import CSS
from .svg import confusion_svg, esc, reliability_svg, risk_coverage_svg

MAX_FLIPS = 200
"""Flipped examples listed each way (the count says how many there are)."""

TEXT_CUT = 400
"""Characters of an example text shown (the CSV export has them whole)."""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing is fetched, no script runs: what the page shows is in the page."""


class Safe(str):
    """Markup built here from escaped parts: written as it is."""


class Td(Safe):
    """A whole table cell, ``<td ...>...</td>``, with attributes of its own (a class, a style)."""


def _cell(value: Any) -> str:
    return value if isinstance(value, Safe) else esc("-" if value is None else value)


def _cut(text: str, width: int = TEXT_CUT) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = (), *, klass: str = "") -> Safe:
    """A table; every cell escaped unless :class:`Safe`. ``numeric``: right-aligned columns."""
    nums = set(numeric)
    head = "".join(f'<th class="n">{esc(h)}</th>' if j in nums else f"<th>{esc(h)}</th>" for j, h in enumerate(headers))
    body = []
    for row in rows:
        tds: list[str] = []
        for j, value in enumerate(row):
            if isinstance(value, Td):
                tds.append(value)
            else:
                tds.append(f'<td class="n">{_cell(value)}</td>' if j in nums else f"<td>{_cell(value)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    cls = f' class="{klass}"' if klass else ""
    return Safe(f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _when(timestamp: float | None) -> str:
    if not timestamp:
        return "-"
    return _dt.datetime.fromtimestamp(timestamp, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------- one run


def settings_section(rx: RunExport) -> list[str]:
    r, run = rx.report, rx.run
    t = r.timing
    spec = run.config.raw.get("spec") if run.config.has_spec else None
    data = (spec or {}).get("data") or {}
    rows: list[tuple[str, Any]] = [
        ("run", Safe(f"<code>{esc(r.run_id)}</code>")),
        ("status", r.status),
        ("method", r.method),
        ("model", r.model),
        ("model location", run.config.model_location),
        ("data", r.dataset),
        ("split", r.split),
        ("examples", r.n),
    ]
    for key, name in (("train_split", "train split"), ("text_column", "text column"), ("label_column", "label column"), ("limit", "limit"), ("seed", "seed")):
        if data.get(key) is not None:
            rows.append((name, setting_text(data[key])))
    rows += [
        ("device", f"{r.device or '-'}" + (f" {r.dtype}" if r.dtype else "") + (f", batch size {r.batch_size}" if r.batch_size else "")),
        ("time", f"load {fig(t.load_s, 2)} s, fit {fig(t.fit_s, 2)} s, predict {fig(t.predict_s, 2)} s ({t.examples_per_s:.1f} examples/s)"),
        ("created", _when(r.created_at or run.created_at)),
        ("scores", r.score_rule),
    ]
    params = run.config.params if run.config.params is not None else r.params
    rows += [(f"param {k}", setting_text(v)) for k, v in sorted(params.items())]
    for key, value in r.details.items():
        for item in value if isinstance(value, list) else [value]:
            rows.append((key.replace("_", " "), setting_text(item)))
    if r.versions:
        rows.append(("versions", ", ".join(f"{k} {v}" for k, v in r.versions.items())))
    out = ["<h2>Settings</h2>", table(("setting", "value"), rows)]
    full = run.config.settings()
    if full:
        out.append("<details><summary>the whole stored configuration</summary>" + table(("name", "value"), ((k, setting_text(v)) for k, v in sorted(full.items()))) + "</details>")
    return out


def per_class_section(rx: RunExport) -> list[str]:
    r = rx.report
    invalid = r.invalid_by_gold if r.invalid_by_gold and any(r.invalid_by_gold) else None
    rows = []
    for i, name in enumerate(r.labels):
        pc = r.per_class.get(name)
        if pc is None:
            continue
        f1 = Td(f'<td class="n bar" style="--w: {pc.f1 * 100:.1f}%">{pc.f1:.4f}</td>')
        rows.append([name, fig(pc.precision), fig(pc.recall), f1, pc.support] + ([invalid[i]] if invalid else []))
    headers = ["class", "precision", "recall", "F1", "support"] + (["invalid"] if invalid else [])
    return ["<h2>Per class</h2>", table(headers, rows, numeric=range(1, len(headers)))]


def matrix_section(rx: RunExport, caption: str = "") -> list[str]:
    r = rx.report
    legend = '<p class="legend muted">rows: gold class, columns: predicted, in the label order of the per-class table; colour: share of the gold row<span class="d"></span>right<span class="o"></span>wrong; hover a cell for its figures</p>'
    svg = confusion_svg(r.confusion_matrix, r.labels, r.invalid_by_gold, caption=caption or f"confusion matrix of run {r.run_id[:12]}")
    return ["<h2>Confusion matrix</h2>", legend, f'<div class="scroll matrix">{svg}</div>']


def confusions_section(rx: RunExport) -> list[str]:
    if not rx.confusions:
        return ["<h2>Top confusions</h2>", "<p>none: every answer is right</p>"]
    rows = []
    for n, ce in enumerate(rx.confusions, 1):
        c = ce.confusion
        examples = "".join(f"<li><span class=\"muted\">{esc(origin(p))}</span> {esc(_cut(p.text))}</li>" for p in ce.examples)
        rows.append([n, rx.label(c.gold), rx.label(c.pred), c.count, f"{c.share:.0%}", Td(f'<td class="text"><ul>{examples}</ul></td>')])
    return [
        "<h2>Top confusions</h2>",
        '<p class="muted">gold class taken for another, most frequent first; the share is of the gold class\'s examples</p>',
        table(("#", "gold", "predicted", "count", "share", "examples"), rows, numeric=(0, 3, 4)),
    ]


def confidence_section(rx: RunExport) -> list[str]:
    r = rx.report
    if r.calibration is None and not rx.curve:
        return ["<h2>Confidence</h2>", f"<p>{esc(r.score_rule or 'the method gives no class probabilities')}: no reliability diagram or risk-coverage curve</p>"]
    figs = []
    if r.calibration is not None and r.calibration.bins:
        figs.append(f"<figure>{reliability_svg(r.calibration.bins)}<figcaption>reliability: accuracy per confidence bin (bars), mean confidence (dots), the diagonal is perfect calibration</figcaption></figure>")
    if rx.curve:
        sel = r.selective
        svg = risk_coverage_svg(rx.curve, sel.target_accuracy if sel else None, sel.coverage_at_target if sel else None)
        figs.append(f"<figure>{svg}<figcaption>risk-coverage: accuracy when answering only the most confident share; dashed: the target accuracy</figcaption></figure>")
    return ["<h2>Confidence</h2>", f'<div class="plots">{"".join(figs)}</div>']


def _ci(iv: tuple[float, float] | None) -> str:
    return f"[{iv[0]:.4f}, {iv[1]:.4f}]" if iv else "-"


def slices_section(rx: RunExport) -> list[str]:
    """The report's figures per slice of each column asked for (``--slice-by``), and its weakest slice."""
    r = rx.report
    if not r.slices:
        return []
    out = ["<h2>Slices</h2>"]
    weakest = r.weakest_slice()
    if weakest is not None:
        column, s = weakest
        out.append(f"<p>weakest slice: <strong>{esc(column)} = {esc(s.value)}</strong>, accuracy {s.accuracy:.4f} over {s.n} examples</p>")
    for column, figures in r.slices.items():
        rows = [
            [s.value, s.n, fig(s.accuracy), _ci(s.ci95.accuracy), fig(s.f1_macro), _ci(s.ci95.f1_macro), s.invalid, "under 30 examples: a wide interval" if s.small else ""]
            for s in figures
        ]
        out += [f"<h3>{esc(column)}</h3>", table(("value", "n", "accuracy", "95% interval", "macro F1", "95% interval", "invalid", "note"), rows, numeric=(1, 2, 4, 6))]
    return out


def slice_deltas_section(data: ExportData) -> list[str]:
    """Each slice's figures in both runs over the examples both predicted (run A's rows decide)."""
    if not data.slice_deltas:
        return []
    out = ["<h2>Slices, A and B</h2>", '<p class="muted">over the examples both runs predicted; run A\'s rows decide the slice</p>']
    for column, deltas in data.slice_deltas.items():
        rows = [
            [d.value, d.a.n, fig(d.a.accuracy), fig(d.b.accuracy), _delta_cell("accuracy", d.accuracy_delta), fig(d.a.f1_macro), fig(d.b.f1_macro), _delta_cell("f1_macro", d.f1_delta)]
            for d in deltas
        ]
        out += [f"<h3>{esc(column)}</h3>", table(("value", "n", "accuracy A", "accuracy B", "B − A", "macro F1 A", "macro F1 B", "B − A"), rows, numeric=(1, 2, 3, 5, 6))]
    return out


def _delta_cell(name: str, delta: float | None, digits: int = 4) -> Td:
    """B - A, coloured by whether it is an improvement (the metric registry's rule)."""
    better = metric(name).improved(delta)
    klass = "n" if better is None else f"n {'good' if better else 'bad'}"
    return Td(f'<td class="{klass}">{esc("-" if delta is None else f"{delta:+.{digits}f}")}</td>')


def notes_section(rx: RunExport) -> list[str]:
    if not rx.report.notes:
        return []
    return ["<h2>Notes</h2>", '<ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in rx.report.notes) + "</ul>"]


def run_sections(rx: RunExport) -> list[str]:
    return [
        "<h2>Metrics</h2>",
        table(("figure", "value", "95% interval"), metrics_rows(rx), numeric=(1,)),
        *matrix_section(rx),
        *confusions_section(rx),
        *confidence_section(rx),
        *per_class_section(rx),
        *slices_section(rx),
        *settings_section(rx),
        *notes_section(rx),
    ]


def _title(rx: RunExport) -> str:
    r = rx.report
    return f"{r.method} · {r.model or '-'} · {r.dataset} [{r.split}]"


def _head_line(rx: RunExport) -> str:
    r = rx.report
    return f"run {r.run_id[:12]} · n={r.n} · {r.status} · {_when(r.created_at or rx.run.created_at)}"


# ---------------------------------------------------------------- comparison


def comparison_sections(data: ExportData) -> list[str]:
    c, a, b = data.comparison, data.a, data.b
    assert c is not None and b is not None
    rows = [[m.label, fig(d.a, m.digits), fig(d.b, m.digits), _delta_cell(m.name, d.delta, m.digits)] for m, d in c.rows()]
    out = ["<h2>Metric deltas</h2>", table(("figure", "A", "B", "B − A"), rows, numeric=(1, 2))]
    test = c.mcnemar
    out.append("<h2>McNemar's test</h2>")
    if test is None:
        out.append("<p>not computed: no example is in both runs</p>")
    else:
        verdict = "the difference is significant at 5%" if test.p_value < 0.05 else "no significant difference at 5%"
        out.append(
            f"<p>{c.paired} paired examples; right only in A: {test.a_only}, right only in B: {test.b_only}; "
            f"{esc(test.method)}: statistic {test.statistic:.3f}, p = {test.p_value:.4g}. <strong>{verdict}</strong></p>"
        )
    out += [f'<p class="muted">note: {esc(n)}</p>' for n in c.notes]
    out.append("<h2>Configuration diff</h2>")
    if c.config_diff:
        out.append(table(("setting", "A", "B"), ((name, "(default)" if va is None else setting_text(va), "(default)" if vb is None else setting_text(vb)) for name, va, vb in c.config_diff)))
    else:
        out.append("<p>the two configurations are the same</p>")
    out += slice_deltas_section(data)
    out.append("<h2>Flipped examples</h2>")
    by_idx = {p.idx: p for p in a.predictions}
    both_ways: list[tuple[str, list[Flip]]] = [("right in A, wrong in B", c.right_to_wrong), ("wrong in A, right in B", c.wrong_to_right)]
    for title, flips in both_ways:
        listed = flips[:MAX_FLIPS]
        more = f" (the first {MAX_FLIPS} listed)" if len(flips) > MAX_FLIPS else ""
        out.append(f"<h3>{esc(title)}: {len(flips)}{esc(more)}</h3>")
        if listed:
            flip_rows = [
                [origin(by_idx[f.idx]) if f.idx in by_idx else f"example {f.idx}", a.label(f.gold), a.label(f.pred_a), b.label(f.pred_b), Td(f'<td class="text">{esc(_cut(f.text))}</td>')]
                for f in listed
            ]
            out.append(table(("example", "gold", "A", "B", "text"), flip_rows))
    return out


# ---------------------------------------------------------------- the page


def _page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def render_html(data: ExportData) -> str:
    """The page of ``data`` (one run, or two compared)."""
    a = data.a
    if not data.compared:
        body = [f"<h1>{esc(_title(a))}</h1>", f'<p class="sub">{esc(_head_line(a))} · workbench report</p>', *run_sections(a)]
        return _page(f"workbench: {_title(a)}", body)
    b = data.b
    assert b is not None
    body = [
        f"<h1>{esc(a.report.method)} vs {esc(b.report.method)}</h1>",
        f'<p class="sub">A: {esc(_title(a))} · {esc(_head_line(a))}<br>B: {esc(_title(b))} · {esc(_head_line(b))}</p>',
        *comparison_sections(data),
    ]
    for tag, rx in (("A", a), ("B", b)):
        body += [f'<h1 style="margin-top: 40px">Run {tag}: {esc(_title(rx))}</h1>', f'<p class="sub">{esc(_head_line(rx))}</p>', *run_sections(rx)]
    return _page(f"workbench: {_title(a)} vs {_title(b)}", body)
