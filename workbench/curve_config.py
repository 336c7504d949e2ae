"""A learning curve as a sweep file: a file with a ``[curve]`` table is a curve sweep, which
``workbench sweep FILE`` runs through the same :func:`workbench.curve.run_curve` as ``workbench
curve`` (the same table, plot and JSON).

    [data]
    source = "../shared/data/rotten_tomatoes"   # a local data folder
    test_split = "test"                         # where every point is measured [test]
    [curve]
    methods = ["embed-logreg:all-MiniLM-L6-v2", "setfit:all-MiniLM-L6-v2"]
    per_class = [8, 16, 32, 64, "all"]           # "all" (or 0): the whole train split
    seeds = [0, 1, 2]
    metric = "accuracy"
    [base]                                      # optional: run settings of every point
    device = "cpu"
    dtype = "float32"

A method is ``"NAME[:MODEL]"`` or a table ``{method = "setfit", model = "...", num_iterations =
10}`` with its own parameters (checked as a variant's are). ``per_class`` and ``seed`` are the
curve's to set. A curve file has no ``[sweep]``, ``[[variants]]`` or ``[matrix]``: it selects
nothing, it measures every point. Pure checks only, as for sweep files: no data is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .curve import ALL, DEFAULT_SEEDS, DEFAULT_SIZES, CurveCheckError, check_curve
from .sweep_config import (
    DataSettings,
    SweepConfig,
    SweepConfigError,
    _check_run_values,
    _data,
    _no_unknown,
    _table,
    check_settings,
    parse_sweep,
    read_sweep_file,
)

CURVE_SECTIONS = ("data", "curve", "base")
CURVE_KEYS = ("name", "methods", "per_class", "seeds", "metric")
BASE_KEYS = ("model", "device", "batch_size", "dtype", "trust_remote_code")
"""[base] of a curve file: run settings every point shares (``model``: of methods named without one)."""
NOT_FOR_A_CURVE = {"select_split": "a curve selects nothing: every point is measured on test_split", "holdout": "a curve selects nothing: nothing is held out"}
CURVE_OWN = ("per_class", "seed")
"""Method parameters the curve sets for each point."""


@dataclass(frozen=True)
class CurveMethod:
    method: str
    model: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CurveConfig:
    name: str
    data: DataSettings
    methods: tuple[CurveMethod, ...]
    sizes: tuple[int, ...] = DEFAULT_SIZES
    """Examples per class; :data:`workbench.curve.ALL` (0) is the whole train split."""
    seeds: tuple[int, ...] = DEFAULT_SEEDS
    metric: str = "accuracy"
    base: dict[str, Any] = field(default_factory=dict)
    """Run settings of every point (device, batch_size, dtype, trust_remote_code)."""
    path: Path | None = None

    def base_spec(self) -> Any:
        """The RunSpec every point starts from (its data measured on ``test_split``)."""
        from .data import DataSpec
        from .spec import RunSpec

        d = self.data
        data = DataSpec(source=d.source, split=d.test_split, train_split=d.train_split, text_column=d.text_column, label_column=d.label_column,
                        limit=d.limit, seed=d.seed, skip_empty=d.skip_empty, encoding=d.encoding, id_column=d.id_column)  # fmt: skip
        run = {k: v for k, v in self.base.items() if k != "model"}
        return RunSpec(data=data, **run)

    def method_list(self) -> list[tuple[str, str | None, dict[str, Any]]]:
        """(name, model, parameters) per method, as :func:`workbench.curve.run_curve` takes them."""
        return [(m.method, m.model or self.base.get("model"), dict(m.params)) for m in self.methods]

    def describe(self) -> str:
        sizes = ", ".join("all" if s == ALL else str(s) for s in self.sizes)
        names = ", ".join(m.method + (f":{m.model}" if m.model else "") for m in self.methods)
        return f"{names} x per class [{sizes}] x seeds {list(self.seeds)}, {self.metric} on {self.data.test_split}"


def is_curve(raw: Mapping[str, Any]) -> bool:
    return "curve" in raw


def load_sweep_file(path: str | Path, *, propose: int | None = None) -> "SweepConfig | CurveConfig":
    """A sweep file checked whole: a :class:`CurveConfig` when it has ``[curve]``, else the
    variants' :class:`SweepConfig` (``propose`` is for those only)."""
    raw, path = read_sweep_file(path)
    if not is_curve(raw):
        return parse_sweep(raw, name=path.stem, base_dir=path.parent, propose=propose, path=path)
    if propose:
        raise SweepConfigError("proposed label texts are variants, and a [curve] file has none", key="propose", fix="ask for no proposed label texts with a curve file")
    return parse_curve(raw, name=path.stem, base_dir=path.parent, path=path)


def parse_curve(raw: Mapping[str, Any], *, name: str = "curve", base_dir: Path | None = None, path: Path | None = None) -> CurveConfig:
    """A checked :class:`CurveConfig` from a parsed sweep file with ``[curve]``."""
    for k in raw:
        if k not in CURVE_SECTIONS:
            raise SweepConfigError(f"[{k}] is not part of a curve sweep (a file with [curve] runs a learning curve, not variants)", key=str(k),
                                   expected="one of " + ", ".join(CURVE_SECTIONS), fix="put variants and a learning curve in two files")  # fmt: skip
    data_table = _table(raw, "data")
    for k, why in NOT_FOR_A_CURVE.items():
        if k in data_table:
            raise SweepConfigError(f"[data] {k} is not used: {why}", key=k, fix=f"leave out {k}")
    data = _data(data_table, base_dir)
    table = _table(raw, "curve")
    _no_unknown(table, CURVE_KEYS, None, "key", "[curve] ")
    base = dict(_table(raw, "base"))
    _no_unknown(base, BASE_KEYS, None, "key", "[base] ")
    _check_run_values(base, "[base]")
    methods = tuple(_method(entry, i) for i, entry in enumerate(_list(table, "methods", None)))
    sizes = tuple(ALL if s == "all" else s for s in _list(table, "per_class", DEFAULT_SIZES))
    seeds = tuple(_list(table, "seeds", DEFAULT_SEEDS))
    metric = table.get("metric", "accuracy")
    curve_name = table.get("name", name)
    if not isinstance(curve_name, str) or not curve_name.strip():
        raise SweepConfigError(f"name = {curve_name!r} is not a name", key="name", expected="a non-empty string")
    try:
        check_curve(sizes, seeds, [m.method for m in methods], metric)
    except CurveCheckError as e:
        raise SweepConfigError(e.found, key=e.key, expected=e.expected, fix=e.fix) from None
    for m in methods:
        check_settings({"method": m.method, **({"model": m.model} if m.model else {}), **m.params}, m.method)
    return CurveConfig(curve_name.strip(), data, methods, sizes, seeds, metric, base, path)


def _list(table: Mapping[str, Any], key: str, default: Sequence[Any] | None) -> list[Any]:
    value = table.get(key, default)
    if value is None:
        raise SweepConfigError(f"[curve] has no {key}", key=key, expected=f'{key} = ["embed-logreg", "setfit:all-MiniLM-L6-v2"]')
    if not isinstance(value, (list, tuple)):
        raise SweepConfigError(f"[curve] {key} = {value!r} is not a list", key=key, expected=f"{key} = [value, value, ...]")
    return list(value)


def _method(entry: Any, i: int) -> CurveMethod:
    """``"NAME[:MODEL]"`` or ``{method = NAME, model = MODEL, PARAM = VALUE ...}``."""
    if isinstance(entry, str):
        name, _, model = entry.partition(":")
        if not name.strip():
            raise SweepConfigError(f"methods entry {i + 1} {entry!r} names no method", key="methods", expected='"NAME" or "NAME:MODEL"')
        return CurveMethod(name.strip(), model.strip() or None)
    if not isinstance(entry, Mapping) or not isinstance(entry.get("method"), str):
        raise SweepConfigError(f"methods entry {i + 1} is {entry!r}", key="methods", expected='"NAME[:MODEL]" or {method = "NAME", model = "...", PARAM = VALUE}')
    params = {k: v for k, v in entry.items() if k not in ("method", "model")}
    for k in params:
        if k in CURVE_OWN:
            raise SweepConfigError(f"{k} is set by the curve for each point", variant=entry["method"], key=k, fix="set per_class and seeds in [curve]")
    chosen = entry.get("model")
    if chosen is not None and (not isinstance(chosen, str) or not chosen.strip()):
        raise SweepConfigError(f"model = {chosen!r} does not fit", variant=entry["method"], key="model", expected="a model name, hub id or folder")
    return CurveMethod(entry["method"], chosen, params)


def curve_from_spec(spec: Any, *, sizes: Sequence[int] = DEFAULT_SIZES, seeds: Sequence[int] = DEFAULT_SEEDS, metric: str = "accuracy", name: str = "curve") -> CurveConfig:
    """A checked :class:`CurveConfig` of the current setup (a RunSpec): its method with its model
    and parameters (less ``per_class`` and ``seed``, which the curve sets), its data measured on
    its split, its run settings. Raises SweepConfigError as :func:`parse_curve` does."""
    d = spec.data
    data: dict[str, Any] = {"source": d.source, "test_split": d.split, "text_column": d.text_column, "label_column": d.label_column,
                            "seed": d.seed, "skip_empty": d.skip_empty, "encoding": d.encoding}  # fmt: skip
    for key in ("train_split", "id_column", "limit"):
        if getattr(d, key) is not None:
            data[key] = getattr(d, key)
    entry: dict[str, Any] = {"method": spec.method, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in spec.params.items() if k not in CURVE_OWN}}
    if spec.model:
        entry["model"] = spec.model
    base: dict[str, Any] = {"dtype": spec.dtype, "trust_remote_code": spec.trust_remote_code}
    for key in ("device", "batch_size"):
        if getattr(spec, key) is not None:
            base[key] = getattr(spec, key)
    curve = {"name": name, "methods": [entry], "per_class": list(sizes), "seeds": list(seeds), "metric": metric}
    return parse_curve({"data": data, "curve": curve, "base": base})
