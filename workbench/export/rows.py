"""The figures every format shows alike: the metrics table's rows, a setting's value as text, and
where an example came from."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .gather import RunExport

if TYPE_CHECKING:
    from ..store import StoredPrediction


def fig(value: Any, digits: int = 4) -> str:
    return "-" if value is None else f"{float(value):.{digits}f}"


def setting_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def origin(p: "StoredPrediction") -> str:
    """Where an example came from, in words: its id, its file row, or its place in the split."""
    if p.row_id is not None:
        return f"id {p.row_id}" + (f" (row {p.row})" if p.row is not None else "")
    if p.row is not None:
        return f"row {p.row}"
    return f"example {p.idx}"  # a run stored before rows were kept


def metrics_rows(rx: RunExport) -> list[tuple[str, Any, Any]]:
    """(figure, value, 95% interval) of the report's headline figures (the metric registry's,
    workbench/metric_registry.py) and its calibration and coverage figures."""
    from ..metric_registry import metrics_for

    r = rx.report

    def ci(iv: tuple[float, float] | None) -> str:
        return f"[{iv[0]:.4f}, {iv[1]:.4f}]" if iv else "-"

    rows: list[tuple[str, Any, Any]] = []
    for m in metrics_for(r.task, group="classification"):
        value = m.value(r)
        if m.name == "invalid":
            rows.append((m.label, f"{r.invalid} of {r.n}" + (" (counted as wrong)" if r.invalid else ""), "-"))
        else:
            rows.append((m.label, fig(value, m.digits), ci(m.interval(r))))
    if r.truncated:
        rows.append(("truncated", f"{r.truncated} of {r.n} (only their start was classified)", "-"))
    cal, sel = r.calibration, r.selective
    if cal is not None:
        rows += [("ECE", fig(cal.ece), ci(cal.ece_ci95)), ("MCE", fig(cal.mce), "-"), ("Brier", fig(cal.brier), "-"), ("log-loss", fig(cal.log_loss), "-")]
        after = cal.after_scaling
        if after is not None:
            rows.append(("ECE after scaling", fig(after.ece), f"temperature {fig(after.temperature, 3)} fitted on {after.fitted_on}"))
    if sel is not None:
        rows.append(("AURC", fig(sel.aurc), "-"))
        rows += [(f"accuracy at {cov:.0%} coverage", fig(acc), "-") for cov, acc in sel.accuracy_at.items()]
        reach = sel.coverage_at_target
        rows.append((f"highest coverage at accuracy ≥ {sel.target_accuracy:g}", "none" if reach is None else f"{reach:.1%}", "-"))
    return rows
