"""The report's confidence entries as types: :class:`Calibration` (with its :class:`CalibrationBin`
table and the calibration after temperature scaling) and :class:`Selective`. Computed by
workbench/calibration.py and workbench/selective.py; kept free of numpy so that reading a report
does not import it. ``from_dict`` reads the stored JSON of any version (missing keys take
defaults), ``to_json`` writes the same keys as ever (README, "Reports")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

TARGET_ACCURACY = 0.9
"""The default accuracy whose highest reachable coverage is reported (``--target-accuracy``)."""


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class CalibrationBin:
    """One reliability bin: confidence in ``(lower, upper]`` (the first also holds 0)."""

    lower: float
    upper: float
    count: int
    accuracy: float | None
    """Share correct among the bin's examples; None for an empty bin."""
    confidence: float | None
    """Mean top-label confidence of the bin's examples; None for an empty bin."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CalibrationBin":
        return cls(float(d.get("lower") or 0.0), float(d.get("upper") or 0.0), int(d.get("count") or 0), _opt(d.get("accuracy")), _opt(d.get("confidence")))

    def to_json(self) -> dict[str, Any]:
        return {"lower": self.lower, "upper": self.upper, "count": self.count, "accuracy": self.accuracy, "confidence": self.confidence}


@dataclass(frozen=True)
class Calibration:
    """Calibration figures of one set of predictions (workbench/calibration.py's docstring has the
    definitions)."""

    n: int
    invalid: int
    scored: int
    """Rows Brier and log-loss are computed over (a label and scores)."""
    ece: float
    ece_ci95: tuple[float, float]
    mce: float
    brier: float | None
    log_loss: float | None
    bins: tuple[CalibrationBin, ...]
    temperature: float | None = None
    """The temperature applied to the scores first (temperature scaling), or None for raw scores."""
    fitted_on: str | None = None
    """The split the temperature was fitted on (a scaled calibration only)."""
    after_scaling: "Calibration | None" = None
    """The same predictions' calibration after temperature scaling (``--calibrate-on``), or None."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Calibration":
        ci = d.get("ece_ci95") or (0.0, 0.0)
        after = d.get("after_scaling")
        return cls(
            n=int(d.get("n") or 0), invalid=int(d.get("invalid") or 0), scored=int(d.get("scored") or 0),
            ece=float(d.get("ece") or 0.0), ece_ci95=(float(ci[0]), float(ci[1])), mce=float(d.get("mce") or 0.0),
            brier=_opt(d.get("brier")), log_loss=_opt(d.get("log_loss")),
            bins=tuple(CalibrationBin.from_dict(b) for b in d.get("bins") or ()),
            temperature=_opt(d.get("temperature")), fitted_on=d.get("fitted_on"),
            after_scaling=cls.from_dict(after) if after else None,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        out = {
            "n": self.n, "invalid": self.invalid, "scored": self.scored, "ece": self.ece, "ece_ci95": list(self.ece_ci95),
            "mce": self.mce, "brier": self.brier, "log_loss": self.log_loss, "n_bins": len(self.bins),
            "bins": [b.to_json() for b in self.bins], "temperature": self.temperature,
        }  # fmt: skip
        if self.temperature is not None:  # a scaled calibration names its split
            out["fitted_on"] = self.fitted_on
        if self.after_scaling is not None:
            out["after_scaling"] = self.after_scaling.to_json()
        return out


@dataclass(frozen=True)
class Selective:
    """Selective-prediction figures (workbench/selective.py's docstring has the definitions)."""

    n: int
    aurc: float
    accuracy_at: dict[float, float] = field(default_factory=dict)
    """Coverage -> accuracy among the most confident ``ceil(coverage x n)`` examples."""
    target_accuracy: float = TARGET_ACCURACY
    coverage_at_target: float | None = None
    """The highest coverage whose accuracy reaches the target; None when no coverage does."""
    threshold_at_target: float | None = None
    """The confidence of the last example answered at that coverage (answer at or above it)."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Selective":
        target = d.get("target_accuracy")
        return cls(
            int(d.get("n") or 0), float(d.get("aurc") or 0.0), {float(c): float(a) for c, a in (d.get("accuracy_at") or {}).items()},
            TARGET_ACCURACY if target is None else float(target), _opt(d.get("coverage_at_target")), _opt(d.get("threshold_at_target")),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n, "aurc": self.aurc, "accuracy_at": {f"{c:g}": a for c, a in self.accuracy_at.items()},
            "target_accuracy": self.target_accuracy, "coverage_at_target": self.coverage_at_target,
            "threshold_at_target": self.threshold_at_target,
        }  # fmt: skip
