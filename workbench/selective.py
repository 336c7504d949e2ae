"""Selective prediction: what accuracy a method reaches when it may abstain on the examples it is
least confident about, as a risk-coverage curve (Geifman & El-Yaniv 2017).

The examples are ranked by top-label confidence (the score of the predicted label), most confident
first; at coverage ``k/n`` the method answers the top ``k``. Risk is the error rate among them.
``aurc`` is the mean risk over k = 1..n (lower is better; 0 for a perfect ranking of a perfect
method). An invalid prediction is wrong with confidence 0, so it is abstained on first. Ties in
confidence keep the examples' order (a stable sort), so the figures are reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .calibration import top_label

COVERAGES = (0.5, 0.8, 0.9, 1.0)
TARGET_ACCURACY = 0.9
"""The default accuracy whose highest reachable coverage is reported (``--target-accuracy``)."""


@dataclass(frozen=True)
class Selective:
    n: int
    aurc: float
    accuracy_at: dict[float, float] = field(default_factory=dict)
    """Coverage -> accuracy among the most confident ``ceil(coverage x n)`` examples."""
    target_accuracy: float = TARGET_ACCURACY
    coverage_at_target: float | None = None
    """The highest coverage whose accuracy reaches the target; None when no coverage does."""
    threshold_at_target: float | None = None
    """The confidence of the last example answered at that coverage (answer at or above it)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n, "aurc": self.aurc, "accuracy_at": {f"{c:g}": a for c, a in self.accuracy_at.items()},
            "target_accuracy": self.target_accuracy, "coverage_at_target": self.coverage_at_target,
            "threshold_at_target": self.threshold_at_target,
        }  # fmt: skip


def risk_coverage(confidence: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coverage, accuracy, confidence) after answering the top k, for k = 1..n."""
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    k = np.arange(1, len(order) + 1)
    return k / len(order), hits / k, confidence[order]


def compute_selective(
    gold: Sequence[int] | np.ndarray, preds: Sequence[int | None] | np.ndarray | None, scores, n_classes: int, *,
    target_accuracy: float = TARGET_ACCURACY, coverages: Sequence[float] = COVERAGES,
) -> Selective:  # fmt: skip
    """Risk-coverage figures of predictions with per-class ``scores`` (rows may be None)."""
    _, conf, correct, _, _ = top_label(gold, preds, scores, n_classes)
    n = len(conf)
    if n == 0:
        return Selective(0, 0.0, {}, target_accuracy)
    cov, acc, conf_sorted = risk_coverage(conf, correct.astype(np.float64))
    accuracy_at = {float(c): float(acc[max(1, math.ceil(c * n - 1e-9)) - 1]) for c in coverages}
    reach = np.flatnonzero(acc >= target_accuracy - 1e-12)
    at = int(reach[-1]) if len(reach) else None
    return Selective(
        n, float((1.0 - acc).mean()), accuracy_at, target_accuracy,
        float(cov[at]) if at is not None else None, float(conf_sorted[at]) if at is not None else None,
    )  # fmt: skip
