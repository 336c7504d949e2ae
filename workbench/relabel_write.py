"""Writing a split file again with some rows' labels changed, in its own format, every other row
byte for byte as it was where the format allows (workbench/relabel.py decides what to change).

* JSON Lines (and a ``.json`` file of one object a line): untouched lines are copied as they
  are; in a changed line only the label's value is replaced (checked by parsing it back), or,
  where that cannot be done, the line is written again with its keys in their order, its
  separators and its ASCII escaping as the line had them.
* A ``.json`` array of objects: written again whole (indent and escaping as found): one document
  has no rows to copy apart.
* CSV / TSV: every record's raw text is kept (what the csv module read for it, line endings and
  quoting included); in a changed record only the label field is replaced, quoted if it was.
* Parquet: the table written again with the label column changed (its type and the file's
  compression kept); rows cannot be copied as bytes.

Rows are counted as workbench/readers.py counts them: JSON Lines skip blank lines, CSV rows are
the csv records after the header (blank ones skipped). The text is decoded with the data's
encoding and encoded back with it (a UTF-8 byte-order mark kept when there was one).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import Any, Mapping

from .readers import CSV_FIELD_LIMIT


def _decode(raw: bytes, encoding: str) -> tuple[str, bytes]:
    """The file's text and the byte-order mark to put back in front of it when encoding."""
    if codecs.lookup(encoding).name in ("utf-8-sig", "utf-8"):
        bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
        return raw[len(bom) :].decode("utf-8"), bom
    return raw.decode(encoding), b""


def _encode(text: str, encoding: str, bom: bytes) -> bytes:
    if codecs.lookup(encoding).name in ("utf-8-sig", "utf-8"):
        return bom + text.encode("utf-8")
    return text.encode(encoding)


def rewrite(source: Path, dest: Path, label_column: str, changes: Mapping[int, Any], encoding: str) -> None:
    """Write ``source`` to ``dest`` with the label of each row ``r`` in ``changes`` (0-based,
    counted as the reader counts them) set to ``changes[r]`` (the raw value, in the file's form)."""
    suffix = source.suffix.lower()
    if suffix == ".parquet":
        _rewrite_parquet(source, dest, label_column, changes)
        return
    text, bom = _decode(source.read_bytes(), encoding)
    if suffix in (".csv", ".tsv"):
        out = _rewrite_csv(text, label_column, changes, "\t" if suffix == ".tsv" else ",")
    elif suffix == ".json" and text.lstrip().startswith("[") or suffix == ".json" and _is_document(text):
        out = _rewrite_document(text, label_column, changes)
    else:
        out = _rewrite_lines(text, label_column, changes)
    dest.write_bytes(_encode(out, encoding, bom))


def _is_document(text: str) -> bool:
    """Whether a ``.json`` file is one (pretty-printed) document rather than one object a line,
    as the reader decides it: the whole text parses as JSON."""
    if not text.lstrip().startswith("{"):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return "\n" in text.strip()


def _dump_like(obj: Any, original: str) -> str:
    """``obj`` as JSON on one line, with the separators and ASCII escaping ``original`` used."""
    compact = re.match(r'\s*\{\s*"(?:[^"\\]|\\.)*":\S', original) is not None
    return json.dumps(obj, ensure_ascii=original.isascii(), separators=(",", ":") if compact else (", ", ": "))


def _rewrite_lines(text: str, label_column: str, changes: Mapping[int, Any]) -> str:
    lines = text.split("\n")  # as the reader splits: "\n" only (a text may hold U+2028)
    row = -1
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        row += 1
        if row in changes:
            body = line.rstrip("\r")
            lead = body[: len(body) - len(body.lstrip())]
            record = json.loads(body)
            record[label_column] = changes[row]
            edited = _edit_value(body, label_column, changes[row], record)
            lines[i] = (edited if edited is not None else lead + _dump_like(record, body.strip())) + line[len(body) :]
    return "\n".join(lines)


_SCALAR = r'("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)'


def _edit_value(body: str, key: str, value: Any, expected: dict) -> str | None:
    """``body`` with only the value of ``key`` replaced by ``value`` (every other byte kept: the
    text's escapes as the file wrote them), or None when no such edit parses back to ``expected``."""
    new = json.dumps(value, ensure_ascii=body.isascii())
    for m in re.finditer(re.escape(json.dumps(key)) + r"(\s*:\s*)" + _SCALAR, body):
        candidate = body[: m.start(2)] + new + body[m.end(2) :]
        try:
            if json.loads(candidate) == expected:
                return candidate
        except ValueError:
            continue
    return None


def _rewrite_document(text: str, label_column: str, changes: Mapping[int, Any]) -> str:
    document = json.loads(text)
    records = document if isinstance(document, list) else [document]
    for row, new in changes.items():
        records[row][label_column] = new
    lines = text.strip().split("\n")
    indent = None
    if len(lines) > 1:
        second = lines[1]
        indent = len(second) - len(second.lstrip(" ")) or None
    out = json.dumps(document, ensure_ascii=text.isascii(), indent=indent)
    return out + text[len(text.rstrip()) :]


def _field_spans(body: str, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of each field of one CSV record's text (its line ending cut off)."""
    spans = []
    i, n = 0, len(body)
    while True:
        start = i
        if i < n and body[i] == '"':
            i += 1
            while i < n:
                if body[i] == '"':
                    if i + 1 < n and body[i + 1] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
        while i < n and body[i] != delimiter:
            i += 1
        spans.append((start, i))
        if i >= n:
            return spans
        i += 1


def _replace_field(raw: str, index: int, value: str, delimiter: str, fields: list[str]) -> str:
    """The record ``raw`` with field ``index`` set to ``value``, every other byte kept."""
    body = raw.rstrip("\r\n")
    ending = raw[len(body) :]
    spans = _field_spans(body, delimiter)
    start, end = spans[index]
    quoted = body[start:end].startswith('"') or any(c in value for c in (delimiter, '"', "\r", "\n")) or value != value.strip()
    cell = f'"{value.replace(chr(34), chr(34) * 2)}"' if quoted else value
    out = body[:start] + cell + body[end:] + ending
    expected = [*fields[:index], value, *fields[index + 1 :]]
    if len(spans) == len(fields) and next(csv.reader([out], delimiter=delimiter, strict=True), None) == expected:
        return out
    # A record this scanner reads otherwise than the csv module (never seen): write it afresh.
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=ending or "\n").writerow(expected)
    return buffer.getvalue()


def _rewrite_csv(text: str, label_column: str, changes: Mapping[int, Any], delimiter: str) -> str:
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    consumed: list[str] = []

    def lines():  # the csv reader takes physical lines one at a time: what it took is the record
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    header = next(reader)
    header[0] = header[0].removeprefix("\ufeff")
    index = header.index(label_column)
    pieces = ["".join(consumed)]
    consumed.clear()
    row = -1
    for fields in reader:
        raw = "".join(consumed)
        consumed.clear()
        if fields:
            row += 1
            if row in changes:
                raw = _replace_field(raw, index, str(changes[row]), delimiter, fields)
        pieces.append(raw)
    pieces.append("".join(consumed))
    return "".join(pieces)


def _rewrite_parquet(source: Path, dest: Path, label_column: str, changes: Mapping[int, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = pq.ParquetFile(source)
    compression = None
    meta = file.metadata
    if meta.num_row_groups and meta.num_columns:
        compression = meta.row_group(0).column(0).compression.lower()
    table = file.read()
    i = table.column_names.index(label_column)
    values = table.column(i).to_pylist()
    for row, new in changes.items():
        values[row] = new
    column = pa.array(values, type=table.schema.field(i).type)
    table = table.set_column(i, table.schema.field(i), column)
    pq.write_table(table, dest, compression=compression if compression not in (None, "uncompressed") else "none")
