"""What a run is made of, as plain data: the user's choices (:class:`RunSpec`), the run as prepared
(:class:`PreparedRun`: data read, model and parameters resolved, its identity) and how it ended
(:class:`RunOutcome`). Every front end, the runner, the workers and the stored results speak in
these types; they hold no behaviour beyond naming the method class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

from .data import Dataset, DataSpec, Split
from .methods import Method, get_method
from .models import ModelRef

if TYPE_CHECKING:
    from .results import Report


@dataclass(frozen=True)
class RunSpec:
    """Everything the user chose for one run; with the data's content it recreates the run."""

    data: DataSpec = field(default_factory=DataSpec)
    method: str = "embed-logreg"
    model: str | None = None
    """Hub id or local folder; None means the method's default."""
    params: Mapping[str, Any] = field(default_factory=dict)
    device: str | None = None
    """auto (None), cpu, cuda, cuda:N or mps."""
    batch_size: int | None = None
    """None: the method's default for the device (see precision.default_batch_size)."""
    dtype: str = "auto"
    """auto, float32, bfloat16 or float16 (see workbench/precision.py for what auto picks)."""
    trust_remote_code: bool = False
    """Let a model folder's own Python code run. Off unless the user asks: it is arbitrary code."""
    calibrate_on: str | None = None
    """A held-out split (``validation``) to fit a temperature on (temperature scaling): the report
    gives calibration before and after. Part of the identity only when set (workbench/scaling.py)."""
    devices: str | None = None
    """Split the prediction over these devices, one worker process each: ``cpu,cpu``,
    ``cuda:0,cuda:1`` or ``all`` (workbench/scaleout.py). None: one device, in this process. Not
    part of the identity: the predictions are the same whichever devices make them."""
    ray: str | None = None
    """Run the prediction phase on Ray Data (an actor pool): a cluster address, ``auto`` or
    ``local``. None: no Ray. Not part of the identity either."""


@dataclass
class PreparedRun:
    spec: RunSpec
    dataset: Dataset
    model: ModelRef
    params: dict[str, Any]
    run_id: str
    identity: dict[str, Any]
    device: str = "cpu"
    """The resolved device; "api" for a method that runs no local model."""
    dtype: str | None = "float32"
    """The resolved dtype; None for a method that runs no local model."""
    calibration_split: Split | None = None
    """The split of ``spec.calibrate_on``, read at prepare (None when not asked for)."""
    devices: list[str] | None = None
    """The resolved ``spec.devices`` (one worker process each); None: this process alone."""
    warnings: list[str] = field(default_factory=list)
    """What may make the run measure something else than it seems to (it evaluates, or fits its
    temperature, on rows the method fits on: workbench/split_checks.py), as warning notes
    (``results.WARNING``): the report carries them first among its notes."""

    @property
    def method_cls(self) -> type[Method]:
        return get_method(self.spec.method)


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    status: Literal["done", "cancelled", "failed"]
    report: "Report | None"
    error: str | None = None
    error_field: str | None = None
    """The field (workbench/errors.py) the error is about, for the front end to point at."""
    reused: bool = False
    """True when an identical finished run was found in the store and nothing was computed."""
    kept_finished: bool = False
    """A --rerun that did not finish: the finished run it was to replace is kept as it was."""
