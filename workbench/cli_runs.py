"""``workbench runs``: the stored runs, one a line (whole: a pipe gets every character, so
`workbench runs | grep ag_news` finds a long data path; the CLI cuts them to a terminal's width),
or as JSON (``--json``), filtered by data source and method."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Engine
    from .store import StoredRun

MODEL_WIDTH = 24
"""Characters of a model name shown in its column."""


def select_runs(engine: "Engine", limit: int | None, *, data: str | None = None, method: str | None = None) -> "list[StoredRun]":
    """The stored runs, newest first, whose data source contains ``data`` and whose method is
    ``method`` (when given), at most ``limit`` of them."""
    runs = engine.runs(None if data or method else limit)
    runs = [r for r in runs if (not data or data in r.dataset) and (not method or r.method == method)]
    return runs[: max(limit, 0)] if limit is not None else runs


def run_lines(runs: "list[StoredRun]") -> list[str]:
    """One line a run: the id, status, figures and split first, so they show at 80 columns (a
    sweep's validation runs apart from its test runs); then method, model and what sets the run
    apart (label texts, prompt, dtype); where and when last, cut first when space runs out."""
    from .describe import describe_run

    model_w = min(MODEL_WIDTH, max((len(r.model or "-") for r in runs), default=1))
    split_w = max((len(r.split) for r in runs), default=1)
    lines = []
    for r in runs:
        rep = r.report
        when = _dt.datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M")
        figures = f"acc {rep.accuracy:.4f}  f1 {rep.f1_macro:.4f}" if rep else "-"
        status = r.shown_status  # 'interrupted': its process is gone (then resumable); 'damaged'
        if r.damaged:
            figures = f"{r.progress} predicted  ({r.damaged})"
        elif r.status != "done":  # how far it got
            figures = f"{r.progress} predicted  " + (f"{figures} (partial)" if rep else "-")
        model = r.model or "-"
        model = model if len(model) <= model_w else model[: model_w - 1] + "…"
        what = describe_run(r)
        lines.append(
            f"{r.run_id[:12]}  {status:<11}  {figures}  {r.split:<{split_w}}  {r.method:<14}  {model:<{model_w}}  {what + '  ' if what else ''}{r.dataset} n={r.n}  {when}"
        )
    return lines


def run_json(r: "StoredRun") -> dict[str, Any]:
    """One stored run as ``runs --json`` writes it."""
    from .describe import describe_run

    rep = r.report
    return {
        "run_id": r.run_id, "status": r.shown_status, "method": r.method, "model": r.model, "dataset": r.dataset, "split": r.split,
        "n": r.n, "predicted": r.predicted, "created_at": r.created_at, "finished_at": r.finished_at,
        "accuracy": rep.accuracy if rep else None, "f1_macro": rep.f1_macro if rep else None, "invalid": rep.invalid if rep else None,
        "description": describe_run(r), "params": r.config.params, "error": r.error, "damaged": r.damaged,
    }  # fmt: skip
