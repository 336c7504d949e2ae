"""The engine's results as types: a run's :class:`Report` (with its parts) and a stored run's
:class:`RunConfig`. Everything else reads reports and configurations through these; the JSON
layout (what ``--json`` writes and the store keeps) is known here only."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Mapping

from .confidence_figures import Calibration, Selective
from .metric_registry import SINGLE_LABEL
from .metric_registry import metric as registered

if TYPE_CHECKING:  # the runner pulls numpy in through the method registry
    from .spec import RunSpec

FORMAT_VERSION = 1
"""The ``format_version`` of the report JSON; bump when a key changes meaning or goes away."""

JSON_KEYS = (
    "run_id", "method", "model", "dataset", "split", "n", "labels", "accuracy", "f1_macro", "f1_weighted",
    "per_class", "confusion_matrix", "invalid", "truncated", "ci95", "timing", "device",
)  # fmt: skip
"""The documented keys of the report JSON, first and in this order (README, "Reports")."""

WARNING = "warning: "
"""How a note that warns begins: the run may not measure what it seems to (it is evaluated on the
split its method fits on, say). Not an error (the user may mean it): carried with the other notes,
shown as a warning by every front end (:func:`note_line`, ``Report.warnings``)."""


def warning(text: str) -> str:
    """``text`` as a warning note."""
    return WARNING + text


def note_line(note: str) -> str:
    """A note as a front end shows it on a line: ``note: ...``, or ``warning: ...`` for a warning."""
    return note if note.startswith(WARNING) else f"note: {note}"

def _float(value: Any, default: float | None = None) -> float | None:
    return default if value is None else float(value)


def _int(value: Any, default: int | None = None) -> int | None:
    return default if value is None else int(value)


@dataclass(frozen=True)
class ClassFigures:
    """One class's row of the per-class table (scikit-learn's ``classification_report``)."""

    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    support: int = 0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ClassFigures":
        return cls(_float(d.get("precision"), 0.0), _float(d.get("recall"), 0.0), _float(d.get("f1"), 0.0), _int(d.get("support"), 0))  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "support": self.support}


@dataclass(frozen=True)
class Timing:
    """Seconds spent loading the model, fitting and predicting (None: not known), and the speed of
    the predictions this attempt made."""

    load_s: float | None = None
    fit_s: float | None = None
    predict_s: float | None = None
    examples_per_s: float = 0.0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Timing":
        return cls(_float(d.get("load_s")), _float(d.get("fit_s")), _float(d.get("predict_s")), _float(d.get("examples_per_s"), 0.0))  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return {"load_s": self.load_s, "fit_s": self.fit_s, "predict_s": self.predict_s, "examples_per_s": self.examples_per_s}


@dataclass(frozen=True)
class Intervals:
    """95% bootstrap intervals (low, high); None where the report has none."""

    accuracy: tuple[float, float] | None = None
    f1_macro: tuple[float, float] | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Intervals":
        def pair(value: Any) -> tuple[float, float] | None:
            return (float(value[0]), float(value[1])) if value else None

        return cls(pair(d.get("accuracy")), pair(d.get("f1_macro")))

    def to_json(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in (("accuracy", self.accuracy), ("f1_macro", self.f1_macro)) if v is not None}


def _part(kind: Any, value: Any) -> Any:
    """A report part from its JSON (``kind.from_dict``), or the typed part as it is, or None."""
    if value is None or isinstance(value, kind):
        return value
    return kind.from_dict(value)


@dataclass(frozen=True)
class SliceFigures:
    """One slice of a run's examples (the rows with one value of a column; workbench/slices.py)."""

    value: str
    n: int
    accuracy: float
    f1_macro: float
    """Macro F1 over the classes the slice's gold labels hold."""
    ci95: Intervals = field(default_factory=Intervals)
    invalid: int = 0

    @property
    def small(self) -> bool:
        """Too few rows for a narrow interval (under 30)."""
        return self.n < 30

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SliceFigures":
        return cls(str(d.get("value")), _int(d.get("n"), 0), _float(d.get("accuracy"), 0.0), _float(d.get("f1_macro"), 0.0), Intervals.from_dict(d.get("ci95") or {}), _int(d.get("invalid"), 0))  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.n, "accuracy": self.accuracy, "f1_macro": self.f1_macro, "ci95": self.ci95.to_json(), "invalid": self.invalid}


@dataclass(frozen=True)
class Report:
    """A run's report: what it ran on, its figures, timing and notes. :meth:`from_dict` reads the
    stored JSON of any version (missing keys take these defaults); :meth:`to_json` writes it."""

    run_id: str = ""
    method: str = ""
    model: str | None = None
    dataset: str = ""
    split: str = ""
    n: int = 0
    labels: list[str] = field(default_factory=list)
    accuracy: float = 0.0
    f1_macro: float = 0.0
    f1_weighted: float = 0.0
    precision_macro: float | None = None
    recall_macro: float | None = None
    precision_weighted: float | None = None
    recall_weighted: float | None = None
    per_class: dict[str, ClassFigures] = field(default_factory=dict)
    confusion_matrix: list[list[int]] = field(default_factory=list)
    """Gold rows, predicted columns, in the order of ``labels``; invalid predictions are not in it."""
    invalid: int = 0
    invalid_by_gold: list[int] | None = None
    """Invalid predictions per gold class (None in reports that predate it)."""
    ci95: Intervals = field(default_factory=Intervals)
    truncated: int | None = None
    """Texts longer than the model reads; None where the method cannot say."""
    timing: Timing = field(default_factory=Timing)
    device: str | None = None
    dtype: str | None = None
    batch_size: int | None = None
    status: str = "done"
    """done, or cancelled for a report over the examples that finished."""
    params: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    """What the method learned or how it decided (free-form, from the method), shown as lines."""
    calibration: Calibration | None = None
    """Calibration figures (ECE, MCE, Brier, log-loss, the reliability bins, and after temperature
    scaling); None where the method gives no scores or the report predates them."""
    selective: Selective | None = None
    """Selective-prediction figures (AURC, accuracy at coverages, coverage at a target accuracy)."""
    score_rule: str | None = None
    """How the method's per-class scores were derived (``Method.scores_rule``); "none: ..." when
    it gives none. None in reports that predate it."""
    notes: list[str] = field(default_factory=list)
    versions: dict[str, Any] = field(default_factory=dict)
    created_at: float | None = None
    task: str = SINGLE_LABEL
    """The task kind (workbench/metric_registry.py): one label per text. Written to the JSON only
    when it is another (docs/architecture.md, "Results")."""
    slices: dict[str, list[SliceFigures]] = field(default_factory=dict)
    """The figures per slice of the columns asked for (``--slice-by``; workbench/slices.py), computed
    from the stored predictions when asked, not stored with the run."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys of a stored report this version does not know: kept, and written back to the JSON."""

    @property
    def warnings(self) -> list[str]:
        """The notes that warn (:data:`WARNING`), without their prefix."""
        return [n[len(WARNING) :] for n in self.notes if n.startswith(WARNING)]

    def weakest_slice(self) -> tuple[str, SliceFigures] | None:
        """(column, slice) with the lowest accuracy among the slices of at least 30 rows when any
        is (else among all), over the columns that split the run in two or more."""
        every = [(column, s) for column, figures in self.slices.items() for s in figures if len(figures) > 1]
        pool = [cs for cs in every if not cs[1].small] or every
        return min(pool, key=lambda cs: (cs[1].accuracy, -cs[1].n)) if pool else None

    def metric(self, name: str) -> float | int | None:
        """A figure by its name in the metric registry (workbench/metric_registry.py); None when
        this report lacks it. KeyError for a name that is no metric."""
        return registered(name).read(self)

    def interval(self, name: str) -> tuple[float, float] | None:
        """The 95% bootstrap interval of the metric ``name``; None when there is none."""
        return registered(name).interval(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Report":
        """A report from its JSON (stored, written by ``--json``, or the runner's metrics)."""
        known = ({f.name for f in fields(cls)} | {"weakest_slice"}) - {"extra"}
        ibg = d.get("invalid_by_gold")
        return cls(
            run_id=d.get("run_id") or "",
            method=d.get("method") or "",
            model=d.get("model"),
            dataset=d.get("dataset") or "",
            split=d.get("split") or "",
            n=_int(d.get("n"), 0),  # type: ignore[arg-type]
            labels=list(d.get("labels") or []),
            accuracy=_float(d.get("accuracy"), 0.0),  # type: ignore[arg-type]
            f1_macro=_float(d.get("f1_macro"), 0.0),  # type: ignore[arg-type]
            f1_weighted=_float(d.get("f1_weighted"), 0.0),  # type: ignore[arg-type]
            precision_macro=_float(d.get("precision_macro")),
            recall_macro=_float(d.get("recall_macro")),
            precision_weighted=_float(d.get("precision_weighted")),
            recall_weighted=_float(d.get("recall_weighted")),
            per_class={str(k): ClassFigures.from_dict(v) for k, v in (d.get("per_class") or {}).items()},
            confusion_matrix=[[int(c) for c in row] for row in d.get("confusion_matrix") or []],
            invalid=_int(d.get("invalid"), 0),  # type: ignore[arg-type]
            invalid_by_gold=[int(c) for c in ibg] if ibg is not None else None,
            ci95=Intervals.from_dict(d.get("ci95") or {}),
            truncated=_int(d.get("truncated")),
            timing=Timing.from_dict(d.get("timing") or {}),
            device=d.get("device"),
            dtype=d.get("dtype"),
            batch_size=_int(d.get("batch_size")),
            status=d.get("status") or "done",
            params=dict(d.get("params") or {}),
            details=dict(d.get("details") or {}),
            calibration=_part(Calibration, d.get("calibration")),
            selective=_part(Selective, d.get("selective")),
            score_rule=d.get("score_rule"),
            notes=list(d.get("notes") or []),
            versions=dict(d.get("versions") or {}),
            created_at=_float(d.get("created_at")),
            task=d.get("task") or SINGLE_LABEL,
            slices={str(k): [SliceFigures.from_dict(x) for x in v] for k, v in (d.get("slices") or {}).items()},
            extra={k: v for k, v in d.items() if k not in known and k != "format_version"},
        )

    def to_json(self) -> dict[str, Any]:
        """The report as JSON: the documented keys (:data:`JSON_KEYS`) first and in order, then the
        others, then ``format_version``."""
        out: dict[str, Any] = {
            "run_id": self.run_id, "method": self.method, "model": self.model, "dataset": self.dataset,
            "split": self.split, "n": self.n, "labels": list(self.labels), "accuracy": self.accuracy,
            "f1_macro": self.f1_macro, "f1_weighted": self.f1_weighted,
            "per_class": {name: pc.to_json() for name, pc in self.per_class.items()},
            "confusion_matrix": [list(row) for row in self.confusion_matrix], "invalid": self.invalid,
            "truncated": self.truncated, "ci95": self.ci95.to_json(), "timing": self.timing.to_json(), "device": self.device,
            "precision_macro": self.precision_macro, "recall_macro": self.recall_macro,
            "precision_weighted": self.precision_weighted, "recall_weighted": self.recall_weighted,
            "invalid_by_gold": list(self.invalid_by_gold) if self.invalid_by_gold is not None else None,
            "dtype": self.dtype, "batch_size": self.batch_size, "status": self.status, "params": dict(self.params),
            "details": dict(self.details), "notes": list(self.notes), "versions": dict(self.versions), "created_at": self.created_at,
            "score_rule": self.score_rule, "calibration": self.calibration.to_json() if self.calibration is not None else None,
            "selective": self.selective.to_json() if self.selective is not None else None,
        }  # fmt: skip
        if self.task != SINGLE_LABEL:
            out["task"] = self.task
        if self.slices:
            out["slices"] = {column: [s.to_json() for s in figures] for column, figures in self.slices.items()}
            weakest = self.weakest_slice()
            out["weakest_slice"] = {"column": weakest[0], "value": weakest[1].value, "n": weakest[1].n, "accuracy": weakest[1].accuracy} if weakest else None
        out.update({k: v for k, v in self.extra.items() if k not in out})
        out["format_version"] = FORMAT_VERSION
        return out


SPEC_REPEATS = ("spec.params.", "identity.params.", "identity.method", "identity.data.")
"""Flattened config keys that repeat another key's change (the resolved params appear under
``params.*``, the method under ``spec.method``, the data under ``spec.data.*``)."""


@dataclass(frozen=True)
class RunConfig:
    """A stored run's configuration, as the runner writes it: ``{"spec": asdict(RunSpec),
    "model_location": ..., "params": the resolved parameters, "identity": what the run id hashes}``.
    The layout is read here only; a store from an older version may lack any part."""

    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: "RunSpec", model_location: str | None, params: Mapping[str, Any], identity: Mapping[str, Any]) -> "RunConfig":
        from dataclasses import asdict

        return cls({"spec": asdict(spec), "model_location": model_location, "params": dict(params), "identity": dict(identity)})

    @property
    def has_spec(self) -> bool:
        """Whether the run's RunSpec is stored (runs from early versions have none)."""
        return isinstance(self.raw.get("spec"), Mapping)

    def spec(self) -> "RunSpec":
        """The RunSpec the run was made from: fields added since take their defaults, fields
        removed since are dropped. Raises ValueError when none is stored, TypeError or
        ValueError when it is malformed."""
        from .data import DataSpec
        from .spec import RunSpec

        if not self.has_spec:
            raise ValueError("it has no stored configuration")
        raw = dict(self.raw["spec"])
        data_raw = raw.pop("data", None) or {}
        data = DataSpec(**{f.name: data_raw[f.name] for f in fields(DataSpec) if f.name in data_raw})
        known = {f.name for f in fields(RunSpec)} - {"data"}
        return RunSpec(data=data, **{k: v for k, v in raw.items() if k in known})

    @property
    def params(self) -> dict[str, Any] | None:
        """The parameters as resolved when the run started (defaults and environment filled in)."""
        params = self.raw.get("params")
        return dict(params) if isinstance(params, Mapping) else None

    @property
    def identity(self) -> dict[str, Any]:
        """What the run id is the hash of (version, data fingerprint, method, model, params, dtype)."""
        return dict(self.raw.get("identity") or {})

    @property
    def model_location(self) -> str | None:
        return self.raw.get("model_location")

    def settings(self) -> dict[str, Any]:
        """The configuration flattened to dotted names (``spec.data.source``, ``params.labels``),
        without the names that repeat another one: what a diff of two runs shows."""
        flat = flatten(dict(self.raw))
        return {k: v for k, v in flat.items() if not k.startswith(SPEC_REPEATS)}

    def to_json(self) -> dict[str, Any]:
        return dict(self.raw)


def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, Mapping):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}
