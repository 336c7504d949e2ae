"""Messages that worker threads post to the screens (the only way a worker touches the UI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the engine's types; the modules load in the workers that make them
    from pathlib import Path

    from workbench.compare import Comparison
    from workbench.curve import Curve, CurvePoint
    from workbench.data import Dataset, DataSpec
    from workbench.live_estimate import SampleEstimate
    from workbench.methods import Prediction, ProgressEvent
    from workbench.results import Report
    from workbench.selective import ConfidenceCurve
    from workbench.slices import SliceDelta
    from workbench.spec import RunOutcome
    from workbench.store import StoredPrediction, StoredRun
    from workbench.suspects import Suspects
    from workbench.sweep import SweepPlan, SweepResult, VariantResult


@dataclass
class DatasetLoaded(Message):
    """A dataset finished loading for the data spec the screen asked about."""

    dataset: "Dataset"
    data: "DataSpec"


@dataclass
class DatasetFailed(Message):
    """``error`` is one line (naming the field as the UI calls it); ``field`` is the error's field
    (workbench/errors.py), for the screen to point at its widget."""

    error: str
    data: "DataSpec"
    field: str | None = None


@dataclass
class RunStarted(Message):
    """The run is prepared: its id, size and where it runs ("cpu float32", "cuda bfloat16"; "api"
    for a method that runs no local model)."""

    run_id: str
    total: int
    device: str | None


@dataclass
class RunProgress(Message):
    """One progress event from the engine (a ``workbench.methods.ProgressEvent``)."""

    event: "ProgressEvent"


@dataclass
class RunFinished(Message):
    """The engine's ``RunOutcome``: done, cancelled or failed."""

    outcome: "RunOutcome"


@dataclass
class RunFailed(Message):
    """The run could not start or stopped with an error; ``error`` is one line."""

    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class Classified(Message):
    """Try it: the prediction for the text, with the label names to show it by."""

    prediction: "Prediction"
    labels: list[str]
    text: str


@dataclass
class ClassifyProgress(Message):
    phase: str


@dataclass
class ClassifyFailed(Message):
    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class ComparisonReady(Message):
    comparison: "Comparison"


@dataclass
class ComparisonFailed(Message):
    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class ExampleScored(Message):
    """The prompt screen's example scored with the parameters being edited (``seq``: which edit
    it answers, so a late answer to an older edit is dropped)."""

    seq: int
    prediction: "Prediction"
    labels: list[str]
    gold: int


@dataclass
class ExampleScoreFailed(Message):
    error: str
    field: str | None = None


@dataclass
class SampleEstimated(Message):
    """The prompt screen's live estimate of the parameters being edited (``seq`` as above) and of
    the configuration it is measured against (``baseline``, named by ``against``), on one sample."""

    seq: int
    estimate: "SampleEstimate"
    baseline: "SampleEstimate | None"
    against: str


@dataclass
class SampleEstimateFailed(Message):
    error: str
    field: str | None = None


@dataclass
class RunRead(Message):
    """A stored run (None: not in the store) and its predictions, read off the UI thread."""

    run: "StoredRun | None"
    predictions: "list[StoredPrediction]"
    curve: "ConfidenceCurve | None" = None
    """The risk-coverage curve of the predictions; None for a method without scores."""


@dataclass
class ReportReadFailed(Message):
    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class SuspectsFound(Message):
    """The suspect labels of a run's data (``Engine.suspects``), found in a worker."""

    suspects: "Suspects"


@dataclass
class SuspectsFailed(Message):
    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class SlicesComputed(Message):
    """A report with the figures per slice of ``column`` (``Engine.with_slices``), from a worker."""

    column: str
    report: "Report"


@dataclass
class SliceDeltasComputed(Message):
    """Two runs' figures per slice of ``column`` (``Engine.compare_slices``), from a worker."""

    column: str
    deltas: "list[SliceDelta]"


@dataclass
class SlicesFailed(Message):
    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class RunsListed(Message):
    """The stored runs for the history screen, newest first, read off the UI thread."""

    runs: "list[StoredRun]"


@dataclass
class RunsListFailed(Message):
    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class SweepPlanned(Message):
    """Every variant of the sweep is prepared (checked); nothing has run yet."""

    plan: "SweepPlan"


@dataclass
class SweepVariantDone(Message):
    """One run of the sweep ended: a variant on the selection split, or (``variant.test`` set) a
    test confirmation run. A copy, taken in the worker: the engine goes on filling its own."""

    variant: "VariantResult"


@dataclass
class SweepFinished(Message):
    """The engine's ``SweepResult``: done, cancelled or failed (the worker has ended)."""

    result: "SweepResult"


@dataclass
class SweepFailed(Message):
    """The sweep could not start (a variant refused) or stopped with an error; ``error`` is one line."""

    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""


@dataclass
class CurvePointDone(Message):
    """One point of a learning curve ended (a copy, taken in the worker)."""

    point: "CurvePoint"


@dataclass
class CurveFinished(Message):
    """The engine's ``Curve``: every point done, failed or cancelled (the worker has ended)."""

    curve: "Curve"


@dataclass
class CurveFailed(Message):
    """The curve could not start (refused) or stopped with an error; ``error`` is one line."""

    error: str
    field: str | None = None


def error_line(exc: BaseException) -> str:
    """One line for the UI: a WorkbenchError's own message with the UI's name of the field it is
    about (screens/fields.py), else the type and first line."""
    from workbench.errors import WorkbenchError

    if isinstance(exc, WorkbenchError):
        from .fields import tui_message

        return tui_message(exc)
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"internal error: {type(exc).__name__}: {first}"


@dataclass
class Exported(Message):
    """An export was written (screens/exporting.py)."""

    path: "Path"


@dataclass
class ExportFailed(Message):
    error: str
    field: str | None = None
    """The field the error is about (workbench/errors.py), when it names one."""
