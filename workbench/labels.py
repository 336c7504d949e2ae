"""The label column: which values are classes, in what order, and what is refused (case
variants of one name, fractions, a column of scores or ids), so that a class is never made by
accident. ``resolve_labels`` gives the class names and a function from a cell to its index."""

from __future__ import annotations

import re
from typing import Any

from .errors import DATA, LABEL_COLUMN, DataError
from .readers import Row


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # ASCII digits only: str.isdigit() accepts '²', which int() refuses; 18 digits fit any index.
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,18}\s*", value):
        return int(value)
    return None


def is_missing(value: Any) -> bool:
    """No label at all: null, NaN, or an empty cell."""
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


_NUMBER = re.compile(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*")

SCORE_COLUMN_MIN_ROWS = 20
"""From this many labelled rows, a label column with more distinct values than half its rows is
refused as a score or id column (unless labels.json declares the classes)."""


def _non_integral_number(value: Any) -> bool:
    """A number (or a number written as text, as CSV has it) with a fractional part: 0.137, '2.5'."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return not value.is_integer()
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return not float(value).is_integer()
    return False


def _check_label_values(values: set, rows: list[Row], label_column: str) -> None:
    """Refuse a label column that cannot be classes as found: names that differ only by case or
    surrounding spaces ('neg', 'Neg', 'neg '), numbers with a fractional part, or nearly one
    distinct value a row (a score or an id column)."""
    fractional = sorted((v for v in values if _non_integral_number(v)), key=repr)
    if fractional:
        shown = ", ".join(repr(v) for v in fractional[:4]) + (", ..." if len(fractional) > 4 else "")
        raise DataError(
            f"the label column '{label_column}' holds numbers with a fractional part ({shown}); each would be a class of its own",
            expected="class labels: names, or whole numbers",
            fix="name the right label column (this looks like a score), or turn the values into classes first",
            field=LABEL_COLUMN,
        )
    variants: dict[str, set[str]] = {}
    for v in values:
        if isinstance(v, str):
            variants.setdefault(v.strip().casefold(), set()).add(v)
    clashes = [sorted(group) for group in variants.values() if len(group) > 1]
    if clashes:
        clashes.sort()
        shown = "; ".join(", ".join(repr(v) for v in group) for group in clashes[:5]) + ("; ..." if len(clashes) > 5 else "")
        raise DataError(
            f"the label column '{label_column}' has labels that differ only by case or surrounding spaces ({shown}); each would be a class of its own",
            fix="write each class the same way in every row (or list the class names in labels.json)",
            field=LABEL_COLUMN,
        )
    n = sum(1 for r in rows if not is_missing(r[1]))
    if n >= SCORE_COLUMN_MIN_ROWS and len(values) > n / 2:
        raise DataError(
            f"the label column '{label_column}' has {len(values)} distinct values in {n} rows: probably a score or id column, not classes",
            expected="a few classes, each on many rows",
            fix="name the right label column, or list the class names in labels.json if these really are classes",
            field=LABEL_COLUMN,
        )


def resolve_labels(declared: list[str] | None, rows: list[Row], label_column: str = "label"):
    """Label names in order, and a function from a raw label value to its index."""
    if declared is not None:
        by_name = {n: i for i, n in enumerate(declared)}

        def to_index(value: Any) -> int | None:
            if isinstance(value, str) and value in by_name:
                return by_name[value]
            i = as_int(value)
            return i if i is not None and 0 <= i < len(declared) else None

        return list(declared), to_index
    values = {r[1] for r in rows if not is_missing(r[1])}
    ints = {v: as_int(v) for v in values}
    numeric = sorted({repr(v) for v, i in ints.items() if i is not None})
    named = sorted({repr(v) for v, i in ints.items() if i is None})
    if numeric and named:
        # 0/1 with a stray 'pos' is most likely a mistake; as classes '0' and 'pos' it would be silent.
        raise DataError(
            f"the labels mix integers ({', '.join(numeric[:3])}) and other values ({', '.join(named[:3])})",
            expected="one kind of label: all integers or all names",
            fix="fix those rows, or list the class names in labels.json (integers are then indices into it)",
            field=DATA,
        )
    if values and all(i is not None for i in ints.values()):
        ordered_ints = {i for i in ints.values() if i is not None}
        _check_label_values(ordered_ints, rows, label_column)
        ordered: list[int] = sorted({i for i in ints.values() if i is not None})
        by_int = {v: i for i, v in enumerate(ordered)}

        def int_index(value: Any) -> int | None:
            number = as_int(value)
            return by_int.get(number) if number is not None else None

        return [str(v) for v in ordered], int_index
    _check_label_values(values, rows, label_column)
    names = sorted({str(v) for v in values})
    by_name = {n: i for i, n in enumerate(names)}
    return names, lambda value: by_name.get(str(value)) if not is_missing(value) else None
