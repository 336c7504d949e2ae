"""The steps of running a method on a prepared run, one at a time: its context, loading, fitting,
predicting one batch (a failure on one example is data) and halving the batch size when the device
runs out of memory. The runner drives them over a whole split (workbench/runner.py); a device
worker or a Ray actor drives them through :class:`workbench.worker.MethodWorker`."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

from .caches import Caches
from .errors import DEVICE, Cancelled, WorkbenchError
from .methods import Method, MethodConfig, Phase, Prediction, ProgressEvent, RunContext
from .precision import default_batch_size, is_out_of_memory, release_memory
from .prefetch import NOT_PREPARED
from .spec import PreparedRun


def run_context(
    prep: PreparedRun, on_progress: Callable[[ProgressEvent], None] | None, cancel_event: threading.Event | None, store: Any, caches: Caches,
) -> RunContext:  # fmt: skip
    """The context the method of ``prep`` runs in: its device and dtype, the batch size (the
    spec's, else the method's default for the device), progress, cancel, the store's caches
    (``store``: a RunStore or None) and the engine's kept models."""
    batch = prep.spec.batch_size or default_batch_size(prep.method_cls, prep.device, prep.params)
    return RunContext(
        device=prep.device, dtype=prep.dtype or "float32", trust_remote_code=prep.spec.trust_remote_code, batch_size=batch,
        on_progress=on_progress, cancel_event=cancel_event or threading.Event(), cache=store, models=caches.models,
    )  # fmt: skip


def fit_key(prep: PreparedRun, device: str) -> str:
    """What a fitted method of ``prep`` is kept under in ``Caches.fitted``: everything that
    determines the fit, and the kinds of model it holds besides its own (``Method.holds_models``)."""
    train = prep.dataset.train.fingerprint() if prep.dataset.train else None
    parts = {k: v for k, v in prep.identity.items() if k != "data"}
    # Every parameter as set, those outside the identity too: a method loaded with one key file
    # holds that key, and is not the method of a run with another.
    parts.update(params=prep.params, train=train, labels=prep.dataset.label_names, device=device, holds=sorted(prep.method_cls.holds_models(prep.params)))
    return json.dumps(parts, sort_keys=True, default=str)


def fitted_method(
    prep: PreparedRun, ctx: RunContext, caches: Caches, timing: dict | None = None,
    before_fit: Callable[[Method, list[str]], None] | None = None,
) -> Method:  # fmt: skip
    """The method of ``prep`` loaded and fitted, from the engine's cache when it can be.
    ``before_fit(method, train_texts)``: run between load and fit, where the fit reads a train
    split (the device workers encode it into the store's cache: workbench/device_pool.py)."""
    timing = timing if timing is not None else {}

    def load_and_fit():
        method = loaded_method(prep, ctx, timing)
        ctx.check_cancelled()
        t = time.perf_counter()
        train = prep.dataset.train
        if before_fit is not None and train is not None and prep.method_cls.uses_train(prep.params):
            before_fit(method, list(train.texts))
        fit_loaded(method, prep, ctx)
        timing["fit_s"] = time.perf_counter() - t
        return method

    return caches.fitted.get(fit_key(prep, ctx.device), load_and_fit)


def loaded_method(prep: PreparedRun, ctx: RunContext, timing: dict | None = None) -> Method:
    """The method of ``prep`` with its model loaded, not fitted yet."""
    ctx.progress(Phase.LOADING_MODEL, 0, 1)
    t = time.perf_counter()
    method = prep.method_cls(MethodConfig(prep.model, prep.dataset.label_names, prep.params))
    method.load(ctx)
    if timing is not None:
        timing["load_s"] = time.perf_counter() - t
    ctx.progress(Phase.LOADING_MODEL, 1, 1)
    return method


def fit_loaded(method: Method, prep: PreparedRun, ctx: RunContext) -> None:
    """Fit a loaded method on the train split of ``prep`` (None where it has none), halving the
    batch size on running out of memory."""
    train = prep.dataset.train
    shrinking_on_oom(ctx, lambda: method.fit(train.texts if train else None, train.labels if train else None, ctx))


def predict_batch(method: Method, texts: list[str], ctx: RunContext, prepared: Any = NOT_PREPARED) -> list[Prediction]:
    """A failure on one example is data: when a batch raises, each example is tried alone and
    those that still fail become invalid predictions carrying the error. If every example fails
    alone too, the problem is not the data, and it is raised. ``prepared``: the batch's
    ``Method.prepare`` result (made ahead by the prefetch thread), for a method that prefetches."""
    try:
        out = method.predict(texts, ctx) if prepared is NOT_PREPARED else method.predict_prepared(prepared, texts, ctx)
    except (Cancelled, KeyboardInterrupt, WorkbenchError):
        raise
    except Exception as e:
        if is_out_of_memory(e):  # not the examples' fault: the caller retries with smaller batches
            raise
        batch_error = f"{type(e).__name__}: {e}"[:200]
        out = []
        errors = 0
        last: Exception | None = None
        for text in texts:
            try:
                out.extend(method.predict([text], ctx))
            except (Cancelled, KeyboardInterrupt, WorkbenchError):
                raise
            except Exception as e:
                errors += 1
                last = e
                out.append(Prediction(None, error=f"{type(e).__name__}: {e}"[:500]))
        if errors == len(texts) and last is not None:
            raise last from None  # every example fails alone too: the problem is not the data
        if errors == 0 and len(texts) > 1:
            # Every example works alone, so batching itself is broken: slow, and worth saying.
            note = f"batches failed ({batch_error}) but each example worked alone: examples were run one at a time"
            if not any(n.startswith("batches failed (") for n in ctx.notes):
                ctx.notes.append(note)
    if len(out) != len(texts):
        raise RuntimeError(f"method {method.name} returned {len(out)} predictions for {len(texts)} texts")
    return out


def back_off(ctx: RunContext, exc: Exception) -> None:
    """Halve the batch size after the device ran out of memory (noted in the report); re-raise
    anything else. A model that does not fit one example at a time gets an error saying what to
    change instead of a crash."""
    if not is_out_of_memory(exc):
        raise exc
    release_memory(ctx.device)
    if ctx.batch_size <= 1:
        raise WorkbenchError(
            f"out of memory on {ctx.device} even with a batch of 1 ({type(exc).__name__})",
            fix="run on the CPU, in less precision (bfloat16), or with a smaller model",
            field=DEVICE,
        ) from None
    ctx.batch_size = max(1, ctx.batch_size // 2)
    note = f"out of memory on {ctx.device}: batch size lowered to {ctx.batch_size}"
    if ctx.notes and ctx.notes[-1].startswith(f"out of memory on {ctx.device}"):
        ctx.notes[-1] = note
    else:
        ctx.notes.append(note)


def shrinking_on_oom(ctx: RunContext, step: Callable[[], Any]) -> Any:
    """``step()``, retried with half the batch size each time the device runs out of memory."""
    while True:
        try:
            return step()
        except Exception as e:
            back_off(ctx, e)
