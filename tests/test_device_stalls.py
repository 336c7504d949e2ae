"""A stalled ``--devices`` worker (SIGSTOP, or stuck in one batch) is given up on and its batches
given to the others; with none left the run fails as resumable; closing the pool ends stopped
workers promptly (terminate, then SIGKILL). Two CPU workers running the keyword double."""

import functools
import os
import signal
import time

import pytest
from conftest import write_jsonl
from fake_methods import KeywordMethod, worker_main_first_one_stalls, worker_main_with_fakes

from workbench import device_pool
from workbench.caches import Caches
from workbench.data import DataSpec
from workbench.device_pool import DevicePool
from workbench.errors import DEVICES, WorkerError
from workbench.methods import METHODS
from workbench.runner import prepare
from workbench.spec import RunSpec
from workbench.steps import run_context
from workbench.store import RunStore

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="stops a worker with SIGSTOP")
N, BATCH = 24, 2


@pytest.fixture
def pool_parts(tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    monkeypatch.setattr(device_pool, "_worker_main", worker_main_with_fakes)
    rows = [{"text": f"review {i} {'good' if i % 2 else 'bad'}", "label": "pos" if i % 2 else "neg"} for i in range(N)]
    data = str(write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent)

    def make(**params):
        store = RunStore(tmp_path / "s.sqlite")
        prep = prepare(RunSpec(DataSpec(data), "keyword", device="cpu", devices="cpu,cpu", batch_size=BATCH, params=params))
        return prep, run_context(prep, None, None, store, Caches()), store

    return make


def batches():
    return [list(range(i, i + BATCH)) for i in range(0, N, BATCH)]


def test_a_stopped_worker_is_given_up_on_and_the_other_does_its_batches(pool_parts, monkeypatch):
    monkeypatch.setattr(device_pool, "STALL_SILENT_S", 1.5)  # its heartbeat comes every 0.5 s
    prep, ctx, store = pool_parts()
    committed = []
    with DevicePool(prep, ctx, store) as pool:
        pool.start()
        stopped = pool.procs[0]
        os.kill(stopped.pid, signal.SIGSTOP)
        t = time.monotonic()
        pool.predict(batches(), lambda idx, preds: committed.append((idx, [p.label for p in preds])))
        elapsed = time.monotonic() - t
        assert stopped.exitcode == -signal.SIGKILL  # given up on: killed, not left stopped
    assert sorted(idx for idx, _ in committed) == batches()  # every batch once, the stopped worker's too
    assert all(labels == [i % 2 for i in idx] for idx, labels in committed)
    assert elapsed < 15  # the silence limit and the other worker's work, not forever
    assert any("the worker on cpu sent nothing for" in n and "its batches given to the others (cpu)" in n for n in ctx.notes), ctx.notes


@pytest.mark.parametrize("half_sent", [False, True], ids=["before-its-first-word", "halfway-through-a-result"])
def test_a_worker_stopped_before_it_said_a_word_is_given_up_on(pool_parts, monkeypatch, tmp_path, half_sent):
    """Stopped before its heartbeat thread ran, it never sent anything: the start's silence limit
    applies. Stopped halfway through a message: only its relay thread waits for the rest, the
    parent's loop goes on and sees it silent (before, reading that message blocked the parent)."""
    monkeypatch.setattr(device_pool, "STALL_START_S", 1.5)
    monkeypatch.setattr(device_pool, "_worker_main", functools.partial(worker_main_first_one_stalls, claim=str(tmp_path / "first"), half_sent=half_sent))
    prep, ctx, store = pool_parts()
    committed = []
    with DevicePool(prep, ctx, store) as pool:
        pool.start()  # waits for every worker's Ready: the stopped one is given up on meanwhile
        pool.predict(batches(), lambda idx, preds: committed.append(idx))
        stopped = [p for p in pool.procs if p.exitcode == -signal.SIGKILL]
        assert len(stopped) == 1 and pool.procs[1 - pool.procs.index(stopped[0])].exitcode is None
    assert sorted(committed) == batches()
    assert any("sent nothing in the" in n and "since it was started (stopped or frozen)" in n for n in ctx.notes), ctx.notes


def test_batches_stuck_in_every_worker_end_the_work_as_resumable(pool_parts, monkeypatch, tmp_path):
    monkeypatch.setattr(device_pool, "STALL_MIN_S", 1.0)
    monkeypatch.setattr(device_pool, "STALL_PER_EXAMPLE_S", 0.0)
    prep, ctx, store = pool_parts(gate=str(tmp_path / "never"), patience=120.0)  # each worker's second batch waits
    committed = []
    with DevicePool(prep, ctx, store) as pool:
        pool.start()
        with pytest.raises(WorkerError, match=r"every worker stalled \(the last on cpu computed one batch of 2 for \d+ s\)") as e:
            pool.predict(batches(), lambda idx, preds: committed.append(idx))
    assert e.value.field == DEVICES and "resume the run" in str(e.value)
    assert 1 <= len(committed) <= 2  # each worker's first batch passed the gate
    assert sum("computed one batch of 2" in n for n in ctx.notes) == 2


def test_closing_ends_stopped_workers_promptly(pool_parts, monkeypatch):
    monkeypatch.setattr(device_pool, "STOP_GRACE_S", 0.5)
    prep, ctx, store = pool_parts()
    pool = DevicePool(prep, ctx, store)
    pool.start()
    for p in pool.procs:
        os.kill(p.pid, signal.SIGSTOP)  # SIGTERM stays pending on a stopped process
    t = time.monotonic()
    pool.close()
    assert time.monotonic() - t < 5
    assert [p.exitcode for p in pool.procs] == [-signal.SIGKILL] * 2
