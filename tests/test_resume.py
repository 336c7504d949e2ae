"""Resuming a run that did not finish: only the missing examples are predicted (longest first),
the finished ones are kept as stored, and the final report is the uninterrupted run's."""

import json
import threading

import pytest

from conftest import write_jsonl
from fake_methods import KeywordMethod
from workbench.cli import main
from workbench.data import DataSpec
from workbench.errors import ConfigError, StoreError
from workbench.methods import METHODS
from workbench.resume import resume
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

VOLATILE = {"timing", "created_at", "notes", "versions"}
"""Report keys that differ between two computations of the same run (times, the resume note)."""


class Counting(KeywordMethod):
    """The keyword method, recording every text it is asked about; ``interrupt_after`` batches
    it raises KeyboardInterrupt (a Ctrl-C landing mid-run), ``fail_after`` a WorkbenchError."""

    name = "counting"
    texts: list[str] = []
    interrupt_after: int | None = None
    fail_after: int | None = None

    def predict(self, texts, ctx):
        cls = type(self)
        if cls.interrupt_after is not None and cls.batches_seen >= cls.interrupt_after:
            raise KeyboardInterrupt
        if cls.fail_after is not None and cls.batches_seen >= cls.fail_after:
            raise ConfigError("the server went away")
        cls.texts.extend(texts)
        return super().predict(texts, ctx)


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.setitem(METHODS, "counting", Counting)
    reset()
    yield Counting
    reset()


def reset():
    Counting.texts, Counting.batches_seen, Counting.interrupt_after, Counting.fail_after = [], 0, None, None


@pytest.fixture
def data(tmp_path):
    # lengths all differ, so longest-first order is one order; a few invalid and a wrong one too
    rows = [{"text": "good " + "x" * i, "label": 1} for i in range(18)]
    rows += [{"text": "bad " + "y" * (i + 30), "label": 0} for i in range(14)]
    rows += [{"text": "nothing " + "z" * (i + 60), "label": 0} for i in range(3)] + [{"text": "bad but good!" + "w" * 80, "label": 0}]
    return str(write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent)


def spec(data, **kw):
    return RunSpec(DataSpec(data), "counting", **{"batch_size": 4, **kw})


def cancelled_run(data, store, after_examples=12):
    cancel = threading.Event()

    def on_progress(ev):
        if ev.phase == "predicting" and ev.done >= after_examples:
            cancel.set()

    out = execute(prepare(spec(data)), store, on_progress=on_progress, cancel_event=cancel)
    assert out.status == "cancelled" and store.count_predictions(out.run_id) == after_examples
    return out


def comparable(report):
    return {k: v for k, v in report.to_json().items() if k not in VOLATILE}


def test_resume_predicts_only_the_missing_examples_and_reports_like_a_full_run(counting, data, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    first = cancelled_run(data, store)
    kept = {p.idx: p for p in store.predictions(first.run_id)}
    counting.texts = []
    events = []
    out = resume(first.run_id[:10], store, on_progress=events.append)
    assert out.status == "done" and out.run_id == first.run_id and not out.reused
    ds = prepare(spec(data)).dataset.eval
    missing = [t for i, t in enumerate(ds.texts) if i not in kept]
    assert sorted(counting.texts) == sorted(missing) and len(counting.texts) == len(ds) - 12  # each missing one once
    assert [len(t) for t in counting.texts] == sorted((len(t) for t in missing), reverse=True)  # still longest first
    predicting = [e for e in events if e.phase == "predicting"]
    assert (predicting[0].done, predicting[0].total) == (12, len(ds)) and predicting[-1].done == len(ds)
    assert predicting[-1].correct == round(out.report.accuracy * len(ds))
    assert {p.idx: p for p in store.predictions(first.run_id) if p.idx in kept} == kept  # kept as stored
    assert any(n.startswith(f"resumed: 12 of {len(ds)} predictions kept") for n in out.report.notes)
    assert store.find(first.run_id).status == "done" and store.count_predictions(first.run_id) == len(ds)

    full = execute(prepare(spec(data)), RunStore(tmp_path / "full.sqlite"))
    assert full.run_id == out.run_id
    assert comparable(out.report) == comparable(full.report)
    assert out.report.n == len(ds) and out.report.invalid == 3
    assert store.predictions(out.run_id) == RunStore(tmp_path / "full.sqlite").predictions(full.run_id)

    counting.texts = []
    again = resume(out.run_id, store)  # a finished run is shown, not computed
    assert again.reused and again.report == store.find(out.run_id).report and counting.texts == []


def test_a_failed_run_resumes_once_the_cause_is_gone(counting, data, capsys):
    counting.fail_after = 3
    assert main(["eval", "--data", data, "--method", "counting", "--batch-size", "4", "-q"]) == 2
    store = RunStore()
    (run,) = store.list_runs()
    err = capsys.readouterr().err
    assert "server went away" in err and f"12 predictions are kept: once fixed, `workbench resume {run.run_id[:12]}`" in err
    assert run.status == "failed" and store.count_predictions(run.run_id) == 12
    assert main(["show", run.run_id[:12]]) == 1
    assert f"resume it with: workbench resume {run.run_id[:12]}" in capsys.readouterr().out
    counting.fail_after, counting.texts = None, []
    done = resume(run.run_id, store)
    assert done.status == "done" and len(counting.texts) == done.report.n - 12
    assert store.find(run.run_id).error is None


def test_resume_refuses_a_changed_run_and_a_running_one(counting, data, tmp_path, capsys):
    store = RunStore(tmp_path / "s.sqlite")
    first = cancelled_run(data, store)
    test_file = tmp_path / "d" / "test.jsonl"
    original = test_file.read_text()
    test_file.write_text(original.replace("good x", "good X", 1))
    with pytest.raises(StoreError, match=r"cannot be resumed: the data's content changed.*start it afresh") as e:
        resume(first.run_id, store)
    assert e.value.fix and "put back what changed" in e.value.fix and e.value.field == "run"
    assert main(["resume", first.run_id[:12], "--store", str(tmp_path / "s.sqlite"), "-q"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "cannot be resumed" in line and line.endswith("[RUN (the run id; `workbench runs` lists them)]"), line
    assert store.find(first.run_id).status == "cancelled" and store.count_predictions(first.run_id) == 12  # untouched
    test_file.write_text(original)

    other = store.find(first.run_id)
    store.start_run(first.run_id, method="counting", model=None, dataset="d", split="test", n=36, config=other.config)
    with pytest.raises(StoreError, match="is still running.*stop it first"):  # this process computes it right now
        resume(first.run_id, store)
    store.finish_run(first.run_id, "cancelled")
    assert resume(first.run_id, store).status == "done"
    with pytest.raises(StoreError, match="no run 0123"):
        resume("0123", store)


def test_cli_ctrl_c_says_how_to_resume_runs_shows_progress_and_resume_finishes(counting, data, tmp_path, capsys):
    counting.interrupt_after = 2  # Ctrl-C arriving during the third batch
    assert main(["eval", "--data", data, "--method", "counting", "--batch-size", "4", "-q"]) == 130
    out = capsys.readouterr().out
    run_id = RunStore().list_runs()[0].run_id
    assert f"resume it with: workbench resume {run_id[:12]}" in out and "covers the 8 examples that finished" in out

    assert main(["runs"]) == 0
    line = capsys.readouterr().out.strip()
    assert "cancelled" in line and "8/36 predicted" in line and "(partial)" in line

    counting.interrupt_after, counting.texts = None, []
    assert main(["resume", run_id[:8], "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"resuming run {run_id[:12]} (cancelled): 8 of 36 predictions kept, 28 to go")
    assert "note: resumed: 8 of 36 predictions kept" in out and "status done" in out
    assert len(counting.texts) == 28
    assert json.loads((tmp_path / "r.json").read_text())["n"] == 36

    assert main(["runs"]) == 0
    line = capsys.readouterr().out.strip()
    assert " done " in line and "predicted" not in line and "acc " in line
    assert main(["resume", run_id[:8]]) == 0
    assert capsys.readouterr().out.startswith(f"run {run_id[:12]} is complete: showing it")
    assert len(counting.texts) == 28  # nothing computed again
