"""Reading split files (.jsonl, .json, .csv, .tsv, .parquet) into plain rows of (text, label)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from .errors import DataError

FORMATS = (".jsonl", ".json", ".csv", ".tsv", ".parquet")

Row = tuple[Any, Any]  # (text, raw label) as found in the file


def read_rows(path: Path, text_column: str, label_column: str, encoding: str = "utf-8-sig") -> list[Row]:
    """All rows of one split file, as (text, label) in file order."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(
            f"{path} has an unknown format '{suffix}'",
            expected="one of " + ", ".join(FORMATS),
            fix="convert the file or rename it with the right extension",
        )
    if not path.is_file():
        raise DataError(f"file {path} does not exist", fix="check the path given to --data")
    try:
        if suffix == ".parquet":
            return _read_parquet(path, text_column, label_column)
        with path.open(encoding=encoding, newline="") as fh:
            if suffix in (".csv", ".tsv"):
                return _read_csv(fh, path, text_column, label_column, "\t" if suffix == ".tsv" else ",")
            return _read_jsonl(fh, path, text_column, label_column)
    except UnicodeDecodeError as e:
        raise DataError(
            f"{path} is not readable as {encoding} (byte 0x{e.object[e.start]:02x} at offset {e.start})",
            expected="UTF-8 text",
            fix="re-save the file as UTF-8, or pass --encoding with its real encoding (e.g. latin-1)",
        ) from None
    except LookupError:
        raise DataError(f"unknown encoding '{encoding}'", fix="pass a Python codec name to --encoding, e.g. utf-8 or latin-1") from None


def _missing_column(path: Path, column: str, available: list[str], flag: str) -> DataError:
    shown = ", ".join(repr(c) for c in available[:12]) or "none"
    return DataError(
        f"{path} has no column '{column}' (columns: {shown})",
        fix=f"name the right one with {flag}",
    )


def _check_columns(path: Path, available: list[str], text_column: str, label_column: str) -> None:
    if text_column not in available:
        raise _missing_column(path, text_column, available, "--text-column")
    if label_column not in available:
        raise _missing_column(path, label_column, available, "--label-column")


def _read_jsonl(fh, path: Path, text_column: str, label_column: str) -> list[Row]:
    rows: list[Row] = []
    content = fh.read()
    stripped = content.lstrip()
    if path.suffix.lower() == ".json" and stripped.startswith("["):
        # A .json file may hold one array of objects instead of one object a line.
        try:
            records = json.loads(content)
        except json.JSONDecodeError as e:
            raise DataError(f"{path} is not valid JSON ({e.msg} at line {e.lineno})", fix="fix or re-export the file") from None
        numbered = list(enumerate(records, start=1))
    else:
        numbered = []
        for lineno, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((lineno, json.loads(line)))
            except json.JSONDecodeError as e:
                raise DataError(
                    f"{path} line {lineno} is not valid JSON ({e.msg})",
                    expected="one JSON object a line",
                    fix="fix or remove that line",
                ) from None
    for lineno, record in numbered:
        if not isinstance(record, dict):
            raise DataError(f"{path} line {lineno} is a JSON {type(record).__name__}", expected="a JSON object with text and label fields")
        if text_column not in record or label_column not in record:
            raise _missing_column(path, text_column if text_column not in record else label_column, list(record), "--text-column" if text_column not in record else "--label-column")
        rows.append((record[text_column], record[label_column]))
    return rows


def _read_csv(fh, path: Path, text_column: str, label_column: str, delimiter: str) -> list[Row]:
    reader = csv.DictReader(fh, delimiter=delimiter)
    try:
        header = reader.fieldnames or []
        _check_columns(path, list(header), text_column, label_column)
        rows = [(r[text_column], r[label_column]) for r in reader]
    except csv.Error as e:
        raise DataError(f"{path} line {reader.line_num} is not valid CSV ({e})", fix="fix the quoting on that line") from None
    return rows


def _read_parquet(path: Path, text_column: str, label_column: str) -> list[Row]:
    import pyarrow.parquet as pq  # lazy: pyarrow is heavy and only needed for parquet

    try:
        schema_names = pq.read_schema(path).names
        _check_columns(path, schema_names, text_column, label_column)
        table = pq.read_table(path, columns=[text_column, label_column])
    except DataError:
        raise
    except Exception as e:  # pyarrow raises several types for damaged files
        raise DataError(f"{path} is not a readable parquet file ({type(e).__name__}: {e})", fix="re-export the file") from None
    return list(zip(table.column(text_column).to_pylist(), table.column(label_column).to_pylist()))


def clean_text(value: Any) -> str:
    """A text cell as a string; missing values (None, NaN) become '' so they are counted as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value if isinstance(value, str) else str(value)
