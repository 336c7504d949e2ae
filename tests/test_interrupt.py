"""Interruption and concurrent use, with real processes on one store file: a run killed with
SIGKILL leaves a sound store and resumes without asking the API again for what it answered;
Ctrl-C (SIGINT) ends a run as cancelled and says how to resume it; two processes writing runs to
one store at once, with a reader polling it, both finish with everything stored."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import write_jsonl
from fake_methods import open_gate
from fake_openai import FakeOpenAI
from terminal_signals import ctrl_c_as_in_a_terminal
from workbench.errors import StoreError
from workbench.resume import resume
from workbench.store import RunStore

REPO = Path(__file__).resolve().parent.parent
PLANTED = "sk-PLANTED-7f3a9c1e-do-not-store"


def env(**extra) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "WORKBENCH_STORE")}
    return {**out, "PYTHONUNBUFFERED": "1", **extra}


def reviews(tmp_path: Path, n: int, name: str = "data") -> str:
    """n examples, each with a unique token (``review 0042:``) so the fake server's requests can
    be told apart per example."""
    rows = [{"text": f"review {i:04d}: a {'good' if i % 2 else 'bad'} film", "label": i % 2} for i in range(n)]
    d = tmp_path / name
    write_jsonl(d / "test.jsonl", rows)
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    return str(d)


def chat_eval(store: Path, data: str, server: FakeOpenAI, out: Path, *extra: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "workbench", "--store", str(store), "eval", "--data", data, "--method", "chat",
            "--base-url", server.url, "--concurrency", "4", "--batch-size", "8", "-q", *extra]  # fmt: skip
    return subprocess.Popen(argv, cwd=REPO, env=env(OPENAI_API_KEY=PLANTED), stdout=open(out / "stdout", "w"), stderr=open(out / "stderr", "w"),
                            preexec_fn=ctrl_c_as_in_a_terminal)  # fmt: skip


def stored(store: Path, sql: str, default=None):
    """One value from the store, read by a plain connection as any other reader would."""
    if not store.exists():
        return default
    db = sqlite3.connect(store, timeout=30)
    try:
        row = db.execute(sql).fetchone()
    except sqlite3.OperationalError:  # the tables are not made yet
        return default
    finally:
        db.close()
    return row[0] if row else default


def wait_until(predicate, what: str, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def integrity(store: Path) -> str:
    db = sqlite3.connect(store, timeout=30)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def test_sigkill_leaves_a_sound_store_and_resume_asks_nothing_twice(tmp_path):
    n = 240
    store, data = tmp_path / "s.sqlite", reviews(tmp_path, n)
    with FakeOpenAI(delay=0.03) as server:
        proc = chat_eval(store, data, server, tmp_path)
        try:
            wait_until(lambda: stored(store, "SELECT COUNT(*) FROM predictions", 0) >= 40, "40 stored predictions")
            run_id = stored(store, "SELECT run_id FROM runs")
            with pytest.raises(StoreError, match="is still running"):  # another process computes it now
                resume(run_id, RunStore(store))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        server.settle()  # requests the killed process had in flight reach the server's counts

        assert integrity(store) == "ok"
        s = RunStore(store)
        run = s.find(run_id)
        kept = {p.idx for p in s.predictions(run_id)}
        assert run.status == "running" and 40 <= len(kept) < n and not s.is_live(run_id)
        before = dict(server.attempts)
        assert all(server.tries(f"review {i:04d}:") == 1 for i in kept)

        listed = subprocess.run([sys.executable, "-m", "workbench", "--store", str(store), "runs"], cwd=REPO, env=env(), capture_output=True, text=True)
        assert "interrupted" in listed.stdout and f"{len(kept)}/{n} predicted" in listed.stdout

        resumed = subprocess.run([sys.executable, "-m", "workbench", "--store", str(store), "resume", run_id[:12], "-q"],
                                 cwd=REPO, env=env(OPENAI_API_KEY=PLANTED), capture_output=True, text=True, timeout=60)  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stdout.startswith(f"resuming run {run_id[:12]} (running): {len(kept)} of {n} predictions kept")

        s = RunStore(store)
        assert s.find(run_id).status == "done" and s.count_predictions(run_id) == n
        report = s.find(run_id).report
        assert report.n == n and report.accuracy == 1.0
        for i in kept:  # answered before the kill: never requested again
            assert server.tries(f"review {i:04d}:") == 1, i
        for i in range(n):  # every example answered; one the killed process had in flight at most twice
            assert 1 <= server.tries(f"review {i:04d}:") <= 2, i
        asked_again = {p for p in server.attempts if p in before and server.attempts[p] > before[p]}
        assert all(not any(f"review {i:04d}:" in p for i in kept) for p in asked_again)
        assert server.requests - sum(before.values()) <= n - len(kept)
        assert f"Bearer {PLANTED}" in server.auth_seen  # the key was used ...

    outputs = [(tmp_path / "stdout").read_bytes(), (tmp_path / "stderr").read_bytes(), listed.stdout.encode(), resumed.stdout.encode(), resumed.stderr.encode()]
    files = [p.read_bytes() for p in tmp_path.glob("s.sqlite*")]
    assert len(files) >= 2  # the store and its WAL (and the lock file) were read
    for content in outputs + files:
        assert PLANTED.encode() not in content  # ... and written nowhere


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_cancels_the_run_and_says_how_to_resume(tmp_path, sig):
    """Ctrl-C, and SIGTERM (a scheduler or a container stopping the process) alike."""
    store, data = tmp_path / "s.sqlite", reviews(tmp_path, 160)
    # The server answers 24 requests and holds the rest until it stops: the signal surely comes
    # while the run is in progress (with every answer flowing, a loaded machine could finish the
    # run before the test's poll saw 16 stored, and the process then exited 0).
    with FakeOpenAI(delay=0.03, hold_after=24) as server:
        proc = chat_eval(store, data, server, tmp_path)
        try:
            wait_until(lambda: stored(store, "SELECT COUNT(*) FROM predictions", 0) >= 16, "16 stored predictions")
            proc.send_signal(sig)
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    out = (tmp_path / "stdout").read_text()
    run_id = stored(store, "SELECT run_id FROM runs")
    assert proc.returncode == 130, (tmp_path / "stderr").read_text()
    assert f"resume it with: workbench resume {run_id[:12]}" in out
    assert stored(store, "SELECT status FROM runs") == "cancelled"
    kept = stored(store, "SELECT COUNT(*) FROM predictions")
    assert 16 <= kept < 160 and f"covers the {kept} examples that finished" in out
    assert integrity(store) == "ok"


def fake_cli(store: Path, data: str, *extra: str) -> subprocess.Popen:
    argv = [sys.executable, str(REPO / "tests" / "fake_cli.py"), "--store", str(store), "eval", "--data", data, "--method", "keyword", "-q", *extra]
    return subprocess.Popen(argv, cwd=REPO, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def keyword_data(tmp_path: Path, name: str, n: int) -> str:
    rows = [{"text": f"{name} {i} {'good' if i % 2 else 'bad'}", "label": i % 2} for i in range(n)]
    return str(write_jsonl(tmp_path / name / "test.jsonl", rows).parent)


def test_two_processes_write_one_store_while_a_reader_polls(tmp_path):
    store, n = tmp_path / "shared.sqlite", 80  # not created yet: both processes create it at once
    a, b = keyword_data(tmp_path, "alpha", n), keyword_data(tmp_path, "beta", n)
    gate = tmp_path / "go"  # both runs hold after their first batch until the reader has looked a few times
    stop, seen, errors = threading.Event(), [], []

    def reader():  # the TUI's history screen: list runs and counts while they are written
        try:
            wait_until(lambda: stored(store, "SELECT COUNT(*) FROM runs", 0) > 0, "a run")
            s = RunStore(store)
            while not stop.is_set():
                seen.append((len(s.list_runs()), sum(s.prediction_counts().values())))
                s.put_response(f"reader:{len(seen)}", {"n": len(seen)})  # and a third writer, in a thread
                time.sleep(0.01)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    thread = threading.Thread(target=reader)
    thread.start()
    procs = [fake_cli(store, d, "--batch-size", "2", "-p", f"gate={gate}") for d in (a, b)]
    try:
        wait_until(lambda: len(seen) > 5 or errors, "the reader's first looks", 60)
        open_gate(gate)
        results = [p.communicate(timeout=60) for p in procs]
    finally:
        stop.set()
        thread.join(10)
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0 and "locked" not in err, err
        assert "accuracy    1.0000" in out
    assert not errors, errors
    s = RunStore(store)
    runs = s.list_runs()
    assert len(runs) == 2 and {r.status for r in runs} == {"done"}
    assert s.prediction_counts() == {r.run_id: n for r in runs}
    assert len(seen) > 5 and seen[-1][1] <= 2 * n
    assert [c for _, c in seen] == sorted(c for _, c in seen)  # a reader never sees a batch taken back
    assert integrity(store) == "ok"


def test_the_same_run_in_two_processes_at_once_is_computed_once(tmp_path):
    store, data, gate = tmp_path / "s.sqlite", keyword_data(tmp_path, "same", 40), tmp_path / "go"
    first = fake_cli(store, data, "--batch-size", "2", "-p", f"gate={gate}")  # held after its first batch
    try:
        wait_until(lambda: stored(store, "SELECT COUNT(*) FROM predictions", 0) >= 2, "the first process's predictions")
        second = fake_cli(store, data, "--batch-size", "2", "-p", f"gate={gate}")
        out, err = second.communicate(timeout=60)
        open_gate(gate)
        if first.poll() is None:  # the first was computing it all along: refused, nothing deleted under it
            assert second.returncode == 2 and "being computed by another process" in err and "wait for it" in err, err
        else:  # a very slow start: the first had finished, and its run was shown from the store
            assert second.returncode == 0 and "accuracy    1.0000" in out
        first_out, first_err = first.communicate(timeout=60)
    finally:
        open_gate(gate)
        for p in (first,):
            if p.poll() is None:
                p.kill()
    assert first.returncode == 0 and "accuracy    1.0000" in first_out, first_err
    s = RunStore(store)
    (run,) = s.list_runs()
    assert run.status == "done" and s.count_predictions(run.run_id) == 40
    assert integrity(store) == "ok"
