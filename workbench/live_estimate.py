"""A quick estimate of a configuration while it is being edited: accuracy and macro F1 on a fixed
seeded sample of the evaluated split, the same sample a run with ``--limit N`` evaluates (so the
estimate is exactly what that run would report), with bootstrap intervals. Predicted with the
engine's ``classify``: the model stays loaded and the sample's text embeddings come from the
store's cache after the first time, so an edit of the label texts costs a few encodings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Engine
    from .runner import RunSpec

SAMPLE_SIZE = 200
"""Examples the estimate is made on: enough for an interval a few points wide, few enough to
predict again after every pause in typing."""


@dataclass(frozen=True)
class SampleEstimate:
    n: int
    """Examples in the sample."""
    seed: int
    accuracy: float
    accuracy_ci: tuple[float, float]
    f1_macro: float
    f1_ci: tuple[float, float]
    invalid: int
    errors: tuple[tuple[str, int], ...]
    """The sample's misclassified and invalid examples: (text, gold label index), in split order."""


def sample_spec(spec: "RunSpec", n: int = SAMPLE_SIZE) -> "RunSpec":
    """``spec`` limited to the seeded sample of ``n`` (its own limit when that is smaller)."""
    limit = n if spec.data.limit is None else min(n, spec.data.limit)
    return replace(spec, data=replace(spec.data, limit=limit))


def estimate_on_sample(engine: "Engine", spec: "RunSpec", n: int = SAMPLE_SIZE) -> SampleEstimate:
    """Predict the sample of ``spec`` and score it as a run's report would (compute_metrics)."""
    from .metrics import headline_metrics

    prep = engine.prepare(sample_spec(spec, n))
    ev = prep.dataset.eval
    predictions = engine.classify(prep, ev.texts)
    preds = [p.label for p in predictions]
    m = headline_metrics(ev.labels, preds, len(prep.dataset.label_names))  # compute_metrics' figures, without its report
    errors = tuple((t, g) for t, g, p in zip(ev.texts, ev.labels, preds) if p != g)
    return SampleEstimate(
        n=len(ev), seed=spec.data.seed,
        accuracy=m["accuracy"], accuracy_ci=tuple(m["ci95"]["accuracy"]), f1_macro=m["f1_macro"], f1_ci=tuple(m["ci95"]["f1_macro"]),
        invalid=m["invalid"], errors=errors,
    )  # fmt: skip
