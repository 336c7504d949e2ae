"""Running an evaluation: prepare (data, model, identity), execute (load, fit, predict per batch,
store as it goes), report. The CLI and the UI both call :func:`prepare` and :func:`execute`."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal, Mapping

from .data import DataSpec, Dataset, load_dataset
from .errors import Cancelled, WorkbenchError
from .methods import MethodConfig, Prediction, ProgressEvent, RunContext, get_method, resolve_params
from .metrics import compute_metrics
from .models import ModelRef, RecentCache, library_versions, pick_device, resolve_model
from .store import RunStore

IDENTITY_VERSION = 1
"""Bump when a change to the code changes results, so old runs are not reused as if identical."""


@dataclass(frozen=True)
class RunSpec:
    """Everything the user chose for one run; with the data's content it recreates the run."""

    data: DataSpec = field(default_factory=DataSpec)
    method: str = "embed-logreg"
    model: str | None = None
    """Hub id or local folder; None means the method's default."""
    params: Mapping[str, Any] = field(default_factory=dict)
    device: str | None = None
    """auto (None), cpu, cuda, cuda:N or mps."""
    batch_size: int | None = None


@dataclass
class PreparedRun:
    spec: RunSpec
    dataset: Dataset
    model: ModelRef
    params: dict[str, Any]
    run_id: str
    identity: dict[str, Any]

    @property
    def method_cls(self) -> type:
        return get_method(self.spec.method)


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    status: Literal["done", "cancelled", "failed"]
    report: dict[str, Any] | None
    error: str | None = None
    reused: bool = False
    """True when an identical finished run was found in the store and nothing was computed."""


def prepare(spec: RunSpec) -> PreparedRun:
    """Load and check the data, resolve the model and parameters, and compute the run's identity.
    Raises WorkbenchError for anything the user must fix; loads no model."""
    method_cls = get_method(spec.method)
    params = resolve_params(method_cls, dict(spec.params))
    if spec.batch_size is not None and spec.batch_size < 1:
        raise WorkbenchError(f"--batch-size {spec.batch_size} is not a positive number", fix="pass --batch-size N with N >= 1")
    # A method may need the train split only for some parameters (few-shot prompts).
    wants_train = getattr(method_cls, "wants_train", None)
    dataset = load_dataset(spec.data, need_train=wants_train(params) if wants_train else method_cls.needs_train)
    model = resolve_model(spec.model or method_cls.default_model)
    validate = getattr(method_cls(MethodConfig(model, dataset.label_names, params)), "validate", None)
    if validate is not None:
        validate()
    identity = {
        "version": IDENTITY_VERSION,
        "data": dataset.fingerprint(),
        "method": spec.method,
        "model": model.identity,
        "params": params,
        "dtype": "float32",
    }
    run_id = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    return PreparedRun(spec, dataset, model, params, run_id, identity)


def _config(prep: PreparedRun) -> dict[str, Any]:
    return {"spec": asdict(prep.spec), "model_location": prep.model.location, "params": prep.params, "identity": prep.identity}


def execute(
    prep: PreparedRun,
    store: RunStore,
    *,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    cancel_event: threading.Event | None = None,
    rerun: bool = False,
) -> RunOutcome:
    """Run it (or return the stored identical run unless ``rerun``). Predictions are committed per
    batch; a cancel request or Ctrl-C ends the run as 'cancelled' with what finished kept."""
    if not rerun:
        old = store.find(prep.run_id)
        if old is not None and old["status"] == "done" and old["report"]:
            return RunOutcome(prep.run_id, "done", old["report"], reused=True)
    spec, ds = prep.spec, prep.dataset
    ctx = RunContext(batch_size=spec.batch_size or 32, on_progress=on_progress, cancel_event=cancel_event or threading.Event(), cache=store)
    store.start_run(prep.run_id, method=spec.method, model=prep.model.name, dataset=spec.data.source, split=ds.eval.name, n=len(ds.eval), config=_config(prep))
    timing = {"load_s": 0.0, "fit_s": 0.0, "predict_s": 0.0, "examples_per_s": 0.0}
    done: dict[int, Prediction] = {}
    method = None
    try:
        method = fitted_method(prep, ctx, timing)
        t = time.perf_counter()
        _predict_all(method, prep, store, ctx, done)
        timing["predict_s"] = time.perf_counter() - t
        timing["examples_per_s"] = len(done) / timing["predict_s"] if timing["predict_s"] > 0 else 0.0
    except (Cancelled, KeyboardInterrupt):
        report = _report(prep, ctx, timing, done, method, "cancelled") if done else None
        store.finish_run(prep.run_id, "cancelled", report)
        return RunOutcome(prep.run_id, "cancelled", report)
    except WorkbenchError as e:
        store.finish_run(prep.run_id, "failed", error=str(e))
        return RunOutcome(prep.run_id, "failed", None, error=str(e))
    except Exception as e:
        store.finish_run(prep.run_id, "failed", error=f"{type(e).__name__}: {e}")
        raise
    report = _report(prep, ctx, timing, done, method, "done")
    store.finish_run(prep.run_id, "done", report)
    return RunOutcome(prep.run_id, "done", report)


FITTED = RecentCache(size=3)
"""Methods already loaded and fitted in this process, by everything that determines the fit
(train data, method, model, parameters, device): a re-run that changes only the evaluated split,
or 'Try it' after a run, fits nothing again."""


def _fit_key(prep: PreparedRun, device: str) -> str:
    train = prep.dataset.train.fingerprint() if prep.dataset.train else None
    parts = {k: v for k, v in prep.identity.items() if k != "data"}
    parts.update(train=train, labels=prep.dataset.label_names, device=device)
    return json.dumps(parts, sort_keys=True, default=str)


def fitted_method(prep: PreparedRun, ctx: RunContext, timing: dict | None = None):
    """The method of ``prep`` loaded and fitted, from this process's cache when it can be."""
    timing = timing if timing is not None else {}
    ctx.device = pick_device(prep.spec.device)

    def load_and_fit():
        ds = prep.dataset
        ctx.progress("loading model", 0, 1)
        t = time.perf_counter()
        method = prep.method_cls(MethodConfig(prep.model, ds.label_names, prep.params))
        method.load(ctx)
        timing["load_s"] = time.perf_counter() - t
        ctx.progress("loading model", 1, 1)
        ctx.check_cancelled()
        t = time.perf_counter()
        train = ds.train
        method.fit(train.texts if train else None, train.labels if train else None, ctx)
        timing["fit_s"] = time.perf_counter() - t
        return method

    return FITTED.get(_fit_key(prep, ctx.device), load_and_fit)


def classify(prep: PreparedRun, texts: list[str], *, store: RunStore | None = None, on_progress=None, cancel_event: threading.Event | None = None) -> list[Prediction]:
    """Classify free texts with the setup of ``prep`` (the TUI's 'Try it'); no run is stored,
    but ``store``'s caches are used and filled when given."""
    ctx = RunContext(batch_size=prep.spec.batch_size or 32, on_progress=on_progress, cancel_event=cancel_event or threading.Event(), cache=store)
    method = fitted_method(prep, ctx)
    return _predict_batch(method, list(texts), ctx)


def _predict_all(method, prep: PreparedRun, store: RunStore, ctx: RunContext, by_index: dict[int, Prediction]) -> None:
    """Longest texts first in batches (little padding); each batch is stored as it finishes and
    lands in ``by_index`` (example index -> prediction), so a cancel keeps what finished."""
    ev = prep.dataset.eval
    order = sorted(range(len(ev)), key=lambda i: -len(ev.texts[i]))
    correct = 0
    ctx.progress("predicting", 0, len(order), 0)
    for start in range(0, len(order), ctx.batch_size):
        ctx.check_cancelled()
        idx = order[start : start + ctx.batch_size]
        batch = _predict_batch(method, [ev.texts[i] for i in idx], ctx)
        store.add_predictions(prep.run_id, [(i, ev.texts[i], ev.labels[i], p) for i, p in zip(idx, batch)])
        for i, p in zip(idx, batch):
            by_index[i] = p
            correct += p.label == ev.labels[i]
        ctx.progress("predicting", len(by_index), len(order), correct)


def _predict_batch(method, texts: list[str], ctx: RunContext) -> list[Prediction]:
    """A failure on one example is data: when a batch raises, each example is tried alone and
    those that still fail become invalid predictions carrying the error. If every example fails
    alone too, the problem is not the data, and it is raised."""
    try:
        out = method.predict(texts, ctx)
    except (Cancelled, KeyboardInterrupt, WorkbenchError):
        raise
    except Exception:
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
            raise last
    if len(out) != len(texts):
        raise RuntimeError(f"method {method.name} returned {len(out)} predictions for {len(texts)} texts")
    return out


def _report(prep: PreparedRun, ctx: RunContext, timing: dict, done: dict[int, Prediction], method, status: str) -> dict[str, Any]:
    ds = prep.dataset
    order = sorted(done)
    metrics = compute_metrics([ds.eval.labels[i] for i in order], [done[i].label for i in order], ds.label_names)
    details = _details(method)
    return {
        "run_id": prep.run_id,
        "method": prep.spec.method,
        "model": prep.model.name,
        "dataset": prep.spec.data.source,
        "split": ds.eval.name,
        **metrics,
        "timing": timing,
        "device": ctx.device,
        "dtype": "float32",
        "batch_size": ctx.batch_size,
        "status": status,
        "params": prep.params,
        "details": {k: v for k, v in details.items() if k != "notes"},
        "notes": list(ds.notes) + list(details.get("notes", [])),
        "versions": library_versions(),
        "created_at": time.time(),
    }


def _details(method) -> dict[str, Any]:
    try:
        return method.details() if method is not None else {}
    except AttributeError:  # a method whose load() did not finish has no learned state to show
        return {}


def run_eval(spec: RunSpec, store: RunStore, **kwargs) -> RunOutcome:
    return execute(prepare(spec), store, **kwargs)
