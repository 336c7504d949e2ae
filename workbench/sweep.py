"""Sweeps: many variants (label texts, prompts, models, methods) compared on a selection split, the
best confirmed against the baseline on the test split with McNemar's test.

Every variant is an ordinary stored run made through ``Engine.prepare``/``execute``: a finished
one is reused, an unfinished one (cancelled, or its process died) is resumed, so running the same
sweep file again continues where it stopped. Embedding methods re-score label-text variants from
the store's embedding cache. The sweep itself is recorded in a table of its own in the store
(``sweeps``: name, the variants' run ids, the result), which no run's identity depends on.

The test split is touched for two runs only: the best variant (argmax of the metric on the
selection split, the first in file order on a tie) and the baseline.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .errors import WorkbenchError
from .metric_registry import metric
from .results import warning
from .sweep_config import RUN_KEYS, SweepConfig, SweepConfigError, Variant, check_size
from .sweep_results import SweepResult, TestComparison, VariantResult, jsonable

if TYPE_CHECKING:
    from .data import DataSpec
    from .engine import Engine
    from .spec import PreparedRun, RunOutcome, RunSpec
    from .store import RunStore

# ---------------------------------------------------------------- planning


@dataclass
class SweepPlan:
    """Every variant prepared on the selection split (so nothing runs before all are checked)."""

    config: SweepConfig
    select_data: "DataSpec"
    test_data: "DataSpec"
    preps: dict[str, "PreparedRun"]
    specs: dict[str, "RunSpec"]
    notes: list[str]


def data_specs(config: SweepConfig) -> tuple["DataSpec", "DataSpec", list[str]]:
    """(selection, test) data specs and notes. Data with no ``select_split`` selects on a seeded
    part of train (``holdout``), and then methods that fit use the rest as train, for the test
    runs too, so the selection examples never reach a fit."""
    from .data import HOLDOUT_SPLIT, DataSpec, has_split

    d = config.data
    if Path(d.source).expanduser().is_file():
        raise SweepConfigError(
            f"{d.source} is a single file: a sweep needs a selection split and a test split", key="source",
            fix="pass a folder of split files (validation.jsonl, test.jsonl; or train + test), a hub name, or 'sample'",
        )  # fmt: skip
    common = dict(
        source=d.source,
        train_split=d.train_split,
        text_column=d.text_column,
        label_column=d.label_column,
        id_column=d.id_column,
        seed=d.seed,
        skip_empty=d.skip_empty,
        encoding=d.encoding,
    )
    notes = []
    held_out = has_split(d.source, d.select_split) is False
    if held_out:
        notes.append(
            f"{d.source} has no split '{d.select_split}': variants are compared on a seeded {d.holdout:.0%} of '{d.train_split}' (seed {d.seed}); methods that fit use the other {1 - d.holdout:.0%}"
        )
    if not held_out and d.select_split == d.test_split:
        notes.append(
            warning(
                f"variants are selected on split '{d.select_split}', the split the best is confirmed on: the confirmation is then no "
                "test (the best was picked by its figures there) and McNemar's p-value is too small; select on another split (validation)"
            )
        )  # fmt: skip
    holdout = d.holdout if held_out else None  # both splits fit on the same (reduced) train
    select = DataSpec(split=HOLDOUT_SPLIT if held_out else d.select_split, limit=d.limit, holdout=holdout, **common)  # type: ignore[arg-type]
    test = DataSpec(split=d.test_split, limit=d.limit, holdout=holdout, **common)  # type: ignore[arg-type]
    return select, test, notes


def run_spec(variant: Variant, data: "DataSpec", label_names: list[str]) -> "RunSpec":
    """The RunSpec of one variant over ``data``; proposed label templates filled with the label names."""
    from .propose import LabelTemplate, fill
    from .spec import RunSpec

    s = variant.settings
    params = {k: v for k, v in s.items() if k not in RUN_KEYS}
    if isinstance(params.get("labels"), LabelTemplate):
        params["labels"] = fill(params["labels"], label_names)
    run = {k: s[k] for k in RUN_KEYS if k in s}
    if run.get("device") == "auto":
        run["device"] = None
    return RunSpec(data=data, params=params, **run)


def plan(engine: "Engine", config: SweepConfig) -> SweepPlan:
    """Prepare every variant on the selection split and the baseline on the test split: the data
    read and checked, models resolved, parameters validated, before anything runs. A problem is
    a SweepConfigError naming the variant."""
    select, test, notes = data_specs(config)
    label_names = engine.load_dataset(select, need_train=False).label_names
    preps: dict[str, PreparedRun] = {}
    specs: dict[str, RunSpec] = {}
    for v in config.variants:
        specs[v.name] = spec = run_spec(v, select, label_names)
        preps[v.name] = _prepare(engine, spec, v.name)
    _prepare(engine, replace(specs[config.baseline], data=test), config.baseline)  # the test split exists and fits
    return SweepPlan(config, select, test, preps, specs, notes + _fitted_selection(preps))


def _fitted_selection(preps: dict[str, "PreparedRun"]) -> list[str]:
    """The warning for variants selected on rows they fit on (a method that fits on train, selected
    on train): their selection figures are training scores, so they win the selection unfairly."""
    from .split_checks import rows_fitted_on

    fitted = [name for name, p in preps.items() if rows_fitted_on(p.dataset.eval, p.dataset.train)]
    if not fitted:
        return []
    split = preps[fitted[0]].dataset.eval.name
    who = "every variant fits" if len(fitted) == len(preps) else f"variant{'s' if len(fitted) > 1 else ''} {', '.join(fitted[:5])}{', ...' if len(fitted) > 5 else ''} fit{'' if len(fitted) > 1 else 's'}"
    return [
        warning(
            f"variants are selected on split '{split}', and {who} on its rows: those selection figures are training scores "
            "(a variant that fits more closely looks best); select on a held-out split (validation, or none: a seeded part of train)"
        )
    ]


def _prepare(engine: "Engine", spec: "RunSpec", variant: str) -> "PreparedRun":
    try:
        return engine.prepare(spec)
    except SweepConfigError:
        raise
    except WorkbenchError as e:
        raise SweepConfigError(e.found, variant=variant, expected=e.expected, fix=e.fix) from None


# ---------------------------------------------------------------- running

OnVariant = Callable[[VariantResult, SweepResult], None]


def run_sweep(
    engine: "Engine", config: SweepConfig, *, on_variant: OnVariant | None = None, on_progress=None,
    cancel_event: threading.Event | None = None, on_plan: Callable[[SweepPlan], None] | None = None, confirmed: bool = False,
) -> SweepResult:  # fmt: skip
    """Run (or continue) the sweep: every variant on the selection split (the baseline first, so
    each line of the leaderboard can show its difference to it), then the best and the baseline
    on the test split, compared. ``on_variant`` is called as each run ends (the leaderboard as it
    fills, and the test runs). A cancel (the event, or Ctrl-C inside a run) stops the sweep with
    what finished kept; running it again continues. A sweep past ``LARGE_SWEEP`` variants is
    refused (SweepTooLarge, before anything is prepared) unless ``confirmed``."""
    check_size(config, confirmed=confirmed)
    p = plan(engine, config)
    if on_plan is not None:
        on_plan(p)
    res = SweepResult(
        config.name, config.metric, config.baseline, p.preps[config.baseline].dataset.eval.name, config.data.test_split,
        [VariantResult(v.name, _own_params(v, p), p.preps[v.name].run_id) for v in config.variants], notes=list(p.notes),
    )  # fmt: skip
    res.sweep_id = _sweep_id(config, p)
    _save(engine.store, res, config)
    order = [config.baseline] + [v.name for v in config.variants if v.name != config.baseline]
    for name in order:
        vr = res.result(name)
        outcome, vr.elapsed_s = _run(engine, p.preps[name], on_progress, cancel_event)
        vr.status, vr.select, vr.reused, vr.error = outcome.status, outcome.report, outcome.reused, outcome.error
        if on_variant is not None:
            on_variant(vr, res)
        if outcome.status == "cancelled":
            res.status = "cancelled"
            _save(engine.store, res, config)
            return res
        _save(engine.store, res, config)
    done = [v for v in res.variants if v.value(config.metric) is not None]
    if not done or res.result(config.baseline).status != "done":
        res.status = "failed"
        res.notes.append("the baseline failed: nothing to confirm on the test split" if done else "every variant failed")
        _save(engine.store, res, config)
        return res
    best = max(done, key=lambda v: v.value(config.metric))  # type: ignore[arg-type,return-value]  # max keeps the first of equals
    res.best = best.name
    for name in dict.fromkeys([best.name, config.baseline]):
        vr = res.result(name)
        prep = engine.prepare(replace(p.specs[name], data=p.test_data))
        outcome, _ = _run(engine, prep, on_progress, cancel_event)
        vr.test_run_id = prep.run_id
        if outcome.status == "cancelled":
            res.status = "cancelled"
            _save(engine.store, res, config)
            return res
        vr.test = outcome.report
        if outcome.status == "failed":
            res.notes.append(f"the test run of {name} failed: {outcome.error}")
        if on_variant is not None:
            on_variant(vr, res)
    res.test_comparison = _test_comparison(engine, res)
    res.status = "done"
    _save(engine.store, res, config)
    return res


def _own_params(v: Variant, p: SweepPlan) -> dict[str, Any]:
    """What the variant set over [base]; a proposed label template with the texts it made."""
    from .propose import LabelTemplate

    own = dict(v.own)
    if isinstance(v.settings.get("labels"), LabelTemplate):
        own.update(labels=list(p.specs[v.name].params["labels"]), template=str(v.settings["labels"]))
    return own


def _run(engine: "Engine", prep: "PreparedRun", on_progress, cancel_event) -> tuple["RunOutcome", float]:
    """Execute ``prep``: reused when it finished, resumed when an earlier attempt kept predictions."""
    t = time.perf_counter()
    store = engine.store
    old = store.find(prep.run_id)
    if old is not None and old.status != "done" and store.count_predictions(prep.run_id) and not store.is_live(prep.run_id):
        outcome = engine.resume(prep.run_id, on_progress=on_progress, cancel_event=cancel_event, device=prep.spec.device, batch_size=prep.spec.batch_size)
    else:
        outcome = engine.execute(prep, on_progress=on_progress, cancel_event=cancel_event)
    return outcome, time.perf_counter() - t


def _test_comparison(engine: "Engine", res: SweepResult) -> TestComparison | None:
    best, base = res.result(res.best or res.baseline), res.result(res.baseline)
    if best.test is None or base.test is None or best.test_run_id is None or base.test_run_id is None:
        return None
    figure = metric(res.metric)
    b, a = figure.value(best.test), figure.value(base.test)
    tc = TestComparison(
        res.metric, base.name, best.name, a, b, (b - a) if a is not None and b is not None else None,
        best.test.accuracy - base.test.accuracy, paired=None,
    )  # fmt: skip
    if best.name == base.name:
        return replace(tc, paired=base.test.n, mcnemar_p=1.0, mcnemar_method="the best is the baseline", baseline_only=0, best_only=0)
    cmp = engine.compare(base.test_run_id, best.test_run_id)
    tc = replace(tc, paired=cmp.paired, notes=tuple(cmp.notes))
    m = cmp.mcnemar
    if m is None:
        return tc
    return replace(tc, mcnemar_p=m.p_value, mcnemar_statistic=m.statistic, mcnemar_method=m.method, baseline_only=m.a_only, best_only=m.b_only)


# ---------------------------------------------------------------- the sweeps table


def _sweep_id(config: SweepConfig, p: SweepPlan) -> str:
    """The sweep's identity: its name, metric, baseline and the variants' runs (so editing a
    variant is a new sweep, and re-running the same file the same one)."""
    parts = {"name": config.name, "metric": config.metric, "baseline": config.baseline, "runs": {n: p.preps[n].run_id for n in p.preps}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _save(store: "RunStore", res: SweepResult, config: SweepConfig) -> None:
    """Record the sweep in the run store (its table of its own: which runs the sweep is made of
    and its last result; the runs' tables are not touched)."""
    cfg = {
        "name": config.name,
        "path": str(config.path) if config.path else None,
        "data": asdict(config.data),
        "base": config.base,
        "metric": config.metric,
        "baseline": config.baseline,
    }
    store.save_sweep(res.sweep_id, res.name, res.status, jsonable(cfg), res.to_json())
