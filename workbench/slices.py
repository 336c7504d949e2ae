"""Slices: a run's figures per value of a column of its data (``--slice-by source``), from the stored
predictions alone (each keeps its row's other columns and its token length), so slicing a stored
run needs no re-run.

Every column the data had besides text, label and id can be sliced by, plus the built-in
:data:`LENGTH`: the texts' length in the model's tokens, in quartiles (in words for a method that
reads no tokens). A numeric column with more than :data:`MAX_VALUES` distinct values is cut into
quartiles too. Each slice gets n, accuracy and macro F1 with 95% bootstrap intervals (paired
resamples, as the whole report's), its invalid count, and a note when n is under :data:`SMALL_N`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .errors import SLICE_BY, ConfigError
from .metrics import INVALID, bootstrap_ci, encode_predictions
from .results import Intervals, SliceFigures

LENGTH = "length"
"""The built-in slice: token-length quartiles of the evaluated texts."""
MAX_VALUES = 12
"""A numeric column with more distinct values than this is sliced by quartiles, not per value."""
SMALL_N = 30
"""Slices smaller than this get a note: their intervals are wide and the weakest slice is chosen
among the others when there are any."""
MISSING = "(missing)"
"""The slice of the rows that have no value in the column."""


def available_columns(predictions: Sequence[Any]) -> list[str]:
    """The columns a run can be sliced by: the built-in length, then its rows' other columns."""
    names: dict[str, None] = {}
    for p in predictions:
        for k in p.meta:
            names.setdefault(k)
    return [LENGTH] + [k for k in names if k != LENGTH]


def compute_slices(predictions: Sequence[Any], columns: Sequence[str], n_classes: int, *, n_boot: int = 1000, seed: int = 0) -> dict[str, list[SliceFigures]]:
    """The figures of each slice of each of ``columns`` (stored predictions of one run). Raises
    ConfigError naming the columns there are when one is not among them."""
    known = available_columns(predictions)
    out: dict[str, list[SliceFigures]] = {}
    for column in dict.fromkeys(columns):
        if column not in known:
            raise ConfigError(
                f"the run's rows have no column '{column}' (columns: {', '.join(known)})",
                expected="a column of the data besides text, label and id, or 'length'",
                fix="slice by one of those; a column added to the file since the run needs the run computed again",
                field=SLICE_BY,
            )
        out[column] = _figures(predictions, slice_values(predictions, column), n_classes, n_boot=n_boot, seed=seed)
    return out


def slice_values(predictions: Sequence[Any], column: str) -> list[str]:
    """Each prediction's slice in ``column``, as the label the report shows."""
    if column == LENGTH:
        lengths = [p.tokens if p.tokens is not None else len(p.text.split()) for p in predictions]
        unit = "tokens" if all(p.tokens is not None for p in predictions) else "words"
        return _quartiles(lengths, unit)
    raw = [p.meta.get(column) for p in predictions]
    numbers = [v for v in raw if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers and len(numbers) == sum(v is not None for v in raw) and len(set(numbers)) > MAX_VALUES:
        cut = _quartiles(numbers, "")
        it = iter(cut)
        return [next(it) if v is not None else MISSING for v in raw]
    return [MISSING if v is None else _cell(v) for v in raw]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quartiles(values: Sequence[float], unit: str) -> list[str]:
    """Each value's quartile, labelled by its range (``Q1 5-12 tokens``); equal values stay in one."""
    edges = [float(np.percentile(values, q)) for q in (25, 50, 75)]
    out = []
    bounds: dict[int, tuple[float, float]] = {}
    groups = [sum(v > e for e in edges) for v in values]
    for g, v in zip(groups, values):
        lo, hi = bounds.get(g, (math.inf, -math.inf))
        bounds[g] = (min(lo, v), max(hi, v))
    suffix = f" {unit}" if unit else ""
    for g in groups:
        lo, hi = bounds[g]
        out.append(f"Q{g + 1} {_num(lo)}-{_num(hi)}{suffix}" if lo != hi else f"Q{g + 1} {_num(lo)}{suffix}")
    return out


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.3g}"


def _figures(predictions: Sequence[Any], values: Sequence[str], n_classes: int, *, n_boot: int, seed: int) -> list[SliceFigures]:
    from sklearn.metrics import f1_score  # lazy: slow to import

    gold = np.asarray([p.gold for p in predictions], dtype=np.int64)
    pred = encode_predictions([p.pred for p in predictions])
    by_value: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        by_value.setdefault(v, []).append(i)
    out = []
    for value, members in by_value.items():
        y, p = gold[members], pred[members]
        # Macro F1 over the classes the slice holds: a class with no row in the slice is no
        # evidence of failure there (scikit-learn's average over those labels).
        present = sorted(set(y.tolist()))
        compact = {c: i for i, c in enumerate(present)}
        yy = np.asarray([compact[c] for c in y.tolist()], dtype=np.int64)
        pp = np.asarray([compact.get(c, INVALID) for c in p.tolist()], dtype=np.int64)
        lo_a, hi_a, lo_f, hi_f = bootstrap_ci(yy, pp, len(present), n_boot=n_boot, seed=seed)
        f1 = float(f1_score(y, p, labels=present, average="macro", zero_division=0))
        out.append(
            SliceFigures(
                value=value,
                n=len(members),
                accuracy=float((y == p).mean()),
                f1_macro=f1,
                ci95=Intervals((lo_a, hi_a), (lo_f, hi_f)),
                invalid=int((p == INVALID).sum()),
            )
        )
    out.sort(key=_order)
    return out


def _order(s: SliceFigures) -> tuple:
    """Quartiles in order, the missing slice last, the rest by size (largest first)."""
    if s.value.startswith("Q") and s.value[1:2].isdigit():
        return (0, s.value[:2], 0)
    return (2 if s.value == MISSING else 1, "", -s.n)


@dataclass(frozen=True)
class SliceDelta:
    """One slice's figures in two runs over the examples both predicted (run B minus run A)."""

    value: str
    a: SliceFigures
    b: SliceFigures

    @property
    def accuracy_delta(self) -> float:
        return self.b.accuracy - self.a.accuracy

    @property
    def f1_delta(self) -> float:
        return self.b.f1_macro - self.a.f1_macro

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.a.n, "a": self.a.to_json(), "b": self.b.to_json(), "accuracy_delta": self.accuracy_delta, "f1_macro_delta": self.f1_delta}


def slice_deltas(preds_a: Sequence[Any], preds_b: Sequence[Any], columns: Sequence[str], n_classes: int, *, n_boot: int = 1000, seed: int = 0) -> dict[str, list[SliceDelta]]:
    """Each slice of each of ``columns`` (run A's rows decide the slice) in both runs, over the
    examples the two runs share (paired as compare_runs pairs them)."""
    from .compare import pair_key

    by_key = {pair_key(p): p for p in preds_b}
    pairs = [(pa, by_key[pair_key(pa)]) for pa in preds_a if pair_key(pa) in by_key]
    shared_a, shared_b = [a for a, _ in pairs], [b for _, b in pairs]
    out: dict[str, list[SliceDelta]] = {}
    for column, figures_a in compute_slices(shared_a, columns, n_classes, n_boot=n_boot, seed=seed).items():
        values = slice_values(shared_a, column)
        figures_b = {s.value: s for s in _figures(shared_b, values, n_classes, n_boot=n_boot, seed=seed)}
        out[column] = [SliceDelta(s.value, s, figures_b[s.value]) for s in figures_a]
    return out
