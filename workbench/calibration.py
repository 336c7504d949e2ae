"""How far a method's confidence can be trusted: top-label calibration (ECE, MCE, reliability
bins), Brier score and log-loss, and temperature scaling fitted on a held-out split.

Pure numpy over (gold, predicted labels, per-class scores, number of classes), so the runner,
the CLI, the TUI and a notebook compute the same figures from the same stored predictions. The
definitions follow Guo et al. 2017, "On Calibration of Modern Neural Networks":

* ECE: the examples are put in 15 equal-width bins of top-label confidence on [0, 1]
  (``(lower, upper]``, confidence 0 in the first); ECE is the sum over bins of
  ``|accuracy - mean confidence| x share of examples``, MCE the largest gap over non-empty bins.
* An invalid prediction (no label, or no scores) counts as wrong with confidence 0 in ECE/MCE and
  the bins, and is counted in ``invalid``; Brier and log-loss need a distribution, so they are
  over the ``scored`` rows only (those with scores and a label).
* Brier: squared error between the score vector and the one-hot gold, summed over classes and
  averaged over examples (so 0..2); log-loss: scikit-learn's ``log_loss``.

The ECE interval is a percentile bootstrap over the examples. A report of 10,000 examples must
gain under 50 ms from all of this (benchmarks/bench_confidence.py), so the resamples are drawn as
counts per bin (see :func:`ece_bootstrap`) rather than as n indices each.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .confidence_figures import Calibration, CalibrationBin

N_BINS = 15
"""Guo et al.'s bin count; with fewer examples per bin the ECE estimate is biased upwards."""

N_BOOT = 1000
"""Bootstrap resamples for the ECE interval (as for accuracy's, workbench/metrics.py)."""

TEMPERATURE_BOUNDS = (0.01, 100.0)
"""The range a fitted temperature is searched in (log-space): from sharpening a hundredfold to
flattening a hundredfold, beyond which the scores carry no usable ranking anyway."""


def score_matrix(scores: Sequence[Sequence[float] | None] | np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(n x k float64 matrix, mask of rows that have scores): a None row becomes zeros."""
    if isinstance(scores, np.ndarray):
        matrix = np.asarray(scores, dtype=np.float64).reshape(len(scores), n_classes)
        return matrix, np.ones(len(matrix), dtype=bool)
    has = np.fromiter((s is not None for s in scores), dtype=bool, count=len(scores))
    matrix = np.zeros((len(scores), n_classes), dtype=np.float64)
    if has.any():
        matrix[has] = np.asarray([s for s in scores if s is not None], dtype=np.float64)
    return matrix, has


def top_label(
    gold: Sequence[int] | np.ndarray, preds: Sequence[int | None] | np.ndarray | None, scores, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(gold, confidence, correct, valid, matrix) arrays. ``preds`` None: the argmax of the scores.
    The confidence is the score of the predicted label; 0 for an invalid prediction (no label or
    no scores), which is never correct."""
    y = np.asarray(gold, dtype=np.int64)
    matrix, has = score_matrix(scores, n_classes)
    if preds is None:
        p = np.where(has, matrix.argmax(axis=1), -1)
    elif isinstance(preds, np.ndarray):
        p = preds.astype(np.int64, copy=False)  # already coded: -1 for invalid
    else:
        p = np.fromiter((-1 if q is None else q for q in preds), dtype=np.int64, count=len(y))
    valid = has & (p >= 0) & (p < n_classes)
    conf = np.where(valid, matrix[np.arange(len(y)), np.clip(p, 0, n_classes - 1)], 0.0) if len(y) else np.zeros(0)
    correct = valid & (p == y)
    return y, conf, correct, valid, matrix


def bin_of(confidence: np.ndarray, n_bins: int = N_BINS) -> np.ndarray:
    """Bin index of each confidence: ``(i/n_bins, (i+1)/n_bins]``, with 0 in bin 0."""
    return np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)


def ece_bootstrap(
    bins: np.ndarray, correct: np.ndarray, confidence: np.ndarray, n_bins: int = N_BINS, *, n_boot: int = N_BOOT, seed: int = 0
) -> tuple[float, float]:
    """Percentile 95% interval of ECE over resamples of the examples.

    ECE is ``sum over bins |hits - sum of confidence| / n``. A resample of the examples is drawn
    as counts per (bin, correct) cell, exactly (one multinomial of n over the 2 x n_bins cells);
    the confidence summed over a cell's draws is then drawn from its Normal limit (count x mean,
    count x variance), which is close because a cell's confidences span 1/n_bins at most. That is
    microseconds per resample where gathering n indices each costs milliseconds."""
    n = len(bins)
    if n == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    cell = bins * 2 + correct.astype(np.int64)
    k = 2 * n_bins
    count = np.bincount(cell, minlength=k).astype(np.float64)
    total = np.bincount(cell, weights=confidence, minlength=k)
    mean = np.divide(total, count, out=np.zeros(k), where=count > 0)
    var = np.maximum(np.divide(np.bincount(cell, weights=confidence**2, minlength=k), count, out=np.zeros(k), where=count > 0) - mean**2, 0.0)
    drawn = rng.multinomial(n, count / n, size=n_boot).astype(np.float64)  # (n_boot, 2 x n_bins)
    conf_sum = drawn * mean + rng.standard_normal(drawn.shape) * np.sqrt(drawn * var)
    hits = drawn[:, 1::2]
    gap = hits - (conf_sum[:, 0::2] + conf_sum[:, 1::2])
    out = np.abs(gap).sum(axis=1) / n
    return (float(np.percentile(out, 2.5)), float(np.percentile(out, 97.5)))


def compute_calibration(
    gold: Sequence[int] | np.ndarray, preds: Sequence[int | None] | np.ndarray | None, scores, n_classes: int, *,
    n_bins: int = N_BINS, n_boot: int = N_BOOT, seed: int = 0, temperature: float | None = None,
) -> Calibration:  # fmt: skip
    """Calibration of predictions whose ``scores`` are per-class probabilities (rows may be None:
    invalid). ``preds``: the predicted labels (None: invalid), or None to take the argmax.
    ``temperature``: recorded in the result (apply it with :func:`apply_temperature` first)."""
    y, conf, correct, valid, matrix = top_label(gold, preds, scores, n_classes)
    n = len(y)
    bins = bin_of(conf, n_bins)
    counts = np.bincount(bins, minlength=n_bins)
    hits = np.bincount(bins, weights=correct, minlength=n_bins)
    conf_sum = np.bincount(bins, weights=conf, minlength=n_bins)
    nonempty = counts > 0
    acc_b = np.divide(hits, counts, out=np.zeros(n_bins), where=nonempty)
    conf_b = np.divide(conf_sum, counts, out=np.zeros(n_bins), where=nonempty)
    gaps = np.abs(acc_b - conf_b)
    ece = float((gaps * counts).sum() / n) if n else 0.0
    mce = float(gaps[nonempty].max()) if nonempty.any() else 0.0
    ci = ece_bootstrap(bins, correct, conf, n_bins, n_boot=n_boot, seed=seed)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    table = tuple(
        CalibrationBin(float(edges[b]), float(edges[b + 1]), int(counts[b]), float(acc_b[b]) if nonempty[b] else None, float(conf_b[b]) if nonempty[b] else None)
        for b in range(n_bins)
    )  # fmt: skip
    brier, nll = _proper_scores(y[valid], matrix[valid], n_classes)
    return Calibration(n, int(n - valid.sum()), int(valid.sum()), ece, ci, mce, brier, nll, table, temperature)


def _proper_scores(y: np.ndarray, p: np.ndarray, n_classes: int) -> tuple[float | None, float | None]:
    """Brier (summed over classes, averaged over examples) and log-loss.

    The log-loss is scikit-learn's ``log_loss`` formula (rows renormalised, probabilities clipped
    to [eps, 1 - eps] with float64's eps) written in numpy: scikit-learn's input validation alone
    costs more than the report's 50 ms budget at 10,000 examples. tests/test_calibration.py checks
    the two agree."""
    if len(y) == 0:
        return None, None
    rows = np.arange(len(y))
    onehot = np.zeros_like(p)
    onehot[rows, y] = 1.0
    brier = float(((p - onehot) ** 2).sum(axis=1).mean())
    eps = np.finfo(np.float64).eps
    q = np.clip(p, eps, 1 - eps)
    q = q / q.sum(axis=1, keepdims=True)
    return brier, float(-np.log(q[rows, y]).mean())


# ------------------------------------------------------------ temperature scaling


def apply_temperature(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities ``softmax(log(p) / T)`` for rows of probabilities ``p`` (a zero stays zero):
    temperature scaling of the logits a softmax came from, recovered up to a constant per row."""
    p = np.asarray(scores, dtype=np.float64)
    with np.errstate(divide="ignore"):
        z = np.log(p) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, gold: Sequence[int] | np.ndarray) -> float:
    """The one temperature minimising the negative log-likelihood of ``gold`` under
    ``apply_temperature(scores, T)`` (Guo et al.'s temperature scaling: it moves confidence, never
    the argmax). Searched in log-space with scipy's bounded scalar minimiser."""
    from scipy.optimize import minimize_scalar

    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(gold, dtype=np.int64)
    if len(y) == 0:
        return 1.0
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    finite_floor = np.where(np.isfinite(logp), logp, np.inf).min() if np.isfinite(logp).any() else 0.0
    logp = np.where(np.isfinite(logp), logp, min(finite_floor, 0.0) - 50.0)  # a 0 score stays far below the rest
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        z = logp / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[rows, y] - np.log(np.exp(z).sum(axis=1))).mean())

    lo, hi = np.log(TEMPERATURE_BOUNDS[0]), np.log(TEMPERATURE_BOUNDS[1])
    res = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))
