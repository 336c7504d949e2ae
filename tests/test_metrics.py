import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import classification_report, confusion_matrix

from workbench.metrics import compute_metrics


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5).flatmap(lambda k: st.tuples(st.just(k), st.lists(st.tuples(st.integers(0, k - 1), st.one_of(st.none(), st.integers(0, k - 1))), min_size=1, max_size=80))))
def test_matches_scikit_learn_on_the_same_predictions(case):
    k, pairs = case
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    names = [f"c{i}" for i in range(k)]
    m = compute_metrics(gold, pred, names, n_boot=50)
    coded = [-1 if p is None else p for p in pred]
    ref = classification_report(gold, coded, labels=list(range(k)), target_names=names, output_dict=True, zero_division=0)
    for name in names:
        assert m["per_class"][name]["precision"] == ref[name]["precision"]
        assert m["per_class"][name]["recall"] == ref[name]["recall"]
        assert m["per_class"][name]["f1"] == ref[name]["f1-score"]
        assert m["per_class"][name]["support"] == ref[name]["support"]
    assert m["f1_macro"] == ref["macro avg"]["f1-score"]
    assert m["f1_weighted"] == ref["weighted avg"]["f1-score"]
    assert m["accuracy"] == np.mean(np.array(gold) == np.array(coded))
    assert m["confusion_matrix"] == confusion_matrix(gold, coded, labels=list(range(k))).tolist()
    assert m["invalid"] == sum(p is None for p in pred)
    assert sum(map(sum, m["confusion_matrix"])) + m["invalid"] == len(gold)


def test_invalid_counts_as_wrong_never_as_a_class():
    m = compute_metrics([0, 1, 1, 0], [0, None, 1, None], ["neg", "pos"])
    assert m["accuracy"] == 0.5 and m["invalid"] == 2 and m["invalid_by_gold"] == [1, 1]
    assert m["per_class"]["pos"]["recall"] == 0.5 and m["per_class"]["pos"]["precision"] == 1.0


def test_bootstrap_interval_brackets_the_estimate_and_is_seeded():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 2, 500)
    pred = np.where(rng.random(500) < 0.8, gold, 1 - gold).tolist()
    a = compute_metrics(gold, pred, ["a", "b"])
    b = compute_metrics(gold, pred, ["a", "b"])
    lo, hi = a["ci95"]["accuracy"]
    assert lo < a["accuracy"] < hi and 0.04 < hi - lo < 0.1  # about ±1.96*sqrt(.16/500)=±0.035
    lo, hi = a["ci95"]["f1_macro"]
    assert lo < a["f1_macro"] < hi
    assert a["ci95"] == b["ci95"]


def test_the_headline_figures_equal_compute_metrics_to_the_last_digit():
    """The live estimate's figures (headline_metrics, numpy counts) are the report's exactly:
    any number of classes, invalid answers, one predicted class, one example."""
    import numpy as np

    from workbench.metrics import compute_metrics, headline_metrics

    rng = np.random.default_rng(1)
    for trial in range(120):
        k, n = int(rng.integers(2, 12)), int(rng.integers(1, 300))
        gold = rng.integers(0, k, n).tolist()
        preds = [None if rng.random() < 0.1 else int(x) for x in rng.integers(0, k, n)]
        if trial % 7 == 0:
            preds = [gold[0]] * n
        full, quick = compute_metrics(gold, preds, [f"c{i}" for i in range(k)]), headline_metrics(gold, preds, k)
        assert {key: full[key] for key in quick} == quick, trial
