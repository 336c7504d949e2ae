"""The numbers of a report, from gold labels and predictions (None = invalid)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

INVALID = -1
"""How an invalid prediction is coded for scikit-learn: a value outside the label range, so it
counts as wrong for recall and accuracy but is never a class of its own in the averages."""


def encode_predictions(preds: Sequence[int | None]) -> np.ndarray:
    return np.array([INVALID if p is None else p for p in preds], dtype=np.int64)


def compute_metrics(gold: Sequence[int], preds: Sequence[int | None], label_names: list[str], *, n_boot: int = 1000, seed: int = 0) -> dict:
    """Accuracy, macro/weighted F1, per-class precision/recall/F1/support (scikit-learn's
    ``classification_report`` over the dataset's labels), confusion matrix, invalid counts and
    95% bootstrap intervals."""
    from sklearn.metrics import classification_report, confusion_matrix  # lazy: sklearn is slow to import

    y = np.asarray(gold, dtype=np.int64)
    p = encode_predictions(preds)
    k = len(label_names)
    labels = list(range(k))
    rep = classification_report(y, p, labels=labels, target_names=label_names, output_dict=True, zero_division=0)
    per_class = {
        name: {
            "precision": rep[name]["precision"],
            "recall": rep[name]["recall"],
            "f1": rep[name]["f1-score"],
            "support": int(rep[name]["support"]),
        }
        for name in label_names
    }
    invalid = p == INVALID
    lo_acc, hi_acc, lo_f1, hi_f1 = bootstrap_ci(y, p, k, n_boot=n_boot, seed=seed)
    return {
        "n": int(len(y)),
        "labels": list(label_names),
        "accuracy": float((y == p).mean()) if len(y) else 0.0,
        "precision_macro": rep["macro avg"]["precision"],
        "recall_macro": rep["macro avg"]["recall"],
        "f1_macro": rep["macro avg"]["f1-score"],
        "precision_weighted": rep["weighted avg"]["precision"],
        "recall_weighted": rep["weighted avg"]["recall"],
        "f1_weighted": rep["weighted avg"]["f1-score"],
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(y, p, labels=labels).tolist(),
        "invalid": int(invalid.sum()),
        "invalid_by_gold": [int((invalid & (y == c)).sum()) for c in labels],
        "ci95": {"accuracy": [lo_acc, hi_acc], "f1_macro": [lo_f1, hi_f1]},
    }


def headline_metrics(gold: Sequence[int], preds: Sequence[int | None], k: int, *, n_boot: int = 1000, seed: int = 0) -> dict:
    """The headline figures of :func:`compute_metrics` alone (accuracy, macro F1, invalid, the
    95% intervals), equal to its values, counted with numpy: the live estimate recomputes them
    after every pause in typing, where scikit-learn's report and its argument checks cost most
    of the time (tests/test_metrics.py holds the two equal)."""
    y = np.asarray(gold, dtype=np.int64)
    p = encode_predictions(preds)
    correct = y == p
    classes = np.arange(k)
    tp = ((y[:, None] == classes) & correct[:, None]).sum(axis=0)
    f1 = macro_f1_from_counts(tp, (p[:, None] == classes).sum(axis=0), (y[:, None] == classes).sum(axis=0))
    lo_acc, hi_acc, lo_f1, hi_f1 = bootstrap_ci(y, p, k, n_boot=n_boot, seed=seed)
    return {
        "n": int(len(y)),
        "accuracy": float(correct.mean()) if len(y) else 0.0,
        "f1_macro": float(f1) if len(y) else 0.0,
        "invalid": int((p == INVALID).sum()),
        "ci95": {"accuracy": [lo_acc, hi_acc], "f1_macro": [lo_f1, hi_f1]},
    }


def macro_f1_from_counts(tp: np.ndarray, pred_count: np.ndarray, gold_count: np.ndarray) -> np.ndarray:
    """Macro F1 over the last axis, with scikit-learn's zero_division=0 convention."""
    denom = pred_count + gold_count
    f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)
    return f1.mean(axis=-1)


def bootstrap_ci(y: np.ndarray, p: np.ndarray, k: int, *, n_boot: int = 1000, seed: int = 0) -> tuple[float, float, float, float]:
    """Percentile 95% intervals for accuracy and macro F1 over paired resamples of the examples.

    Written with numpy rather than scipy.stats.bootstrap because macro F1 needs paired resampling
    of (gold, predicted) and calling scikit-learn once per resample costs seconds; counting per
    class over all resamples at once costs milliseconds."""
    n = len(y)
    if n == 0:
        return (0.0, 0.0, 0.0, 0.0)
    rng = np.random.default_rng(seed)
    correct = y == p
    acc = np.empty(n_boot)
    f1 = np.empty(n_boot)
    chunk = max(1, 2_000_000 // max(n, 1))  # bound memory for large n
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        yy, pp, cc = y[idx], p[idx], correct[idx]
        acc[start : start + b] = cc.mean(axis=1)
        onehot_y = yy[..., None] == np.arange(k)
        onehot_p = pp[..., None] == np.arange(k)
        tp = (onehot_y & cc[..., None]).sum(axis=1)
        f1[start : start + b] = macro_f1_from_counts(tp, onehot_p.sum(axis=1), onehot_y.sum(axis=1))
    return (
        float(np.percentile(acc, 2.5)),
        float(np.percentile(acc, 97.5)),
        float(np.percentile(f1, 2.5)),
        float(np.percentile(f1, 97.5)),
    )
