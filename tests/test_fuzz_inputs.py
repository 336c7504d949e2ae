"""Bad files and parameters: whatever a user feeds in ends in either a clear one-line
WorkbenchError or a documented, counted handling - never another exception, never a hang.

Three layers: hypothesis-generated malformed files through the real loaders (``load_dataset``),
named cases for each class of bad input with the exact outcome it must have, and random strings
through every parameter parser and check (templates, hypotheses, label maps, verbalizers, label
texts, ``Param.coerce``). A handful of cases go through the CLI too (exit 2, one ``error:`` line),
and the report's count of texts longer than the model reads is checked on tiny real models.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import re
import signal
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_jsonl
from fake_methods import KeywordMethod
from tiny_models import WORDS, tiny_bert_classifier
from workbench.answers import AnswerParser, check_label_texts, parse_verbalizer
from workbench.cli import main
from workbench.data import DataSpec, Dataset, load_dataset
from workbench.errors import ConfigError, DataError, WorkbenchError
from workbench.label_map import parse_label_map, resolve_label_map
from workbench.methods import METHODS, MethodConfig, Param, resolve_params
from workbench.methods.nli import check_hypothesis
from workbench.prompts import check_template, render
from workbench.report import JSON_KEYS, report_json, report_text
from workbench.runner import RunSpec, execute, prepare
from workbench.store import RunStore

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAST = settings(max_examples=150, deadline=None)


# ---------------------------------------------------------------- helpers


@contextlib.contextmanager
def no_hang(seconds: float = 20):
    """Fail (instead of waiting forever) when the block takes longer than ``seconds``."""

    def hung(signum, frame):
        raise TimeoutError(f"still running after {seconds}s: a hang")

    old = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def one_line(e: WorkbenchError) -> str:
    msg = str(e)
    assert msg and "\n" not in msg and "\r" not in msg and "Traceback" not in msg, msg
    return msg


def check_dataset(ds: Dataset) -> None:
    """What every loaded dataset guarantees, however odd its files were."""
    assert ds.label_names and len(set(ds.label_names)) == len(ds.label_names)
    assert all(isinstance(n, str) and n.encode("utf-8") for n in ds.label_names)
    for split in (ds.eval, ds.train):
        if split is None:
            continue
        assert len(split.texts) == len(split.labels) > 0
        for text, label in zip(split.texts, split.labels):
            assert isinstance(text, str) and text.strip()
            text.encode("utf-8")  # no unpaired surrogates left: the store and tokenizers need this
            assert 0 <= label < ds.n_classes
        if split.skipped_empty:
            assert any(f"skipped {split.skipped_empty} empty" in n for n in ds.notes)


def load(files: dict[str, bytes | str], *, need_train: bool = False, **spec) -> Dataset | WorkbenchError:
    """Write ``files`` into a fresh folder and load it: the dataset, or the WorkbenchError it
    raised (any other exception fails the test)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        try:
            with no_hang():
                ds = load_dataset(DataSpec(str(folder), **spec), need_train=need_train)
        except WorkbenchError as e:
            one_line(e)
            return e
    check_dataset(ds)
    return ds


def refused(files, pattern: str, **kw) -> str:
    out = load(files, **kw)
    assert isinstance(out, DataError), f"expected a DataError matching {pattern!r}, got {out!r}"
    msg = one_line(out)
    assert re.search(pattern, msg), msg
    return msg


def loaded(files, **kw) -> Dataset:
    out = load(files, **kw)
    assert isinstance(out, Dataset), f"expected the data to load, got: {out}"
    return out


def jsonl(*rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def csv_text(header, rows, delimiter=",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)  # "\r\n" rows: a \r or \n inside a text is quoted
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def parquet_bytes(columns: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


GOOD = jsonl({"text": "fine", "label": 0}, {"text": "bad", "label": 1})


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
        ({"test.jsonl": '{"text": "a", "label": 0}\n'.encode("utf-16")}, r"byte 0xff at offset 0.*--encoding utf-16"),
        ({"test.jsonl": "\n  \n"}, r"split 'test' .* is empty"),
        ({"test.jsonl": jsonl({"text": "", "label": 0}, {"text": " ", "label": 1}, {"text": "ok", "label": 0})}, r"2 empty texts \(rows 1, 2\).*--skip-empty"),
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
    refused({"test.csv": latin}, r"not readable as utf-8-sig.*--encoding with its real encoding")
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
    with pytest.raises(DataError, match=r"single file.*--train-split PATH"):
        load_dataset(DataSpec(str(single)), need_train=True)


def test_same_column_for_text_and_label():
    refused({"test.jsonl": GOOD}, r"--text-column and --label-column both name 'text'", label_column="text")


def test_limit_must_be_positive():
    refused({"test.jsonl": GOOD}, r"--limit 0 is not a positive number", limit=0)
    refused({"test.jsonl": GOOD}, r"--limit -2 is not a positive number", limit=-2)
    assert len(loaded({"test.jsonl": GOOD}, limit=10**9).eval) == 2


# ---------------------------------------------------------------- parameters


template_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(["{text}", "[DOCUMENT]", "{", "}", "{0}", "{text!r}", "{text:>5}", "{}", "{{text}}", "Review:", " ", "\n"]), max_size=6).map("".join),
)


@FAST
@given(template_text, st.text(max_size=30))
def test_prompt_templates(template, text):
    try:
        checked = check_template(template)
    except ConfigError as e:
        one_line(e)
        assert not template.strip() or ("{text}" not in template and "[DOCUMENT]" not in template)
        return
    assert checked == template
    filled = render(template, "\x00TEXT\x00")  # plain replacement: braces and {text!r} stay literal
    assert filled.count("\x00TEXT\x00") == template.count("{text}") + template.count("[DOCUMENT]") >= 1
    render(template, text)


@pytest.mark.parametrize("template", ["{text} and again {text}", "{0} {text}", "{text!r} {text}", "{{text}}", "[DOCUMENT]{text}"])
def test_odd_templates_that_hold_the_text(template):
    assert check_template(template) == template
    assert "REVIEW" in render(template, "REVIEW")


@pytest.mark.parametrize("template", ["", "   ", "no placeholder", "{0}", "{text!r}", "{ text }", "{TEXT}", "[document]", None, 42])
def test_templates_without_a_place_for_the_text(template):
    with pytest.raises(ConfigError) as info:
        check_template(template)
    one_line(info.value)


hypothesis_text = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(["{}", "{", "}", "{0}", "{x}", "{{", "}}", "This is ", ".", "{!r}", "{:>3}"]), max_size=5).map("".join),
)


@FAST
@given(hypothesis_text, st.text(max_size=12))
def test_nli_hypothesis_templates(hypothesis, label):
    try:
        check_hypothesis(hypothesis)
    except ConfigError as e:
        one_line(e)
        return
    # Accepted means the pipeline's own str.format works for any label text, once.
    assert hypothesis.format("\x00").count("\x00") == 1
    hypothesis.format(label)


@pytest.mark.parametrize("hypothesis", ["This is {x} {}.", "{}}", "{{}}", "{0} and {}", "no slot", "{} {}", "", None])
def test_bad_hypotheses(hypothesis):
    with pytest.raises(ConfigError) as info:
        check_hypothesis(hypothesis)
    one_line(info.value)


def test_literal_braces_in_a_hypothesis():
    assert check_hypothesis("{{Label}}: {}") == "{{Label}}: {}"


label_words = st.sampled_from(["neg", "pos", "neutral", "LABEL_0", "LABEL_1", "0", "1", "²", "9" * 30, "", " ", "=", "-", "ignore", "a=b", "Neg"])
map_item = st.one_of(st.text(max_size=12), st.tuples(label_words, label_words).map("=".join))


@FAST
@given(
    st.lists(map_item, max_size=4),
    st.lists(st.sampled_from(["negative", "neutral", "positive", "LABEL_0", "LABEL_1", "1 star", "5 stars", "NEG"]), min_size=1, max_size=4, unique=True),
    st.lists(st.sampled_from(["neg", "pos", "neutral", "0", "1"]), min_size=1, max_size=3, unique=True),
)
def test_label_maps(items, model_labels, dataset_labels):
    try:
        target = resolve_label_map(model_labels, dataset_labels, parse_label_map(items))
    except ConfigError as e:
        one_line(e)
        return
    assert len(target) == len(model_labels)
    assert all(t is None or 0 <= t < len(dataset_labels) for t in target)
    assert set(range(len(dataset_labels))) <= {t for t in target if t is not None}  # every label has a class


@pytest.mark.parametrize(
    "items, pattern",
    [
        (["a="], r"model label 'a', which the model does not have"),
        (["=b"], r"no model label before '='"),
        (["negative=b=c"], r"maps 'negative' to 'b=c', which is not a dataset label"),
        (["negative"], r"has no '='"),
        (["²=neg"], r"model label '²'"),
        (["negative=²"], r"maps 'negative' to '²'"),
        (["negative=" + "9" * 5000], r"which is not a dataset label"),
        (["positive=neg"], r"no model class maps onto dataset label\(s\) pos"),
    ],
)
def test_bad_label_maps(items, pattern):
    with pytest.raises(ConfigError, match=pattern) as info:
        resolve_label_map(["negative", "positive"], ["neg", "pos"], parse_label_map(items))
    one_line(info.value)


def test_label_map_values_of_any_type_and_ignore():
    assert resolve_label_map(["negative", "neutral", "positive"], ["neg", "pos"], {"neutral": None}) == [0, None, 1]
    assert resolve_label_map(["a", "b"], ["neg", "pos"], {"a": 1, "b": 0}) == [1, 0]


@FAST
@given(
    st.one_of(st.none(), st.text(max_size=20), st.lists(map_item, max_size=4), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3), st.integers()),
    st.one_of(st.none(), st.lists(st.text(max_size=10), max_size=4), st.text(max_size=5)),
    st.text(max_size=30),
)
def test_verbalizers_label_texts_and_answers(verbalizer, label_texts, answer):
    names = ["neg", "pos"]
    try:
        parser = AnswerParser.build(names, label_texts, parse_verbalizer(verbalizer))
    except ConfigError as e:
        one_line(e)
        return
    assert not isinstance(label_texts, str) or not label_texts  # one string is never taken as texts
    assert parser.parse(answer) in (None, 0, 1)


@pytest.mark.parametrize(
    "texts, pattern",
    [
        (["only one"], r"gave 1 texts for 2 classes"),
        (["a", "b", "c"], r"gave 3 texts for 2 classes"),
        (["", "good"], r"label text for neg is empty"),
        (["Good!", "good"], r"same label text"),
        ("ab", r"are not a list"),  # one string is not two texts, however long it is
    ],
)
def test_bad_label_texts(texts, pattern):
    with pytest.raises(ConfigError, match=pattern) as info:
        check_label_texts(["neg", "pos"], texts)
    one_line(info.value)


@pytest.mark.parametrize("value", ["a", "=pos", "a=", ["x"], 5])
def test_bad_verbalizers(value):
    with pytest.raises(ConfigError) as info:
        parse_verbalizer(value)
    one_line(info.value)


@FAST
@given(st.sampled_from(["int", "float", "bool", "str", "texts", "mapping"]), st.one_of(st.text(max_size=20), st.sampled_from(["nan", "-inf", "1e999", "1_000", " 7 ", "²", "9" * 5000, "a=b,c=", "=x", "a|b"])))
def test_param_coerce(kind, value):
    p = Param("x", None, "help", kind)
    try:
        out = p.coerce(value)
    except ConfigError as e:
        assert one_line(e).startswith("parameter x=")
        return
    expected_type = {"int": int, "float": float, "bool": bool, "str": str, "texts": list, "mapping": dict}[kind]
    assert isinstance(out, expected_type)
    if kind == "float":
        assert math.isfinite(out)


def test_param_coerce_examples():
    assert Param("n", 1, "", "int").coerce(" 7 ") == 7
    assert Param("labels", None, "", "texts").coerce("a bad film | a good film") == ["a bad film", "a good film"]
    assert Param("label_map", {}, "", "mapping").coerce("LABEL_0=neg, LABEL_2=") == {"LABEL_0": "neg", "LABEL_2": ""}
    for kind, value in (("int", "1e3"), ("int", "²"), ("float", "nan"), ("float", "inf"), ("bool", "maybe"), ("mapping", "noequals"), ("mapping", "=x")):
        with pytest.raises(ConfigError, match=r"is not a valid"):
            Param("p", None, "", kind).coerce(value)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(METHODS)), st.data())
def test_every_method_refuses_garbage_parameters_before_loading(method_name, data):
    """Random CLI strings for every parameter: resolve_params and the method's validate() end in
    values or a ConfigError; no model is loaded for this."""
    cls = METHODS[method_name]
    given_params = {p.name: data.draw(st.one_of(st.text(max_size=8), st.sampled_from(["0", "-1", "nan", "1e9", "{}", "|", "a=b"])), label=p.name) for p in cls.params if data.draw(st.booleans(), label=f"set {p.name}")}
    try:
        params = resolve_params(cls, given_params)
        method = cls(MethodConfig(None, ["neg", "pos"], params))
        if hasattr(method, "validate"):
            method.validate()
    except ConfigError as e:
        one_line(e)


def test_logistic_regression_parameters_are_checked_before_encoding():
    for params in ({"C": "0"}, {"C": "-1"}, {"max_iter": "0"}):
        method = METHODS["embed-logreg"](MethodConfig(None, ["neg", "pos"], resolve_params(METHODS["embed-logreg"], params)))
        with pytest.raises(ConfigError, match=r"expected C > 0 and max_iter >= 1"):
            method.validate()


# ---------------------------------------------------------------- through the CLI


@pytest.fixture
def keyword(monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)


def cli_error(capsys, args: list[str]) -> str:
    with no_hang(60):
        code = main(args)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


@pytest.mark.parametrize(
    "content, extra, pattern",
    [
        ({"test.csv": "text,label\ngood,pos\nbad, really,neg\n"}, [], r"line 3 has 3 fields"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n{oops\n'}, [], r"line 2 is not valid JSON"),
        ({"test.jsonl": b'{"text": "caf\xe9", "label": "pos"}\n'}, [], r"not readable as utf-8-sig"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--encoding", "base64"], r"unknown text encoding 'base64'"),
        ({"test.jsonl": '{"text": "", "label": "pos"}\n{"text": "good", "label": "neg"}\n'}, [], r"1 empty texts.*--skip-empty"),
        ({"test.jsonl": '{"text": "good", "label": ["pos"]}\n'}, [], r"row 1 has an array as its label"),
        ({"test.parquet": b"garbage"}, [], r"not a readable parquet file"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--limit", "0"], r"--limit 0 is not a positive number"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--limit", "-5"], r"--limit -5 is not a positive number"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--batch-size", "0"], r"--batch-size 0 is not a positive number"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["-p", "patience=nan"], r"patience='nan' is not a valid float; expected a finite number"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["-p", "patience"], r"-p patience has no '='"),
    ],
)
def test_cli_bad_data_exits_2_with_one_error_line(keyword, tmp_path, capsys, content, extra, pattern):
    folder = tmp_path / "d"
    folder.mkdir()
    for name, data in content.items():
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
    line = cli_error(capsys, ["eval", "--data", str(folder), "--method", "keyword", "-q"] + extra)
    assert re.search(pattern, line), line


@pytest.mark.parametrize(
    "args, pattern",
    [
        (["--method", "nli-zeroshot", "--hypothesis", "This is {x} {}."], r"braces other than its one \{\}"),
        (["--method", "nli-zeroshot", "--hypothesis", "no slot"], r"needs exactly one \{\}"),
        (["--method", "nli-zeroshot", "--labels", "only one"], r"gave 1 texts for 2 classes"),
        (["--method", "seq2seq", "--prompt", "{text!r}"], r"no place for the text"),
        (["--method", "seq2seq", "--verbalizer", "yes"], r"verbalizer item 'yes' is not WORD=LABEL"),
        (["--method", "seq2seq", "--verbalizer", "yes=maybe"], r"'maybe' is not a label"),
        (["--method", "classifier", "--label-map", "=neg"], r"no model label before '='"),
        (["--method", "embed-zeroshot", "-p", "labels=one|one"], r"same label text"),
        (["--method", "embed-logreg", "-p", "C=0"], r"expected C > 0"),
        (["--method", "embed-logreg", "-p", "max_iter=1e3"], r"max_iter='1e3' is not a valid int"),
    ],
)
def test_cli_bad_parameters_exit_2_before_any_model_loads(tmp_path, capsys, args, pattern):
    d = tmp_path / "d"
    write_jsonl(d / "test.jsonl", [{"text": "good", "label": "pos"}, {"text": "bad", "label": "neg"}])
    write_jsonl(d / "train.jsonl", [{"text": "fine", "label": "pos"}, {"text": "awful", "label": "neg"}])
    # An unknown hub id resolves without loading; validation must refuse before the load would fail.
    line = cli_error(capsys, ["eval", "--data", str(d), "--model", "nobody/no-such-model", "-q"] + args)
    assert re.search(pattern, line), line


def test_cli_argparse_refuses_non_numbers(capsys):
    with pytest.raises(SystemExit) as info:
        main(["eval", "--data", "sample", "--method", "keyword", "--limit", "ten"])
    assert info.value.code == 2 and "invalid int value: 'ten'" in capsys.readouterr().err


def test_cli_counted_handling_reaches_the_report(keyword, tmp_path, capsys):
    d = tmp_path / "d"
    d.mkdir()
    (d / "test.jsonl").write_text(
        '{"text": "good \\ud83d", "label": "pos"}\n{"text": "", "label": "neg"}\n{"text": "bad\\u0000 one", "label": "neg"}\n', encoding="utf-8"
    )
    assert main(["eval", "--data", str(d), "--method", "keyword", "--skip-empty", "-q", "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "note: skipped 1 empty texts in split 'test'" in out
    assert "note: 1 rows of split 'test' held unpaired surrogates (invalid Unicode), replaced by U+FFFD" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == 2 and report["accuracy"] == 1.0
    assert report["truncated"] is None  # a method with no token limit cannot say


# ---------------------------------------------------------------- huge texts: truncated, counted, reported

LONG = " ".join(WORDS[i % len(WORDS)] for i in range(2000))  # 2000 words: far over any tiny model's limit


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    return tiny_bert_classifier(tmp_path_factory.mktemp("clf"), ["negative", "positive"])


def test_classifier_report_counts_truncated_texts(tiny_classifier, tmp_path):
    texts = ["a great film", "an awful plot", LONG, "terrible " * 116_000, "good " * 62, "good " * 63]
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": ["neg", "pos"][i % 2]} for i, t in enumerate(texts)])
    with no_hang(120):
        out = execute(prepare(RunSpec(DataSpec(str(d)), "classifier", model=str(tiny_classifier), batch_size=4)), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "done", out.error
    # 64 positions less [CLS] and [SEP]: 62 words fit, 63 do not; the 1 MB text is counted too.
    assert out.report["truncated"] == 3
    assert "3 texts were longer than the model's 62-token limit and were truncated" in out.report["notes"]
    as_json = report_json(out.report)
    assert list(as_json)[: len(JSON_KEYS)] == list(JSON_KEYS) and as_json["truncated"] == 3
    assert "truncated   3 of 6" in report_text(out.report)


def test_short_texts_are_not_counted_and_not_shown(tiny_classifier, tmp_path):
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in (("a great film", "pos"), ("awful", "neg"))])
    out = execute(prepare(RunSpec(DataSpec(str(d)), "classifier", model=str(tiny_classifier))), RunStore(tmp_path / "s.sqlite"))
    assert out.report["truncated"] == 0 and not any("truncated" in n for n in out.report["notes"])
    assert "truncated" not in report_text(out.report)


def test_embedding_methods_count_against_max_seq_length(tiny_classifier, tmp_path):
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers 6 moved the modules; 5 has them in .models
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # pragma: no cover
        from sentence_transformers.models import Pooling, Transformer

    word = Transformer(str(tiny_classifier), max_seq_length=32)
    SentenceTransformer(modules=[word, Pooling(16)]).save(str(tmp_path / "st"))
    d = tmp_path / "data"
    rows = [{"text": t, "label": y} for t, y in (("a great film", "pos"), (LONG, "neg"), ("awful plot", "neg"), ("good " * 31, "pos"))]
    write_jsonl(d / "test.jsonl", rows)
    write_jsonl(d / "train.jsonl", rows)
    for method in ("embed-zeroshot", "embed-logreg"):
        out = execute(prepare(RunSpec(DataSpec(str(d)), method, model=str(tmp_path / "st"))), RunStore(tmp_path / "s.sqlite"))
        assert out.status == "done", out.error
        assert out.report["truncated"] == 2, method  # 32 less [CLS]/[SEP] = 30 words fit
        assert "2 texts were longer than the model's 30-token limit and were truncated" in out.report["notes"]


def test_counting_a_test_split(tiny_classifier):
    """The count runs over the whole evaluated split (1066 texts: Rotten Tomatoes' test size) with
    the fast tokenizer; with a key it is made once per process (re-runs that edit label texts)."""
    from transformers import AutoTokenizer

    from workbench.truncation import count_truncated

    tokenizer = AutoTokenizer.from_pretrained(tiny_classifier)
    calls: list[int] = []

    def counting_tokenizer(texts, **kwargs):
        calls.append(len(texts))
        return tokenizer(texts, **kwargs)

    class WithLimit:
        def token_limit(self):
            return counting_tokenizer, 62

    method = WithLimit()
    texts = [" ".join(WORDS[(i + j) % len(WORDS)] for j in range(5 + i % 70)) for i in range(1066)]
    expected = sum(len(t.split()) > 62 for t in texts)
    # its speed (about 0.05 s for these 1066) is measured by hand, never asserted: CI machines are noisy
    assert expected > 0 and count_truncated(method, texts, key="split-a") == (expected, 62)
    tokenized = sum(calls)
    assert tokenized >= 1066
    assert count_truncated(method, texts, key="split-a") == (expected, 62) and sum(calls) == tokenized  # kept
    assert count_truncated(method, texts) == (expected, 62) and sum(calls) >= 2 * tokenized  # no key: counted again
    assert count_truncated(object(), texts) is None  # a method without the hook: unknown, not 0
