"""Comparing two runs on the same examples: metric deltas, flipped examples, McNemar's test and
what changed in the configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple

from .metric_registry import SINGLE_LABEL, Metric, metric, metrics_for
from .results import flatten

if TYPE_CHECKING:
    from .results import Report
    from .store import StoredRun

class Delta(NamedTuple):
    """A figure of run A and of run B, and the change B - A (None where a run lacks the figure)."""

    a: float | None
    b: float | None
    delta: float | None


def _delta(m: Metric, ra: "Report | None", rb: "Report | None") -> Delta:
    va, vb = m.value(ra), m.value(rb)
    fa, fb = (None if va is None else float(va)), (None if vb is None else float(vb))
    return Delta(fa, fb, fb - fa if fa is not None and fb is not None else None)


@dataclass(frozen=True)
class Flip:
    idx: int
    """The example's position in run A's evaluated split."""
    text: str
    gold: int
    pred_a: int | None
    pred_b: int | None
    name: str = ""
    """How outputs name the example: its id, else its row in the split file (StoredPrediction.name)."""


@dataclass(frozen=True)
class McNemar:
    a_only: int
    """Examples run A got right and run B got wrong."""
    b_only: int
    statistic: float
    p_value: float
    method: str  # "exact binomial" below 25 discordant pairs, else "chi-square, continuity-corrected"


@dataclass(frozen=True)
class Comparison:
    deltas: dict[str, Delta]
    """The headline classification metrics both runs have, by name (workbench/metric_registry.py)."""
    right_to_wrong: list[Flip]
    wrong_to_right: list[Flip]
    mcnemar: McNemar | None
    """None when the runs did not predict the same examples."""
    config_diff: list[tuple[str, Any, Any]]
    paired: int
    notes: list[str] = field(default_factory=list)
    confidence: dict[str, Delta] = field(default_factory=dict)
    """The confidence metrics (ECE, Brier, log-loss, AURC) by name; a figure is None where its run
    has no scores (and so the delta too)."""

    def rows(self) -> list[tuple[Metric, Delta]]:
        """The compared figures in table order: the classification ones, then the confidence
        ones either run has."""
        shown = list(self.deltas.items()) + [(k, d) for k, d in self.confidence.items() if d.a is not None or d.b is not None]
        return [(metric(name), d) for name, d in shown]


def mcnemar(a_only: int, b_only: int) -> McNemar:
    from scipy import stats  # lazy

    n = a_only + b_only
    if n == 0:
        return McNemar(0, 0, 0.0, 1.0, "no discordant pairs")
    if n < 25:
        p = stats.binomtest(min(a_only, b_only), n, 0.5).pvalue
        return McNemar(a_only, b_only, float(min(a_only, b_only)), float(min(p, 1.0)), "exact binomial")
    stat = (abs(a_only - b_only) - 1) ** 2 / n
    return McNemar(a_only, b_only, float(stat), float(stats.chi2.sf(stat, 1)), "chi-square, continuity-corrected")


def config_diff(config_a: Mapping[str, Any], config_b: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Settings (nested or already flattened to dotted names) that differ: (name, A, B)."""
    fa, fb = flatten(config_a), flatten(config_b)
    return [(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]


def pair_key(p: Any) -> tuple:
    """What pairs an example of one run with the same example of another: its row (or id) and
    text where the runs kept rows, so a corrected gold label still pairs; else text and gold."""
    if p.row is not None or p.row_id is not None:
        return ("row", p.row_id if p.row_id is not None else p.row, p.text)
    return ("text", p.text, p.gold)


def compare_runs(run_a: "StoredRun", run_b: "StoredRun", preds_a: list, preds_b: list) -> Comparison:
    """``run_*`` as returned by ``RunStore.get``; ``preds_*`` by ``RunStore.predictions``. Examples
    are paired by text and gold label, so two runs on the same split pair up even when one was
    limited to a sample. The config diff leaves out names that repeat another's change."""
    ra, rb = run_a.report, run_b.report
    task = ra.task if ra is not None else SINGLE_LABEL
    deltas = {m.name: d for m in metrics_for(task, group="classification", headline=True) if (d := _delta(m, ra, rb)).delta is not None}
    notes = []
    if (ra.labels if ra else None) != (rb.labels if rb else None):
        notes.append("the runs have different label sets; flips and McNemar's test are not meaningful")
    by_key = {pair_key(p): p for p in preds_b}
    r2w, w2r = [], []
    paired = 0
    for pa in preds_a:
        pb = by_key.get(pair_key(pa))
        if pb is None:
            continue
        paired += 1
        ok_a, ok_b = pa.pred == pa.gold, pb.pred == pb.gold
        if ok_a and not ok_b:
            r2w.append(Flip(pa.idx, pa.text, pa.gold, pa.pred, pb.pred, pa.name))
        elif ok_b and not ok_a:
            w2r.append(Flip(pa.idx, pa.text, pa.gold, pa.pred, pb.pred, pa.name))
    if paired < max(len(preds_a), len(preds_b)):
        notes.append(f"only {paired} examples are in both runs; flips and McNemar's test use those")
    test = mcnemar(len(r2w), len(w2r)) if paired else None
    confidence = {m.name: _delta(m, ra, rb) for m in metrics_for(task, group="confidence")}
    diff = config_diff(run_a.config.settings(), run_b.config.settings())
    return Comparison(deltas, r2w, w2r, test, diff, paired, notes, confidence)
