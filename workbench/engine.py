"""The engine: the one object the CLI and the UI call. It owns the run store and what is kept in
memory between runs (loaded models, fitted methods, token lengths: workbench/caches.py), and
offers every operation a front end needs; the front ends keep no engine rule of their own.

    engine = Engine()                        # the store at $WORKBENCH_STORE or the default
    prep = engine.prepare(RunSpec(...))      # data read and fingerprinted, model resolved, run id
    outcome = engine.execute(prep, on_progress=..., cancel_event=...)
    engine.resume(run_id), engine.classify(prep, ["a text"]), engine.compare(a, b)
    engine.runs(), engine.run(run_id_prefix), engine.suspects(run_id_prefix), engine.export(run_id_prefix, "html")
    engine.sweep(load_sweep("sweep.toml"), on_variant=...)   # many variants, the best confirmed on test
    engine.curve(load_sweep_file("curve.toml"), on_point=...) # a learning curve (workbench/curve.py)

``prepare`` reads the data and fingerprints its content every time: a file edited between two
runs is a new run, whichever front end started it. Everything here may be called from a worker
thread; the store serialises its writes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from .caches import Caches

if TYPE_CHECKING:  # the spec types pull numpy in through the method registry
    from .compare import Comparison
    from .confidence_figures import Selective
    from .curve import Curve, CurvePoint
    from .curve_config import CurveConfig
    from .data import Dataset, DataSpec
    from .export import Export
    from .live_estimate import SampleEstimate
    from .methods import Estimate, Prediction, ProgressEvent
    from .relabel import Decision, Relabelled
    from .results import Report
    from .review import ReviewQueue
    from .selective import ConfidenceCurve
    from .slices import SliceDelta
    from .spec import PreparedRun, RunOutcome, RunSpec
    from .store import RunStore, StoredPrediction, StoredRun
    from .store_check import StoreCheck
    from .suspects import Suspects
    from .sweep import OnVariant, SweepPlan, SweepResult
    from .sweep_config import SweepConfig

ProgressCallback = Callable[["ProgressEvent"], None]


class Engine:
    """``store``: a RunStore, a path, or None for the default store."""

    def __init__(self, store: "RunStore | str | Path | None" = None):
        from .store import RunStore

        self.store = store if isinstance(store, RunStore) else RunStore(store)
        self.caches = Caches()

    # ------------------------------------------------------------ running

    def load_dataset(self, data: "DataSpec", need_train: bool) -> "Dataset":
        from .data import load_dataset

        return load_dataset(data, need_train=need_train)

    def load_data_for(self, spec: "RunSpec") -> "Dataset":
        """The data a run of ``spec`` reads: the train split too where the method's rule, on the
        parameters resolved as a run resolves them, says it fits on one."""
        from .methods import get_method, reads_train

        return self.load_dataset(spec.data, need_train=reads_train(get_method(spec.method), dict(spec.params)))

    def prepare(self, spec: "RunSpec") -> "PreparedRun":
        """Read and check the data, resolve the model and parameters, and compute the run's
        identity; raises WorkbenchError for anything the user must fix. Loads no model."""
        from .runner import prepare

        return prepare(spec, self.store)

    def execute(
        self, prep: "PreparedRun", *, on_progress: ProgressCallback | None = None, cancel_event: threading.Event | None = None,
        rerun: bool = False, retry_errors: bool = False,
    ) -> "RunOutcome":  # fmt: skip
        """Run ``prep`` (or return the stored identical run unless ``rerun``). ``retry_errors``:
        a stored run of ``prep`` is taken up again, asking again for its examples whose outcome
        is an error (never its answers); the report's notes say how many, and how many remain."""
        from .runner import execute

        return execute(prep, self.store, on_progress=on_progress, cancel_event=cancel_event, rerun=rerun, caches=self.caches, retry_errors=retry_errors)

    def resume(
        self, run_ref: str, *, on_progress: ProgressCallback | None = None, cancel_event: threading.Event | None = None,
        device: str | None = None, batch_size: int | None = None, on_prepared: Callable[["PreparedRun"], None] | None = None,
        trust_remote_code: bool = False, retry_errors: bool = False, devices: str | None = None,
    ) -> "RunOutcome":  # fmt: skip
        """Continue a stored run that did not finish, predicting only what it is missing. A model
        folder's own code runs only with ``trust_remote_code`` given for this resume (never
        because the stored run had it). ``retry_errors``: ask again for the stored examples whose
        outcome is an error (finished run or not), never for answers or invalid answers."""
        from .resume import resume

        return resume(
            run_ref, self.store, on_progress=on_progress, cancel_event=cancel_event, device=device, batch_size=batch_size,
            on_prepared=on_prepared, caches=self.caches, trust_remote_code=trust_remote_code, retry_errors=retry_errors, devices=devices,
        )  # fmt: skip

    def count_predictions(self, run_id: str) -> int:
        """How many predictions of the run are stored (kept for a resume)."""
        return self.store.count_predictions(run_id)

    def count_errors(self, run_id: str) -> int:
        """A stored run's predictions that are errors (no answer came): what a retry asks again."""
        return self.store.count_errors(run_id)

    @staticmethod
    def check_store(path: "str | Path | None" = None) -> "StoreCheck":
        """SQLite's integrity check of a run store file, read-only (workbench/store.py)."""
        from .store_check import check_store

        return check_store(path)

    def classify(
        self, prep: "PreparedRun", texts: Sequence[str], *, on_progress: ProgressCallback | None = None,
        cancel_event: threading.Event | None = None,
    ) -> "list[Prediction]":  # fmt: skip
        """Classify free texts with the setup of ``prep`` ('Try it'); nothing is stored as a run."""
        from .runner import classify

        return classify(prep, list(texts), store=self.store, caches=self.caches, on_progress=on_progress, cancel_event=cancel_event)

    def estimate_on_sample(self, spec: "RunSpec", n: int | None = None) -> "SampleEstimate":
        """Accuracy and macro F1 of ``spec`` on the seeded sample of ``n`` examples its run with
        ``--limit n`` would evaluate (the prompt screen's live estimate; nothing is stored as a run)."""
        from .live_estimate import SAMPLE_SIZE, estimate_on_sample

        return estimate_on_sample(self, spec, n or SAMPLE_SIZE)

    def estimate(self, prep: "PreparedRun") -> "Estimate | None":
        """What a run of ``prep`` over a paid API would cost, before making it; None for a method
        that calls none. Fits the method's prompt (few-shot) but loads no model."""
        from .methods import MethodConfig, RunContext

        method = prep.method_cls(MethodConfig(prep.model, prep.dataset.label_names, prep.params))
        train = prep.dataset.train
        method.fit(train.texts if train else None, train.labels if train else None, RunContext())
        return method.estimate(prep.dataset.eval.texts, self.store)

    def sweep(
        self, config: "SweepConfig", *, on_variant: "OnVariant | None" = None, on_progress: ProgressCallback | None = None,
        cancel_event: threading.Event | None = None, on_plan: "Callable[[SweepPlan], None] | None" = None, confirmed: bool = False,
    ) -> "SweepResult":  # fmt: skip
        """Run (or continue) a sweep (workbench/sweep.py): every variant an ordinary stored run on
        the selection split, then the best and the baseline on the test split with McNemar's test.
        Every variant is prepared (checked) before any runs. A sweep past
        ``sweep_config.LARGE_SWEEP`` variants needs ``confirmed`` (its ``size_note()`` is what to ask)."""
        from .sweep import run_sweep

        return run_sweep(self, config, on_variant=on_variant, on_progress=on_progress, cancel_event=cancel_event, on_plan=on_plan, confirmed=confirmed)

    def curve(
        self, config: "CurveConfig", *, on_point: "Callable[[CurvePoint], None] | None" = None, on_progress: ProgressCallback | None = None,
        cancel_event: threading.Event | None = None,
    ) -> "Curve":  # fmt: skip
        """Run (or continue) a learning curve (workbench/curve.py): every (method, examples per
        class, seed) point an ordinary stored run; a point already stored is found, not run."""
        from .curve import run_curve

        return run_curve(self, config.base_spec(), config.method_list(), config.sizes, config.seeds, metric=config.metric,
                         on_point=on_point, on_progress=on_progress, cancel_event=cancel_event)  # fmt: skip

    # ------------------------------------------------------------ stored runs

    def runs(self, limit: int | None = None) -> "list[StoredRun]":
        """Stored runs, newest first, each with the status a user sees (interrupted included)."""
        return self.store.list_runs(limit)

    def run(self, run_ref: str) -> "StoredRun":
        """The stored run whose id starts with ``run_ref`` (StoreError when none or several)."""
        return self.store.get(run_ref)

    def remember_setup(self, spec: "RunSpec") -> bool:
        """Keep ``spec`` as the setup a front end opens with next time (workbench/setup_memory.py);
        False when the store cannot be written."""
        from .setup_memory import remember_setup

        return remember_setup(self.store, spec)

    def last_setup(self) -> "RunSpec | None":
        """The setup last kept by :meth:`remember_setup`, or None."""
        from .setup_memory import last_setup

        return last_setup(self.store)

    def find(self, run_id: str) -> "StoredRun | None":
        """The stored run with exactly this id, or None."""
        return self.store.find(run_id)

    def predictions(self, run_id: str) -> "list[StoredPrediction]":
        """A stored run's predictions, in example order."""
        return self.store.predictions(run_id)

    def is_live(self, run_id: str) -> bool:
        """Whether a live process is computing ``run_id`` now."""
        return self.store.is_live(run_id)

    def compare(self, run_a: str, run_b: str) -> "Comparison":
        """Two stored runs side by side: metric deltas, flipped examples, McNemar's test."""
        from .compare import compare_runs

        a, b = self.store.get(run_a), self.store.get(run_b)
        return compare_runs(a, b, self.store.predictions(a.run_id), self.store.predictions(b.run_id))

    def with_slices(self, report: "Report", columns: "Sequence[str]") -> "Report":
        """``report`` with its figures per slice of each of ``columns`` (its rows' other columns, or
        ``length``; workbench/slices.py), from its stored predictions: no re-run."""
        from dataclasses import replace

        from .slices import compute_slices

        if not columns:
            return report
        return replace(report, slices=compute_slices(self.store.predictions(report.run_id), columns, len(report.labels)))

    def compare_slices(self, run_a: str, run_b: str, columns: "Sequence[str]") -> "dict[str, list[SliceDelta]]":
        """Each slice of ``columns`` in two stored runs over the examples both predicted (run A's
        rows decide the slices): the per-slice deltas of a comparison."""
        from .slices import slice_deltas

        a, b = self.store.get(run_a), self.store.get(run_b)
        n_classes = len(a.report.labels) if a.report else 0
        return slice_deltas(self.store.predictions(a.run_id), self.store.predictions(b.run_id), columns, n_classes)

    def slice_columns(self, run_id: str) -> list[str]:
        """What a stored run can be sliced by: ``length``, then its rows' other columns."""
        from .slices import available_columns

        return available_columns(self.store.predictions(run_id))
    def export(self, run_ref: str, fmt: str = "html", *, compare: str | None = None, slice_by: "Sequence[str]" = ()) -> "Export":
        """A stored run (compared with run ``compare`` when given; sliced by the columns
        ``slice_by``) as a self-contained HTML page, Markdown, CSV of its predictions or JSON
        (workbench/export/); ``write_export`` writes it."""
        from .export import export_run

        return export_run(self, run_ref, fmt, compare=compare, slice_by=slice_by)

    # ------------------------------------------------------------ confidence

    def suspects(self, run_ref: str, views: "Sequence[str] | None" = None) -> "Suspects":
        """Rows of a stored run's data likely to carry a wrong gold label, most suspicious first
        (workbench/suspects.py): the train split by confident learning for the embedding methods
        that fit on it (out-of-fold probabilities from ``views``, default both), the evaluated
        split by the method's own confidence in another label."""
        from .suspects import VIEWS, find_suspects

        return find_suspects(run_ref, self.store, self.caches, views=VIEWS if views is None else views)

    def relabel(self, run_ref: str, decisions: "Iterable[Decision]", out: "str | Path") -> "Relabelled":
        """Write a corrected copy of a stored run's data with ``decisions`` applied, never in
        place, with its audit file (workbench/relabel.py)."""
        from .relabel import write_corrected

        return write_corrected(self.store, run_ref, decisions, out)

    def review_queue(self, run_ref: str, suspects: "Suspects | None" = None) -> "ReviewQueue":
        """The review queue of a stored run's suspect labels (found now unless given), with the
        decisions already stored for them (workbench/review.py)."""
        from .review import ReviewQueue

        return ReviewQueue(self.store, suspects if suspects is not None else self.suspects(run_ref))

    def selective(self, run_ref: str, target_accuracy: float) -> "Selective | None":
        """A stored run's selective-prediction figures for another target accuracy (None: no scores)."""
        from .confidence import selective_for

        run = self.store.get(run_ref)
        return selective_for(self.store.predictions(run.run_id), len(run.report.labels) if run.report else 0, target_accuracy)

    def confidence_curve(self, predictions: "Sequence[StoredPrediction]", n_classes: int) -> "ConfidenceCurve | None":
        """The risk-coverage curve of a stored run's predictions (``engine.predictions``), which
        also gives coverage and accuracy at any confidence threshold; None for a method without
        scores (workbench/selective.py)."""
        from .confidence import curve_for

        return curve_for(predictions, n_classes)
