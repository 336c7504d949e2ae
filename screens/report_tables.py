"""The report's figures as table rows and text: the metrics with their bootstrap intervals, the
per-class table, the run's one-line header and its timing, details and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

from workbench.results import note_line

from .format import SortCell, figure, one_line, seconds

if TYPE_CHECKING:
    from workbench.results import Report

def head_line(report: "Report") -> str:
    return (
        f"{report.run_id[:12]} · {report.method} · {report.model} · "
        f"{report.dataset} [{report.split}, n={report.n}] · {report.status}"
    )


def fill_metrics(table: DataTable, report: "Report") -> None:
    table.clear(columns=True)
    table.add_column("metric", key="metric")
    table.add_column(Text("value", justify="right"), key="value")
    table.add_column(Text("95% CI (bootstrap)", justify="right"), key="ci")
    from workbench.metric_registry import metrics_for

    for m in metrics_for(report.task, group="classification", headline=True):  # the registry's order
        if m.name == "invalid":  # a count, with its share instead of an interval
            invalid = report.invalid
            share = f"{invalid / report.n:.1%} of all, counted wrong" if invalid and report.n else ""
            table.add_row(m.label, SortCell(invalid, str(invalid)), SortCell(None, share), key=m.name)
            continue
        value = m.value(report)
        if value is None:
            continue
        interval = m.interval(report)
        shown = f"[{interval[0]:.4f}, {interval[1]:.4f}]" if interval else ""
        table.add_row(m.label, SortCell(value, figure(value)), SortCell(interval, shown), key=m.name)


CLASS_WIDTH = 26
"""Characters of a class name in the per-class table (longer ones cut): the figures stay in view."""

ORDER_NAMES = {"label": "class", "f1": "class · by F1, lowest first", "support": "class · by support"}


def fill_per_class(table: DataTable, report: "Report", order: str = "label") -> None:
    """The per-class figures, the classes in ``order`` (workbench/confusions.py class_order)."""
    from workbench.confusions import class_order, fit_names

    table.clear(columns=True)
    table.add_column(ORDER_NAMES.get(order, "class"), key="class")
    for col in ("precision", "recall", "f1", "support"):
        table.add_column(Text(col, justify="right"), key=col)
    shown = fit_names([one_line(name) for name in report.labels], CLASS_WIDTH)  # told apart when cut
    for i in class_order(report, order):
        name = report.labels[i]
        pc = report.per_class[name]
        table.add_row(
            Text(shown[i], style="bold"),
            *(SortCell(v, figure(v)) for v in (pc.precision, pc.recall, pc.f1)),
            SortCell(pc.support, str(pc.support)),
            key=name,
        )


def details_text(report: "Report") -> str:
    t = report.timing
    lines = [
        f"device {report.device or '-'}{' ' + report.dtype if report.dtype else ''}  ·  load {seconds(t.load_s)}  ·  fit {seconds(t.fit_s)}"
        f"  ·  predict {seconds(t.predict_s)}  ·  {t.examples_per_s:.1f} examples/s"
    ]
    shown = {k: v for k, v in report.params.items() if v not in (None, {}, [])}
    if shown:
        lines.append("params: " + "  ".join(f"{k}={v!r}" for k, v in shown.items()))
    for key, value in report.details.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key.replace('_', ' ')}: {item}")
    if report.score_rule:
        lines.append(f"scores: {report.score_rule}")
    for note in report.notes:
        lines.append(note_line(note))
    return "\n".join(lines)
