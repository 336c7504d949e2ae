"""A sweep's results as types: each variant's runs (:class:`VariantResult`), the sweep
(:class:`SweepResult`) and the test confirmation of the best against the baseline
(:class:`TestComparison`), with the one text both front ends show for it
(:func:`comparison_lines`). The sweep JSON (``workbench sweep --json``, the store's ``sweeps``
table) is written here only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

from .metric_registry import metric, metrics_for

if TYPE_CHECKING:
    from .results import Report

SUMMARY_METRICS = ("n", *(m.name for m in metrics_for(group="classification")), "ci95")
"""The report figures a sweep's JSON keeps per run (the full report stays in the store)."""


def metric_interval(report: "Report | None", name: str) -> tuple[float, float] | None:
    """The 95% bootstrap interval of ``name`` when the report has one (accuracy, f1_macro)."""
    return metric(name).interval(report)


def summary(report: "Report | None") -> dict[str, Any] | None:
    """The sweep JSON's figures of one run: the report's JSON, cut to SUMMARY_METRICS."""
    if report is None:
        return None
    as_json = report.to_json()
    return {k: as_json[k] for k in SUMMARY_METRICS if as_json.get(k) is not None}


def jsonable(v: Any) -> Any:
    return json.loads(json.dumps(v, default=str))


@dataclass
class VariantResult:
    name: str
    params: dict[str, Any]
    """What the variant set (over [base])."""
    run_id: str
    status: Literal["pending", "done", "cancelled", "failed"] = "pending"
    select: "Report | None" = None
    """The selection run's report."""
    test: "Report | None" = None
    test_run_id: str | None = None
    elapsed_s: float = 0.0
    reused: bool = False
    error: str | None = None

    def value(self, name: str) -> float | None:
        """The selection run's figure ``name`` (None until it is done)."""
        v = metric(name).value(self.select) if self.status == "done" else None
        return float(v) if v is not None else None


@dataclass(frozen=True)
class TestComparison:
    """The best variant against the baseline on the test split: the difference in the sweep's
    metric and McNemar's test on the paired predictions."""

    __test__ = False  # a name pytest would otherwise collect

    metric: str
    baseline: str
    best: str
    baseline_value: float | None
    best_value: float | None
    difference: float | None
    accuracy_difference: float
    paired: int | None
    """Examples in both test runs."""
    mcnemar_p: float | None = None
    """None when the runs do not pair (no McNemar's test)."""
    mcnemar_statistic: float | None = None
    mcnemar_method: str | None = None
    baseline_only: int | None = None
    """Examples only the baseline got right."""
    best_only: int | None = None
    notes: tuple[str, ...] | None = None
    """The comparison's notes; None when the best is the baseline (nothing was compared)."""

    @property
    def same(self) -> bool:
        """Whether the best variant is the baseline."""
        return self.best == self.baseline

    @property
    def tested(self) -> bool:
        """Whether McNemar's test compared two different runs."""
        return not self.same and self.mcnemar_p is not None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TestComparison":
        def opt(key: str, kind: Any) -> Any:
            return None if d.get(key) is None else kind(d[key])

        notes = d.get("notes")
        return cls(
            str(d.get("metric") or ""), str(d.get("baseline") or ""), str(d.get("best") or ""), opt("baseline_value", float), opt("best_value", float),
            opt("difference", float), float(d.get("accuracy_difference") or 0.0), opt("paired", int), opt("mcnemar_p", float),
            opt("mcnemar_statistic", float), opt("mcnemar_method", str), opt("baseline_only", int), opt("best_only", int),
            tuple(notes) if notes is not None else None,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The sweep JSON's ``test_comparison``: the McNemar keys only where the test ran."""
        out: dict[str, Any] = {
            "metric": self.metric, "baseline": self.baseline, "best": self.best, "baseline_value": self.baseline_value,
            "best_value": self.best_value, "difference": self.difference, "accuracy_difference": self.accuracy_difference,
            "mcnemar_p": self.mcnemar_p,
        }  # fmt: skip
        for key in ("mcnemar_statistic", "mcnemar_method", "baseline_only", "best_only"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out["paired"] = self.paired
        if self.notes is not None:
            out["notes"] = list(self.notes)
        return out


def comparison_lines(tc: TestComparison) -> list[str]:
    """What the test confirmation says about the best against the baseline (the CLI prints these
    lines, the TUI shows them)."""
    if tc.same:
        return ["the best variant is the baseline: nothing to compare"]
    if tc.mcnemar_p is None:
        return ["McNemar's test: not computed (the runs do not pair)"]
    diff = "-" if tc.difference is None else f"{tc.difference:+.4f}"
    return [
        f"difference {diff} {tc.metric}; McNemar's p = {tc.mcnemar_p:.4g} ({tc.mcnemar_method}; "
        f"right only with the baseline {tc.baseline_only}, only with the best {tc.best_only})"
    ]


@dataclass
class SweepResult:
    name: str
    metric: str
    baseline: str
    select_split: str
    test_split: str
    variants: list[VariantResult]
    status: Literal["running", "done", "cancelled", "failed"] = "running"
    best: str | None = None
    test_comparison: TestComparison | None = None
    notes: list[str] = field(default_factory=list)
    sweep_id: str = ""

    def result(self, name: str) -> VariantResult:
        return next(v for v in self.variants if v.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sweep_id": self.sweep_id,
            "status": self.status,
            "metric": self.metric,
            "baseline": self.baseline,
            "best": self.best,
            "select_split": self.select_split,
            "test_split": self.test_split,
            "variants": [
                {
                    "name": v.name,
                    "params": jsonable(v.params),
                    "run_id": v.run_id,
                    "status": v.status,
                    "select": summary(v.select),
                    "test": summary(v.test),
                    "test_run_id": v.test_run_id,
                    "elapsed_s": round(v.elapsed_s, 3),
                    "reused": v.reused,
                    **({"error": v.error} if v.error else {}),
                }  # fmt: skip
                for v in self.variants
            ],
            "test_comparison": self.test_comparison.to_json() if self.test_comparison is not None else None,
            "notes": list(self.notes),
        }
