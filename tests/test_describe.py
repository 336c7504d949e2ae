"""What sets a run apart is shown where runs are listed: two runs of one method that differ only
in their label texts (or prompt, or few-shot) no longer look alike, and lines fit the terminal
(whole in a pipe)."""

from workbench.cli import main
from workbench.data import DataSpec
from workbench.describe import changed_params, describe_run
from workbench.engine import Engine
from workbench.spec import RunSpec


def test_two_runs_differing_in_label_texts_are_told_apart(label_words, tmp_path, capsys, monkeypatch):
    from tui_helpers import tiny_data

    data = tiny_data(tmp_path / "d")
    engine = Engine()
    a = engine.execute(engine.prepare(RunSpec(DataSpec(data), "label-words", params={"labels": ["bad", "good"]}, dtype="float32"))).run_id
    b = engine.execute(engine.prepare(RunSpec(DataSpec(data), "label-words", params={"labels": ["awful", "great film that is wonderful and long"]}, dtype="float32"))).run_id
    da, db = describe_run(engine.find(a)), describe_run(engine.find(b))
    assert da == "labels=bad|good  float32" and db == "labels=awful|great film that is wonderfu…  float32"
    assert main(["runs"]) == 0
    whole = capsys.readouterr().out.splitlines()  # not a terminal: whole lines (`runs | grep` finds a long path)
    assert len(whole) == 2 and all(line.endswith(tuple("0123456789")) and f"{tmp_path / 'd'} n=22" in line for line in whole)
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "120")  # a terminal of 120 columns
    assert main(["runs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(len(line) <= 120 for line in lines)
    by_id = {line[:12]: line for line in lines}
    assert "  labels=bad|good  float32  " in by_id[a[:12]] and "labels=awful|" in by_id[b[:12]]
    assert " done " in by_id[a[:12]][:30]  # the status right after the id: visible at 80 columns


def test_defaults_and_where_a_run_was_made_are_not_shown():
    assert changed_params("chat", {"prompt": "x {text}", "temperature": 0.0, "base_url": "http://h/v1", "few_shot": 4}) == {"prompt": "x {text}", "few_shot": 4}
    assert changed_params("embed-zeroshot", {"labels": None}) == {}
