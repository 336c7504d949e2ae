import pytest
from scipy import stats

from workbench.compare import compare_runs, config_diff, mcnemar
from workbench.results import Report, RunConfig
from workbench.store import StoredPrediction, StoredRun


def _run(report: dict, config: dict) -> StoredRun:
    """A stored run with just a report (None when empty) and a configuration."""
    return StoredRun("r" * 64, 0.0, "done", "m", None, "d", "test", 4, RunConfig(config), Report.from_dict(report) if report else None)


def _preds(correct_mask):
    return [StoredPrediction(i, f"t{i}", 1, 1 if ok else 0, None, None, None) for i, ok in enumerate(correct_mask)]


def test_mcnemar_exact_and_chi_square():
    small = mcnemar(2, 9)
    assert small.method == "exact binomial" and small.p_value == pytest.approx(stats.binomtest(2, 11, 0.5).pvalue)
    big = mcnemar(10, 30)
    assert big.statistic == pytest.approx((20 - 1) ** 2 / 40)
    assert big.p_value == pytest.approx(stats.chi2.sf(big.statistic, 1))
    assert mcnemar(0, 0).p_value == 1.0


def test_flips_deltas_and_config_diff():
    a = _run({"accuracy": 0.5, "f1_macro": 0.4, "labels": ["n", "p"]}, {"params": {"labels": ["x", "y"]}, "method": "m"})
    b = _run({"accuracy": 0.75, "f1_macro": 0.6, "labels": ["n", "p"]}, {"params": {"labels": ["x", "z"]}, "method": "m"})
    pa = _preds([True, True, False, False])
    pb = _preds([True, False, True, True])
    c = compare_runs(a, b, pa, pb)
    assert c.deltas["accuracy"] == (0.5, 0.75, 0.25)
    assert [f.idx for f in c.right_to_wrong] == [1] and [f.idx for f in c.wrong_to_right] == [2, 3]
    assert c.mcnemar.a_only == 1 and c.mcnemar.b_only == 2 and c.paired == 4
    assert c.config_diff == [("params.labels", ["x", "y"], ["x", "z"])]


def test_partial_overlap_is_noted():
    c = compare_runs(_run({}, {}), _run({}, {}), _preds([True, False]), _preds([True]))
    assert c.paired == 1 and any("only 1 examples" in n for n in c.notes)
    assert config_diff({"a": 1}, {"a": 1, "b": 2}) == [("b", None, 2)]


def test_config_diff_leaves_out_names_that_repeat_another():
    """The stored layout's repeats (spec.params.*, identity.*) are left out by the engine, so a
    changed label text shows once, as params.labels."""
    config = lambda labels: {"spec": {"method": "m", "params": {"labels": labels}}, "params": {"labels": labels},  # noqa: E731
                             "identity": {"method": "m", "params": {"labels": labels}, "data": {"eval": "x"}}}  # fmt: skip
    c = compare_runs(_run({"accuracy": 0.5}, config(["a"])), _run({"accuracy": 0.5}, config(["b"])), _preds([True]), _preds([True]))
    assert c.config_diff == [("params.labels", ["a"], ["b"])]
