"""``--devices``: one worker process per device, serving a run in two phases over one queue.

1. **The fit's encoding** (methods whose fit runs the train texts through the model:
   ``Method.fit_batches``). The batches fit would encode are queued; each worker encodes what it
   takes into the store's embedding cache. When every batch is back, the parent fits (finding
   every train text in the cache) and each worker fits the same way before its first prediction,
   so the train split is encoded once, spread over the devices, and every fit is the parent's.
2. **The prediction.** The runner's batches (its order, its cut) are queued, then one end marker a
   worker; each finished batch comes back to the runner, which commits it as it arrives.

The phases are apart because the parent queues the predictions only once every fit batch is
back (no worker can fit before the cache is whole). A cancel request stops every worker (the
batches in flight are dropped; those committed stay); a worker that dies is reported with the
batches still to do; each worker halves its own batch on running out of memory.

Each worker has a task queue and a result queue of its own, fed at most two batches ahead (the
one it computes and the next, which it prepares meanwhile): a worker stopped or killed while it
holds a queue's lock then blocks no other worker, and the parent knows which batches it holds.
**A stalled worker** (stopped with SIGSTOP, frozen, or stuck in one batch) is given up on: when
it has sent nothing, not even its heartbeat, for :data:`STALL_SILENT_S` (:data:`STALL_START_S`
from its start to its first word), or has computed one batch for longer than
:func:`batch_limit` (:data:`STALL_MIN_S` plus :data:`STALL_PER_EXAMPLE_S` an example; loading
and fitting are not timed), it is killed and its batches go to the other workers (the run's notes
say so); with none left the run fails as resumable. Each worker's results are read by a relay
thread of its own, so a worker stopped halfway through sending a large result blocks only its
relay, never the parent's loop, which sees the worker fall silent. Closing the pool (the run's
end, Ctrl-C, SIGTERM) asks the workers to stop, terminates those still there after
:data:`STOP_GRACE_S` and kills (SIGKILL) what is left a moment later, so the parent never waits
on a stopped worker.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from .errors import DEVICES, Cancelled, WorkerError
from .methods import Phase
from .prefetch import Prefetcher, prefetch_enabled
from .scaleout import POLL_S, Commit
from .spec import PreparedRun
from .worker import Alive, Encoded, Ended, Failed, MethodWorker, Predicted, Ready, Started, Task, TaskKind, WorkerMessage, worker_prep

if TYPE_CHECKING:
    from .methods import Method, RunContext
    from .store import RunStore

STALL_SILENT_S = 60.0
"""A worker that has sent nothing for this long (its heartbeat comes every :data:`HEARTBEAT_S`) is
taken for stopped or frozen and given up on."""
STALL_MIN_S = 60.0
STALL_PER_EXAMPLE_S = 5.0
"""A batch computed for longer than ``STALL_MIN_S + STALL_PER_EXAMPLE_S * its examples`` is taken
for stuck, and its worker given up on (see :func:`batch_limit`)."""
STALL_START_S = 120.0
"""A worker that has sent nothing since it was started, not even its first heartbeat (stopped
while Python starts, before its heartbeat thread runs), is given up on after this long: longer
than :data:`STALL_SILENT_S`, as a process starting on a loaded machine may take a while."""
HEARTBEAT_S = 0.5
"""How often a worker says it is there."""
STOP_GRACE_S = 3.0
"""How long closing the pool waits for the workers to stop, and again after terminating them,
before it kills what is left."""
AHEAD = 2
"""Batches given to a worker at once: the one it computes and the one it prepares meanwhile."""


def batch_limit(examples: int) -> float:
    """The longest one batch of ``examples`` may compute before its worker is taken for stuck."""
    return STALL_MIN_S + STALL_PER_EXAMPLE_S * examples


_ENDED: Any = object()
"""What ``_next_task(wait=False)`` gives for this worker's end-of-work None."""


def _next_task(tasks: Any, stop: Any, parent_pid: int, *, wait: bool = True) -> Any:
    """The next :class:`Task` from the queue (None ends a worker's work). Waiting: None at this
    worker's end-of-work None, a stop request or the parent's death. Not waiting: None when
    nothing is queued, ``_ENDED`` for the end-of-work None."""
    if not wait:
        try:
            task = tasks.get_nowait()
        except queue.Empty:
            return None
        return _ENDED if task is None else task
    while not stop.is_set() and os.getppid() == parent_pid:
        try:
            return tasks.get(timeout=POLL_S)
        except queue.Empty:
            continue
    return None


def _signal_name(code: int | None) -> str:
    """', SIGKILL' for a negative exit code (the signal that ended the process), else ''."""
    import signal

    try:
        return f", {signal.Signals(-code).name}" if code is not None and code < 0 else ""
    except ValueError:
        return ""


def _worker_died(found: str) -> WorkerError:
    return WorkerError(
        found,
        fix="the batches finished so far are stored: resume the run, on fewer devices or with a smaller batch size if a worker ran out of memory (SIGKILL is often the kernel's out-of-memory killer)",
        field=DEVICES,
    )


def _has_fd(stream: Any) -> bool:
    try:
        return stream is not None and stream.fileno() >= 0
    except Exception:  # noqa: BLE001 -- a stand-in stream (Textual's capture, pytest's) has none
        return False


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the real stderr. It hands ``sys.stderr``'s
    file descriptor to its process; under the TUI ``sys.stderr`` is Textual's capture, whose
    descriptor is -1, and the start fails ("bad value(s) in fds_to_keep"). Started once here, the
    queues and workers below find it running."""
    from multiprocessing import resource_tracker

    saved = sys.stderr
    if not _has_fd(saved) and sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


def _silence_output() -> None:
    """Point the worker's stdout and stderr at /dev/null: under the TUI they are the terminal the
    app draws on, and a model's loading bar would be drawn over it (errors go back by queue)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _worker_main(prep: PreparedRun, store_path: str | None, batch_size: int, threads: int | None, tasks, results, stop, parent_pid: int, quiet: bool = False) -> None:
    """One device's worker: load, then serve tasks until a None, a stop request, or the parent's
    death (a SIGKILLed parent leaves no orphan computing). It fits before its first prediction.
    ``quiet``: the parent's stderr is not a terminal stream of its own (the TUI): no output."""
    if quiet:
        _silence_output()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    device = prep.device
    worker = None
    done = threading.Event()

    def heartbeat() -> None:  # a stopped process sends none: the parent tells it from a slow one
        while not done.wait(HEARTBEAT_S) and os.getppid() == parent_pid:
            results.put(Alive(device))

    threading.Thread(target=heartbeat, daemon=True, name="heartbeat").start()
    try:
        if threads is not None:
            import torch

            torch.set_num_threads(threads)  # the workers share the cores rather than each taking all
        worker = MethodWorker(prep, store_path, batch_size, stop)
        worker.load()
        results.put(Ready(device))
        _serve_tasks(worker, tasks, results, stop, parent_pid)
        results.put(Ended(device))
    except BaseException as e:  # noqa: BLE001 -- everything goes back to the parent, which decides
        if isinstance(e, (Cancelled, KeyboardInterrupt)):
            results.put(Ended(device))
        else:
            try:
                results.put(Failed.of(device, e))
            except Exception:  # an exception the queue cannot serialise: its text still goes back
                results.put(Failed.as_text(device, e))
    finally:
        done.set()
        if os.getppid() != parent_pid:
            results.cancel_join_thread()  # nobody reads it: what it holds must not keep this process alive
        if worker is not None:
            worker.close()


def _serve_tasks(worker: MethodWorker, tasks, results, stop, parent_pid: int) -> None:
    """The worker's loop. A prediction: one batch in hand and, when the queue has one, the next
    (prepared on the prefetch thread while this one runs, as in the runner)."""
    device = worker.prep.device
    method = worker.method
    with Prefetcher(method is not None and method.prefetches and prefetch_enabled()) as prefetch:
        task = _next_task(tasks, stop, parent_pid)
        while isinstance(task, Task) and not stop.is_set() and os.getppid() == parent_pid:
            if task.kind is TaskKind.FIT:
                results.put(Started(task.n, device))
                worker.encode_fit_batch(task.texts)
                results.put(Encoded(task.n, device))
                task = _next_task(tasks, stop, parent_pid)
                continue
            following = _next_task(tasks, stop, parent_pid, wait=False)
            ahead = (following.n, following.texts) if isinstance(following, Task) and following.kind is TaskKind.PREDICT else None
            worker.fit()  # before the batch's clock starts: a fit is not timed
            results.put(Started(task.n, device))
            preds, notes = worker.predict_batch(task.texts, prefetch, task.n, ahead)
            results.put(Predicted(task.n, preds, notes, worker.ctx.batch_size, device))
            task = following if following is not None else _next_task(tasks, stop, parent_pid)


class DevicePool:
    """The worker processes of one run, one per device of ``prep.devices``: started on first use
    (:meth:`encode_for_fit` or :meth:`predict`), ended by :meth:`close`."""

    def __init__(self, prep: PreparedRun, ctx: "RunContext", store: "RunStore | None") -> None:
        self.prep, self.ctx = prep, ctx
        self.devices = prep.devices or [prep.device]
        self.store_path = str(store.path) if store is not None else None
        self.procs: list[Any] = []
        self.tasks: list[Any] = []
        self.results: list[Any] = []
        self._ready: set[int] = set()
        self._ended: set[int] = set()
        self._given_up: set[int] = set()
        self._heard: list[float] = []
        """When each worker last sent anything (before its first word: when it was started)."""
        self._spoke: set[int] = set()
        """The workers that have sent anything yet."""
        self._inbox: queue.Queue[tuple[int, WorkerMessage]] = queue.Queue()
        """Every worker's messages, put there by its relay thread (:meth:`_relay`)."""
        self._closing = threading.Event()

    def start(self) -> None:
        """Start the workers and wait until every one has loaded its model (once)."""
        if self.procs:
            return
        import multiprocessing as mp

        mpc = mp.get_context("spawn")  # never fork a process that may hold CUDA or torch's threads
        _start_resource_tracker()
        quiet = not _has_fd(sys.stderr)  # the TUI: workers must not write on the screen
        self.stop = mpc.Event()
        # A queue pair per worker: one stopped while it holds a queue's lock blocks no other.
        self.tasks = [mpc.Queue() for _ in self.devices]
        self.results = [mpc.Queue() for _ in self.devices]
        cpu_workers = sum(d == "cpu" for d in self.devices)
        threads = max(1, (os.cpu_count() or 1) // cpu_workers) if cpu_workers else None
        self.procs = [
            mpc.Process(target=_worker_main, args=(worker_prep(self.prep, d), self.store_path, self.ctx.batch_size, threads if d == "cpu" else None,
                                                   self.tasks[w], self.results[w], self.stop, os.getpid(), quiet), daemon=True)
            for w, d in enumerate(self.devices)
        ]  # fmt: skip
        for w, p in enumerate(self.procs):
            p.start()
            self._heard.append(time.monotonic())
            threading.Thread(target=self._relay, args=(w,), daemon=True, name=f"relay-{w}").start()
        # Every worker loaded before any work is queued: the phases the user sees then follow one
        # another (starting workers, encoding train, predicting) instead of interleaving.
        self.ctx.progress(Phase.STARTING_WORKERS, 0, len(self.devices))
        self._serve(None, [], lambda msg: None)

    def encode_for_fit(self, method: "Method", texts: list[str]) -> None:
        """Phase 1: the batches of ``method.fit_batches(texts)`` encoded by the workers into the
        store's cache, before the parent fits. Nothing to do without a store or such batches."""
        batches = method.fit_batches(texts, self.ctx) if self.store_path is not None else []
        if not batches:
            return
        self.start()
        done = len(texts) - sum(len(b) for b in batches)
        self.ctx.progress(Phase.ENCODING_TRAIN, done, len(texts))

        def encoded(msg: WorkerMessage) -> None:
            nonlocal done
            assert isinstance(msg, Encoded)
            done += len(batches[msg.n])
            self.ctx.progress(Phase.ENCODING_TRAIN, done, len(texts))

        self._serve(TaskKind.FIT, batches, encoded)
        self.ctx.notes.append(f"train split encoded by {len(self.devices)} worker processes, one per device ({', '.join(self.devices)})")

    def predict(self, batches: list[list[int]], commit: Commit) -> None:
        """Phase 2: ``batches`` (example indices, in the runner's order) predicted by the workers;
        each finished batch goes to ``commit`` as it arrives."""
        if not batches:
            return
        self.start()
        texts = self.prep.dataset.eval.texts
        self.ctx.notes.append(f"predicted by {len(self.devices)} worker processes, one per device ({', '.join(self.devices)})")

        def predicted(msg: WorkerMessage) -> None:
            assert isinstance(msg, Predicted)
            for note in msg.notes:
                note = f"{note} (worker on {msg.device})"
                if note not in self.ctx.notes:
                    self.ctx.notes.append(note)
            self.ctx.batch_size = min(self.ctx.batch_size, msg.batch_size)
            commit(batches[msg.n], msg.predictions)

        self._serve(TaskKind.PREDICT, [[texts[i] for i in idx] for idx in batches], predicted, end=True)

    def _live(self) -> list[int]:
        return [w for w in range(len(self.procs)) if w not in self._given_up]

    def _serve(self, kind: TaskKind | None, batches: list[list[str]], on_result: Callable[[WorkerMessage], None], end: bool = False) -> None:
        """Give ``batches`` as tasks of ``kind`` to the workers (at most :data:`AHEAD` each at a
        time; then an end marker each, with ``end``) and hand each result to ``on_result`` once,
        until every batch is back; with no ``kind``, until every worker is ready. A stalled worker
        is given up on and its batches given to the others (:meth:`_check_stalled`)."""
        todo: deque[int] = deque(range(len(batches)) if kind is not None else ())
        held: dict[int, set[int]] = {w: set() for w in self._live()}
        computing: dict[int, tuple[int, float]] = {}  # worker -> (batch, since when)
        pending = set(range(len(batches)))
        answer = {TaskKind.PREDICT: Predicted, TaskKind.FIT: Encoded}.get(kind) if kind is not None else None
        checked = time.monotonic()
        while pending or (kind is None and not self._ready >= set(self._live())):
            self.ctx.check_cancelled()
            for w in self._live():  # keep every live worker fed, in the batches' order
                while kind is not None and todo and len(held[w]) < AHEAD and w not in self._ended:
                    n = todo.popleft()
                    held[w].add(n)
                    self.tasks[w].put(Task(kind, n, batches[n]))
            got = self._receive()
            if got is None or time.monotonic() - checked > POLL_S:  # however busy the others are
                checked = time.monotonic()
                self._check_crashed(kind, pending)
                todo.extendleft(sorted(self._check_stalled(held, computing, batches), reverse=True))
            if got is None:
                continue
            w, msg = got
            if isinstance(msg, Ready):
                self._ready.add(w)
                self.ctx.progress(Phase.STARTING_WORKERS, len(self._ready), len(self.devices))
            elif isinstance(msg, Started):
                computing[w] = (msg.n, time.monotonic())
            elif isinstance(msg, (Encoded, Predicted)) and type(msg) is answer:
                held[w].discard(msg.n)
                computing.pop(w, None)
                if msg.n in pending:  # a batch given again after a stall may come back twice
                    pending.discard(msg.n)
                    on_result(msg)
            elif isinstance(msg, Ended):
                self._ended.add(w)
                todo.extendleft(sorted(held[w] & pending, reverse=True))
                held[w].clear()
                if set(self._live()) <= self._ended and (pending or kind is None):
                    raise _worker_died(f"every worker stopped with {len(pending)} batches still to do" if kind else "every worker stopped while loading its model")
            elif isinstance(msg, Failed):
                msg.raise_it()
        if end:
            for w in self._live():
                self.tasks[w].put(None)

    def _relay(self, w: int) -> None:
        """Worker ``w``'s results into the inbox, until the pool stops or gives the worker up.
        A thread of its own: reading a message the worker is still writing waits for its last
        byte, forever if the worker was stopped meanwhile, and that wait must not be the loop's.
        (Such a relay stays blocked, a daemon thread holding a queue no one reads.)"""
        results = self.results[w]
        while not self._closing.is_set() and w not in self._given_up:
            try:
                msg = results.get(timeout=POLL_S)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):  # the queue closed under it: the pool is closing
                return
            self._inbox.put((w, msg))

    def _receive(self) -> "tuple[int, WorkerMessage] | None":
        """The next message of any live worker (which one, and what), or None after ``POLL_S``."""
        deadline = time.monotonic() + POLL_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                w, msg = self._inbox.get(timeout=left)
            except queue.Empty:
                return None
            if w in self._given_up:  # a late word from a worker already given up on
                continue
            self._heard[w] = time.monotonic()
            self._spoke.add(w)
            return w, msg
        return None

    def _check_crashed(self, kind: TaskKind | None, pending: set[int]) -> None:
        """A worker killed (out of host memory, a signal) before it could say why ends the work."""
        for w in self._live():
            code = self.procs[w].exitcode
            if code not in (None, 0):
                doing = f"with {len(pending)} batches still to do" if kind else "while loading its model"
                raise _worker_died(f"the worker on {self.devices[w]} ended (exit code {code}{_signal_name(code)}) {doing}") from None

    def _check_stalled(self, held: dict[int, set[int]], computing: dict[int, tuple[int, float]], batches: list[list[str]]) -> set[int]:
        """Give up on every worker that is silent past :data:`STALL_SILENT_S` or stuck in one batch
        past :func:`batch_limit`: kill it and return the batches it held, to be given to the
        others. With no worker left, the work ends (resumable)."""
        now, freed = time.monotonic(), set()
        for w in self._live():
            silent = now - self._heard[w]
            stuck = computing.get(w)
            if w not in self._spoke and silent > STALL_START_S:
                why = f"sent nothing in the {silent:.0f} s since it was started (stopped or frozen)"
            elif w in self._spoke and silent > STALL_SILENT_S:
                why = f"sent nothing for {silent:.0f} s (stopped or frozen)"
            elif stuck is not None and now - stuck[1] > batch_limit(len(batches[stuck[0]])):
                why = f"computed one batch of {len(batches[stuck[0]])} for {now - stuck[1]:.0f} s"
            else:
                continue
            self._given_up.add(w)
            self.procs[w].kill()  # SIGKILL: a stopped process takes no other signal
            self.procs[w].join(STOP_GRACE_S)
            freed |= held.get(w, set())
            held[w] = set()
            computing.pop(w, None)
            others = ", ".join(self.devices[o] for o in self._live()) or "none"
            self.ctx.notes.append(f"the worker on {self.devices[w]} {why}: stopped, its batches given to the others ({others})")
            if not self._live():
                raise _worker_died(f"every worker stalled (the last on {self.devices[w]} {why})")
        return freed

    def close(self) -> None:
        """End the workers promptly: ask them to stop, terminate those still there after
        :data:`STOP_GRACE_S`, kill (SIGKILL) what is left after as long again."""
        if not self.procs:
            return
        self.stop.set()
        self._closing.set()
        for ask in (None, "terminate", "kill"):
            alive = [p for p in self.procs if p.is_alive()]
            for p in alive:
                if ask is not None:
                    getattr(p, ask)()
            deadline = time.monotonic() + STOP_GRACE_S
            for p in alive:
                p.join(max(0.0, deadline - time.monotonic()))
            if not any(p.is_alive() for p in self.procs):
                break
        for q in (*self.tasks, *self.results):
            q.cancel_join_thread()  # what no worker took must not hold this process at exit
            q.close()

    def __enter__(self) -> "DevicePool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
