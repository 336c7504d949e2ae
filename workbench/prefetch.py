"""One batch ahead: the host-side work of the next batch (rendering prompts, tokenising,
collating: ``Method.prepare_batch``) runs on a prefetch thread while the model runs the current
one (``Method.predict_prepared``).

Why: measured on an H100, small models kept the GPU busy 1-18% of the time; the rest went on
Python preparing batches. Tokenisers (Rust) and the forward pass (torch) both let go of the GIL,
so one thread is enough for the two to overlap. What it cannot change: the batches, their order
and every prediction are those of the plain loop (each batch is prepared by the same code, only
earlier), which tests/test_prefetch.py checks method by method.

Why by hand rather than a torch DataLoader with workers: the batches are made by the runner
(longest first in tokens, halved on out-of-memory, resumed part-way), a worker process would
need its own copy of the tokenizer and prompt state for every run, and what is prepared holds
tensors the main process then moves to the device. One thread and one future are all it takes.

``WORKBENCH_PREFETCH=0`` turns it off (for benchmarks that measure it, benchmarks/bench_prefetch.py).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Hashable

NOT_PREPARED: Any = object()
"""A batch not prepared ahead: ``Method.predict`` does it all."""


def prefetch_enabled() -> bool:
    return os.environ.get("WORKBENCH_PREFETCH", "1").strip().lower() not in ("0", "false", "no", "off")


class Prefetcher:
    """``ahead(key, prepare)`` starts ``prepare()`` on the prefetch thread; ``take(key, prepare)``
    returns that result when ``key`` is the batch started, and otherwise (the batch size was
    halved, or nothing was started) drops what was started and prepares here. An error in a
    preparation is raised by ``take``, in the caller's own handling of that batch."""

    def __init__(self, enabled: bool = True) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="workbench-prefetch") if enabled else None
        self._key: Hashable | None = None
        self._future: Future | None = None
        self.hits = 0
        """Batches whose preparation was ready or under way when they were needed."""

    def ahead(self, key: Hashable, prepare: Callable[[], Any]) -> None:
        if self._pool is None:
            return
        self._drop()
        self._key, self._future = key, self._pool.submit(prepare)

    def take(self, key: Hashable, prepare: Callable[[], Any]) -> Any:
        future, started = self._future, self._key
        self._future, self._key = None, None
        if future is not None and started == key:
            self.hits += 1
            return future.result()
        if future is not None:
            self._settle(future)
        return prepare()

    def take_for_predict(self, key: Hashable, prepare: Callable[[], Any]) -> Any:
        """``take``, or NOT_PREPARED when the preparation failed: ``Method.predict`` then prepares
        the batch again inside the runner's per-example error handling, where a text that cannot
        be prepared becomes an invalid prediction instead of ending the run."""
        try:
            return self.take(key, prepare)
        except Exception:  # noqa: BLE001 -- see the docstring: the batch's own handling decides
            return NOT_PREPARED

    def _drop(self) -> None:
        future, self._future, self._key = self._future, None, None
        if future is not None:
            self._settle(future)

    @staticmethod
    def _settle(future: Future) -> None:
        # Wait for a preparation that started: it holds the method's host lock (its tokenizer)
        # until it ends, and its error, if any, is not this batch's.
        if not future.cancel():
            try:
                future.result()
            except BaseException:  # noqa: BLE001 -- a dropped batch's failure is nobody's
                pass

    def close(self) -> None:
        self._drop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> "Prefetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
