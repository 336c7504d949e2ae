"""Running an evaluation: prepare (data, model, identity), execute (load, fit, predict per batch,
store as it goes), report. The CLI and the UI both call :func:`prepare` and :func:`execute`."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
from functools import partial
from typing import Any, Callable

from .caches import Caches
from .data import load_dataset
from .device_pool import DevicePool
from .errors import BATCH_SIZE, RUN, Cancelled, StoreError, WorkbenchError
from .methods import Method, MethodConfig, Phase, Prediction, ProgressEvent, RunContext, get_method, identity_params, resolve_params
from .metrics import compute_metrics
from .models import NO_MODEL, DigestCache, check_available, library_versions, pick_device, resolve_model
from .precision import check_dtype, resolve_dtype
from .prefetch import NOT_PREPARED, Prefetcher, prefetch_enabled
from .results import Report, RunConfig
from .scaleout import check_ray_reachable, import_ray, predict_on_ray, resolve_devices
from .scaling import calibration_split_of, fit_scaling, report_confidence
from .spec import PreparedRun, RunOutcome, RunSpec
from .split_checks import fit_split_warnings
from .steps import back_off, fitted_method, predict_batch, run_context, shrinking_on_oom
from .store import RunStore
from .truncation import longest_first, model_tokens, text_lengths, truncation_note

IDENTITY_VERSION = 3
"""Bump when a change to the code changes results, so old runs are not reused as if identical.
2: every method's scores are per-class probabilities (embed-centroid and embed-zeroshot stored
raw cosine similarities before), so a stored run's scores always mean the same thing; and
content-based model identity (a local model folder is identified by the SHA-256 of its files, not
its path and file times: workbench/models.py folder_identity). Left at 2 for the latter: it came in
the same round as the former, whose bump already makes every old run id new, and a local model's
identity string changed form anyway (``sha256:...``), so no old run can be reused by mistake. In
the same round, embed-zeroshot's default label texts became phrases made from the label names ("A
negative review", answers.descriptive_label_texts), a result change the bump covers too.
3: a split's fingerprint holds each example's row in its file and its id (data.Split.fingerprint):
a stored prediction names the row it was made for, so a run over other rows of the same texts (one
more empty row before them, another --limit sample) is another run.
Not bumped when the API key file's path left the identity (``Param.in_identity``: it enters at its
default, None): no result changed, a run made without a key file keeps its id, and one made with a
key file is simply not found under its new id (its answers come back from the response cache)."""


def prepare(spec: RunSpec, digests: DigestCache | None = None) -> PreparedRun:
    """Load and check the data, resolve the model and parameters, and compute the run's identity.
    Raises WorkbenchError for anything the user must fix; loads no model. ``digests``: where a
    model folder's file digests are remembered (the engine's store; see models.folder_identity)."""
    method_cls = get_method(spec.method)
    params = resolve_params(method_cls, dict(spec.params))
    if spec.batch_size is not None and spec.batch_size < 1:
        raise WorkbenchError(f"batch size {spec.batch_size} is not a positive number", expected="1 or more examples per batch", field=BATCH_SIZE)
    dataset = load_dataset(spec.data, need_train=method_cls.uses_train(params))
    model_name = spec.model or method_cls.default_model
    model = resolve_model(model_name, digests) if model_name else NO_MODEL
    devices = resolve_devices(spec.devices, spec.ray, method_cls.runs_locally)
    if spec.ray:
        import_ray()  # says how to install it, before any model loads
        check_ray_reachable(spec.ray)  # and that a cluster answers there, in seconds
    if method_cls.runs_locally:
        device = devices[0] if devices else pick_device(spec.device)
        dtype: str | None = resolve_dtype(spec.dtype, device, float16_ok=method_cls.float16_ok)
    else:
        check_dtype(spec.dtype)
        device, dtype = "api", None
    method_cls(MethodConfig(model, dataset.label_names, params)).validate()
    if method_cls.runs_locally:  # after validate(): a bad parameter is said first, with no wait
        check_available(model, default_of=None if spec.model else spec.method)
    identity = {
        "version": IDENTITY_VERSION,
        "data": dataset.fingerprint(),
        "method": spec.method,
        "model": model.identity,
        "params": identity_params(method_cls, params),  # the key file's location is no part of it
        "dtype": dtype or "n/a",
    }
    warnings = fit_split_warnings(dataset)  # evaluated on rows the method fits on
    calibration_split = calibration_split_of(spec, dataset, identity, warnings)  # adds to the identity only when asked for
    run_id = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    return PreparedRun(spec, dataset, model, params, run_id, identity, device, dtype, calibration_split, devices, warnings)


def _config(prep: PreparedRun) -> RunConfig:
    return RunConfig.build(prep.spec, prep.model.location, prep.params, prep.identity)


def execute(
    prep: PreparedRun,
    store: RunStore,
    *,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    cancel_event: threading.Event | None = None,
    rerun: bool = False,
    resume: bool = False,
    caches: Caches | None = None,
    retry_errors: bool = False,
) -> RunOutcome:
    """Run it (or return the stored identical run unless ``rerun``). Predictions are committed per
    batch; a cancel request or Ctrl-C ends the run as 'cancelled' with what finished kept.
    ``resume``: continue the stored unfinished run of ``prep`` instead (see :func:`resume`): its
    stored predictions are kept and only the missing examples are predicted. ``retry_errors``:
    the stored examples whose outcome is an error (no answer: a refused connection, a 5xx or 429
    after the retries) are asked again too, never the stored answers nor the invalid ones; a
    stored run of ``prep``, finished or not, is then resumed rather than started over. ``caches``:
    the engine's models, fitted methods and token lengths (workbench/engine.py); none: this run's own."""
    if rerun and not resume and not retry_errors and not prep.run_id.startswith(RERUN_PREFIX):
        previous = store.find(prep.run_id)
        if previous is not None and previous.status == "done" and previous.report is not None:
            return _rerun_beside(prep, store, on_progress=on_progress, cancel_event=cancel_event, caches=caches)
    old = store.find(prep.run_id) if not resume and (retry_errors or not rerun) else None
    finished = old is not None and old.status == "done" and old.report is not None
    if old is not None and retry_errors and not rerun and (not finished or store.count_errors(prep.run_id)):
        resume = True  # keep its answers, ask again for its errors (and what it is missing)
    elif old is not None and not rerun and finished:
        return RunOutcome(prep.run_id, "done", old.report, reused=True)
    store.check_writable()  # a read-only store can show runs, not take one
    spec, ds = prep.spec, prep.dataset
    caches = caches if caches is not None else Caches()
    ctx = run_context(prep, on_progress, cancel_event, store, caches)
    retried: set[int] = set()
    if resume:
        kept = _claim_for_resume(prep, store, ctx, retried if retry_errors else None)
    else:
        store.start_run(prep.run_id, method=spec.method, model=prep.model.name, dataset=spec.data.source, split=ds.eval.name, n=len(ds.eval), config=_config(prep))
        kept = {}
    timing = {"load_s": 0.0, "fit_s": 0.0, "predict_s": 0.0, "examples_per_s": 0.0}
    done: dict[int, Prediction] = dict(kept)
    method = None
    started: float | None = None

    def predict_timing() -> None:
        """The predict phase's time and rate, also for a run cancelled part way (what it did)."""
        if started is not None:
            timing["predict_s"] = time.perf_counter() - started
            timing["examples_per_s"] = (len(done) - len(kept)) / timing["predict_s"] if timing["predict_s"] > 0 else 0.0

    # --devices: the worker processes, started when there is work for them (the train split's
    # encoding, then the prediction) and ended however the run ends.
    pool = DevicePool(prep, ctx, store) if prep.devices and not spec.ray else None
    try:
        method = fitted_method(prep, ctx, caches, timing, pool.encode_for_fit if pool else None)
        started = time.perf_counter()
        _predict_all(method, prep, store, ctx, done, caches, pool)
        if retried:
            remain = sum(done[i].error is not None for i in retried if i in done)
            ctx.notes.append(f"retried {len(retried)} stored errors: {len(retried) - remain} answered now, {remain} still errors")
        predict_timing()
        scaling = fit_scaling(prep, method, ctx, lambda texts: shrinking_on_oom(ctx, lambda: predict_batch(method, texts, ctx)))
    except (Cancelled, KeyboardInterrupt):
        if not timing["predict_s"]:
            predict_timing()
        report = _report(prep, ctx, timing, done, method, "cancelled", caches) if done else None
        store.finish_run(prep.run_id, "cancelled", report)
        return RunOutcome(prep.run_id, "cancelled", report)
    except WorkbenchError as e:
        _finish_failed(store, prep.run_id, str(e))
        return RunOutcome(prep.run_id, "failed", None, error=str(e), error_field=e.field)
    except Exception as e:
        _finish_failed(store, prep.run_id, f"{type(e).__name__}: {e}")
        raise
    finally:
        if pool is not None:
            pool.close()
    report = _report(prep, ctx, timing, done, method, "done", caches, scaling)
    store.finish_run(prep.run_id, "done", report)
    return RunOutcome(prep.run_id, "done", report)


RERUN_PREFIX = "rerun~"
"""The id a --rerun of a finished run is computed under, beside the run it replaces."""


def _rerun_beside(prep: PreparedRun, store: RunStore, **kwargs: Any) -> RunOutcome:
    """--rerun of a finished run: computed under its own id, so a Ctrl-C, a failure or a kill
    in the middle leaves the finished run whole; it takes the finished run's place only once done."""
    work = dataclasses.replace(prep, run_id=RERUN_PREFIX + prep.run_id)
    try:
        outcome = execute(work, store, rerun=True, **kwargs)
    except BaseException:
        store.discard_run(work.run_id)
        raise
    report = dataclasses.replace(outcome.report, run_id=prep.run_id) if outcome.report is not None else None
    if outcome.status == "done" and report is not None:
        store.replace_run(work.run_id, prep.run_id, report)
        return dataclasses.replace(outcome, run_id=prep.run_id, report=report)
    store.discard_run(work.run_id)
    return dataclasses.replace(outcome, run_id=prep.run_id, report=report, kept_finished=True)


def _finish_failed(store: RunStore, run_id: str, error: str) -> None:
    """Mark the run failed; when even that cannot be written (the disk is full) it stays
    'running' with no live process, shown as interrupted: resumable either way."""
    try:
        store.finish_run(run_id, "failed", error=error)
    except WorkbenchError:
        pass


def classify(
    prep: PreparedRun, texts: list[str], *, store: RunStore | None = None, caches: Caches | None = None,
    on_progress=None, cancel_event: threading.Event | None = None,
) -> list[Prediction]:  # fmt: skip
    """Classify free texts with the setup of ``prep`` (the TUI's 'Try it'); no run is stored,
    but ``store``'s caches are used and filled when given, and the engine's ``caches`` too."""
    caches = caches if caches is not None else Caches()
    ctx = run_context(prep, on_progress, cancel_event, store, caches)
    method = fitted_method(prep, ctx, caches)
    return shrinking_on_oom(ctx, lambda: predict_batch(method, list(texts), ctx))


def _predict_all(method: Method, prep: PreparedRun, store: RunStore, ctx: RunContext, by_index: dict[int, Prediction], caches: Caches, pool: DevicePool | None = None) -> None:
    """Longest texts first in batches; each batch is stored as it finishes and lands in
    ``by_index`` (example index -> prediction), so a cancel keeps what finished. Length is counted
    in the model's tokens where the method says how its model reads: ordered by characters, a
    batch of 32 Rotten Tomatoes reviews is padded to 28% more tokens than it holds, by tokens 4%."""
    ev = prep.dataset.eval
    # A resumed run arrives with its finished predictions in ``by_index``: only the rest is done.
    measured = text_lengths(method, ev.texts, _lengths_key(prep), caches.lengths)
    tokens = measured[0] if measured else None  # stored with each prediction: the length slice
    order = [i for i in longest_first(method, ev.texts, _lengths_key(prep), caches.lengths) if i not in by_index]
    if pool is not None and order:
        pool.start()  # its workers load before 'predicting' shows
    correct = sum(p.label == ev.labels[i] for i, p in by_index.items())
    ctx.progress(Phase.PREDICTING, len(by_index), len(ev), correct)

    def commit(idx: list[int], batch: list[Prediction]) -> None:
        nonlocal correct
        store.add_predictions(prep.run_id, [(i, ev.texts[i], ev.labels[i], p, ev.origin(i, tokens[i] if tokens else None)) for i, p in zip(idx, batch)])
        for i, p in zip(idx, batch):
            by_index[i] = p
            correct += p.label == ev.labels[i]
        ctx.progress(Phase.PREDICTING, len(by_index), len(ev), correct)

    batches = [order[s : s + ctx.batch_size] for s in range(0, len(order), ctx.batch_size)]
    if prep.spec.ray:  # the same batches, in the same order, made by Ray Data's actor pool
        predict_on_ray(prep, ctx, batches, commit, store)
        return
    if pool is not None:  # the same batches, in the same order, made by one worker process per device
        pool.predict(batches, commit)
        return
    start = 0
    # The next batch is prepared (tokenised) on a thread while the model runs this one: see
    # workbench/prefetch.py. Same batches, same code, same predictions; only earlier.
    with Prefetcher(method.prefetches and prefetch_enabled()) as prefetch:
        while start < len(order):
            ctx.check_cancelled()
            idx = order[start : start + ctx.batch_size]
            texts = [ev.texts[i] for i in idx]
            prepared: Any = NOT_PREPARED
            if method.prefetches:
                prepared = prefetch.take_for_predict(tuple(idx), partial(method.prepare, texts, ctx))
                following = order[start + len(idx) : start + len(idx) + ctx.batch_size]
                if following:
                    prefetch.ahead(tuple(following), partial(method.prepare, [ev.texts[i] for i in following], ctx))
            try:
                batch = predict_batch(method, texts, ctx, prepared)
            except Exception as e:
                back_off(ctx, e)  # re-raises unless out of memory; then the same examples, fewer at a time
                continue
            start += len(idx)
            commit(idx, batch)


def _report(
    prep: PreparedRun, ctx: RunContext, timing: dict, done: dict[int, Prediction], method: Method | None, status: str, caches: Caches,
    scaling: tuple[float, str] | None = None,
) -> Report:  # fmt: skip
    ds = prep.dataset
    order = sorted(done)
    metrics = compute_metrics([ds.eval.labels[i] for i in order], [done[i].label for i in order], ds.label_names)
    confidence = report_confidence(prep, done, order, scaling)  # calibration, selective (workbench/confidence.py)
    details = _details(method, ctx)
    found = text_lengths(method, ds.eval.texts, _lengths_key(prep), caches.lengths)  # measured once, when batches were ordered
    truncated = sum(found[0][i] > found[1] for i in order) if found else None
    in_all = model_tokens(method) if found else None
    truncation_notes = truncation_note(truncated, found[1], model_limit=in_all) if found else []
    # The fit read the train texts cut too, where it feeds them through the model (a prompt
    # method's few-shot examples are not cut at the text's limit): counted once per model and split.
    train = ds.train if method is not None and method.fit_reads_texts and prep.method_cls.uses_train(prep.params) else None
    if train is not None and found:
        in_train = text_lengths(method, train.texts, (prep.model.identity, prep.identity["data"].get("train")), caches.lengths)
        truncation_notes += truncation_note(sum(n > in_train[1] for n in in_train[0]), in_train[1], train.name, in_all) if in_train else []
    return Report.from_dict({
        "run_id": prep.run_id,
        "method": prep.spec.method,
        "model": prep.model.name,
        "dataset": prep.spec.data.source,
        "split": ds.eval.name,
        **metrics,
        "calibration": confidence.calibration,
        "selective": confidence.selective,
        "truncated": truncated,
        "timing": timing,
        "device": ctx.device,
        "dtype": prep.dtype,
        "batch_size": ctx.batch_size,
        "status": status,
        "params": prep.params,
        "details": {k: v for k, v in details.items() if k != "notes"},
        "score_rule": _score_rule(method, ctx),
        "notes": list(prep.warnings) + list(ds.notes) + list(details.get("notes", [])) + list(ctx.notes) + truncation_notes + confidence.notes,
        "versions": library_versions(),
        "created_at": time.time(),
    })


def _lengths_key(prep: PreparedRun) -> tuple:
    """Token lengths depend on the tokenizer and the texts alone: kept per model and eval split."""
    return (prep.model.identity, prep.identity["data"]["eval"])


def _details(method: Method | None, ctx: RunContext) -> dict[str, Any]:
    try:
        return method.details(ctx) if method is not None else {}
    except AttributeError:  # a method whose load() did not finish has no learned state to show
        return {}


def _score_rule(method: Method | None, ctx: RunContext) -> str | None:
    """How the method's scores are derived (the score contract), for the report."""
    try:
        return method.scores_rule(ctx) if method is not None else None
    except AttributeError:  # as in _details: a method whose load() did not finish
        return None


def _claim_for_resume(prep: PreparedRun, store: RunStore, ctx: RunContext, retried: set[int] | None = None) -> dict[int, Prediction]:
    """Take the stored run over (refused while a live process computes it) and load its finished
    predictions back, so they are neither recomputed nor, for a paid API, requested again.
    ``retried``: given, the stored errors (``error`` set: no answer came) are left out, to be
    asked again, and their indices added to it; answers and invalid answers are kept."""
    if store.find(prep.run_id) is None:
        raise StoreError(f"no run {prep.run_id[:12]} in {store.path} to resume", fix="start it afresh", field=RUN)
    store.claim_run(prep.run_id)
    ev = prep.dataset.eval
    kept: dict[int, Prediction] = {}
    for p in store.predictions(prep.run_id):
        if p.idx >= len(ev) or p.text != ev.texts[p.idx] or p.gold != ev.labels[p.idx] or p.row not in (None, ev.row_of(p.idx)):
            # The identity matched, so this is a damaged store, not changed data: say so and stop.
            error = f"stored prediction {p.idx} of run {prep.run_id[:12]} does not match example {p.idx} of the data"
            store.finish_run(prep.run_id, "failed", error=error)
            raise StoreError(error, fix="start the run afresh, computing it again", field=RUN)
        if retried is not None and p.error is not None:
            retried.add(p.idx)
            continue
        kept[p.idx] = Prediction(p.pred, p.scores, p.raw, p.error)
    if kept:
        ctx.notes.append(f"resumed: {len(kept)} of {len(ev)} predictions kept from an earlier attempt (timing covers this attempt only)")
    return kept
