"""A sweep as code: the TOML file ``workbench sweep FILE.toml`` reads, checked whole before anything
runs (an unknown key or a bad value names the variant and the key).

    [data]
    source = "../shared/data/rotten_tomatoes"   # anything --data takes
    select_split = "validation"   # where variants are compared (none: a seeded part of train)
    test_split = "test"           # where the best one is confirmed
    [sweep]
    metric = "f1_macro"
    baseline = "plain"
    [base]                        # what every variant starts from
    method = "embed-zeroshot"
    model = "all-MiniLM-L6-v2"
    [[variants]]
    name = "plain"
    labels = ["A negative review", "A positive review"]
    [matrix]                      # optional: lists whose product is more variants
    model = ["all-MiniLM-L6-v2", "sentence-transformers/all-mpnet-base-v2"]

A variant (and ``[base]``) may set a run setting (:data:`RUN_KEYS`) or any parameter of its
method. A file with a ``[curve]`` table is a learning curve instead (workbench/curve_config.py:
``load_sweep_file`` reads either kind). Pure checks only: no data is read and no model resolved here (the sweep prepares every
variant before running any, which checks the rest).
"""

from __future__ import annotations

import itertools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import ConfigError
from .metric_registry import selectable
from .propose import ADVERBS, TEMPLATES, LabelTemplate, templates

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

RUN_KEYS = ("method", "model", "device", "batch_size", "dtype", "trust_remote_code")
"""The keys of [base] and of a variant that are run settings (RunSpec fields), not method parameters."""

DATA_KEYS = ("source", "select_split", "test_split", "train_split", "text_column", "label_column", "id_column", "limit", "seed", "skip_empty", "encoding", "holdout")
SWEEP_KEYS = ("name", "metric", "baseline", "propose", "noun")
SECTIONS = ("data", "sweep", "base", "variants", "matrix")

DTYPES = ("auto", "float32", "bfloat16", "float16")

LARGE_SWEEP = 50
"""A sweep of more variants than this runs only when the user agreed to its size (``workbench sweep
--yes``, the TUI's confirm dialog): a ``[matrix]`` of a few lists multiplies quickly (10,000
variants is hours of runs), and every variant is a whole run over the selection split."""


class SweepConfigError(ConfigError):
    """A sweep file that cannot run: ``variant`` and ``key`` say where (None when not one)."""

    def __init__(self, found: str, *, variant: str | None = None, key: str | None = None, expected: str | None = None, fix: str | None = None):
        where = " ".join(p for p in (f"variant '{variant}'" if variant is not None else "", f"key '{key}'" if key else "") if p)
        super().__init__(f"{where}: {found}" if where else found, expected=expected, fix=fix)
        self.variant = variant
        self.key = key


@dataclass(frozen=True)
class DataSettings:
    source: str = "rotten_tomatoes"
    select_split: str = "validation"
    test_split: str = "test"
    train_split: str = "train"
    text_column: str = "text"
    label_column: str = "label"
    id_column: str | None = None
    limit: int | None = None
    seed: int = 0
    skip_empty: bool = False
    encoding: str = "utf-8-sig"
    holdout: float = 0.2
    """The fraction of train to select on when the data has no ``select_split``."""


@dataclass(frozen=True)
class Variant:
    name: str
    settings: dict[str, Any]
    """[base] with the variant's own keys over it: run settings and method parameters."""
    own: dict[str, Any] = field(default_factory=dict)
    """What the variant itself set (the JSON's ``params``)."""


@dataclass(frozen=True)
class SweepConfig:
    name: str
    data: DataSettings
    metric: str
    baseline: str
    variants: tuple[Variant, ...]
    base: dict[str, Any] = field(default_factory=dict)
    propose: int = 0
    noun: str = "review"
    path: Path | None = None

    def variant(self, name: str) -> Variant:
        return next(v for v in self.variants if v.name == name)

    @property
    def runs(self) -> int:
        """How many runs the sweep makes at most: one per variant on the selection split, and the
        best and the baseline on the test split."""
        return len(self.variants) + min(2, len(self.variants))

    def size_note(self) -> str | None:
        """What a front end shows before starting a sweep past :data:`LARGE_SWEEP` variants (the
        count and what it costs), or None for a sweep of ordinary size."""
        n = len(self.variants)
        if n <= LARGE_SWEEP:
            return None
        each = f"each a whole run over {self.data.limit} examples" if self.data.limit else "each a whole run over the selection split"
        return f"this sweep has {n} variants: up to {self.runs} runs ({each}; finished runs are reused)"


CONFIRM_FIX = "confirm the size to run it, or make [matrix] / [[variants]] smaller"


class SweepTooLarge(SweepConfigError):
    """A sweep past :data:`LARGE_SWEEP` variants that the user did not agree to run."""


def check_size(config: SweepConfig, *, confirmed: bool) -> None:
    """Refuse a sweep past :data:`LARGE_SWEEP` variants unless ``confirmed`` (the front end asked)."""
    note = config.size_note()
    if note is not None and not confirmed:
        raise SweepTooLarge(
            f"{note}, more than the {LARGE_SWEEP} a sweep runs without asking", key="variants",
            fix=CONFIRM_FIX,
        )  # fmt: skip


def read_sweep_file(path: str | Path) -> tuple[dict[str, Any], Path]:
    """The parsed TOML of a sweep file (either kind) and its path."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_file():  # a FIFO would block the read forever, a folder fail it
        raise SweepConfigError(f"the sweep file {path} is not a regular file", fix="name a TOML file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), path
    except OSError as e:
        raise SweepConfigError(f"cannot read the sweep file {path} ({e.strerror})", fix="check the path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SweepConfigError(f"{path} is not valid TOML ({e})", fix="fix the file (https://toml.io)") from None


def load_sweep(path: str | Path, *, propose: int | None = None) -> SweepConfig:
    """Read and check a sweep file of variants; ``propose``: label-text variants to add (overrides [sweep] propose)."""
    raw, path = read_sweep_file(path)
    return parse_sweep(raw, name=path.stem, base_dir=path.parent, propose=propose, path=path)


def parse_sweep(
    raw: Mapping[str, Any], *, name: str = "sweep", base_dir: Path | None = None, propose: int | None = None, path: Path | None = None
) -> SweepConfig:
    """A checked :class:`SweepConfig` from the parsed TOML (a dict)."""
    if "curve" in raw:
        raise SweepConfigError("[curve] makes this file a learning curve, not a sweep of variants", key="curve",
                               fix="read it with curve_config.load_sweep_file (`workbench sweep FILE` does)")  # fmt: skip
    _no_unknown(raw, SECTIONS, None, "section", "")
    data = _data(_table(raw, "data"), base_dir)
    sw = _table(raw, "sweep")
    _no_unknown(sw, SWEEP_KEYS, None, "key", "[sweep] ")
    metric = sw.get("metric", "f1_macro")
    if metric not in selectable():
        raise SweepConfigError(f"'{metric}' is not a metric a sweep can select on", key="metric", expected="one of " + ", ".join(selectable()))
    n_propose = propose if propose is not None else sw.get("propose", 0)
    if not _is_int(n_propose) or n_propose < 0:
        raise SweepConfigError(f"propose = {n_propose!r} is not a count", key="propose", expected="a whole number >= 0")
    noun = sw.get("noun", "review")
    if not isinstance(noun, str) or not noun.strip():
        raise SweepConfigError(f"noun = {noun!r} is not a word", key="noun", expected='a word, e.g. "review"')
    sweep_name = sw.get("name", name)
    if not isinstance(sweep_name, str) or not sweep_name.strip():
        raise SweepConfigError(f"name = {sweep_name!r} is not a name", key="name", expected="a non-empty string")

    base = dict(_table(raw, "base"))
    check_settings(base, "[base]", partial=True)
    variants = _expand(raw, base)
    if n_propose:
        variants += _proposed_variants(base, variants, n_propose, noun)
    if not variants:
        raise SweepConfigError("the sweep has no variants", expected="[[variants]] tables or a [matrix]", fix="add at least one variant")
    seen: set[str] = set()
    for v in variants:
        if v.name in seen:
            raise SweepConfigError("two variants have this name", variant=v.name, key="name", fix="give every variant its own name")
        seen.add(v.name)
        check_settings(v.settings, v.name)
    baseline = sw.get("baseline", variants[0].name)
    if baseline not in seen:
        raise SweepConfigError(
            f"baseline '{baseline}' is not a variant",
            key="baseline",
            expected="one of " + ", ".join(v.name for v in variants[:10]),
            fix="name a variant in [sweep] baseline",
        )
    return SweepConfig(sweep_name.strip(), data, metric, baseline, tuple(variants), base, n_propose, noun.strip(), path)


# ---------------------------------------------------------------- sections


def _proposed_variants(base: dict[str, Any], existing: list[Variant], n: int, noun: str = "review") -> list[Variant]:
    """``n`` variants of ``base`` (embed-zeroshot) whose labels are templates (workbench/propose.py);
    named by the template."""
    from .methods import METHODS

    method_cls = METHODS.get(str(base.get("method")))
    if method_cls is None or not method_cls.takes_proposed_label_texts:
        takers = ", ".join(name for name, cls in METHODS.items() if cls.takes_proposed_label_texts)
        raise SweepConfigError(
            f"proposed label texts are for {takers}, and [base] method is {base.get('method')!r}", key="propose",
            fix=f"set method = one of {takers} in [base], or ask for no proposals",
        )  # fmt: skip
    if n > len(TEMPLATES) * len(ADVERBS):
        raise SweepConfigError(f"propose = {n} is more than the {len(TEMPLATES) * len(ADVERBS)} templates there are", key="propose")
    names = {v.name for v in existing}
    out = []
    for t in templates(n, noun):
        name = t if t not in names else f"proposed: {t}"
        out.append(Variant(name, {**base, "labels": LabelTemplate(t)}, {"labels": t}))
    return out


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise SweepConfigError(f"[{key}] is {type(value).__name__}, not a table", key=key, expected=f"a [{key}] table")
    return value


def _no_unknown(table: Mapping[str, Any], known, variant: str | None, what: str, prefix: str) -> None:
    for k in table:
        if k not in known:
            raise SweepConfigError(f"unknown {what} {prefix}'{k}'", variant=variant, key=str(k), expected="one of " + ", ".join(known))


def _data(table: Mapping[str, Any], base_dir: Path | None) -> DataSettings:
    _no_unknown(table, DATA_KEYS, None, "key", "[data] ")
    defaults = DataSettings()
    values: dict[str, Any] = {}
    for k, v in table.items():
        want = str if k == "id_column" else type(getattr(defaults, k)) if getattr(defaults, k) is not None else int
        ok = (
            (_is_int(v) and (k != "limit" or v > 0))
            if want is int
            else (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1)
            if want is float
            else isinstance(v, want) and (want is not str or bool(str(v).strip()))
        )
        if not ok:
            expected = {
                int: "a whole number" + (" >= 1" if k == "limit" else ""),
                float: "a fraction between 0 and 1",
                bool: "true or false",
                str: "a non-empty string",
            }[want]
            raise SweepConfigError(f"[data] {k} = {v!r} does not fit", key=k, expected=expected)
        values[k] = v
    source = values.get("source", defaults.source)
    if base_dir is not None and not Path(source).expanduser().is_absolute() and (base_dir / source).exists():
        values["source"] = str((base_dir / source).resolve())  # relative to the sweep file, when it names something there
    return DataSettings(**values)


def _expand(raw: Mapping[str, Any], base: dict[str, Any]) -> list[Variant]:
    listed = raw.get("variants", [])
    if not isinstance(listed, list) or not all(isinstance(v, Mapping) for v in listed):
        raise SweepConfigError("variants is not a list of tables", key="variants", expected="[[variants]] tables, each with a name")
    own: list[tuple[str, dict[str, Any]]] = []
    for i, v in enumerate(listed):
        name = v.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SweepConfigError(
                f"variant {i + 1} has no name",
                variant=str(name) if name is not None else f"#{i + 1}",
                key="name",
                expected='name = "..." in every [[variants]]',
            )
        own.append((name.strip(), {k: val for k, val in v.items() if k != "name"}))
    matrix = _table(raw, "matrix")
    if matrix:
        for k, values in matrix.items():
            if not isinstance(values, list) or not values:
                raise SweepConfigError(f"[matrix] {k} = {values!r} is not a list of values", key=k, expected=f"{k} = [value, value, ...]")
        keys = list(matrix)
        combos = [dict(zip(keys, vals)) for vals in itertools.product(*(matrix[k] for k in keys))]
        rows = [(matrix_name(c, keys, matrix), c) for c in combos]
        own = [(f"{n}/{rn}", {**o, **r}) for n, o in own for rn, r in rows] if own else rows
    return [Variant(n, {**base, **o}, o) for n, o in own]


def matrix_name(combo: Mapping[str, Any], keys, matrix: Mapping[str, list]) -> str:
    """A matrix variant's name from its values (the last part of a model path; a list by its
    position): ``all-MiniLM-L6-v2,embed-zeroshot``."""
    parts = []
    for k in keys:
        v = combo[k]
        if isinstance(v, str):
            parts.append(v.rstrip("/").rsplit("/", 1)[-1] or v)
        elif isinstance(v, (list, dict)):
            parts.append(f"{k}{matrix[k].index(v) + 1}")
        else:
            parts.append(f"{k}={v}")
    return ",".join(parts)


# ---------------------------------------------------------------- values


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_settings(settings: Mapping[str, Any], variant: str, *, partial: bool = False) -> None:
    """Refuse unknown keys and values of the wrong kind in a variant's settings (``partial``: [base],
    which may leave the method to the variants)."""
    from .methods import METHODS

    method = settings.get("method")
    if method is None:
        if partial:
            return _check_run_values(settings, variant)
        raise SweepConfigError("no method", variant=variant, key="method", expected="method = NAME in [base] or in the variant", fix="see `workbench methods`")
    if method not in METHODS:
        raise SweepConfigError(
            f"unknown method '{method}'", variant=variant, key="method", expected="one of " + ", ".join(METHODS), fix="see `workbench methods`"
        )
    cls = METHODS[method]
    params = {p.name: p for p in cls.params}
    for k in settings:
        if k not in RUN_KEYS and k not in params:
            known = ", ".join(list(RUN_KEYS) + list(params))
            raise SweepConfigError(f"unknown key '{k}' for method {method}", variant=variant, key=k, expected="one of " + known)
    _check_run_values(settings, variant)
    for k, v in settings.items():
        if k in params:
            _check_param(params[k], v, variant)


def _check_run_values(settings: Mapping[str, Any], variant: str) -> None:
    checks = {
        "method": (lambda v: isinstance(v, str), "a method name"),
        "model": (lambda v: isinstance(v, str) and bool(v.strip()), "a model name, hub id or folder"),
        "device": (lambda v: isinstance(v, str) and bool(re.fullmatch(r"auto|cpu|cuda(:\d+)?|mps", v)), "auto, cpu, cuda, cuda:N or mps"),
        "batch_size": (lambda v: _is_int(v) and v >= 1, "a whole number >= 1"),
        "dtype": (lambda v: v in DTYPES, "one of " + ", ".join(DTYPES)),
        "trust_remote_code": (lambda v: isinstance(v, bool), "true or false"),
    }
    for k, v in settings.items():
        if k in checks and not checks[k][0](v):
            raise SweepConfigError(f"{k} = {v!r} does not fit", variant=variant, key=k, expected=checks[k][1])


def _check_param(param, value: Any, variant: str) -> None:
    kind = param.kind
    ok = {
        "int": lambda v: _is_int(v),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf"),
        "bool": lambda v: isinstance(v, bool),
        "texts": lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
        "mapping": lambda v: isinstance(v, Mapping) and all(isinstance(x, str) for x in v.values()),
        "str": lambda v: isinstance(v, str),
    }.get(kind, lambda v: True)
    if isinstance(value, str) and kind != "str":
        try:  # the CLI's spelling works too: "a|b" for texts, "8" for an int
            value = param.coerce(value)
        except ConfigError as e:
            raise SweepConfigError(e.found, variant=variant, key=param.name, expected=e.expected, fix=e.fix) from None
    if value is not None and not ok(value):
        expected = {"texts": 'a list of strings, e.g. ["A negative review", "A positive review"]', "mapping": "a table of strings"}.get(kind, f"a {kind}")
        raise SweepConfigError(f"{param.name} = {value!r} does not fit", variant=variant, key=param.name, expected=expected)


def sweep_from_spec(
    spec: Any, variants: "Sequence[tuple[str, Mapping[str, Any]]]", *, name: str = "sweep", metric: str = "f1_macro", baseline: str | None = None,
) -> SweepConfig:  # fmt: skip
    """A checked :class:`SweepConfig` over the data and run settings of ``spec`` (a RunSpec: its
    method, model, device, batch size, dtype as [base]), one variant per ``(name, settings)``
    (method parameters, or run settings, as a [[variants]] table takes them). The selection and
    test splits are the sweep file's defaults (``validation`` when the data has it, else a seeded
    part of train; ``test``), so a front end that builds a sweep from its current setup gets the
    same sweep a file would; the baseline is the first variant unless named. Raises
    SweepConfigError as :func:`parse_sweep` does."""
    d = spec.data
    data: dict[str, Any] = {"source": d.source, "text_column": d.text_column, "label_column": d.label_column, "seed": d.seed,
                            "skip_empty": d.skip_empty, "encoding": d.encoding}  # fmt: skip
    if d.id_column:
        data["id_column"] = d.id_column
    if d.train_split:
        data["train_split"] = d.train_split
    if d.limit is not None:
        data["limit"] = d.limit
    base: dict[str, Any] = {"method": spec.method, "dtype": spec.dtype, "trust_remote_code": spec.trust_remote_code}
    for key in ("model", "device", "batch_size"):
        if getattr(spec, key) is not None:
            base[key] = getattr(spec, key)
    listed = [{"name": n, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(settings).items()}} for n, settings in variants]
    sweep: dict[str, Any] = {"metric": metric}
    if baseline is not None:
        sweep["baseline"] = baseline
    return parse_sweep({"data": data, "sweep": sweep, "base": base, "variants": listed}, name=name)
