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


def check_one_reading(declared: list[str], splits: dict[str, list[Row]], label_column: str = "label") -> None:
    """Refuse labels that labels.json lets be read two ways. A label that is a class name is that
    class; an integer is an index into labels.json. With names that are numbers in another order
    (``["1", "0"]``), the label 1 written as text is the class '1' and written as a number the
    class '0': data that holds both (a train file of integers, a test CSV of text) would be scored
    against classes it does not mean, silently. ``splits``: each split's name and raw rows."""
    if not any(as_int(name) is not None and as_int(name) != i for i, name in enumerate(declared)):
        return  # every name that is a number names its own index: both readings agree
    by_name = {n: i for i, n in enumerate(declared)}
    readings: dict[int, dict[int, str]] = {}  # number -> class -> how it was read there (the first place)
    for split, rows in splits.items():
        for value in {r[1] for r in rows if not is_missing(r[1])}:
            number = as_int(value)
            if number is None:
                continue
            if isinstance(value, str) and value in by_name:
                cls, how = by_name[value], f"as text in split '{split}' (the class named {value!r})"
            elif 0 <= number < len(declared):
                cls = number
                how = f"as {'text' if isinstance(value, str) else 'a number'} {value!r} in split '{split}' (an index into labels.json: the class named {declared[number]!r})"
            else:
                continue  # outside the label set: refused as such when the split is made
            readings.setdefault(number, {}).setdefault(cls, how)
    for number, classes in sorted(readings.items()):
        if len(classes) > 1:
            ways = " and ".join(list(classes.values())[:2])
            raise DataError(
                f"labels.json names the classes {', '.join(map(repr, declared[:6]))}{', ...' if len(declared) > 6 else ''}, and the label {number} is read two ways: {ways}",
                expected="each label read one way: a class name written as text, or an integer index into labels.json",
                fix=f"write the labels of the '{label_column}' column one way in every split (all as the names in labels.json, or all as indices), "
                "or order labels.json so that each number is its own index",
                field=LABEL_COLUMN,
            )
