"""The majority-class baseline: the floor any real method must clear, and the smallest complete
example of the method contract (docs/architecture.md walks through it).

It predicts the train split's most frequent class for every text, with the train split's class
shares as its scores (scikit-learn's ``DummyClassifier(strategy="prior")``). On a balanced split
its accuracy is 1/k: a method that does not beat it has learned nothing.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .base import Method, Prediction, RunContext
from .registry import register


@register
class Majority(Method):
    name = "majority"
    description = "baseline: always the train split's most frequent class, scored by the class shares (no model)"
    default_model = None  # needs none: load() has nothing to bring in
    runs_locally = False  # no model on a device, so no torch import and no dtype

    @classmethod
    def uses_train(cls, params: Mapping[str, Any]) -> bool:
        return True

    @classmethod
    def scores_ignore_text(cls) -> str | None:
        return "its scores are the train split's class shares, the same for every text: they say nothing about any row's label"

    def load(self, ctx: RunContext) -> None:
        pass

    def fit(self, texts: Sequence[str] | None, labels: Sequence[int] | None, ctx: RunContext) -> "Majority":
        k = len(self.config.label_names)
        counts = [0] * k
        for y in labels or ():
            counts[y] += 1
        total = sum(counts)
        self.priors_ = [c / total for c in counts] if total else [1 / k] * k
        self.label_ = max(range(k), key=lambda c: (self.priors_[c], -c))  # ties: the first class
        return self

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        return [Prediction(self.label_, list(self.priors_)) for _ in texts]

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return "the class shares of the train split, the same for every text"

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        shares = ", ".join(f"{n} {p:.3f}" for n, p in zip(self.config.label_names, self.priors_))
        return {"rule": f"always {self.config.label_names[self.label_]} (train shares: {shares})"}
