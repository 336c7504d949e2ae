"""Calibration, selective prediction and temperature scaling: the figures against direct
computations, by hand and with scikit-learn, and their place in the report."""

import math
import re

import numpy as np
import pytest
from fake_methods import KeywordMethod

from workbench.calibration import apply_temperature, bin_of, compute_calibration, fit_temperature
from workbench.confidence import confidence_entries
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.methods.base import softmax
from workbench.runner import IDENTITY_VERSION, prepare
from workbench.spec import RunSpec
from workbench.selective import compute_selective


def direct_ece(y, probs, n_bins=15):
    """Guo et al.'s ECE written out as a loop, independently of workbench.calibration."""
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (conf > lo) & (conf <= hi) if b else (conf >= 0) & (conf <= hi)
        if inside.any():
            total += abs((pred[inside] == y[inside]).mean() - conf[inside].mean()) * inside.mean()
    return total


def test_hand_made_example_bins_and_invalid():
    gold = [0, 1, 1, 0, 1]
    scores = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], None, [0.5, 0.5]]
    preds = [0, 1, 0, None, 0]
    cal = compute_calibration(gold, preds, scores, 2)
    assert cal.n == 5 and cal.invalid == 1 and cal.scored == 4
    assert sum(b.count for b in cal.bins) == 5 and len(cal.bins) == 15
    # bins: 0.9 -> (0.8667, 0.9333]; 0.8 -> (0.7333, 0.8]; 0.6 -> (0.6, 0.6667]... 0.6 sits on an edge
    # (0.6 = 9/15: bin 8, (0.5333, 0.6]); 0.5 -> (0.4667, 0.5333]; invalid -> confidence 0, bin 0
    assert bin_of(np.array([0.0, 0.5, 0.6, 0.8, 0.9, 1.0])).tolist() == [0, 7, 8, 11, 13, 14]
    assert cal.bins[0].count == 1 and cal.bins[0].accuracy == 0.0 and cal.bins[0].confidence == 0.0
    expected_ece = (abs(1 - 0.9) + abs(1 - 0.8) + abs(0 - 0.6) + abs(0 - 0.5) + 0) / 5
    assert cal.ece == pytest.approx(expected_ece)
    assert cal.mce == pytest.approx(0.6)
    rows = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    onehot = np.eye(2)[[0, 1, 1, 1]]
    assert cal.brier == pytest.approx(((rows - onehot) ** 2).sum(axis=1).mean())
    assert cal.log_loss == pytest.approx(-np.log([0.9, 0.8, 0.4, 0.5]).mean())
    assert cal.ece_ci95[0] <= cal.ece_ci95[1]
    js = cal.to_json()
    assert js["n_bins"] == 15 and len(js["bins"]) == 15 and set(js["bins"][0]) == {"lower", "upper", "count", "accuracy", "confidence"}


def test_bootstrap_interval_matches_a_plain_bootstrap():
    rng = np.random.default_rng(1)
    n = 2000
    p1 = rng.uniform(size=n)
    probs = np.stack([1 - p1, p1], axis=1)
    y = (rng.uniform(size=n) < np.clip(p1 * 1.15, 0, 1)).astype(int)
    cal = compute_calibration(y, None, probs, 2)
    assert cal.ece == pytest.approx(direct_ece(y, probs))
    conf, correct = probs.max(1), probs.argmax(1) == y
    bins = bin_of(conf)
    plain = []
    for _ in range(1000):
        i = rng.integers(0, n, n)
        plain.append(np.abs(np.bincount(bins[i], weights=(correct - conf)[i], minlength=15)).sum() / n)
    lo, hi = np.percentile(plain, [2.5, 97.5])
    assert cal.ece_ci95[0] == pytest.approx(lo, abs=0.004) and cal.ece_ci95[1] == pytest.approx(hi, abs=0.004)


def test_selective_hand_made():
    # confidences 0.9 (right), 0.8 (wrong), 0.7 (right), 0.6 (right), invalid (wrong)
    gold = [0, 0, 1, 1, 0]
    scores = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6], None]
    preds = [0, 1, 1, 1, None]
    sel = compute_selective(gold, preds, scores, 2, target_accuracy=0.75)
    accs = [1 / 1, 1 / 2, 2 / 3, 3 / 4, 3 / 5]
    assert sel.aurc == pytest.approx(np.mean([1 - a for a in accs]))
    # 50%: ceil(2.5) = 3 answered; 80%: 4; 90%: ceil(4.5) = 5; 100%: 5
    assert sel.accuracy_at == pytest.approx({0.5: 2 / 3, 0.8: 3 / 4, 0.9: 3 / 5, 1.0: 3 / 5})
    assert sel.coverage_at_target == pytest.approx(0.8) and sel.threshold_at_target == pytest.approx(0.6)
    assert compute_selective(gold, preds, scores, 2, target_accuracy=1.0).coverage_at_target == pytest.approx(0.2)
    assert compute_selective([1], [0], [[0.6, 0.4]], 2).coverage_at_target is None
    assert sel.to_json()["accuracy_at"] == {"0.5": pytest.approx(2 / 3), "0.8": 0.75, "0.9": 0.6, "1": 0.6}


def test_temperature_is_recovered_and_keeps_the_argmax():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 3)) * 3
    truth = softmax(logits, 2.5)  # the labels follow logits / 2.5: the model is overconfident
    y = np.array([rng.choice(3, p=row) for row in truth])
    probs = softmax(logits)
    t = fit_temperature(probs, y)
    assert t == pytest.approx(2.5, rel=0.1)
    scaled = apply_temperature(probs, t)
    assert (scaled.argmax(1) == probs.argmax(1)).all() and np.allclose(scaled.sum(1), 1)
    assert compute_calibration(y, None, scaled, 3).ece < compute_calibration(y, None, probs, 3).ece
    assert np.allclose(apply_temperature(np.array([[1.0, 0.0]]), 2.0), [[1.0, 0.0]])  # a zero stays zero


def test_no_scores_gives_null_and_a_note():
    entries = confidence_entries([0, 1], [0, 1], [None, None], 2)
    assert entries.calibration is None and entries.selective is None and "no class probabilities" in entries.notes[0]


def test_identity_unchanged_without_calibrate_on(monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    plain = prepare(RunSpec(data=DataSpec("sample"), method="majority"))
    assert set(plain.identity) == {"version", "data", "method", "model", "params", "dtype"} and plain.identity["version"] == IDENTITY_VERSION
    scaled = prepare(RunSpec(data=DataSpec("sample"), method="majority", calibrate_on="train"))
    assert scaled.identity["calibrate_on"]["split"] == "train" and scaled.run_id != plain.run_id
    assert {k: v for k, v in scaled.identity.items() if k != "calibrate_on"} == plain.identity
    with pytest.raises(Exception, match="is the split being evaluated"):
        prepare(RunSpec(data=DataSpec("sample"), method="majority", calibrate_on="test"))


def test_report_matches_scikit_learn_on_the_same_embeddings(tmp_path):
    """The run's calibration figures equal a direct computation from LogisticRegression(random_state=42)
    fitted on the same (cached, float32) MiniLM embeddings."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    from workbench.engine import Engine
    from workbench.report import report_text

    engine = Engine(tmp_path / "s.sqlite")
    prep = engine.prepare(
        RunSpec(data=DataSpec("sample"), method="embed-logreg", model="all-MiniLM-L6-v2", dtype="float32", device="cpu", calibrate_on="train")
    )
    report = engine.execute(prep).report
    key = f"{prep.model.identity}|cpu|float32"
    train, test = prep.dataset.train, prep.dataset.eval
    x_train = np.stack(engine.store.get_embeddings(key, train.texts))
    x_test = np.stack(engine.store.get_embeddings(key, test.texts))
    probs = LogisticRegression(random_state=42).fit(x_train, train.labels).predict_proba(x_test)
    y = np.array(test.labels)
    cal = report.calibration
    assert cal is not None and cal.n == len(y) and sum(b.count for b in cal.bins) == len(y)
    assert cal.ece == pytest.approx(direct_ece(y, probs), abs=1e-6)
    assert cal.brier == pytest.approx(((probs - np.eye(2)[y]) ** 2).sum(1).mean(), abs=1e-6)
    assert cal.log_loss == pytest.approx(log_loss(y, probs), abs=1e-6)
    after = cal.after_scaling
    assert after is not None and after.fitted_on == "train" and math.isfinite(after.temperature) and after.temperature > 0
    sel = report.selective
    assert sel is not None and sel.accuracy_at[1.0] == pytest.approx(report.accuracy)
    stored = report.to_json()  # the JSON keeps its layout: the scaled calibration nested, with its split
    assert stored["calibration"]["after_scaling"]["fitted_on"] == "train" and stored["selective"]["accuracy_at"]["1"] == sel.accuracy_at[1.0]
    text = report_text(report)
    assert "ECE " in text and "coverage    accuracy at 50%" in text and "scaled" in text


def test_calibrating_on_one_row_or_one_class_is_refused_and_on_the_fit_split_warned(tmp_path, monkeypatch):
    """A temperature fitted on one example or one class only pushes every score as far as it goes:
    refused, naming --calibrate-on. On the split the method fits on it is too confident: warned
    (the method fits on train: majority), not for a method that fits on nothing (keyword)."""
    from conftest import write_jsonl

    from workbench.errors import CALIBRATE_ON, ConfigError

    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    d = tmp_path / "d"
    write_jsonl(d / "train.jsonl", [{"text": f"good {i}", "label": "pos"} for i in range(3)] + [{"text": f"bad {i}", "label": "neg"} for i in range(3)])
    write_jsonl(d / "test.jsonl", [{"text": "good", "label": "pos"}, {"text": "bad", "label": "neg"}])
    write_jsonl(d / "one.jsonl", [{"text": "good one", "label": "pos"}])
    write_jsonl(d / "pos.jsonl", [{"text": f"good {i}", "label": "pos"} for i in range(5)])
    for split, found in (("one", "has 1 example (of class 'pos')"), ("pos", "has 5 examples, all of class 'pos'")):
        with pytest.raises(ConfigError, match=re.escape(found)) as e:
            prepare(RunSpec(data=DataSpec(str(d)), method="majority", calibrate_on=split))
        assert e.value.field == CALIBRATE_ON and "at least two classes" in str(e.value)
    fitted = prepare(RunSpec(data=DataSpec(str(d)), method="majority", calibrate_on="train")).warnings
    assert len(fitted) == 1 and "fitted on split 'train', the split the method fits on (6 of its 6 rows)" in fitted[0]
    assert prepare(RunSpec(data=DataSpec(str(d)), method="keyword", calibrate_on="train")).warnings == []
