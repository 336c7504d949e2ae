"""The one interface every method implements, and what flows through it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Protocol, Sequence

from ..errors import Cancelled, ConfigError
from ..models import ModelRef


@dataclass(frozen=True)
class Prediction:
    """One example's outcome. ``label`` is an index into the dataset's labels, or None when the
    method could not produce one (then ``raw`` or ``error`` says why): invalid is never a class."""

    label: int | None
    scores: list[float] | None = None
    raw: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Param:
    """A method parameter as the CLI, the UI and the run identity see it."""

    name: str
    default: Any
    help: str
    kind: str = "str"  # str | int | float | bool | texts | mapping

    def coerce(self, value: Any) -> Any:
        """Turn a CLI string into this parameter's type, or raise ConfigError saying what fits."""
        if not isinstance(value, str):
            return value
        try:
            if self.kind == "int":
                return int(value)
            if self.kind == "float":
                number = float(value)
                if number != number or number in (float("inf"), float("-inf")):
                    raise ValueError(value)  # nan passes every range check a method makes
                return number
            if self.kind == "texts":  # -p labels="a very bad review|a very good review"
                return [t.strip() for t in value.split("|")]
            if self.kind == "mapping":  # -p label_map="LABEL_0=neg,LABEL_2=" (an empty value ignores)
                pairs = [item.partition("=") for item in value.split(",") if item.strip()]
                if any(not sep or not key.strip() for key, sep, _ in pairs):
                    raise ValueError(value)
                return {key.strip(): v.strip() for key, _, v in pairs}
            if self.kind == "bool":
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
        except ValueError:
            example = "KEY=VALUE,KEY2=VALUE2" if self.kind == "mapping" else self.default
            expected = "a finite number" if self.kind == "float" else None
            raise ConfigError(f"parameter {self.name}={value!r} is not a valid {self.kind}", expected=expected, fix=f"e.g. {self.name}={example}") from None
        return value


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of one phase of a run; ``done`` of ``total`` units (examples, usually)."""

    phase: str
    done: int
    total: int | None
    elapsed_s: float = 0.0
    correct: int | None = None
    """Running count of correct predictions among ``done`` (predicting phase only)."""


@dataclass
class RunContext:
    """What a method gets from the runner: where to run, how big a batch, and how to report
    progress and notice a cancel request. Plain code: no UI in here."""

    device: str = "cpu"
    dtype: str = "float32"
    """float32, bfloat16 or float16: what the model's weights and activations are kept in."""
    trust_remote_code: bool = False
    """Whether a model folder's own Python code may run (only when the user asked for it)."""
    batch_size: int = 32
    on_progress: Callable[[ProgressEvent], None] | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    cache: Any = None
    """A RunStore whose embedding and response caches methods may use; None: no caching."""
    notes: list[str] = field(default_factory=list)
    """Things the runner did that the report should say (a batch size halved on out-of-memory)."""
    _phase_start: dict[str, float] = field(default_factory=dict)

    def progress(self, phase: str, done: int, total: int | None, correct: int | None = None) -> None:
        start = self._phase_start.setdefault(phase, time.perf_counter())
        if self.on_progress is not None:
            self.on_progress(ProgressEvent(phase, done, total, time.perf_counter() - start, correct))

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()


class Method(Protocol):
    """A classification method. ``__init__`` stores parameters only (scikit-learn style); ``load``
    brings in the model, ``fit`` learns from the train split (or prepares label texts), and
    ``predict`` classifies one batch. Learned state ends in ``_``."""

    name: ClassVar[str]
    description: ClassVar[str]
    default_model: ClassVar[str | None]
    needs_train: ClassVar[bool]
    params: ClassVar[tuple[Param, ...]]

    def load(self, ctx: RunContext) -> None: ...

    def fit(self, texts: Sequence[str] | None, labels: Sequence[int] | None, ctx: RunContext) -> "Method": ...

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]: ...

    def details(self) -> dict[str, Any]:
        """Resolved settings worth showing in the report (e.g. the label mapping)."""
        ...


@dataclass
class MethodConfig:
    """What every method's ``__init__`` receives: the resolved model, the dataset's label names in
    order, and the method's parameters with defaults filled in."""

    model: "ModelRef"
    label_names: list[str]
    params: dict[str, Any]
