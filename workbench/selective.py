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
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .calibration import top_label
from .confidence_figures import TARGET_ACCURACY, Selective

COVERAGES = (0.5, 0.8, 0.9, 1.0)


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


@dataclass(frozen=True)
class ThresholdPoint:
    """What a method answers when it abstains below a confidence ``threshold``."""

    threshold: float
    answered: int
    """Examples whose top-label confidence is at or above the threshold."""
    n: int
    coverage: float
    """``answered / n`` (0 when there are no examples)."""
    accuracy: float | None
    """Share correct among the answered; None when none is answered."""


@dataclass(frozen=True)
class ConfidenceCurve:
    """A run's examples ranked by top-label confidence, most confident first (an invalid
    prediction has confidence 0 and is never correct), with the running count of correct ones:
    the risk-coverage curve (:meth:`points`) and the figures at any threshold (:meth:`at`)."""

    confidence: np.ndarray
    """Top-label confidence, sorted descending (ties in the examples' order)."""
    hits: np.ndarray
    """``hits[k-1]``: correct among the ``k`` most confident."""

    @property
    def n(self) -> int:
        return len(self.confidence)

    def at(self, threshold: float) -> ThresholdPoint:
        """Coverage and accuracy when answering only at confidence ``>= threshold`` (a tolerance
        of 1e-9 so that a threshold stepped to 0.8 includes a score of 0.8)."""
        n = self.n
        answered = int(np.searchsorted(-self.confidence, -(threshold - 1e-9), side="right")) if n else 0
        accuracy = float(self.hits[answered - 1] / answered) if answered else None
        return ThresholdPoint(float(threshold), answered, n, answered / n if n else 0.0, accuracy)

    def points(self, max_points: int = 200) -> list[tuple[float, float]]:
        """(coverage, accuracy) after answering the top k, for k = 1..n, thinned to at most
        ``max_points`` evenly spaced k (the last, coverage 1, always kept)."""
        n = self.n
        if n == 0:
            return []
        k = np.unique(np.linspace(1, n, num=min(n, max(2, max_points))).round().astype(np.int64))
        return [(float(c), float(a)) for c, a in zip(k / n, self.hits[k - 1] / k)]


def confidence_curve(gold: Sequence[int] | np.ndarray, preds: Sequence[int | None] | np.ndarray | None, scores, n_classes: int) -> ConfidenceCurve:
    """The :class:`ConfidenceCurve` of predictions with per-class ``scores`` (rows may be None)."""
    _, conf, correct, _, _ = top_label(gold, preds, scores, n_classes)
    order = np.argsort(-conf, kind="stable")
    return ConfidenceCurve(conf[order], np.cumsum(correct[order].astype(np.int64)))
