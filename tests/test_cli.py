import json
import subprocess
import sys

import pytest

from conftest import write_jsonl
from fake_methods import KeywordMethod
from workbench.cli import main
from workbench.methods import METHODS
from workbench.report import JSON_KEYS


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    rows = [{"text": "good one", "label": "pos"}, {"text": "bad one", "label": "neg"}, {"text": "meh", "label": "pos"}]
    return str(write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent)


def test_eval_prints_report_writes_json_and_lists_run(data, tmp_path, capsys):
    assert main(["eval", "--data", data, "--method", "keyword", "--json", str(tmp_path / "r.json")]) == 0
    text = capsys.readouterr().out
    assert "accuracy    0.6667" in text and "invalid     1 of 3" in text
    assert "gold \\ pred" in text and "invalid" in text.splitlines()[-3]
    report = json.loads((tmp_path / "r.json").read_text())
    assert list(report)[: len(JSON_KEYS)] == list(JSON_KEYS)
    assert report["labels"] == ["neg", "pos"] and report["per_class"]["pos"]["support"] == 2
    assert set(report["timing"]) == {"load_s", "fit_s", "predict_s", "examples_per_s"}
    assert set(report["ci95"]) == {"accuracy", "f1_macro"}
    assert report["run_id"].startswith(report["run_id"][:12]) and len(report["run_id"]) == 64

    assert main(["runs"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(report["run_id"][:12]) and "keyword" in line and "acc 0.6667" in line

    assert main(["show", report["run_id"][:8]]) == 0
    assert "accuracy    0.6667" in capsys.readouterr().out

    assert main(["eval", "--data", data, "--method", "keyword"]) == 0
    assert "identical run is stored" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, pattern",
    [
        (["eval", "--data", "/no/such/dir", "--method", "keyword"], "no file or folder at /no/such/dir"),
        (["eval", "--method", "nope", "--data", "sample"], "unknown method 'nope'"),
        (["show", "abcdef"], "no run abcdef"),
        (["eval", "--method", "embed-zeroshot", "--data", "sample", "--labels", "only one"], "1 texts for 2 classes"),
        (["eval", "--method", "embed-zeroshot", "--data", "sample", "--labels", "good", " "], "label text for pos is empty"),
        (["eval", "--method", "keyword", "--data", "sample", "-p", "patience"], "has no '='"),
        (["eval", "--method", "keyword", "--data", "sample", "--batch-size", "0"], r"batch size 0 .*\[--batch-size\]"),
    ],
)
def test_bad_input_is_one_line_error_exit_2(data, argv, pattern, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert __import__("re").search(pattern, err), err


def test_methods_lists_parameters_and_defaults(capsys):
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    for name in ("classifier", "embed-logreg", "embed-centroid", "embed-zeroshot"):
        assert out.count(f"\n{name}  ") + out.startswith(name) == 1
    assert "cardiffnlp/twitter-roberta-base-sentiment-latest" in out and "sentence-transformers/all-mpnet-base-v2" in out
    assert "C = 1.0" in out and "label_map" in out


def test_help_is_fast_and_imports_nothing_heavy():
    code = "import sys; from workbench.cli import main; main(['--help']) if False else None; import workbench.cli; print(sorted(m for m in ('torch','transformers','sentence_transformers','numpy','sklearn','datasets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    r = subprocess.run([sys.executable, "-m", "workbench", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "eval" in r.stdout and "methods" in r.stdout


def test_store_option_before_or_after_the_command(data, tmp_path, capsys):
    store = str(tmp_path / "elsewhere.sqlite")
    assert main(["eval", "--data", data, "--method", "keyword", "--store", store]) == 0
    capsys.readouterr()
    assert main(["--store", store, "runs"]) == 0
    assert "keyword" in capsys.readouterr().out
    assert main(["runs"]) == 0  # the default store (this test's own) has none
    assert "no runs stored yet" in capsys.readouterr().out


def test_json_report_carries_its_format_version(data, tmp_path, capsys):
    assert main(["eval", "--data", data, "--method", "keyword", "-q", "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["format_version"] == 1 and list(report)[-1] == "format_version"
    assert main(["show", report["run_id"][:12], "--json", str(tmp_path / "again.json")]) == 0
    assert json.loads((tmp_path / "again.json").read_text()) == report  # the stored report writes the same JSON


def test_runs_lists_a_running_run_no_process_holds_as_interrupted(tmp_path, capsys):
    from workbench.methods import Prediction
    from workbench.store import RunStore

    store = RunStore()
    rid = "d" * 64
    store.start_run(rid, method="keyword", model=None, dataset="d", split="test", n=5, config={})
    store.add_predictions(rid, [(0, "t", 1, Prediction(1)), (1, "u", 0, Prediction(0))])
    assert main(["runs"]) == 0
    assert "running " in capsys.readouterr().out  # this process holds it: live
    store._runs.release(rid)  # as when its process died
    assert main(["runs"]) == 0
    line = capsys.readouterr().out
    assert line.startswith(rid[:12]) and "interrupted" in line and "2/5 predicted  -" in line
    assert store.status_of(store.find(rid)) == "interrupted"
