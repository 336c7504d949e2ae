"""The review queue: a run's suspect labels one at a time, each decision (accept the suggestion,
keep the gold, another label, skip) saved in the run store as it is made, so a killed session
loses nothing and the queue resumes where it stopped; undo takes back the last decision.
``decisions()`` hands the result to workbench/relabel.py, which writes the corrected copy.

The TUI's review screen is a view of this object; everything it does is here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .relabel import ACCEPTED, MANUAL, Decision
from .store import LABEL_DECISIONS

if TYPE_CHECKING:
    from .store import RunStore
    from .suspects import Suspect, Suspects

KEPT, SKIPPED = "kept", "skipped"
"""Decisions that change nothing: the gold label kept, the row left for later."""


@dataclass(frozen=True)
class Reviewed:
    """A decision as stored."""

    seq: int
    split: str
    row: int
    label: str | None
    """The label decided; None for a skipped row."""
    decided: str
    """accepted | manual | kept | skipped"""
    at: float


def _key(s: "Suspect") -> tuple[str, int]:
    return (s.split, s.row)


class ReviewQueue:
    """The suspects of ``suspects.run_id``, most suspicious first, and the decisions stored for
    them. A row not yet decided comes first, then skipped rows; decided rows are done."""

    def __init__(self, store: "RunStore", suspects: "Suspects"):
        self.store = store
        self.run_id = suspects.run_id
        self.items: list[Suspect] = list(suspects.suspects)
        self.evidence = dict(suspects.evidence)
        self._by_key = {_key(s): s for s in self.items}
        self.done: dict[tuple[str, int], Reviewed] = {}
        self._focus: tuple[str, int] | None = None
        for r in self._read():
            if (r.split, r.row) in self._by_key:
                self.done[(r.split, r.row)] = r

    # ------------------------------------------------------------ the store

    def _read(self) -> list[Reviewed]:
        with self.store._reading() as db:  # noqa: SLF001 -- the store's connection and lock
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'label_decisions'").fetchone():
                return []  # an older store no review has written to yet
            rows = db.execute("SELECT seq, split, src_row, label, decided, at FROM label_decisions WHERE run_id = ? ORDER BY seq", (self.run_id,)).fetchall()
        return [Reviewed(*r) for r in rows]

    def _save(self, s: "Suspect", label: str | None, decided: str) -> Reviewed:
        now = time.time()
        with self.store._writing() as db:  # noqa: SLF001 -- one transaction: saved before the screen moves on
            db.execute(LABEL_DECISIONS)
            cur = db.execute(
                "INSERT OR REPLACE INTO label_decisions (run_id, split, src_row, row_id, text_sha256, gold, label, decided, score, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (self.run_id, s.split, s.row, s.id, s.text_sha256, s.gold, label, decided, s.score, now),
            )
        r = Reviewed(int(cur.lastrowid or 0), s.split, s.row, label, decided, now)
        self.done[_key(s)] = r
        return r

    # ------------------------------------------------------------ where the queue is

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def reviewed(self) -> int:
        """Rows decided (skipped ones are not)."""
        return sum(1 for r in self.done.values() if r.decided != SKIPPED)

    def progress(self) -> str:
        return f"{self.reviewed} of {self.total} reviewed"

    def current(self) -> "Suspect | None":
        """The row to decide now: the one an undo brought back, else the first not yet seen, else
        the first skipped; None when every row is decided."""
        if self._focus is not None and self._focus not in self.done:
            return self._by_key[self._focus]
        fresh = next((s for s in self.items if _key(s) not in self.done), None)
        if fresh is not None:
            return fresh
        return next((s for s in self.items if self.done[_key(s)].decided == SKIPPED), None)

    def decision_of(self, s: "Suspect") -> Reviewed | None:
        return self.done.get(_key(s))

    # ------------------------------------------------------------ deciding

    def _decide(self, label: str | None, decided: str) -> Reviewed:
        s = self.current()
        if s is None:
            raise ValueError("every row of the queue is decided")
        self._focus = None
        return self._save(s, label, decided)

    def accept(self) -> Reviewed:
        """The suggested label."""
        s = self.current()
        assert s is not None
        return self._decide(s.suggested, ACCEPTED)

    def keep(self) -> Reviewed:
        """The gold label stays."""
        s = self.current()
        assert s is not None
        return self._decide(s.gold, KEPT)

    def choose(self, label: str) -> Reviewed:
        """Another label, picked by a person (the gold one: kept)."""
        s = self.current()
        assert s is not None
        return self._decide(label, KEPT if label == s.gold else MANUAL)

    def skip(self) -> Reviewed:
        return self._decide(None, SKIPPED)

    def undo(self) -> "Suspect | None":
        """Take back the last decision (stored ones of an earlier session too); its row is the
        current one again. None when there is nothing to undo."""
        if not self.done:
            return None
        last = max(self.done.values(), key=lambda r: r.seq)
        with self.store._writing() as db:  # noqa: SLF001
            db.execute("DELETE FROM label_decisions WHERE run_id = ? AND split = ? AND src_row = ?", (self.run_id, last.split, last.row))
        del self.done[(last.split, last.row)]
        self._focus = (last.split, last.row)
        return self._by_key[self._focus]

    def decisions(self) -> list[Decision]:
        """The decisions that set a label (accepted, manual, kept), for workbench/relabel.py."""
        out = []
        for s in self.items:
            r = self.done.get(_key(s))
            if r is not None and r.label is not None:
                out.append(Decision(s.split, s.row, r.label, ACCEPTED if r.decided == ACCEPTED else MANUAL, s.text_sha256, s.score, s.id, r.at))
        return out

    def changes_decided(self) -> int:
        """Decisions that change a label (accepted or another label)."""
        return sum(1 for r in self.done.values() if r.decided in (ACCEPTED, MANUAL))
