"""The metric registry is the one metric vocabulary (reports, compare, sweeps, the UI read it), and
the sweep's test comparison is a type whose JSON keeps its layout and whose words are said once."""

import json
from pathlib import Path

import pytest

from workbench.metric_registry import METRICS, companion, metric, metrics_for, selectable
from workbench.results import Report
from workbench.sweep_config import SweepConfigError, parse_sweep
from workbench.sweep_results import SUMMARY_METRICS, TestComparison, comparison_lines

FIXTURE = Path(__file__).parent / "fixtures" / "report_v1_calibrated.json"


def test_every_metric_reads_its_figure_from_a_report():
    raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
    report = Report.from_dict(raw)
    assert len({m.name for m in METRICS}) == len(METRICS) and len({m.label for m in METRICS}) == len(METRICS)
    for m in metrics_for(group="classification"):
        assert report.metric(m.name) == raw[m.name]  # a classification metric's name is its JSON key
    for m in metrics_for(group="confidence"):
        entry = raw["selective"] if m.name == "aurc" else raw["calibration"]
        assert report.metric(m.name) == entry[m.name]
    assert report.interval("accuracy") == tuple(raw["ci95"]["accuracy"]) and report.interval("f1_weighted") is None
    assert report.interval("ece") == tuple(raw["calibration"]["ece_ci95"])
    with pytest.raises(KeyError):
        report.metric("ci95")
    bare = Report.from_dict({"accuracy": 0.5})  # no scores: the confidence figures are None
    assert all(bare.metric(m.name) is None for m in metrics_for(group="confidence"))


def test_direction_and_where_each_list_comes_from():
    assert [m.name for m in METRICS if not m.higher_is_better] == ["invalid", "ece", "brier", "log_loss", "aurc"]
    assert selectable() == ("accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro", "precision_weighted", "recall_weighted")
    assert SUMMARY_METRICS == ("n", *selectable(), "invalid", "ci95")
    assert [m.name for m in metrics_for(group="classification", headline=True)] == ["accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro", "invalid"]
    assert metric("ece").improved(-0.01) and not metric("f1_macro").improved(-0.01) and metric("aurc").improved(0.0) is None
    assert companion("accuracy") == "f1_macro" and companion("f1_weighted") == "accuracy"
    raw = {"data": {"source": "sample"}, "sweep": {"metric": "ece", "baseline": "a"}, "base": {"method": "majority"}, "variants": [{"name": "a"}]}
    with pytest.raises(SweepConfigError, match="not a metric a sweep can select on") as err:
        parse_sweep(raw)
    assert err.value.expected == "one of " + ", ".join(selectable())


BASE = dict(metric="f1_macro", baseline="a", best_value=0.75, baseline_value=0.5, difference=0.25, accuracy_difference=0.125)


def test_the_test_comparison_json_keeps_its_layout_and_is_said_once():
    same = TestComparison(**{**BASE, "best": "a"}, paired=12, mcnemar_p=1.0, mcnemar_method="the best is the baseline", baseline_only=0, best_only=0)
    tested = TestComparison(**BASE, best="b", paired=12, mcnemar_p=0.25, mcnemar_statistic=1.0, mcnemar_method="exact binomial",
                            baseline_only=1, best_only=4, notes=())  # fmt: skip
    unpaired = TestComparison(**BASE, best="b", paired=0, notes=("only 0 examples are in both runs",))
    head = ["metric", "baseline", "best", "baseline_value", "best_value", "difference", "accuracy_difference", "mcnemar_p"]
    assert list(same.to_json()) == head + ["mcnemar_method", "baseline_only", "best_only", "paired"]
    assert list(tested.to_json()) == head + ["mcnemar_statistic", "mcnemar_method", "baseline_only", "best_only", "paired", "notes"]
    assert list(unpaired.to_json()) == head + ["paired", "notes"] and unpaired.to_json()["mcnemar_p"] is None
    for tc in (same, tested, unpaired):
        assert TestComparison.from_dict(json.loads(json.dumps(tc.to_json()))) == tc
    assert (same.same, tested.tested, unpaired.tested) == (True, True, False)
    assert comparison_lines(same) == ["the best variant is the baseline: nothing to compare"]
    assert comparison_lines(tested) == [
        "difference +0.2500 f1_macro; McNemar's p = 0.25 (exact binomial; right only with the baseline 1, only with the best 4)"
    ]
    assert comparison_lines(unpaired) == ["McNemar's test: not computed (the runs do not pair)"]
