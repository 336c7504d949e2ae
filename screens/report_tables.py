"""The report's figures as table rows and text: the metrics with their bootstrap intervals, the
per-class table, the run's one-line header and its timing, details and notes."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from .format import SortCell, figure, seconds

METRICS = (
    ("accuracy", "accuracy"), ("macro F1", "f1_macro"), ("weighted F1", "f1_weighted"),
    ("macro precision", "precision_macro"), ("macro recall", "recall_macro"),
)  # fmt: skip


def head_line(report: dict[str, Any]) -> str:
    return (
        f"{report['run_id'][:12]} · {report['method']} · {report['model']} · "
        f"{report['dataset']} [{report['split']}, n={report['n']}] · {report.get('status', 'done')}"
    )


def fill_metrics(table: DataTable, report: dict[str, Any]) -> None:
    table.clear(columns=True)
    table.add_column("metric", key="metric")
    table.add_column(Text("value", justify="right"), key="value")
    table.add_column(Text("95% CI (bootstrap)", justify="right"), key="ci")
    ci = report.get("ci95") or {}
    for name, key in METRICS:
        if key not in report:
            continue
        interval = ci.get(key)
        shown = f"[{interval[0]:.4f}, {interval[1]:.4f}]" if interval else ""
        table.add_row(name, SortCell(report[key], figure(report[key])), SortCell(interval, shown), key=key)
    invalid = report.get("invalid", 0)
    share = f"{invalid / report['n']:.1%} of all, counted wrong" if invalid and report.get("n") else ""
    table.add_row("invalid", SortCell(invalid, str(invalid)), SortCell(None, share), key="invalid")


def fill_per_class(table: DataTable, report: dict[str, Any]) -> None:
    table.clear(columns=True)
    table.add_column("class", key="class")
    for col in ("precision", "recall", "f1", "support"):
        table.add_column(Text(col, justify="right"), key=col)
    for name in report["labels"]:
        pc = report["per_class"][name]
        table.add_row(
            Text(name, style="bold"),
            *(SortCell(pc[k], figure(pc[k])) for k in ("precision", "recall", "f1")),
            SortCell(pc["support"], str(pc["support"])),
            key=name,
        )


def details_text(report: dict[str, Any]) -> str:
    t = report.get("timing") or {}
    lines = [
        f"device {report.get('device', '-')}{' ' + report['dtype'] if report.get('dtype') else ''}  ·  load {seconds(t.get('load_s'))}  ·  fit {seconds(t.get('fit_s'))}"
        f"  ·  predict {seconds(t.get('predict_s'))}  ·  {t.get('examples_per_s', 0):.1f} examples/s"
    ]
    params = report.get("params") or {}
    shown = {k: v for k, v in params.items() if v not in (None, {}, [])}
    if shown:
        lines.append("params: " + "  ".join(f"{k}={v!r}" for k, v in shown.items()))
    for key, value in (report.get("details") or {}).items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key.replace('_', ' ')}: {item}")
    for note in report.get("notes") or []:
        lines.append(f"note: {note}")
    return "\n".join(lines)
