"""Reading split files (.jsonl, .json, .csv, .tsv, .parquet) into rows: text, label, the row's
number in its file as read and its other columns (kept as metadata, workbench/data.py)."""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import stat
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

from .errors import DATA, ENCODING, LABEL_COLUMN, TEXT_COLUMN, DataError

FORMATS = (".jsonl", ".json", ".csv", ".tsv", ".parquet")

class Row(NamedTuple):
    """One data row as found in its file."""

    text: Any
    label: Any
    """The raw label cell (resolved to a class index in data.py)."""
    row: int = 0
    """0-based position among the split's data rows as read (every row, empty or not; the rows of
    a sharded split counted across its files in order): the row identity every output names."""
    extra: Mapping[str, Any] = MappingProxyType({})
    """The row's other columns (strings, numbers, booleans, null), kept as metadata."""


def read_rows(path: Path, text_column: str, label_column: str, encoding: str = "utf-8-sig") -> list[Row]:
    """All rows of one split file, as (text, label) in file order."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(
            f"{path} has an unknown format '{suffix}'",
            expected="one of " + ", ".join(FORMATS),
            fix="convert the file or rename it with the right extension",
            field=DATA,
        )
    kind = file_kind(path)
    if kind == "nothing":
        raise DataError(f"file {path} does not exist", fix="check the path of the data", field=DATA)
    if kind is not None:
        raise DataError(f"{path} is {kind}, not a file", expected="a regular file of rows", fix="point at the data file itself", field=DATA)
    try:
        if suffix == ".parquet":
            return _read_parquet(path, text_column, label_column)
        with path.open(encoding=encoding, newline="") as fh:
            if suffix in (".csv", ".tsv"):
                return _read_csv(fh, path, text_column, label_column, "\t" if suffix == ".tsv" else ",")
            return _read_jsonl(fh, path, text_column, label_column)
    except UnicodeDecodeError as e:
        # A UTF-16 file (Excel's "Unicode text") starts with a byte-order mark: name its codec.
        utf16 = e.object[:2] in (b"\xff\xfe", b"\xfe\xff")
        raise DataError(
            f"{path} is not readable as {encoding} (byte 0x{e.object[e.start]:02x} at offset {e.start})",
            expected="UTF-8 text" if encoding.lower().replace("_", "-").startswith("utf-8") else f"text in {encoding}",
            fix="read it as utf-16" if utf16 else "re-save the file as UTF-8, or name its real encoding (e.g. latin-1)",
            field=ENCODING,
        ) from None
    except UnicodeError as e:  # a codec's own complaint with no byte offset (utf-16 without a BOM)
        raise DataError(f"{path} is not readable as {encoding} ({e})", fix="name the file's real encoding", field=ENCODING) from None
    except OSError as e:  # permissions, a file removed while reading, an I/O error
        raise DataError(f"cannot read {path} ({e.strerror or type(e).__name__})", fix="check the file and its permissions", field=DATA) from None
    except LookupError:  # also a codec that is not a text encoding (base64, rot13)
        raise DataError(f"unknown text encoding '{encoding}'", fix="name a Python codec as the encoding, e.g. utf-8 or latin-1", field=ENCODING) from None


def file_kind(path: Path) -> str | None:
    """None for a regular file (through any symbolic links); else what is there, for a message:
    'nothing', 'a folder', 'a named pipe (FIFO)', 'a symbolic link loop', ... Never opens it (a
    FIFO would block)."""
    try:
        st = os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symbolic link loop"
        if e.errno in (errno.EACCES, errno.EPERM):
            return "not readable (permission denied on a folder on its path)"
        if os.path.islink(path):
            return f"a broken symbolic link (to {os.readlink(path)})"
        return "nothing"
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "not a regular file"


def _missing_column(path: Path | str, column: str, available: list[str], field: str) -> DataError:
    shown = ", ".join(repr(c) for c in available[:12]) or "none"
    what = "text" if field == TEXT_COLUMN else "label"
    return DataError(
        f"{path} has no column '{column}' (columns: {shown})",
        fix=f"name the right {what} column",
        field=field,
    )


def _check_columns(path: Path, available: list[str], text_column: str, label_column: str) -> None:
    if text_column not in available:
        raise _missing_column(path, text_column, available, TEXT_COLUMN)
    if label_column not in available:
        raise _missing_column(path, label_column, available, LABEL_COLUMN)


def _json_error(e: Exception) -> str:
    # JSONDecodeError has a message; an over-long integer raises a plain ValueError, and nesting
    # thousands of levels deep a RecursionError, neither of which should end in a traceback.
    if isinstance(e, json.JSONDecodeError):
        return e.msg
    return "nested too deeply" if isinstance(e, RecursionError) else str(e).split(";")[0]


def _read_jsonl(fh, path: Path, text_column: str, label_column: str) -> list[Row]:
    rows: list[Row] = []
    content = fh.read()
    if content.startswith("\ufeff"):  # a byte-order mark kept by an explicit utf-8 encoding
        content = content[1:]
    stripped = content.lstrip()
    document: Any = None
    if path.suffix.lower() == ".json" and stripped.startswith(("[", "{")):
        # A .json file may hold one array of objects (or one object, pretty-printed) instead of
        # one object a line; if it does not parse whole, it is read as JSON Lines below.
        try:
            document = json.loads(content)
        except (ValueError, RecursionError) as e:
            if stripped.startswith("["):
                at_line = f" at line {e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
                raise DataError(f"{path} is not valid JSON ({_json_error(e)}{at_line})", fix="fix or re-export the file", field=DATA) from None
    if isinstance(document, (list, dict)):
        numbered: list[tuple[int, Any]] = list(enumerate(document if isinstance(document, list) else [document], start=1))
    else:
        numbered = []
        # Lines end at "\n" only: str.splitlines() would also cut at U+0085, U+2028 and other
        # characters that JSON allows raw inside a string (a review may hold them).
        for lineno, line in enumerate(content.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((lineno, json.loads(line)))
            except (ValueError, RecursionError) as e:
                raise DataError(
                    f"{path} line {lineno} is not valid JSON ({_json_error(e)})",
                    expected="one JSON object a line",
                    fix="fix or remove that line",
                    field=DATA,
                ) from None
    if isinstance(document, dict) and _column_oriented(document, text_column):
        raise DataError(
            f"{path} holds one object of columns ('{text_column}' is a list)",
            expected="an array of row objects, or one object a line",
            fix="re-export it by rows, e.g. pandas to_json(orient='records', lines=True)",
            field=DATA,
        )
    where = "item" if isinstance(document, list) else "line"
    for lineno, record in numbered:
        if not isinstance(record, dict):
            raise DataError(f"{path} {where} {lineno} is {json_type(record)}", expected="a JSON object with text and label fields", field=DATA)
        if text_column not in record or label_column not in record:
            missing = text_column if text_column not in record else label_column
            field = TEXT_COLUMN if text_column not in record else LABEL_COLUMN
            raise _missing_column(f"{path} {where} {lineno}", missing, list(record), field)
        rows.append(Row(record[text_column], record[label_column], len(rows), _extra(record, text_column, label_column)))
    return rows


def json_type(value: Any) -> str:
    """A Python value's JSON type name with its article ('an array'), for messages about a cell
    of the wrong kind."""
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (str, "a string"), ((int, float), "a number"), (dict, "an object"), ((list, tuple), "an array")):
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__} value"


def _column_oriented(record: Any, text_column: str) -> bool:
    return isinstance(record, dict) and isinstance(record.get(text_column), (list, dict))


CSV_FIELD_LIMIT = 1 << 30
"""Longest CSV field read (1 GiB): the csv module's default of 128 KiB refuses long texts, which
are kept and truncated by the model instead (counted in the report)."""


def _read_csv(fh, path: Path, text_column: str, label_column: str, delimiter: str) -> list[Row]:
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    # strict: a stray quote (an unclosed "..., text after a closing quote) is an error with its
    # line number, not a field that silently swallows the rest of the file.
    reader = csv.reader(fh, delimiter=delimiter, strict=True)
    rows: list[Row] = []
    try:
        header = next(reader, None)
        if not header:
            raise DataError(f"{path} is empty", expected="a header line naming the columns, then one row a line", field=DATA)
        header[0] = header[0].removeprefix("\ufeff")  # a byte-order mark kept by an explicit utf-8 encoding
        _check_columns(path, header, text_column, label_column)
        for column in {text_column, label_column}:
            if header.count(column) > 1:
                raise DataError(f"{path} has {header.count(column)} columns named '{column}'", fix="rename the duplicates so each column name is unique", field=DATA)
        ti, li = header.index(text_column), header.index(label_column)
        others = [(i, name) for i, name in enumerate(header) if i not in (ti, li) and name and header.count(name) == 1]
        for fields in reader:
            if not fields:  # a blank line
                continue
            if len(fields) != len(header):
                # Most often a delimiter inside an unquoted text: refusing beats a shifted label.
                raise DataError(
                    f"{path} line {reader.line_num} has {len(fields)} fields but the header has {len(header)}",
                    fix='quote fields that hold the delimiter ("a, b"), or fix that line',
                    field=DATA,
                )
            rows.append(Row(fields[ti], fields[li], len(rows), {name: fields[i] for i, name in others}))
    except csv.Error as e:
        raise DataError(f"{path} line {reader.line_num} is not valid CSV ({e})", fix="fix the quoting on that line", field=DATA) from None
    return rows


def _read_parquet(path: Path, text_column: str, label_column: str) -> list[Row]:
    import pyarrow.parquet as pq  # lazy: pyarrow is heavy and only needed for parquet

    try:
        schema_names = pq.read_schema(path).names
        _check_columns(path, schema_names, text_column, label_column)
        table = pq.read_table(path)
    except DataError:
        raise
    except Exception as e:  # pyarrow raises several types for damaged files
        raise DataError(f"{path} is not a readable parquet file ({type(e).__name__}: {e})", fix="re-export the file", field=DATA) from None
    return rows_of_columns({name: table.column(name).to_pylist() for name in table.column_names}, text_column, label_column)


def rows_of_columns(columns: Mapping[str, list[Any]], text_column: str, label_column: str) -> list[Row]:
    """Rows from a table held by columns (parquet, a Hugging Face split), the other columns kept."""
    others = {name: values for name, values in columns.items() if name not in (text_column, label_column)}
    return [
        Row(text, label, i, _extra({name: values[i] for name, values in others.items()}, text_column, label_column))
        for i, (text, label) in enumerate(zip(columns[text_column], columns[label_column]))
    ]


METADATA_TYPES = (str, int, float, bool, type(None))
"""What a metadata cell may hold: a scalar. Lists and objects (nested JSON, a parquet struct) are
left out: no slice or export column can use them as they are."""


def _extra(record: Mapping[str, Any], text_column: str, label_column: str) -> Mapping[str, Any]:
    """A row's other columns, scalars only (see :data:`METADATA_TYPES`)."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v  # a NaN cell (pandas' missing value) is missing
        for k, v in record.items()
        if k not in (text_column, label_column) and isinstance(v, METADATA_TYPES)
    }


def clean_text(value: Any) -> str:
    """A text cell as a string; missing values (None, NaN) become '' so they are counted as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value if isinstance(value, str) else str(value)
