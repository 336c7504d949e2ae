"""The metric vocabulary, declared once: every figure a report carries that is read by name (the
report's tables, a comparison of two runs, a sweep's selection and its JSON, the UI).

Each :class:`Metric` says what it is called (``name``: its key in the report JSON or in its entry;
``label``: how a table shows it), which way is better, how it is read from a
:class:`~workbench.results.Report`, whether it has a 95% bootstrap interval, and how it is
computed (``definition``). The computation itself happens once per report, over all the figures
together (workbench/metrics.py for the classification figures, workbench/calibration.py and
workbench/selective.py for the confidence ones); a metric here reads the result.

A new task kind (a set of labels per text, say) adds its own entries with ``task`` set to it and a
report of that kind is read through :func:`metrics_for` (docs/architecture.md, "Results").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
    from .results import Report

Group = Literal["classification", "confidence"]
"""``classification``: a top-level figure of the report (metrics.py); ``confidence``: a figure of its
``calibration`` or ``selective`` entry, None for a method without scores."""

SINGLE_LABEL = "single-label"
"""The task kind every report has today: one gold label and one predicted label per text."""


@dataclass(frozen=True)
class Metric:
    name: str
    """The figure's key: in the report JSON (classification) or in its entry (confidence)."""
    label: str
    """How a table or a line names it."""
    higher_is_better: bool
    read: Callable[["Report"], "float | int | None"]
    """The figure of a report; None where the report has none."""
    definition: str
    """How it is computed, in words."""
    group: Group = "classification"
    headline: bool = True
    """Shown in the report's table of metrics and compared between two runs (the others are in
    the report JSON and a sweep may select on them)."""
    ci95: Callable[["Report"], "tuple[float, float] | None"] | None = None
    """The 95% bootstrap interval of the figure, for a metric that has one."""
    digits: int = 4
    """Decimals shown (0: a count)."""
    task: str = SINGLE_LABEL

    @property
    def has_interval(self) -> bool:
        return self.ci95 is not None

    @property
    def selectable(self) -> bool:
        """Whether a sweep may select on it: a classification figure where higher is better (a
        sweep keeps the variant with the largest value)."""
        return self.group == "classification" and self.higher_is_better

    def value(self, report: "Report | None") -> float | int | None:
        """The figure of ``report`` (None without a report or where it has none)."""
        return None if report is None else self.read(report)

    def interval(self, report: "Report | None") -> tuple[float, float] | None:
        """The 95% interval of the figure in ``report``; None where there is none."""
        got = self.ci95(report) if self.ci95 is not None and report is not None else None
        return (float(got[0]), float(got[1])) if got else None

    def improved(self, delta: float | None) -> bool | None:
        """Whether a change ``delta`` (B - A) is an improvement; None for no change or no figure."""
        if not delta:
            return None
        return delta > 0 if self.higher_is_better else delta < 0


def _cal(key: str) -> Callable[["Report"], "float | None"]:
    def read(report: "Report") -> float | None:
        return getattr(report.calibration, key) if report.calibration is not None else None

    return read


METRICS: tuple[Metric, ...] = (
    Metric("accuracy", "accuracy", True, lambda r: r.accuracy, "share of examples whose predicted label is the gold one (an invalid prediction is wrong)",
           ci95=lambda r: r.ci95.accuracy),
    Metric("f1_macro", "macro F1", True, lambda r: r.f1_macro, "F1 per class, averaged with equal weight (scikit-learn's classification_report)",
           ci95=lambda r: r.ci95.f1_macro),
    Metric("f1_weighted", "weighted F1", True, lambda r: r.f1_weighted, "F1 per class, averaged weighted by the class's support"),
    Metric("precision_macro", "macro precision", True, lambda r: r.precision_macro, "precision per class, averaged with equal weight"),
    Metric("recall_macro", "macro recall", True, lambda r: r.recall_macro, "recall per class, averaged with equal weight"),
    Metric("precision_weighted", "weighted precision", True, lambda r: r.precision_weighted, "precision per class, weighted by support", headline=False),
    Metric("recall_weighted", "weighted recall", True, lambda r: r.recall_weighted, "recall per class, weighted by support", headline=False),
    Metric("invalid", "invalid", False, lambda r: r.invalid, "examples without a valid predicted label (counted as wrong)", digits=0),
    Metric("ece", "ECE", False, _cal("ece"), "expected calibration error over 15 equal-width confidence bins (Guo et al. 2017)",
           group="confidence", ci95=lambda r: r.calibration.ece_ci95 if r.calibration is not None else None),
    Metric("brier", "Brier", False, _cal("brier"), "squared error of the scores against the one-hot gold, summed over classes", group="confidence"),
    Metric("log_loss", "log-loss", False, _cal("log_loss"), "negative log-likelihood of the gold label under the scores", group="confidence"),
    Metric("aurc", "AURC", False, lambda r: r.selective.aurc if r.selective is not None else None,
           "area under the risk-coverage curve: mean error rate over the most confident k, k = 1..n", group="confidence"),
)  # fmt: skip
"""Every metric, in the order tables list them."""

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}


def metric(name: str) -> Metric:
    """The metric called ``name``; KeyError for a name that is none."""
    return BY_NAME[name]


def metrics_for(task: str = SINGLE_LABEL, *, group: Group | None = None, headline: bool | None = None) -> tuple[Metric, ...]:
    """The metrics of a task kind, in order, optionally of one group or only the headline ones."""
    return tuple(
        m for m in METRICS if m.task == task and (group is None or m.group == group) and (headline is None or m.headline == headline)
    )


def selectable(task: str = SINGLE_LABEL) -> tuple[str, ...]:
    """The names a sweep may select on (:attr:`Metric.selectable`)."""
    return tuple(m.name for m in METRICS if m.task == task and m.selectable)


def companion(name: str) -> str:
    """The figure shown beside ``name`` where one other is shown (a sweep's test runs): accuracy,
    or macro F1 beside accuracy."""
    return "f1_macro" if name == "accuracy" else "accuracy"
