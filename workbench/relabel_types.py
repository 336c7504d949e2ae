"""What fixing labels decides and writes, as types: a :class:`Decision` about one row and a
:class:`Change` (an audit line), shared by workbench/relabel.py and workbench/relabel_files.py, and :class:`Relabelled`, what was written."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .spec import RunSpec

AUDIT_KEYS = ("split", "row", "id", "text_sha256", "old", "new", "score", "evidence_run", "decided", "at")
"""The keys of an audit line, in order (``id`` only when the data names an id column)."""
ACCEPTED, MANUAL = "accepted", "manual"
"""How a change was decided: a suggestion accepted as it was, or a label a person chose."""


@dataclass(frozen=True)
class Decision:
    """A label decided for one row of a split file."""

    split: str
    """The split file's name (``train`` for a row of a hold-out of train), as ``Suspect.split``."""
    row: int
    label: str
    """The label name decided (one of the data's label names)."""
    decided: str = MANUAL
    text_sha256: str | None = None
    """The SHA-256 of the text the decision was made on; None (a decisions file): checked
    against the data the evidence run read instead."""
    score: float | None = None
    id: str | None = None
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Change:
    """One label changed in the corrected copy: an audit line."""

    split: str
    row: int
    id: str | None
    text_sha256: str
    old: str
    new: str
    score: float | None
    evidence_run: str
    decided: str
    at: float

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"split": self.split, "row": self.row}
        if self.id is not None:
            out["id"] = self.id
        at = datetime.fromtimestamp(self.at, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        out.update(text_sha256=self.text_sha256, old=self.old, new=self.new, score=self.score, evidence_run=self.evidence_run, decided=self.decided, at=at)
        return out


@dataclass(frozen=True)
class Relabelled:
    """What :func:`write_corrected` wrote."""

    out: Path
    data: str
    """What to pass as the data of a run on the corrected copy (the folder, or the copied file)."""
    train_split: str | None
    """The train split of that run (a copied file's path when the input's was a file)."""
    changes: tuple[Change, ...]
    unchanged: int
    """Decisions that keep the row's label as it is (not written, not in the audit)."""
    files: tuple[str, ...]
    """The split files rewritten (relative to ``out``); every other file was copied."""

    def rerun_spec(self, spec: "RunSpec") -> "RunSpec":
        """``spec`` (the evidence run's) pointed at the corrected copy: an ordinary new run."""
        return replace(spec, data=replace(spec.data, source=self.data, train_split=self.train_split if spec.data.train_split else None))
