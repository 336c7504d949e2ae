"""Resuming a stored run that did not finish: its configuration rebuilt from the store, checked to
be still the same run, and executed again over the examples it is missing only (the runner's
``execute(..., resume=True)`` keeps what finished)."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, Mapping

from .data import DataSpec
from .methods import ProgressEvent
from .runner import PreparedRun, RunOutcome, RunSpec, execute, prepare
from .store import RunStore


def spec_from_config(config: Mapping[str, Any]) -> RunSpec:
    """The RunSpec a stored run was made from (``config['spec']`` is ``asdict(RunSpec)``): fields
    added since take their defaults, fields removed since are dropped."""
    from dataclasses import fields

    raw = dict(config.get("spec") or {})
    data_raw = raw.pop("data", None) or {}
    data = DataSpec(**{f.name: data_raw[f.name] for f in fields(DataSpec) if f.name in data_raw})
    known = {f.name for f in fields(RunSpec)} - {"data"}
    return RunSpec(data=data, **{k: v for k, v in raw.items() if k in known})


def prepare_resume(run: Mapping[str, Any], *, device: str | None = None, batch_size: int | None = None) -> PreparedRun:
    """Prepare a stored run (a store row) again from its stored configuration, and check it is
    still the same run: the same data content, model, parameters and dtype, so that the
    predictions it kept and those still to make belong to one result. ``device`` and
    ``batch_size`` may differ from the first attempt: neither is part of a run's identity."""
    from dataclasses import replace

    from .errors import RUN, StoreError

    run_id, config = run["run_id"], run.get("config") or {}
    if "spec" not in config:
        raise StoreError(f"run {run_id[:12]} has no stored configuration to resume from", fix="start it afresh from its configuration", field=RUN)
    spec = spec_from_config(config)
    if isinstance(config.get("params"), dict):
        # The parameters as resolved the first time: what came from the environment then (the
        # chat server from $OPENAI_BASE_URL) stays the run's, whatever this shell says now.
        spec = replace(spec, params=config["params"])
    if device is not None:
        spec = replace(spec, device=device)
    if batch_size is not None:
        spec = replace(spec, batch_size=batch_size)
    prep = prepare(spec)
    if prep.run_id != run_id:
        before = config.get("identity") or {}
        same = lambda k: json.dumps(before.get(k), sort_keys=True, default=str) == json.dumps(prep.identity.get(k), sort_keys=True, default=str)  # noqa: E731
        what = {"data": "the data's content", "model": "the model's files", "params": "the parameters", "dtype": "the dtype", "version": "the workbench's results code"}
        changed = [what.get(k, k) for k in prep.identity if not same(k)] or ["its configuration"]
        raise StoreError(
            f"run {run_id[:12]} cannot be resumed: {', '.join(changed)} changed since it started (it would now be run {prep.run_id[:12]})",
            fix="put back what changed and resume again, or start it afresh (the old run's partial report stays stored)",
            field=RUN,
        )
    return prep


def resume(
    run_ref: str,
    store: RunStore,
    *,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    cancel_event: threading.Event | None = None,
    device: str | None = None,
    batch_size: int | None = None,
    on_prepared: Callable[[PreparedRun], None] | None = None,
) -> RunOutcome:
    """Continue a stored run that did not finish (its process died, or it was cancelled or
    failed) with its stored configuration, predicting only the examples it is missing; the
    report covers all of them. A finished run is returned as stored (``reused``). ``run_ref``: a
    run id or a unique prefix of one. Raises WorkbenchError when the run cannot be resumed: a
    live process still computes it, or its data or model changed."""
    run = store.get(run_ref)
    if run["status"] == "done" and run["report"]:
        return RunOutcome(run["run_id"], "done", run["report"], reused=True)
    store.check_not_live(run["run_id"])  # before loading data and model; claimed for good in execute
    prep = prepare_resume(run, device=device, batch_size=batch_size)
    if on_prepared is not None:  # the UI shows the device and size before the model loads
        on_prepared(prep)
    return execute(prep, store, on_progress=on_progress, cancel_event=cancel_event, resume=True)
