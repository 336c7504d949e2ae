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
    """(figure, value, 95% interval) of the report's headline and confidence figures."""
    r = rx.report

    def ci(key: str) -> str:
        iv = r.ci95.of(key)
        return f"[{iv[0]:.4f}, {iv[1]:.4f}]" if iv else "-"

    rows: list[tuple[str, Any, Any]] = [
        ("accuracy", fig(r.accuracy), ci("accuracy")),
        ("macro F1", fig(r.f1_macro), ci("f1_macro")),
        ("weighted F1", fig(r.f1_weighted), "-"),
        ("macro precision", fig(r.precision_macro), "-"),
        ("macro recall", fig(r.recall_macro), "-"),
        ("weighted precision", fig(r.precision_weighted), "-"),
        ("weighted recall", fig(r.recall_weighted), "-"),
        ("invalid", f"{r.invalid} of {r.n}" + (" (counted as wrong)" if r.invalid else ""), "-"),
    ]
    if r.truncated:
        rows.append(("truncated", f"{r.truncated} of {r.n} (only their start was classified)", "-"))
    cal, sel = r.calibration, r.selective
    if cal:
        lo, hi = cal.get("ece_ci95") or (None, None)
        rows.append(("ECE", fig(cal.get("ece")), f"[{lo:.4f}, {hi:.4f}]" if lo is not None and hi is not None else "-"))
        rows += [("MCE", fig(cal.get("mce")), "-"), ("Brier", fig(cal.get("brier")), "-"), ("log-loss", fig(cal.get("log_loss")), "-")]
        after = cal.get("after_scaling")
        if after:
            rows.append(("ECE after scaling", fig(after.get("ece")), f"temperature {fig(after.get('temperature'), 3)} fitted on {after.get('fitted_on')}"))
    if sel:
        rows.append(("AURC", fig(sel.get("aurc")), "-"))
        for cov, acc in (sel.get("accuracy_at") or {}).items():
            rows.append((f"accuracy at {float(cov):.0%} coverage", fig(acc), "-"))
        reach = sel.get("coverage_at_target")
        rows.append((f"highest coverage at accuracy ≥ {sel.get('target_accuracy')}", "none" if reach is None else f"{reach:.1%}", "-"))
    return rows
