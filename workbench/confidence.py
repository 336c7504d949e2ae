"""The report's confidence entries (``calibration``, ``selective``) from a run's predictions: the
one call the runner makes (``runner._report``), and the one the CLI makes to recompute the
selective figures for another ``--target-accuracy`` from a stored run.

The score matrix is built once here and handed to both calculations, so a report of 10,000
examples gains milliseconds (benchmarks/bench_confidence.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .calibration import apply_temperature, compute_calibration, score_matrix
from .confidence_figures import Calibration, Selective
from .selective import TARGET_ACCURACY, ConfidenceCurve, compute_selective, confidence_curve

if TYPE_CHECKING:
    from .results import Report

NO_SCORES_NOTE = "no calibration or selective-prediction figures: the method gives no class probabilities"


@dataclass(frozen=True)
class ConfidenceEntries:
    calibration: Calibration | None
    selective: Selective | None
    notes: list[str] = field(default_factory=list)


def _inputs(gold: Sequence[int], labels: Sequence[int | None], scores: Sequence[Sequence[float] | None], n_classes: int):
    matrix, has = score_matrix(list(scores), n_classes)
    # A row without scores is invalid for calibration whatever its label: it has no confidence.
    preds = np.fromiter((-1 if p is None else p for p in labels), dtype=np.int64, count=len(has))
    preds[~has] = -1
    return np.asarray(gold, dtype=np.int64), preds, matrix, has


def confidence_entries(
    gold: Sequence[int], labels: Sequence[int | None], scores: Sequence[Sequence[float] | None], n_classes: int, *,
    target_accuracy: float = TARGET_ACCURACY, temperature: float | None = None, fitted_on: str | None = None,
) -> ConfidenceEntries:  # fmt: skip
    """``calibration`` and ``selective`` of predictions (label and per-class scores per example; a
    label or scores of None is invalid). Both are None, with a note, when no valid prediction has
    scores. ``temperature``: also the calibration after temperature scaling with it (fitted on the
    split ``fitted_on``), as ``calibration.after_scaling``."""
    y, preds, matrix, has = _inputs(gold, labels, scores, n_classes)
    if not (preds >= 0).any():
        return ConfidenceEntries(None, None, [NO_SCORES_NOTE] if len(y) else [])
    cal = compute_calibration(y, preds, matrix, n_classes)
    if temperature is not None:
        scaled = matrix.copy()
        scaled[has] = apply_temperature(matrix[has], temperature)
        after = compute_calibration(y, preds, scaled, n_classes, temperature=temperature)
        cal = replace(cal, after_scaling=replace(after, fitted_on=fitted_on))
    sel = compute_selective(y, preds, matrix, n_classes, target_accuracy=target_accuracy)
    return ConfidenceEntries(cal, sel)


def selective_for(predictions: Sequence[Any], n_classes: int, target_accuracy: float) -> Selective | None:
    """The ``selective`` entry of a stored run's predictions (``store.StoredPrediction``s) for
    another target accuracy; None when they have no scores."""
    y, preds, matrix, _ = _inputs([p.gold for p in predictions], [p.pred for p in predictions], [p.scores for p in predictions], n_classes)
    if not (preds >= 0).any():
        return None
    return compute_selective(y, preds, matrix, n_classes, target_accuracy=target_accuracy)


def calibration_line(report: Report) -> list[str]:
    """The report text's lines for calibration and coverage (workbench/report.py ``report_text``)."""
    cal, sel = report.calibration, report.selective
    if cal is None and sel is None:
        return []
    lines = []
    if cal is not None:
        lo, hi = cal.ece_ci95
        brier = "-" if cal.brier is None else f"{cal.brier:.4f}"
        nll = "-" if cal.log_loss is None else f"{cal.log_loss:.4f}"
        lines.append(f"{'ECE':<12}{cal.ece:.4f}  95% CI [{lo:.4f}, {hi:.4f}]  MCE {cal.mce:.4f}  Brier {brier}  log-loss {nll}")
        after = cal.after_scaling
        if after is not None:
            a_nll = "-" if after.log_loss is None else f"{after.log_loss:.4f}"
            lines.append(f"{'scaled':<12}ECE {after.ece:.4f}  log-loss {a_nll}  (temperature {after.temperature or 0.0:.3f} fitted on {after.fitted_on})")
    if sel is not None:
        acc = "  ".join(f"{c:.0%} {a:.4f}" for c, a in sel.accuracy_at.items())
        target = sel.coverage_at_target
        reach = f"{target:.1%}" if target is not None else "none"
        lines.append(f"{'coverage':<12}accuracy at {acc}  AURC {sel.aurc:.4f}")
        lines.append(f"{'':<12}highest coverage at accuracy >= {sel.target_accuracy:g}: {reach}")
    return lines


def curve_for(predictions: Sequence[Any], n_classes: int) -> ConfidenceCurve | None:
    """The risk-coverage curve of a stored run's predictions (``store.StoredPrediction``s), from
    which coverage and accuracy at any confidence threshold are read; None when they have no
    scores."""
    y, preds, matrix, _ = _inputs([p.gold for p in predictions], [p.pred for p in predictions], [p.scores for p in predictions], n_classes)
    if not (preds >= 0).any():
        return None
    return confidence_curve(y, preds, matrix, n_classes)
