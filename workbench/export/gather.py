"""What an export holds, read once from the store: the run (and, for a comparison, the second
run and the :class:`~workbench.compare.Comparison`), its predictions, its risk-coverage curve
and the top confusions with example texts. Every format (html.py, markdown.py, csv_rows.py) is
written from this, so they show the same figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from ..confusions import TOP_CONFUSIONS, Confusion, top_confusions
from ..errors import RUN, WorkbenchError

if TYPE_CHECKING:
    from ..compare import Comparison
    from ..engine import Engine
    from ..results import Report
    from ..slices import SliceDelta
    from ..store import StoredPrediction, StoredRun

EXAMPLES_PER_CONFUSION = 3
"""Example texts shown under each top confusion."""

CURVE_POINTS = 200
"""Points of the risk-coverage curve drawn (thinned evenly; workbench/selective.py)."""


@dataclass(frozen=True)
class ConfusionExamples:
    """A top confusion and some of its examples (most confident first when there are scores)."""

    confusion: Confusion
    examples: list["StoredPrediction"]


@dataclass(frozen=True)
class RunExport:
    run: "StoredRun"
    report: "Report"
    predictions: list["StoredPrediction"]
    curve: list[tuple[float, float]] | None
    """(coverage, accuracy) of the risk-coverage curve; None for a method without scores."""
    confusions: list[ConfusionExamples] = field(default_factory=list)

    @property
    def label_names(self) -> list[str]:
        return list(self.report.labels)

    def label(self, index: int | None) -> str:
        """A class's name by index; 'invalid' for an invalid answer."""
        if index is None:
            return "invalid"
        return self.report.labels[index] if 0 <= index < len(self.report.labels) else str(index)


@dataclass(frozen=True)
class ExportData:
    a: RunExport
    b: RunExport | None = None
    comparison: "Comparison | None" = None
    slice_deltas: "dict[str, list[SliceDelta]]" = field(default_factory=dict)
    """For a comparison sliced by columns: each slice's figures in both runs (workbench/slices.py)."""

    @property
    def compared(self) -> bool:
        return self.b is not None and self.comparison is not None


def _score_of_predicted(p: "StoredPrediction") -> float:
    if p.pred is None or not p.scores or not 0 <= p.pred < len(p.scores):
        return 0.0
    return float(p.scores[p.pred])


def confusion_examples(report: "Report", predictions: list["StoredPrediction"], k: int = TOP_CONFUSIONS) -> list[ConfusionExamples]:
    """The report's top ``k`` confusions, each with up to EXAMPLES_PER_CONFUSION of its examples."""
    out = []
    for c in top_confusions(report, k):
        cell = [p for p in predictions if p.gold == c.gold and p.pred == c.pred]
        cell.sort(key=_score_of_predicted, reverse=True)  # stable: ties keep the examples' order
        out.append(ConfusionExamples(c, cell[:EXAMPLES_PER_CONFUSION]))
    return out


def _run_export(engine: "Engine", run_ref: str, slice_by: "Sequence[str]") -> RunExport:
    run = engine.run(run_ref)
    if run.report is None:
        raise WorkbenchError(
            f"run {run.run_id[:12]} has no report to export (it is {run.shown_status or run.status})",
            fix=f"resume it first: workbench resume {run.run_id[:12]}" if run.status != "done" else None,
            field=RUN,
        )
    report = engine.with_slices(run.report, slice_by)
    predictions = engine.predictions(run.run_id)
    curve = engine.confidence_curve(predictions, len(report.labels)) if report.calibration else None
    points = curve.points(CURVE_POINTS) if curve is not None else None
    return RunExport(run, report, predictions, points, confusion_examples(report, predictions))


def gather(engine: "Engine", run_ref: str, compare: str | None = None, slice_by: "Sequence[str]" = ()) -> ExportData:
    """The export of run ``run_ref`` (a unique id prefix), compared with run ``compare`` when given
    (A is ``run_ref``, B is ``compare``), with its figures per slice of each of ``slice_by`` (columns
    of the data, or ``length``) when given."""
    a = _run_export(engine, run_ref, slice_by)
    if compare is None:
        return ExportData(a)
    b = _run_export(engine, compare, slice_by)
    deltas = engine.compare_slices(a.run.run_id, b.run.run_id, slice_by) if slice_by else {}
    return ExportData(a, b, engine.compare(a.run.run_id, b.run.run_id), deltas)
