"""Resuming a stored run that did not finish: its configuration rebuilt from the store, checked to
be still the same run, and executed again over the examples it is missing only (the runner's
``execute(..., resume=True)`` keeps what finished)."""

from __future__ import annotations

import json
import threading
from typing import Callable

from .caches import Caches
from .methods import ProgressEvent
from .runner import execute, prepare
from .spec import PreparedRun, RunOutcome
from .store import RunStore, StoredRun


def prepare_resume(
    run: StoredRun, *, device: str | None = None, batch_size: int | None = None, trust_remote_code: bool = False,
    store: RunStore | None = None, devices: str | None = None,
) -> PreparedRun:  # fmt: skip
    """Prepare a stored run (a store row) again from its stored configuration, and check it is
    still the same run: the same data content, model, parameters and dtype, so that the
    predictions it kept and those still to make belong to one result. ``device`` and
    ``batch_size`` may differ from the first attempt: neither is part of a run's identity.
    ``trust_remote_code`` is never taken from the store: a model folder's own code runs on a
    resume only when the user asks for it again, for this resume. ``store``: where a model
    folder's file digests are remembered (models.folder_identity)."""
    from dataclasses import replace

    from .errors import RUN, StoreError

    run_id, config = run.run_id, run.config
    if not config.has_spec:
        raise StoreError(f"run {run_id[:12]} has no stored configuration to resume from", fix="start it afresh from its configuration", field=RUN)
    spec = replace(config.spec(), trust_remote_code=trust_remote_code)
    if config.params is not None:
        # The parameters as resolved the first time: what came from the environment then (the
        # chat server from $OPENAI_BASE_URL) stays the run's, whatever this shell says now.
        spec = replace(spec, params=config.params)
    if device is not None:
        spec = replace(spec, device=device)
    if batch_size is not None:
        spec = replace(spec, batch_size=batch_size)
    if devices is not None:  # not part of the identity either (workbench/scaleout.py)
        spec = replace(spec, devices=devices)
    prep = prepare(spec, store)
    if prep.run_id != run_id:
        before = config.identity
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
    caches: Caches | None = None,
    trust_remote_code: bool = False,
    retry_errors: bool = False,
    devices: str | None = None,
) -> RunOutcome:
    """Continue a stored run that did not finish (its process died, or it was cancelled or
    failed) with its stored configuration, predicting only the examples it is missing; the
    report covers all of them. A finished run is returned as stored (``reused``). ``run_ref``: a
    run id or a unique prefix of one. Raises WorkbenchError when the run cannot be resumed: a
    live process still computes it, or its data or model changed. ``retry_errors``: ask again
    for the stored examples whose outcome is an error (no answer came), never for stored answers
    or invalid answers; a finished run with errors is taken up again for them."""
    run = store.get(run_ref)
    if run.status == "done" and run.report and not (retry_errors and store.count_errors(run.run_id)):
        return RunOutcome(run.run_id, "done", run.report, reused=True)
    store.check_writable()  # a read-only store can show the run, not take it up again
    store.check_not_live(run.run_id)  # before loading data and model; claimed for good in execute
    prep = prepare_resume(run, device=device, batch_size=batch_size, trust_remote_code=trust_remote_code, store=store, devices=devices)
    if on_prepared is not None:  # the UI shows the device and size before the model loads
        on_prepared(prep)
    return execute(prep, store, on_progress=on_progress, cancel_event=cancel_event, resume=True, caches=caches, retry_errors=retry_errors)
