"""Learning curves: "how many labels do I need". For each method that fits, each number of train
examples per class and each seed, one ordinary stored run on a seeded per-class sample of the
train split; then the metric's mean and spread per method and size, as a table and a plot.

The sample of (size, seed) is drawn by ``methods.training.sample_per_class`` (the rule the
fine-tuning methods' ``per_class`` parameter uses) and written as a JSONL file next to the run
store, named by the train split's fingerprint, the size and the seed; each point's run takes it
as its train split (a local data folder's train split may be a file), so every method of a curve
fits on the same rows, and a point already computed is found in the store and not run again.
A method with a ``seed`` parameter gets the point's seed too. Each row of a sample file keeps
``source_row``, its position in the train split. A method with a ``per_class`` parameter (the
fine-tuning methods) draws the same rows itself: its point is the ordinary run
``-p per_class=N -p seed=S`` on the whole train split, so a run made by hand is found again.

A curve is asked for by ``workbench curve`` or by a sweep file with a ``[curve]`` table
(workbench/curve_config.py); both are checked by :func:`check_curve` and run by :func:`run_curve`.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from .errors import DATA, METHOD, ConfigError, param

ALL = 0
"""The size that means the whole train split (no sample)."""
DEFAULT_SIZES = (8, 16, 32, 64)
DEFAULT_SEEDS = (0, 1, 2)


class CurveCheckError(ConfigError):
    """A learning curve that cannot run; ``key`` names the curve's setting it is about
    (``per_class``, ``seeds``, ``methods`` or ``metric``), as a sweep file's ``[curve]`` spells it."""

    def __init__(self, found: str, *, key: str, expected: str | None = None, field: str | None = None):
        super().__init__(found, expected=expected, field=field)
        self.key = key


@dataclass
class CurvePoint:
    method: str
    per_class: int
    """Examples per class (:data:`ALL`: the whole train split)."""
    seed: int
    run_id: str | None = None
    value: float | None = None
    status: str = "pending"
    error: str | None = None
    reused: bool = False
    fit_s: float | None = None
    line: str = ""
    """The method's line in the table and the plot: its name, or ``name:model`` where two
    methods of the curve share a name."""


@dataclass
class Curve:
    metric: str
    points: list[CurvePoint] = field(default_factory=list)

    def summary(self) -> list[dict[str, Any]]:
        """One row per method and size: mean, sample standard deviation, min, max, seeds done."""
        rows = []
        keys = list(dict.fromkeys((p.line or p.method, p.per_class) for p in self.points))
        for method, size in keys:
            values = [p.value for p in self.points if (p.line or p.method) == method and p.per_class == size and p.value is not None]
            n = len(values)
            mean = sum(values) / n if n else None
            sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 and mean is not None else None  # one seed: no spread
            rows.append({"method": method, "per_class": size, "n": n, "mean": mean, "sd": sd, "min": min(values) if values else None, "max": max(values) if values else None})
        return rows

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "summary": self.summary(), "points": [vars(p) for p in self.points]}


def sample_file(dataset: Any, per_class: int, seed: int, folder: Path) -> Path:
    """The seeded per-class sample of ``dataset``'s train split as a JSONL file (label names as
    labels, ``source_row`` the row's position in the train split); written once per content."""
    from .methods.training import sample_per_class

    train = dataset.train
    path = folder / f"{train.fingerprint()[:16]}-{per_class}per-class-seed{seed}.jsonl"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    rows = sample_per_class(train.labels, per_class, seed)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for i in rows:
            f.write(json.dumps({"text": train.texts[i], "label": dataset.label_names[train.labels[i]], "source_row": i}, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_curve(sizes: Sequence[Any], seeds: Sequence[Any], methods: Sequence[str], metric: str = "accuracy") -> None:
    """Refuse a curve that cannot run (raises :class:`CurveCheckError`): sizes and seeds whole
    numbers, each once; methods that fit on the train split; a metric a sweep can select on."""
    from .methods import get_method, resolve_params
    from .metric_registry import selectable

    if not sizes or any(not _whole(s) or s < 0 for s in sizes) or len(set(sizes)) != len(sizes):
        raise CurveCheckError(f"examples per class {list(sizes)} given", key="per_class", expected="whole numbers >= 1, each once (0 for the whole train split)", field=param("per_class"))
    if not seeds or any(not _whole(s) for s in seeds) or len(set(seeds)) != len(seeds):
        raise CurveCheckError(f"seeds {list(seeds)} given", key="seeds", expected="one whole number or more, each once", field=param("seed"))
    if not methods:
        raise CurveCheckError("no method given", key="methods", expected="one method that fits or more", field=METHOD)
    if metric not in selectable():
        raise CurveCheckError(f"'{metric}' is not a metric a curve can show", key="metric", expected="one of " + ", ".join(selectable()))
    for name in methods:
        try:
            cls = get_method(name)
        except ConfigError as e:
            raise CurveCheckError(e.found, key="methods", expected=e.expected, field=METHOD) from None
        if not cls.uses_train(resolve_params(cls, {})):
            raise CurveCheckError(f"method {name} does not fit on the train split: a learning curve has nothing to vary for it", key="methods",
                                  expected="methods that fit (embed-logreg, setfit, finetune ...)", field=METHOD)  # fmt: skip


def method_lines(methods: Sequence[tuple[str, str | None, dict[str, Any]]]) -> list[str]:
    """Each method's line name: its name, or ``name:model`` (the model's last path part) where
    two methods share a name; ``#N`` is added where even that is the same."""
    names = [m for m, _, _ in methods]
    lines = [name if names.count(name) == 1 else f"{name}:{(model or 'default').rstrip('/').rsplit('/', 1)[-1]}" for name, model, _ in methods]
    return [line if lines.count(line) == 1 else f"{line}#{i + 1}" for i, line in enumerate(lines)]


def run_curve(
    engine: Any, base: Any, methods: Sequence[tuple[str, str | None, dict[str, Any]]], sizes: Sequence[int], seeds: Sequence[int],
    *, metric: str = "accuracy", on_point: Callable[[CurvePoint], None] | None = None,
    on_progress: Callable[[Any], None] | None = None, cancel_event: threading.Event | None = None,
) -> Curve:  # fmt: skip
    """Every (method, size, seed) point as a stored run. ``base``: a RunSpec whose data is a local
    folder; ``methods``: (name, model, parameters). Points are run size by size, so a cancelled
    curve has its small sizes for every method."""
    from .methods import get_method

    check_curve(sizes, seeds, [m for m, _, _ in methods], metric)
    source = Path(base.data.source).expanduser()
    if not source.is_dir():
        raise ConfigError(f"learning curves need a local data folder; {base.data.source} is not one", fix="save the dataset's splits as files in a folder (train.jsonl, test.jsonl ...)", field=DATA)
    full = engine.load_dataset(replace(base.data, limit=None), need_train=True)
    folder = Path(engine.store.path).expanduser().parent / "curve-samples"
    curve = Curve(metric)
    lines = method_lines(methods)
    for size in sizes:
        for seed in seeds if size != ALL else seeds[:1]:
            for (name, model, params), line in zip(methods, lines):
                cls = get_method(name)
                point = CurvePoint(name, size, seed, line=line)
                curve.points.append(point)
                own = {p.name for p in cls.params}
                extra: dict[str, Any] = {"seed": seed} if "seed" in own else {}
                train = base.data.train_split
                if "per_class" in own:  # the same rows, drawn by the method: the run is `-p per_class=N -p seed=S`
                    extra["per_class"] = None if size == ALL else size
                elif size != ALL:
                    train = str(sample_file(full, size, seed, folder))
                spec = replace(base, data=replace(base.data, train_split=train), method=name, model=model, params={**params, **extra})
                if cancel_event is not None and cancel_event.is_set():
                    point.status = "cancelled"
                    continue
                try:
                    prep = engine.prepare(spec)
                    outcome = engine.execute(prep, on_progress=on_progress, cancel_event=cancel_event)
                except Exception as e:  # noqa: BLE001 -- one point's failure is the point's, the curve goes on
                    point.status, point.error = "failed", str(e)
                else:
                    point.run_id, point.status, point.reused = outcome.run_id, outcome.status, outcome.reused
                    if outcome.report is not None and outcome.status == "done":
                        value = outcome.report.metric(metric)
                        point.value = None if value is None else float(value)
                        point.fit_s = outcome.report.timing.fit_s
                    point.error = outcome.error
                if on_point is not None:
                    on_point(point)
    return curve


def curve_table(curve: Curve) -> str:
    """The summary as text lines (method names as they are: a terminal front end shows them
    through ``safe_text.visible``)."""
    lines = [f"  {'method':<16} {'per class':>9}  {'n':>2}  {'mean ' + curve.metric:>14}  {'sd':>7}  {'min':>7}  {'max':>7}"]
    for r in curve.summary():
        size = "all" if r["per_class"] == ALL else str(r["per_class"])
        if r["mean"] is None:
            lines.append(f"  {r['method']:<16} {size:>9}  {0:>2}  {'-':>14}")
            continue
        sd = f"{r['sd']:>7.4f}" if r["sd"] is not None else f"{'-':>7}"
        lines.append(f"  {r['method']:<16} {size:>9}  {r['n']:>2}  {r['mean']:>14.4f}  {sd}  {r['min']:>7.4f}  {r['max']:>7.4f}")
    return "\n".join(lines)


def curve_plot(curve: Curve, width: int = 80, height: int = 20, colors: Sequence[tuple[int, int, int]] | None = None) -> str:
    """The mean against examples per class (log2 axis), one line per method (its own marker), with
    a vertical bar from the min to the max over the seeds at each size (the spread), as plotext
    text. Without ``colors``: no colour at all (it goes to a terminal, a file or a Markdown page
    alike); with them (one RGB per method, in turn): ANSI colours, for the TUI."""
    import plotext as plt

    from .safe_text import visible

    fig = plt.figure
    fig.clear()
    fig.theme("colorless")
    summary = curve.summary()
    sized = sorted({r["per_class"] for r in summary if r["per_class"] != ALL})
    markers = "*o+x#@"
    for k, method in enumerate(dict.fromkeys(r["method"] for r in summary)):
        rows = [r for r in summary if r["method"] == method and r["per_class"] != ALL and r["mean"] is not None]
        if not rows:
            continue
        char = markers[k % len(markers)]
        color = colors[k % len(colors)] if colors else None

        def paint(c: str, color: tuple[int, int, int] | None = color) -> Any:
            return plt.marker(c, plt.pixel(foreground=color)) if color else c

        for r in rows:
            if r["n"] > 1 and r["max"] > r["min"]:
                x = math.log2(r["per_class"])
                fig.draw(fig.segment((x, x), (r["min"], r["max"]), marker=paint("│")))
        line = fig.signal([math.log2(r["per_class"]) for r in rows], [r["mean"] for r in rows], marker=paint(char))
        fig.draw(line.lines(True).label(f"{char} {visible(method)}"))
    if sized:
        lo, hi = math.log2(sized[0]), math.log2(sized[-1])
        pad = max(hi - lo, 1) * 0.04  # the bars at the first and last size clear the frame
        fig.ruler("x").lim(lo - pad, hi + pad)
        fig.ruler("x").ticks([math.log2(s) for s in sized], [str(s) for s in sized])
    values = [v for r in summary if r["per_class"] != ALL for v in (r["min"], r["max"]) if v is not None]
    if values:  # the values' own range (a metric in [0, 1]), never a flat line in a 0-2 frame
        pad = max(0.02, (max(values) - min(values)) * 0.1)
        fig.ruler("y").lim(max(0.0, min(values) - pad), min(1.0, max(values) + pad))
    fig.label("train examples per class (│ min to max over the seeds)", "x")
    fig.label(curve.metric, "y")
    plt.terminal.limit(False, False)  # the size asked for, not the terminal's (a TUI widget, a file)
    try:
        fig.plot_size(width, height)
        text = fig.build().string()
    finally:
        plt.terminal.limit()
        fig.clear()
    return text if colors else re.sub(r"\x1b\[[0-9;]*m", "", text)  # the colourless theme still resets colours
