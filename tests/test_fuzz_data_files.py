"""Bad data files: hypothesis-generated malformed files through the real loaders
(``load_dataset``), and named cases for each class of bad input with the exact outcome it must have.

Whatever a user feeds in ends in either a clear one-line WorkbenchError or a documented,
counted handling - never another exception, never a hang. (Split by subject from the former
test_fuzz_inputs.py; shared helpers in fuzz_helpers.py.)
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import cli_says, write_jsonl
from fuzz_helpers import FUZZ, GOOD, csv_text, jsonl, load, loaded, parquet_bytes, refused
from hypothesis import given
from hypothesis import strategies as st

from workbench.data import Dataset, DataSpec, load_dataset
from workbench.errors import DataError

# ---------------------------------------------------------------- strategies

odd_chars = st.sampled_from(['"', '""', ",", "\t", "\n", "\r\n", "\r", "\x00", "\ufeff", "\u2028", "\x85", "{", "}", "\\", " "])
cell = st.one_of(st.text(max_size=12), odd_chars, st.integers(-3, 3).map(str))
column_name = st.sampled_from(["text", "label", "id", "other", "Text", '"text"', "", " text", "label "])

json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12), odd_chars
)
json_value = st.recursive(json_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=5)
json_record = st.dictionaries(st.sampled_from(["text", "label", "id", "x"]), json_value, max_size=4)


@st.composite
def mutated(draw, content: bytes) -> bytes:
    """``content`` as is, cut short, with bytes inserted, or with a byte flipped."""
    how = draw(st.sampled_from(["keep", "truncate", "insert", "flip"]))
    if not content or how == "keep":
        return content
    at = draw(st.integers(0, len(content) - 1))
    if how == "truncate":
        return content[:at]
    if how == "insert":
        return content[:at] + draw(st.binary(min_size=1, max_size=6)) + content[at:]
    return content[:at] + bytes([content[at] ^ draw(st.integers(1, 255))]) + content[at + 1 :]


@st.composite
def encoded(draw, text: str) -> bytes:
    codec = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    return text.encode(codec, errors="replace")


@st.composite
def csv_file(draw) -> tuple[str, bytes]:
    delimiter = draw(st.sampled_from([",", "\t"]))
    header = draw(st.lists(column_name, max_size=4))
    rows = draw(st.lists(st.lists(cell, max_size=5), max_size=6))
    if draw(st.booleans()):  # properly quoted by the csv module
        text = csv_text(header, rows, delimiter)
    else:  # hand-joined: ragged rows, stray quotes, unescaped delimiters
        text = "\n".join(delimiter.join(r) for r in [header] + rows)
    return ("test.csv" if delimiter == "," else "test.tsv"), draw(mutated(draw(encoded(text))))


@st.composite
def jsonl_file(draw) -> tuple[str, bytes]:
    lines = draw(
        st.lists(
            st.one_of(
                json_record.map(lambda r: json.dumps(r, ensure_ascii=False)),
                json_value.map(json.dumps),
                st.text(max_size=20),  # not JSON at all
                st.sampled_from(['{"text": "a\\ud83d", "label": 1}', '{"text": "x", "label": 1', "[" * 50 + "]" * 50]),
            ),
            max_size=6,
        )
    )
    return "test.jsonl", draw(mutated(draw(encoded("\n".join(lines)))))


@st.composite
def json_file(draw) -> tuple[str, bytes]:
    doc = draw(st.one_of(st.lists(json_record, max_size=5), json_record, json_value))
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 2])))
    return "test.json", draw(mutated(text.encode("utf-8")))


@st.composite
def parquet_file(draw) -> tuple[str, bytes]:
    import pyarrow as pa

    n = draw(st.integers(0, 4))
    kinds = {
        "str": st.one_of(st.none(), st.text(max_size=10)),
        "int": st.one_of(st.none(), st.integers(-5, 5)),
        "float": st.floats(allow_nan=True, allow_infinity=True),
        "bytes": st.binary(max_size=6),
        "list": st.lists(st.integers(0, 2), max_size=2),
    }
    columns = {}
    for name in draw(st.lists(st.sampled_from(["text", "label", "id"]), unique=True, max_size=3)):
        kind = draw(st.sampled_from(sorted(kinds)))
        columns[name] = pa.array(draw(st.lists(kinds[kind], min_size=n, max_size=n)), type={"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bytes": pa.binary(), "list": pa.list_(pa.int64())}[kind])
    content = parquet_bytes(columns or {"x": pa.array([], pa.int64())})
    return "test.parquet", draw(mutated(content))


labels_json = st.one_of(
    st.none(),
    st.lists(st.text(max_size=6), max_size=4).map(json.dumps),
    st.dictionaries(st.sampled_from(["0", "1", "2", "-1", "x", "01"]), json_scalar, max_size=3).map(json.dumps),
    st.text(max_size=10),
    st.just('["neg", "\\ud83d"]'),
)


# ---------------------------------------------------------------- malformed files, fuzzed


@FUZZ
@given(
    st.one_of(csv_file(), jsonl_file(), json_file(), parquet_file()),
    labels_json,
    st.booleans(),
    st.sampled_from(["utf-8-sig", "utf-8", "latin-1", "utf-16", "ascii", "no-such-codec"]),
)
def test_any_file_loads_or_fails_with_one_line(file, labels, skip_empty, encoding):
    name, content = file
    files = {name: content}
    if labels is not None:
        files["labels.json"] = labels
    load(files, skip_empty=skip_empty, encoding=encoding)


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(["test.csv", "test.tsv", "test.jsonl", "test.json", "test.parquet"]))
def test_random_bytes_in_any_format(content, name):
    load({name: content})


@FUZZ
@given(jsonl_file(), jsonl_file(), st.sampled_from(["train", "missing", "/abs/train.jsonl", "a[1]", "*", ""]))
def test_train_split_needed_by_a_fitting_method(test_file, train_file, train_split):
    files = {"test.jsonl": test_file[1], "train.jsonl": train_file[1]}
    out = load(files, need_train=True, train_split=train_split)
    if isinstance(out, Dataset):
        assert out.train is not None and len(set(out.train.labels)) >= 2


texts = st.text(min_size=1, max_size=40).filter(lambda t: t.strip())


@FUZZ
@given(
    st.lists(st.tuples(texts, st.sampled_from(["neg", "pos", "neutral"])), min_size=1, max_size=8),
    st.sampled_from(["test.csv", "test.tsv", "test.jsonl", "test.json", "test.parquet"]),
    st.booleans(),
)
def test_well_formed_files_round_trip_any_text(rows, name, ascii_json):
    """Quotes, delimiters, newlines, NUL, U+2028, U+0085 inside a properly written text come back
    exactly (JSON Lines are split at \\n only, CSV quoting is honoured)."""
    if name.endswith((".csv", ".tsv")):
        content: str | bytes = csv_text(["id", "text", "label"], [(i, t, y) for i, (t, y) in enumerate(rows)], "\t" if name.endswith("tsv") else ",")
    elif name.endswith(".jsonl"):
        content = "".join(json.dumps({"text": t, "label": y}, ensure_ascii=ascii_json) + "\n" for t, y in rows)
    elif name.endswith(".json"):
        content = json.dumps([{"text": t, "label": y} for t, y in rows], ensure_ascii=ascii_json, indent=1)
    else:
        content = parquet_bytes({"text": [t for t, _ in rows], "label": [y for _, y in rows]})
    ds = loaded({name: content})
    assert ds.eval.texts == [t for t, _ in rows]
    assert [ds.label_names[i] for i in ds.eval.labels] == [y for _, y in rows]


# ---------------------------------------------------------------- each class of bad input, by name


@pytest.mark.parametrize(
    "files, pattern",
    [
        ({"test.csv": "text,label\na,0\nb,1,extra\n"}, r"test.csv line 3 has 3 fields but the header has 2.*quote"),
        ({"test.csv": "text,label\na,0\nb\n"}, r"line 3 has 1 fields but the header has 2"),
        ({"test.tsv": "text\tlabel\na\t0\tx\n"}, r"test.tsv line 2 has 3 fields"),
        ({"test.csv": 'text,label\n"a,0\nb,1\n'}, r"line 3 is not valid CSV \(unexpected end of data\)"),
        ({"test.csv": 'text,label\n"a"b,0\n'}, r"line 2 is not valid CSV"),
        ({"test.csv": "review,label\na,0\n"}, r"no column 'text' \(columns: 'review', 'label'\).*--text-column"),
        ({"test.csv": "text,y\na,0\n"}, r"no column 'label'.*--label-column"),
        ({"test.csv": "text,text,label\na,b,0\n"}, r"2 columns named 'text'"),
        ({"test.csv": ""}, r"test.csv is empty"),
        ({"test.csv": "text,label\n"}, r"split 'test' .* is empty"),
        ({"test.jsonl": '{"text": "a", "label": 0}\n{broken\n'}, r"test.jsonl line 2 is not valid JSON"),
        ({"test.jsonl": '{"text": "a", "label": 0}\n[1, 2]\n'}, r"line 2 is an array; expected a JSON object"),
        ({"test.jsonl": '"just a string"\n'}, r"line 1 is a string"),
        ({"test.jsonl": '{"text": "a"}\n'}, r"test.jsonl line 1 has no column 'label'"),
        ({"test.jsonl": '{"text": {"a": 1}, "label": 0}\n'}, r"row 1 has an object as its text"),
        ({"test.jsonl": '{"text": "a", "label": [0, 1]}\n'}, r"row 1 has an array as its label.*multi-label"),
        ({"test.jsonl": '{"text": "a", "label": ' + "9" * 5000 + "}\n"}, r"line 1 is not valid JSON \(Exceeds the limit"),
        ({"test.jsonl": '{"text": ' + "[" * 100000 + "]" * 100000 + ', "label": 0}\n'}, r"line 1 is not valid JSON \(nested too deeply\)"),
        ({"test.json": '[{"text": "a", "label": 0},'}, r"test.json is not valid JSON"),
        ({"test.json": "[1, 2]"}, r"test.json item 1 is a number"),
        ({"test.json": '{"text": ["a", "b"], "label": [0, 1]}'}, r"one object of columns.*orient='records'"),
        ({"test.parquet": b"PAR1 not really"}, r"test.parquet is not a readable parquet file"),
        ({"test.parquet": b""}, r"not a readable parquet file"),
        ({"test.parquet": parquet_bytes({"text": [b"a"], "label": [0]})}, r"row 1 has a bytes value as its text"),
        ({"test.jsonl": b'{"text": "caf\xe9", "label": 0}\n'}, r"not readable as utf-8-sig \(byte 0xe9 at offset 13\).*--encoding"),
        ({"test.jsonl": '{"text": "a", "label": 0}\n'.encode("utf-16")}, r"byte 0xff at offset 0.*read it as utf-16.*--encoding"),
        ({"test.jsonl": "\n  \n"}, r"split 'test' .* is empty"),
        ({"test.jsonl": jsonl({"text": "", "label": 0}, {"text": " ", "label": 1}, {"text": "ok", "label": 0})}, r"2 empty texts \(rows 0, 1, counted from 0\).*--skip-empty"),
        ({"test.jsonl": jsonl({"text": None, "label": 0}, {"text": "ok", "label": 1})}, r"1 empty texts"),
        ({"test.jsonl": jsonl({"text": "a", "label": "zzz"}), "labels.json": '["neg", "pos"]'}, r"outside the dataset's label set: 'zzz'"),
        ({"test.jsonl": jsonl({"text": "a", "label": 2}), "labels.json": '["neg", "pos"]'}, r"outside the dataset's label set: 2"),
        ({"test.jsonl": jsonl({"text": "a", "label": None}, {"text": "b", "label": 1})}, r"outside the dataset's label set: \(missing\)"),
        ({"test.csv": "text,label\na,\nb,1\n"}, r"\(missing\) \(1 rows\)"),
        ({"test.jsonl": jsonl({"text": "a", "label": 0}, {"text": "b", "label": "pos"})}, r"labels mix integers \(0\) and other values \('pos'\).*labels.json"),
        ({"test.jsonl": jsonl({"text": "a", "label": 1}, {"text": "b", "label": 0.5})}, r"labels mix integers"),
        ({"test.jsonl": GOOD, "labels.json": '["neg", "neg"]'}, r"labels.json has the label name\(s\) 'neg' more than once"),
        ({"test.jsonl": GOOD, "labels.json": '["neg", " "]'}, r"labels.json has an empty label name \(class 1\)"),
        ({"test.jsonl": GOOD, "labels.json": "[]"}, r"labels.json does not list the label names"),
        ({"test.jsonl": GOOD, "labels.json": '{"0": {"a": 1}, "1": "x"}'}, r"labels.json does not list the label names"),
        ({"test.jsonl": GOOD, "labels.json": '["neg",'}, r"labels.json is not valid JSON"),
    ],
)
def test_bad_file_is_refused_in_one_line(files, pattern):
    refused(files, pattern)


def test_encodings():
    latin = "text,label\ncafé,0\nthé,1\n".encode("latin-1")
    refused({"test.csv": latin}, r"not readable as utf-8-sig.*name its real encoding.*--encoding")
    assert loaded({"test.csv": latin}, encoding="latin-1").eval.texts == ["café", "thé"]
    utf16 = "text,label\ncafé,0\n".encode("utf-16")
    assert loaded({"test.csv": utf16}, encoding="utf-16").eval.texts == ["café"]
    refused({"test.csv": latin}, r"not readable as ascii .*expected text in ascii", encoding="ascii")
    for codec in ("no-such-codec", "base64", ""):  # base64 is a codec, but not a text encoding
        refused({"test.csv": latin}, r"unknown text encoding", encoding=codec)
    bom = b"\xef\xbb\xbf" + "text,label\na,0\n".encode()
    assert loaded({"test.csv": bom}).eval.texts == ["a"]  # the default utf-8-sig drops the BOM
    assert loaded({"test.csv": bom}, encoding="utf-8").eval.texts == ["a"]  # and so does plain utf-8 now
    assert loaded({"test.jsonl": b"\xef\xbb\xbf" + GOOD.encode()}, encoding="utf-8").eval.texts == ["fine", "bad"]


def test_nul_bytes_and_line_separators_inside_texts_are_kept():
    ds = loaded({"test.csv": b"text,label\na\x00b,0\n\"x\ny\",1\n"})
    assert ds.eval.texts == ["a\x00b", "x\ny"]
    ds = loaded({"test.jsonl": '{"text": "one\u2028two\x85three", "label": 0}\n{"text": "b", "label": 1}\n'})
    assert ds.eval.texts == ["one\u2028two\x85three", "b"]  # not cut into three broken "lines"


def test_unpaired_surrogates_are_replaced_and_counted():
    ds = loaded({"test.jsonl": '{"text": "emoji cut \\ud83d", "label": 0}\n{"text": "whole \\ud83d\\ude00", "label": 1}\n'})
    assert ds.eval.texts == ["emoji cut \ufffd", "whole \U0001f600"]
    assert ds.notes == ["1 rows of split 'test' held unpaired surrogates (invalid Unicode), replaced by U+FFFD"]


def test_empty_texts_refused_unless_skip_empty_then_counted():
    rows = jsonl({"text": "", "label": 0}, {"text": "  ", "label": 1}, {"text": "ok", "label": 0}, {"text": "fine", "label": 1})
    refused({"test.jsonl": rows}, r"2 empty texts")
    ds = loaded({"test.jsonl": rows}, skip_empty=True)
    assert ds.eval.texts == ["ok", "fine"] and ds.eval.skipped_empty == 2
    assert "skipped 2 empty texts in split 'test'" in ds.notes
    refused({"test.jsonl": jsonl({"text": "", "label": 0})}, r"no usable rows", skip_empty=True)


def test_label_types():
    # ints and their strings are one kind; with labels.json, integers index into the names
    assert loaded({"test.jsonl": jsonl({"text": "a", "label": 1}, {"text": "b", "label": "1"}, {"text": "c", "label": 0})}).label_names == ["0", "1"]
    ds = loaded({"test.jsonl": jsonl({"text": "a", "label": 0}, {"text": "b", "label": "pos"}), "labels.json": '["neg", "pos"]'})
    assert ds.eval.labels == [0, 1]
    ds = loaded({"test.jsonl": jsonl({"text": "a", "label": True}, {"text": "b", "label": False})})
    assert ds.label_names == ["False", "True"]  # booleans are names, not 0/1
    ds = loaded({"test.csv": "text,label\na,²\nb,--5\n"})  # '²'.isdigit() is True, yet it is no integer
    assert ds.label_names == ["--5", "²"]
    assert loaded({"test.jsonl": jsonl({"text": 5, "label": 0}, {"text": 2.5, "label": 1})}).eval.texts == ["5", "2.5"]


def test_duplicate_ids_are_separate_rows():
    """Only the text and label columns are read; rows are identified by position, so a repeated
    id (or text) is two examples, as the file has them."""
    rows = jsonl({"id": 7, "text": "same", "label": 0}, {"id": 7, "text": "same", "label": 1}, {"id": 8, "text": "x", "label": 0})
    ds = loaded({"test.jsonl": rows})
    assert ds.eval.texts == ["same", "same", "x"] and ds.eval.labels == [0, 1, 0]


def test_huge_texts_load_whole():
    huge = "terrible " * 116_000  # ~1 MB
    for name, content in (
        ("test.csv", csv_text(["text", "label"], [(huge, 0), ("short", 1)])),
        ("test.tsv", csv_text(["text", "label"], [(huge, 0), ("short", 1)], "\t")),
        ("test.jsonl", jsonl({"text": huge, "label": 0}, {"text": "short", "label": 1})),
        ("test.parquet", parquet_bytes({"text": [huge, "short"], "label": [0, 1]})),
    ):
        assert loaded({name: content}).eval.texts[0] == huge, name


def test_many_columns():
    n = 3000
    header = [f"c{i}" for i in range(n)] + ["text", "label"]
    ds = loaded({"test.csv": csv_text(header, [["x"] * n + ["hello", "0"], ["y"] * n + ["bye", "1"]])})
    assert ds.eval.texts == ["hello", "bye"]
    record = {f"c{i}": i for i in range(n)}
    assert loaded({"test.jsonl": jsonl({**record, "text": "a", "label": 0})}).eval.texts == ["a"]
    assert loaded({"test.parquet": parquet_bytes({**{f"c{i}": [i] for i in range(300)}, "text": ["a"], "label": [0]})}).eval.texts == ["a"]


def test_missing_train_split_for_a_method_that_fits(tmp_path):
    refused({"test.jsonl": GOOD}, r"no file for split 'train' .*splits found: test", need_train=True)
    refused({"test.jsonl": GOOD}, r"no split file at /nowhere/train.jsonl", need_train=True, train_split="/nowhere/train.jsonl")
    refused({"test.jsonl": GOOD}, r"no split file at \.\./x", need_train=True, train_split="../x")
    refused({"test.jsonl": GOOD}, r"no file for split 'a\[1\]'", need_train=True, train_split="a[1]")  # a name, not a glob
    refused({"test.jsonl": GOOD}, r"none was given.*--train-split", need_train=True, train_split="")
    refused({"test.jsonl": GOOD, "train.jsonl": jsonl({"text": "a", "label": 0})}, r"never saw: '1'", need_train=True)
    refused({"test.jsonl": jsonl({"text": "a", "label": 0}), "train.jsonl": jsonl({"text": "a", "label": 0})}, r"single class", need_train=True)
    single = write_jsonl(tmp_path / "eval.jsonl", [{"text": "a", "label": 0}])
    with pytest.raises(DataError, match=r"single file") as err:
        load_dataset(DataSpec(str(single)), need_train=True)
    assert err.value.field == "train_split" and re.search(r"single file.*--train-split", cli_says(err.value))


def test_same_column_for_text_and_label():
    refused({"test.jsonl": GOOD}, r"text column and the label column both name 'text'.*--label-column", label_column="text")


def test_limit_must_be_positive():
    refused({"test.jsonl": GOOD}, r"limit 0 is not a positive number.*--limit", limit=0)
    refused({"test.jsonl": GOOD}, r"limit -2 is not a positive number.*--limit", limit=-2)
    assert len(loaded({"test.jsonl": GOOD}, limit=10**9).eval) == 2
