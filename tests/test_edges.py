"""Safe at the edges (issue 20): no control character from data reaches a terminal, no secret in a
base URL, a read-only command leaves a foreign SQLite file as it was, --rerun keeps the finished run
until the new one finishes, and the other guards the attack harness (benchmarks/attack.py) checks."""

from __future__ import annotations

import json
import re

import pytest
from conftest import write_jsonl
from fake_methods import KeywordMethod

from workbench.cli import main
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.safe_text import visible, visible_lines
from workbench.store import RunStore

ESC_LABEL = "pos\x1b]0;pwned\x07\x1b[2J"
NL_LABEL = "neg\nline two"
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def test_visible_shows_every_control_character_and_keeps_plain_text():
    assert visible("plain [b]text[/b] é") == "plain [b]text[/b] é"
    assert visible("a\x1b[2Jb\x07\x08\r\t") == "a␛[2Jb␇␈␍␉"
    assert visible("a\nb") == "a␊b" and visible_lines("a\nb") == "a\nb"
    assert visible("\x9b31m\x7f\u202e") == "\\x9b31m␡\\u202e"
    assert not RAW_CONTROL.search(visible("".join(map(chr, range(0x100)))))


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    """A data folder whose label names carry an OSC title sequence, a clear-screen and a newline."""
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    rows = [{"text": "good one\x1b[2J", "label": ESC_LABEL}, {"text": "bad one", "label": NL_LABEL}, {"text": "meh\x1b]0;t\x07", "label": ESC_LABEL}]
    return str(write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent)


def test_terminal_injection_from_labels_and_texts_is_shown_not_obeyed(hostile, capsys):
    assert main(["eval", "--data", hostile, "--method", "keyword"]) == 0
    out = capsys.readouterr()
    assert not RAW_CONTROL.search(out.out + out.err)
    assert "␛]0;pwned␇␛[2J" in out.out
    # a label holding a newline keeps its table row whole: the name and its figures on one line
    rows = [line for line in out.out.splitlines() if line.startswith("neg␊line two")]
    assert len(rows) == 2 and all(re.search(r"\d", r[len("neg␊line two"):]) for r in rows)
    assert not any(line.startswith("line two") for line in out.out.splitlines())
    run_id = out.out.split()[1]
    for argv in (["runs"], ["show", run_id]):
        assert main(argv) == 0
        got = capsys.readouterr()
        assert not RAW_CONTROL.search(got.out + got.err)


def test_an_error_message_holding_data_is_one_visible_line(tmp_path, capsys):
    bad = tmp_path / "no\x1b[2Jsuch\nfolder"
    assert main(["eval", "--data", str(bad), "--method", "majority"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and not RAW_CONTROL.search(err)
    assert "␛[2J" in err


@pytest.mark.parametrize(
    "url, part",
    [
        ("http://127.0.0.1:9/v1#sk-PLANTED-frag", "a fragment"),
        ("http://127.0.0.1:9/v1;api_key=sk-PLANTED-params", "path parameters"),
        ("http://127.0.0.1:9/v1?q=sk-PLANTED-query", "a query"),
        ("http://127.0.0.1:9/v1?code=PLANTEDcode", "a query"),
        ("http://127.0.0.1:9/v1/Bearer%20sk-PLANTED-pct", "a key in its path"),
        ("http://127.0.0.1:9/Bearer%20tok-PLANTED/v1", "a key in its path"),
        ("http://me:PLANTED@127.0.0.1:9/v1", "user:password@"),
        ("http://127.0.0.1:9/v1?", "a query"),
    ],
)
def test_a_base_url_with_more_than_host_and_path_is_refused_naming_the_part(tmp_path, capsys, url, part):
    store = tmp_path / "s.sqlite"
    assert main(["eval", "--store", str(store), "--data", "sample", "--method", "chat", "--base-url", url]) == 2
    err = capsys.readouterr().err
    assert f"it has {part}" in err and "PLANTED" not in err and "[--base-url]" in err
    assert b"PLANTED" not in b"".join(p.read_bytes() for p in tmp_path.glob("s.sqlite*"))


def test_a_secret_in_openai_base_url_is_refused_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1#tok-PLANTED-env")
    assert main(["eval", "--store", str(tmp_path / "s.sqlite"), "--data", "sample", "--method", "chat"]) == 2
    err = capsys.readouterr().err
    assert "it has a fragment" in err and "PLANTED" not in err


def test_a_key_echoed_as_a_logprob_token_upper_cased_or_spaced_out_is_masked(tmp_path, monkeypatch, capsys):
    from fake_openai import FakeOpenAI

    key = "sk-PLANTED-edge-9c2f"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    d = tmp_path / "d"
    write_jsonl(d / "test.jsonl", [{"text": "good", "label": 1}, {"text": "bad [echoupper]", "label": 0}, {"text": "bad [echospaced]", "label": 0}])
    (d / "labels.json").write_text('["neg", "pos"]')
    store = tmp_path / "s.sqlite"
    alternatives = {"Positive.": [("Positive", -0.05), (key, -1.0), (key.upper(), -2.0)]}
    with FakeOpenAI(alternatives=alternatives) as server:
        assert main(["--store", str(store), "eval", "--data", str(d), "--method", "chat", "--base-url", server.url, "-p", "max_retries=0", "-p", "logprobs=5", "-q"]) == 0
    out = capsys.readouterr()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("s.sqlite*")) + (out.out + out.err).encode()
    for form in (key, key.upper(), " ".join(key), "PLANTED", "P L A N T E D"):
        assert form.encode() not in stored, form
    assert b"[api key]" in stored


def test_a_read_only_command_leaves_another_programs_database_untouched(tmp_path, capsys):
    import sqlite3

    path = tmp_path / "places.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    db.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    db.commit()
    db.close()
    before = path.read_bytes()
    for argv in (["runs"], ["show", "abc"], ["suspects", "abc"], ["eval", "--data", "sample", "--method", "majority", "-q"]):
        assert main(["--store", str(path), *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "not a workbench run store" in err and "moz_places" in err
    assert main(["--store", str(path), "store", "check"]) == 1
    assert "not a workbench run store" in capsys.readouterr().out
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["places.sqlite"]
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete" and db.execute("PRAGMA user_version").fetchone()[0] == 0


def test_store_check_on_a_file_that_reads_as_empty_but_holds_text_is_not_ok(capsys):
    from pathlib import Path

    if not Path("/proc/version").is_file():
        pytest.skip("no /proc here")
    assert main(["--store", "/proc/version", "store", "check"]) == 1
    out = capsys.readouterr().out
    assert "damaged" in out and "not a SQLite database" in out and "ok" not in out.split("\n")[0]
    assert main(["--store", "/proc/version", "runs"]) == 2
    assert "damaged" in capsys.readouterr().err


def test_rerun_then_ctrl_c_keeps_the_finished_run_until_the_new_one_finishes(tmp_path, monkeypatch):
    from workbench.runner import execute, prepare
    from workbench.spec import RunSpec
    from workbench.store import RunStore

    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    rows = [{"text": f"{'good' if i % 2 else 'bad'} film {i}", "label": "pos" if i % 2 else "neg"} for i in range(40)]
    data = str(write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent)
    store = RunStore(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec(data), "keyword", batch_size=8)
    done = execute(prepare(spec), store)
    before = [(p.idx, p.pred) for p in store.predictions(done.run_id)]
    assert done.status == "done" and len(before) == 40

    def ctrl_c_after_two_batches(ev):
        if ev.phase == "predicting" and ev.done >= 16:
            raise KeyboardInterrupt

    cancelled = execute(prepare(spec), store, rerun=True, on_progress=ctrl_c_after_two_batches)
    assert cancelled.status == "cancelled" and cancelled.kept_finished and cancelled.run_id == done.run_id
    kept = store.find(done.run_id)
    assert kept.status == "done" and kept.report.n == 40 and kept.predicted == 40
    assert [(p.idx, p.pred) for p in store.predictions(done.run_id)] == before
    assert [r.run_id for r in store.list_runs()] == [done.run_id]  # the unfinished rerun left nothing behind

    again = execute(prepare(spec), store, rerun=True)
    assert again.status == "done" and not again.reused and again.report.run_id == done.run_id
    assert [r.run_id for r in store.list_runs()] == [done.run_id]
    assert store.find(done.run_id).report.run_id == done.run_id and len(store.predictions(done.run_id)) == 40


@pytest.mark.parametrize("method", ["chat", "majority"])
def test_ray_for_a_method_that_runs_no_local_model_is_refused_as_devices_is(tmp_path, capsys, method):
    argv = ["--store", str(tmp_path / "s.sqlite"), "eval", "--data", "sample", "--method", method, "--ray", "local"]
    assert main(argv + (["--base-url", "http://127.0.0.1:9/v1"] if method == "chat" else [])) == 2
    err = capsys.readouterr().err
    assert "runs no local model" in err and "[--ray]" in err
    store = tmp_path / "s.sqlite"
    assert not store.exists() or RunStore(store).list_runs() == []  # refused before any run was started


def test_selective_figures_do_not_depend_on_row_order_when_scores_tie():
    import numpy as np

    from workbench.selective import compute_selective, confidence_curve

    gold = [0, 1, 1, 0, 1, 0, 0, 1]
    preds = [0] * 8  # the majority baseline: one class, one score for every text
    scores = [[0.6, 0.4]] * 8
    forward = compute_selective(gold, preds, scores, 2)
    backward = compute_selective(gold[::-1], preds, scores, 2)
    assert forward == backward
    assert forward.accuracy_at == {0.5: 0.5, 0.8: 0.5, 0.9: 0.5, 1.0: 0.5} and forward.aurc == 0.5
    curve = confidence_curve(gold, preds, scores, 2)
    assert curve.points() == confidence_curve(gold[::-1], preds, scores, 2).points()
    assert curve.at(0.6).accuracy == 0.5 and curve.at(0.6).answered == 8
    # two groups: the tied examples inside a group count by the group's share, whatever their order
    scores = [[0.9, 0.1]] * 4 + [[0.6, 0.4]] * 4
    g1, g2 = [0, 0, 0, 1], [1, 1, 0, 0]
    a = compute_selective(g1 + g2, preds, scores, 2)
    b = compute_selective(g1[::-1] + g2[::-1], preds, scores, 2)
    assert a == b and a.accuracy_at[0.5] == 0.75 and np.isclose(a.accuracy_at[1.0], 5 / 8)
    assert a.coverage_at_target is None  # 0.75 at the first group's end: no coverage reaches 0.9


def test_majority_on_a_file_and_on_it_reversed_gives_the_same_selective_figures(tmp_path, capsys):
    rows = [{"text": f"review {i}", "label": i % 3 == 0} for i in range(30)]
    for name, ordered in (("fwd", rows), ("rev", rows[::-1])):
        write_jsonl(tmp_path / name / "train.jsonl", rows)
        write_jsonl(tmp_path / name / "test.jsonl", ordered)
    got = []
    for name in ("fwd", "rev"):
        out = tmp_path / f"{name}.json"
        assert main(["eval", "--data", str(tmp_path / name), "--method", "majority", "-q", "--json", str(out)]) == 0
        got.append(json.loads(out.read_text())["selective"])
    capsys.readouterr()
    assert got[0] == got[1]


def test_a_temperature_so_small_that_scores_overflow_is_refused(capsys):
    assert main(["eval", "--data", "sample", "--method", "embed-zeroshot", "-p", "temperature=1e-320"]) == 2
    err = capsys.readouterr().err
    assert "temperature='1e-320'" in err and ">= 1e-06" in err and "[-p temperature=VALUE]" in err


def test_the_json_file_never_holds_a_bare_nan(tmp_path):
    from workbench.cli_output import write_json as _write_json

    _write_json(str(tmp_path / "r.json"), {"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf")}, "e": "NaN"}, "x")
    text = (tmp_path / "r.json").read_text()
    assert "NaN" not in text.replace('"NaN"', "") and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": {"d": None}, "e": "NaN"}


def test_show_calls_a_dead_run_interrupted_as_runs_does(tmp_path, capsys):
    from workbench.methods import Prediction
    from workbench.store import RunStore

    s = RunStore(tmp_path / "s.sqlite")
    dead = "b" * 64
    s.start_run(dead, method="m", model=None, dataset="d", split="test", n=4, config={})
    s.add_predictions(dead, [(0, "t", 1, Prediction(1))])
    s._runs.release(dead)  # as when its process died: the system drops the lock
    s.close()
    assert main(["--store", str(tmp_path / "s.sqlite"), "show", dead[:12]]) == 1
    out = capsys.readouterr().out
    assert f"run {dead[:12]} is interrupted" in out and "resume it with" in out


def test_more_cpu_workers_than_cores_are_refused_before_any_starts(tmp_path, capsys):
    import os

    many = ",".join(["cpu"] * (max(2, len(os.sched_getaffinity(0))) + 1))
    assert main(["--store", str(tmp_path / "s.sqlite"), "eval", "--data", "sample", "--method", "embed-zeroshot", "--devices", many]) == 2
    err = capsys.readouterr().err
    assert "CPU workers on a machine with" in err and "[--devices]" in err


def test_a_sweep_file_that_is_a_fifo_is_refused_at_once(tmp_path, capsys):
    import os

    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    assert main(["--store", str(tmp_path / "s.sqlite"), "sweep", str(fifo)]) == 2
    assert "is not a regular file" in capsys.readouterr().err


def test_evaluating_on_the_rows_the_method_fits_on_is_warned_not_refused(tmp_path, capsys, monkeypatch):
    """--split train for a method that fits on train gives a training score: the report says so
    first among its notes (a warning, shown as one), and the CLI prints it. Not for a hold-out of
    train, another split, or a method that fits on nothing."""
    from workbench.data import HOLDOUT_SPLIT
    from workbench.runner import prepare
    from workbench.spec import RunSpec

    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    report = tmp_path / "r.json"
    assert main(["--store", str(tmp_path / "s.sqlite"), "eval", "--data", "sample", "--split", "train", "--method", "majority", "-q", "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "\nwarning: the method fits on split 'train', and all 240 evaluated examples are its rows" in out and "note: warning" not in out
    assert json.loads(report.read_text())["notes"][0].startswith("warning: the method fits on split 'train'")
    sample = prepare(RunSpec(DataSpec("sample", split="train", limit=10), "majority")).warnings
    assert len(sample) == 1 and "all 10 evaluated examples are its rows" in sample[0]
    for spec in (DataSpec("sample", split=HOLDOUT_SPLIT, holdout=0.2), DataSpec("sample", split="test")):
        assert prepare(RunSpec(spec, "majority")).warnings == []
    assert prepare(RunSpec(DataSpec("sample", split="train"), "keyword")).warnings == []
