"""`--json -` writes the JSON to standard output and nothing else (the text goes to standard
error), for every command that has --json; `workbench runs` finds runs: --json, whole lines in a
pipe, a split column, --data and --method filters."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

from workbench.cli import main


def workbench(store, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, WORKBENCH_STORE=str(store), PYTHONPATH=str(REPO), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)


def test_eval_and_show_json_to_stdout_hold_nothing_else(tmp_path):
    store = tmp_path / "s.sqlite"
    first = workbench(store, "eval", "--data", "sample", "--method", "majority", "-q", "--json", "-")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)  # the whole of standard output is one JSON document
    assert report["method"] == "majority" and report["n"] == 120
    assert first.stderr.startswith(f"run {report['run_id'][:12]}") and "accuracy" in first.stderr
    assert not (REPO / "-").exists() and not (tmp_path / "-").exists()

    again = workbench(store, "eval", "--data", "sample", "--method", "majority", "-q", "--json", "-")  # stored: the notice goes to stderr too
    assert json.loads(again.stdout)["run_id"] == report["run_id"] and "identical run is stored" in again.stderr

    shown = workbench(store, "show", report["run_id"][:12], "--json", "-")
    assert shown.returncode == 0 and json.loads(shown.stdout) == report and "accuracy" in shown.stderr


def test_resume_suspects_sweep_and_runs_json_to_stdout(tmp_path, capsys, label_words):
    store = str(tmp_path / "s.sqlite")
    assert main(["--store", store, "eval", "--data", "sample", "--method", "majority", "-q"]) == 0
    run_id = capsys.readouterr().out.split()[1]

    assert main(["--store", store, "resume", run_id, "--json", "-"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["run_id"].startswith(run_id) and "is complete" in err

    assert main(["--store", store, "suspects", run_id, "--json", "-"]) == 2  # majority: no evidence about any row
    out, err = capsys.readouterr()
    assert out == "" and "gives no evidence about labels" in err

    assert main(["--store", store, "eval", "--data", "sample", "--method", "label-words", "--labels", "bad", "good", "-q"]) == 0
    words_run = capsys.readouterr().out.split()[1]
    assert main(["--store", store, "suspects", words_run, "--json", "-"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["run_id"].startswith(words_run) and "suspect labels" in err

    toml = tmp_path / "s.toml"
    toml.write_text('[data]\nsource = "sample"\n[sweep]\nmetric = "accuracy"\nbaseline = "a"\n[base]\nmethod = "majority"\n[[variants]]\nname = "a"\n', encoding="utf-8")
    assert main(["--store", store, "sweep", str(toml), "-q", "--json", "-"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["best"] == "a" and err

    assert main(["--store", store, "runs", "--json"]) == 0
    out, err = capsys.readouterr()
    runs = json.loads(out)
    assert err == "" and {r["split"] for r in runs} >= {"test"} and all(set(r) >= {"run_id", "status", "dataset", "split", "accuracy", "n"} for r in runs)
    assert main(["--store", store, "runs", "--json", str(tmp_path / "runs.json")]) == 0
    assert json.loads((tmp_path / "runs.json").read_text()) == runs


@pytest.fixture
def two_sources(tmp_path):
    """A store with a majority run on a folder whose path is longer than 120 columns and one on the sample."""
    from conftest import write_jsonl

    folder = tmp_path / ("a-long-folder-name-" * 6) / "ag_news_like"
    rows = [{"text": f"text {i}", "label": "x" if i % 2 else "y"} for i in range(20)]
    write_jsonl(folder / "train.jsonl", rows)
    write_jsonl(folder / "test.jsonl", rows)
    store = tmp_path / "s.sqlite"
    for data in (str(folder), "sample"):
        assert main(["--store", str(store), "eval", "--data", data, "--method", "majority", "-q"]) == 0
    return store, folder


def test_runs_in_a_pipe_prints_whole_lines_with_the_split_and_filters(two_sources, capsys):
    store, folder = two_sources
    capsys.readouterr()
    listed = workbench(store, "runs")  # standard output is a pipe
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and any(str(folder) in line and len(line) > 120 for line in lines)
    assert all("  test  majority" in line for line in lines)  # the split, in a column of its own
    assert "ag_news_like" in workbench(store, "runs", env_extra={"COLUMNS": "80"}).stdout  # COLUMNS is for terminals only

    assert main(["--store", str(store), "runs", "--data", "ag_news"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "ag_news_like" in out[0]
    assert main(["--store", str(store), "runs", "--method", "majority", "--data", "sample"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["--store", str(store), "runs", "--method", "keyword"]) == 0
    assert capsys.readouterr().out == "no stored run has method keyword\n"
