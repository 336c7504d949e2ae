"""A run's predictions as CSV (the csv module's quoting, so texts with commas, quotes and newlines
read back whole), one row per prediction: where it came from, the text, gold and predicted
class, whether it is right, the score of the predicted class and of every class, why an answer
is invalid, and the row's other columns. For a comparison, A's rows then B's (the ``run``
column tells them apart)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .gather import ExportData, RunExport

FIXED = ("run", "row", "row_id", "example", "split", "text", "gold", "predicted", "correct", "score")
"""The leading columns. ``row``: the split file's row (0-based, as read); ``row_id``: the value of
the data's id column; ``example``: the place among the evaluated examples."""


def invalid_reason(p: Any) -> str:
    """Why a prediction has no label: the error (no answer came), else the answer that named no
    class; empty for a valid prediction."""
    if p.pred is not None:
        return ""
    if p.error:
        return f"error: {p.error}"
    return f"no class in the answer: {p.raw}" if p.raw else "no answer"


def _meta_columns(runs: list[RunExport], taken: set[str]) -> list[tuple[str, str]]:
    """(the row's column, its CSV header) for every metadata column, in first-seen order; a name
    that is one of ours is prefixed ``meta:``."""
    names = dict.fromkeys(k for rx in runs for p in rx.predictions for k in p.meta)
    return [(k, f"meta:{k}" if k in taken else k) for k in names]


def _value(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float)) else json.dumps(value, ensure_ascii=False, default=str)


def render_csv(data: ExportData) -> str:
    runs = [data.a] + ([data.b] if data.compared and data.b is not None else [])
    labels = list(dict.fromkeys(name for rx in runs for name in rx.label_names))
    score_cols = [f"score:{name}" for name in labels]
    taken = set(FIXED) | set(score_cols) | {"invalid_reason"}
    meta = _meta_columns(runs, taken)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED, *score_cols, "invalid_reason", *(header for _, header in meta)])
    for rx in runs:
        names = rx.label_names
        for p in rx.predictions:
            scores = dict(zip(names, p.scores)) if p.scores else {}
            score = f"{p.scores[p.pred]:.6g}" if p.scores and p.pred is not None and 0 <= p.pred < len(p.scores) else ""
            writer.writerow(
                [
                    rx.report.run_id[:12], "" if p.row is None else p.row, "" if p.row_id is None else p.row_id, p.idx, rx.report.split, p.text,
                    rx.label(p.gold), "" if p.pred is None else rx.label(p.pred), int(p.pred == p.gold), score,
                    *(f"{scores[name]:.6g}" if name in scores else "" for name in labels),
                    invalid_reason(p), *(_value(p.meta.get(key)) for key, _ in meta),
                ]
            )  # fmt: skip
    return out.getvalue()
