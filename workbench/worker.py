"""A run's method in a worker process (``--devices``: workbench/device_pool.py) or a Ray actor
(``--ray``: workbench/scaleout.py): the narrow interface they drive it through (load, fit, encode
a fit batch, predict a batch) and the messages a device worker and its parent exchange.

A worker gets the parent's :class:`~workbench.spec.PreparedRun` (picklable data) for its own device
(:func:`worker_prep`) and runs the same steps as the runner (workbench/steps.py): the same
batches through the same model give the same predictions, and a failure on one example or an
out-of-memory back-off is handled as it is in the runner."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, replace
from enum import Enum
from functools import partial
from typing import Any, Hashable, Union

from .caches import Caches
from .errors import WorkbenchError
from .methods import Method, Prediction, RunContext
from .prefetch import NOT_PREPARED, Prefetcher
from .spec import PreparedRun
from .steps import back_off, fit_loaded, fitted_method, loaded_method, predict_batch, run_context, shrinking_on_oom
from .store import RunStore


def worker_prep(prep: PreparedRun, device: str) -> PreparedRun:
    """``prep`` for one worker: its own device, and no further scale-out of its own."""
    spec = replace(prep.spec, device=device, devices=None, ray=None)
    return replace(prep, spec=spec, device=device, devices=None)


class MethodWorker:
    """The method of ``prep`` in this (worker) process: opened on the run store at ``store_path``
    (its embedding and response caches), with the parent's batch size and, given, its cancel
    event (a multiprocessing Event: the parent's cancel reaches the worker). :meth:`load`
    first, then :meth:`encode_fit_batch` (phase 1 of a device pool), :meth:`fit` once, and
    :meth:`predict_batch` per batch."""

    def __init__(self, prep: PreparedRun, store_path: str | None, batch_size: int, cancel: Any = None):
        self.prep = prep
        self.store = RunStore(store_path) if store_path else None
        self.ctx: RunContext = run_context(prep, None, None, self.store, Caches())
        self.ctx.batch_size = batch_size
        if cancel is not None:
            self.ctx.cancel_event = cancel
        self.method: Method | None = None
        self.fitted = False

    def load(self) -> Method:
        """Load the model (not fitted yet)."""
        self.method = loaded_method(self.prep, self.ctx)
        return self.method

    def load_fitted(self) -> Method:
        """Load and fit in one step (a Ray actor: the train split's encodings are in the store)."""
        self.method, self.fitted = fitted_method(self.prep, self.ctx, Caches()), True
        return self.method

    def encode_fit_batch(self, texts: list[str]) -> None:
        """One batch of ``Method.fit_batches`` encoded into the store's cache (phase 1)."""
        method = self._loaded()
        shrinking_on_oom(self.ctx, partial(method.run_fit_batch, texts, self.ctx))

    def fit(self) -> None:
        """Fit on the train split, once (its encodings are in the store's cache by now)."""
        if not self.fitted:
            fit_loaded(self._loaded(), self.prep, self.ctx)
            self.fitted = True

    def predict_batch(self, texts: list[str], prefetch: Prefetcher, key: Hashable, following: "tuple[Hashable, list[str]] | None" = None) -> "tuple[list[Prediction], list[str]]":
        """One batch of the runner's (``key``, ``texts``): the predictions and the notes it added to
        the context. It is predicted with what the prefetch thread prepared for it, after starting
        the preparation of ``following`` (the next batch's key and texts), so that runs while the
        model does; in pieces of the batch size (the whole batch unless this worker ran out of
        memory before: then halved, as the runner does)."""
        method, ctx = self._loaded(), self.ctx
        self.fit()
        prepared = prefetch.take_for_predict(key, partial(method.prepare, texts, ctx)) if method.prefetches else NOT_PREPARED
        if following is not None:
            prefetch.ahead(following[0], partial(method.prepare, following[1], ctx))
        notes_before = len(ctx.notes)
        out: list[Prediction] = []
        start = 0
        while start < len(texts):
            piece = texts[start : start + ctx.batch_size]
            ready = prepared if len(piece) == len(texts) else NOT_PREPARED
            prepared = NOT_PREPARED  # an out-of-memory retry prepares its smaller pieces itself
            try:
                out.extend(predict_batch(method, piece, ctx, ready))
            except Exception as e:
                back_off(ctx, e)  # re-raises unless out of memory
                continue
            start += len(piece)
        return out, ctx.notes[notes_before:]

    def _loaded(self) -> Method:
        return self.method if self.method is not None else self.load()

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


# ---------------------------------------------------------------- messages


class TaskKind(str, Enum):
    FIT = "fit"
    """Encode one batch of the train split into the store's cache (phase 1)."""
    PREDICT = "predict"
    """Predict one runner batch (phase 2)."""


@dataclass(frozen=True)
class Task:
    """A batch for a device worker; ``n`` is its position among the batches of its phase."""

    kind: TaskKind
    n: int
    texts: list[str]


@dataclass(frozen=True)
class Ready:
    """The worker on ``device`` has loaded its model."""

    device: str


@dataclass(frozen=True)
class Alive:
    """The worker on ``device`` is still there (sent every ``HEARTBEAT_S`` by a thread of its own:
    a stopped or frozen process sends none)."""

    device: str


@dataclass(frozen=True)
class Started:
    """The worker on ``device`` begins computing batch ``n`` (after loading and fitting)."""

    n: int
    device: str


@dataclass(frozen=True)
class Ended:
    """The worker on ``device`` stopped serving (its end marker, a stop request or a cancel)."""

    device: str


@dataclass(frozen=True)
class Encoded:
    """Fit batch ``n`` is in the store's cache."""

    n: int
    device: str


@dataclass(frozen=True)
class Predicted:
    """Runner batch ``n`` predicted, with the notes the worker added for it and its batch size
    now (lower than the parent's after an out-of-memory back-off). A Ray actor sends it as JSON
    (:meth:`to_json`): what comes back is data, never code to run."""

    n: int
    predictions: list[Prediction]
    notes: list[str]
    batch_size: int
    device: str = ""

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Predicted":
        raw = json.loads(text)
        return cls(int(raw["n"]), [Prediction(**p) for p in raw["predictions"]], list(raw["notes"]), int(raw["batch_size"]), str(raw["device"]))


@dataclass(frozen=True)
class Failed:
    """The worker on ``device`` failed: a WorkbenchError's parts (``error_type`` its class, so
    the parent raises the same kind), or the text alone of any other exception."""

    device: str
    found: str
    error_type: type[WorkbenchError] | None = None
    expected: str | None = None
    fix: str | None = None
    field: str | None = None

    @classmethod
    def of(cls, device: str, e: BaseException) -> "Failed":
        if isinstance(e, WorkbenchError):
            return cls(device, e.found, type(e), e.expected, e.fix, e.field)
        return cls.as_text(device, e)

    @classmethod
    def as_text(cls, device: str, e: BaseException) -> "Failed":
        """The error as text alone: what the queue can carry whatever the exception holds."""
        return cls(device, f"{type(e).__name__}: {e}"[:500])

    def raise_it(self) -> None:
        if self.error_type is not None:
            raise self.error_type(f"{self.found} (worker on {self.device})", expected=self.expected, fix=self.fix, field=self.field)
        raise RuntimeError(f"the worker on {self.device} failed: {self.found}")


WorkerMessage = Union[Ready, Alive, Started, Ended, Encoded, Predicted, Failed]
"""What a device worker puts on its results queue."""
