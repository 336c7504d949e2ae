"""The typed results: a Report reads and writes the documented JSON (older stored reports
included), a stored run's configuration is read through RunConfig, and the status a user sees
('interrupted' for a 'running' run no live process holds) is decided in one place."""

import json
from pathlib import Path

from workbench.confidence_figures import TARGET_ACCURACY, Calibration, CalibrationBin, Selective
from workbench.metrics import compute_metrics
from workbench.methods import Prediction
from workbench.report import report_text
from workbench.results import FORMAT_VERSION, JSON_KEYS, ClassFigures, Intervals, Report, RunConfig, Timing
from workbench.store import RunStore

EXTRAS = ["precision_macro", "recall_macro", "precision_weighted", "recall_weighted", "invalid_by_gold", "dtype", "batch_size",
          "status", "params", "details", "notes", "versions", "created_at", "score_rule", "calibration", "selective"]  # fmt: skip
"""The report's keys after the documented ones, in the order the JSON has always had them (keys
added since, such as score_rule, come last)."""


def full_report(**over) -> dict:
    d = {
        "run_id": "ab" * 32, "method": "keyword", "model": "m", "dataset": "d", "split": "test",
        **compute_metrics([0, 1, 1, 0], [0, 1, None, 1], ["neg", "pos"], n_boot=50),
        "truncated": None, "timing": {"load_s": 0.5, "fit_s": 0.0, "predict_s": 1.25, "examples_per_s": 3.2},
        "device": "cpu", "dtype": "float32", "batch_size": 32, "status": "done", "params": {"labels": ["bad", "good"]},
        "details": {"rule": "good->pos"}, "notes": ["a note"], "versions": {"torch": "2.0"}, "created_at": 1_700_000_000.5,
        "score_rule": "keyword counts", "calibration": None, "selective": None,
    }  # fmt: skip
    d.update(over)
    return d


def test_round_trip_and_layout():
    report = Report.from_dict(full_report())
    assert report.per_class["pos"] == ClassFigures(precision=0.5, recall=0.5, f1=0.5, support=2)
    assert report.timing == Timing(0.5, 0.0, 1.25, 3.2) and report.ci95.accuracy is not None
    assert report.invalid == 1 and report.invalid_by_gold == [0, 1] and report.confusion_matrix == [[1, 1], [0, 1]]
    as_json = report.to_json()
    assert list(as_json) == list(JSON_KEYS) + EXTRAS + ["format_version"] and as_json["format_version"] == FORMAT_VERSION == 1
    assert Report.from_dict(as_json) == report
    assert Report.from_dict(json.loads(json.dumps(as_json))) == report  # through real JSON text too
    # the JSON holds what the runner's dict held, key for key
    assert {k: v for k, v in as_json.items() if k != "format_version"} == json.loads(json.dumps(full_report()))


def test_an_old_report_without_newer_keys_loads_with_defaults():
    old = full_report()
    for key in ("precision_macro", "recall_macro", "precision_weighted", "recall_weighted", "invalid_by_gold", "truncated",
                "dtype", "batch_size", "status", "versions", "details", "notes", "params", "created_at"):  # fmt: skip
        old.pop(key)
    report = Report.from_dict(old)
    assert report.precision_macro is None and report.invalid_by_gold is None and report.truncated is None
    assert report.status == "done" and report.notes == [] and report.details == {} and report.dtype is None
    assert report.metric("accuracy") == old["accuracy"] and report.metric("precision_macro") is None
    text = report_text(report)
    assert "status done" in text and "macro avg" not in text and "accuracy    0.5000" in text
    assert Report.from_dict(report.to_json()) == report
    bare = Report.from_dict({"accuracy": 0.5})  # the least a stored report may hold
    assert bare.accuracy == 0.5 and bare.ci95 == Intervals() and bare.timing == Timing() and bare.labels == []


def test_unknown_keys_are_kept_and_written_back():
    report = Report.from_dict(full_report(cost_usd=0.25, format_version=1))
    assert report.extra == {"cost_usd": 0.25}
    as_json = report.to_json()
    assert as_json["cost_usd"] == 0.25 and list(as_json)[-2:] == ["cost_usd", "format_version"]


def test_store_returns_typed_runs_and_reads_an_old_stored_report(tmp_path):
    s = RunStore(tmp_path / "s.sqlite")
    rid = "c" * 64
    config = {"spec": {"method": "keyword", "data": {"source": "sample", "split": "validation"}, "future_field": 1},
              "params": {"labels": ["x", "y"]}, "identity": {"method": "keyword"}}  # fmt: skip
    s.start_run(rid, method="keyword", model=None, dataset="sample", split="validation", n=3, config=config)
    s.add_predictions(rid, [(0, "t", 1, Prediction(1)), (1, "u", 0, Prediction(None))])
    old = full_report()
    old.pop("invalid_by_gold")
    s.finish_run(rid, "done", old)  # as an older version stored it: no format_version, fewer keys
    run = s.find(rid)
    assert run.status == run.shown_status == "done" and run.predicted == 2 and run.progress == "2/3"
    assert run.report == Report.from_dict(old) and run.report.invalid_by_gold is None
    assert run.config.has_spec and run.config.params == {"labels": ["x", "y"]} and run.config.identity == {"method": "keyword"}
    spec = run.config.spec()  # unknown fields dropped, missing ones defaulted
    assert spec.method == "keyword" and spec.data.source == "sample" and spec.data.split == "validation" and spec.dtype == "auto"
    assert RunConfig({}).has_spec is False and s.list_runs() == [run] and s.get(rid[:6]) == run


def test_a_running_run_no_process_holds_shows_as_interrupted(tmp_path):
    s = RunStore(tmp_path / "s.sqlite")
    live, dead = "a" * 64, "b" * 64
    for rid in (live, dead):
        s.start_run(rid, method="m", model=None, dataset="d", split="test", n=4, config={})
    s.add_predictions(dead, [(0, "t", 1, Prediction(1))])
    s._runs.release(dead)  # as when its process died: the system drops the lock
    runs = {r.run_id: r for r in s.list_runs()}
    assert runs[dead].status == "running" and runs[dead].shown_status == s.status_of(runs[dead]) == "interrupted"
    assert runs[live].shown_status == s.status_of(runs[live]) == "running"  # this process still computes it
    assert runs[dead].progress == "1/4" and runs[live].progress == "0/4"
    s.finish_run(live, "cancelled")
    assert s.find(live).shown_status == "cancelled"


FIXTURES = Path(__file__).parent / "fixtures"


def test_a_stored_report_of_the_dict_era_loads_typed_and_writes_the_same_json_and_text():
    """report_v1_calibrated.json is what ``workbench eval --calibrate-on train --json`` wrote before
    calibration and selective became types (embed-logreg on the sample data); the .txt is the
    report text it printed. Both come back unchanged, to the byte."""
    raw = (FIXTURES / "report_v1_calibrated.json").read_text(encoding="utf-8")
    old = json.loads(raw)
    report = Report.from_dict(old)
    cal, sel = report.calibration, report.selective
    assert isinstance(cal, Calibration) and isinstance(sel, Selective)
    assert cal.ece == old["calibration"]["ece"] and cal.ece_ci95 == tuple(old["calibration"]["ece_ci95"]) and len(cal.bins) == 15
    assert isinstance(cal.bins[0], CalibrationBin) and cal.temperature is None and cal.fitted_on is None
    assert cal.after_scaling is not None and cal.after_scaling.fitted_on == "train" and cal.after_scaling.after_scaling is None
    assert sel.accuracy_at == {0.5: 0.75, 0.8: 0.71875, 0.9: old["selective"]["accuracy_at"]["0.9"], 1.0: old["selective"]["accuracy_at"]["1"]}
    assert report.metric("ece") == cal.ece and report.interval("ece") == cal.ece_ci95 and report.metric("aurc") == sel.aurc
    assert json.dumps(report.to_json()) == json.dumps(old)  # same keys, same order, same numbers
    assert report_text(report) + "\n" == (FIXTURES / "report_v1_calibrated.txt").read_text(encoding="utf-8")


def test_older_confidence_entries_load_with_defaults():
    report = Report.from_dict(full_report(
        calibration={"n": 4, "invalid": 1, "ece": 0.25, "ece_ci95": [0.1, 0.4], "mce": 0.5, "brier": None, "log_loss": None, "bins": []},
        selective={"n": 4, "aurc": 0.3, "accuracy_at": {"0.5": 1.0, "1": 0.5}},
    ))  # fmt: skip
    assert report.calibration == Calibration(4, 1, 0, 0.25, (0.1, 0.4), 0.5, None, None, ())
    assert report.selective == Selective(4, 0.3, {0.5: 1.0, 1.0: 0.5}, TARGET_ACCURACY, None, None)
    assert report.metric("brier") is None and report.metric("log_loss") is None
    assert Report.from_dict(report.to_json()) == report
