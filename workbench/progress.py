"""Progress of a run as the engine reports it to a front end: which phase (:class:`Phase`) and how
far (:class:`ProgressEvent`). Plain data, no dependency: a front end may import it at once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Phase(str, Enum):
    """The phases of a run a front end shows (a line each, with a bar, a rate and an ETA where it
    counts examples). The value is its name in a progress bar; ``ProgressEvent.detail`` adds what
    the phase is about where it varies (the split a temperature is fitted on)."""

    LOADING_MODEL = "loading model"
    STARTING_WORKERS = "starting workers"
    ENCODING_TRAIN = "encoding train"
    """The train split through the model, for the fit (embedding methods)."""
    ENCODING_FEW_SHOT = "encoding train for few-shot"
    """The train split through the few-shot embedding model (knn, label-diverse)."""
    ENCODING_LABEL_TEXTS = "encoding label texts"
    FITTING = "fitting"
    PREDICTING = "predicting"
    """The evaluated split: the phase whose count is the run's progress."""
    CALIBRATING = "calibrating"
    """Predicting the held-out split a temperature is fitted on (``--calibrate-on``)."""
    LOADING_FINE_TUNED = "loading fine-tuned model"
    """A fine-tuning method's saved model (workbench/artifacts.py), instead of training."""
    TRAINING = "training"
    """A fine-tuning method's fit (setfit, finetune): ``done`` and ``total`` count steps."""


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of one phase of a run; ``done`` of ``total`` units (examples, usually)."""

    phase: Phase
    done: int
    total: int | None
    elapsed_s: float = 0.0
    correct: int | None = None
    """Running count of correct predictions among ``done`` (predicting phase only)."""
    detail: str | None = None
    """What the phase is about where it varies: the split of a calibrating phase."""
    loss: float | None = None
    """The training loss of the last step (training phase only)."""

    @property
    def label(self) -> str:
        """The phase in words: ``predicting``, ``predicting validation (calibration)``."""
        if self.phase is Phase.CALIBRATING:
            return f"predicting {self.detail or 'the held-out split'} (calibration)"
        return self.phase.value if self.detail is None else f"{self.phase.value} ({self.detail})"
