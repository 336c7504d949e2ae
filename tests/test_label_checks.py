"""A label column that cannot be classes as found is refused in one line: names that differ only
by case or surrounding spaces, numbers with a fractional part, a score or id column."""

from __future__ import annotations

import json

import pytest
from fuzz_helpers import csv_text, jsonl, load, loaded, parquet_bytes, refused

from workbench.errors import LABEL_COLUMN


def _rows(labels):
    return jsonl(*({"text": f"t{i}", "label": y} for i, y in enumerate(labels)))


def test_case_and_space_variants_are_refused_with_the_variants():
    msg = refused({"test.jsonl": _rows(["neg", "Neg", "neg ", "pos", "pos"])}, r"differ only by case or surrounding spaces.*--label-column")
    assert "'Neg', 'neg', 'neg '" in msg and "pos" not in msg.split("(")[1].split(")")[0]
    assert "write each class the same way" in msg


def test_variants_across_train_and_test_are_refused():
    files = {"test.jsonl": _rows(["pos", "neg"]), "train.jsonl": _rows(["POS", "neg", "pos"])}
    refused(files, r"'POS', 'pos'", need_train=True)


def test_variants_in_a_csv_are_refused():
    refused({"test.csv": csv_text(["text", "label"], [("a", "neg"), ("b", " neg"), ("c", "pos")])}, r"' neg', 'neg'")


@pytest.mark.parametrize(
    "files",
    [
        {"test.jsonl": _rows([0.137, 0.52, 0.9])},
        {"test.csv": csv_text(["text", "label"], [("a", "0.137"), ("b", "0.52")])},
        {"test.parquet": parquet_bytes({"text": ["a", "b", "c"], "label": [0.25, 0.5, 0.75]})},
    ],
)
def test_fractional_numbers_are_refused(files):
    msg = refused(files, r"holds numbers with a fractional part.*--label-column")
    assert "looks like a score" in msg


def test_whole_floats_are_classes():
    assert loaded({"test.jsonl": _rows([0.0, 1.0, 1.0])}).label_names == ["0", "1"]
    assert loaded({"test.csv": csv_text(["text", "label"], [("a", "1.0"), ("b", "0.0")])}).label_names == ["0.0", "1.0"]


def test_a_score_or_id_column_is_refused():
    msg = refused({"test.jsonl": _rows(range(30))}, r"30 distinct values in 30 rows: probably a score or id column.*--label-column")
    assert "labels.json" in msg
    refused({"test.jsonl": _rows([f"id-{i}" for i in range(25)])}, r"25 distinct values in 25 rows")


def test_many_classes_on_few_rows_or_declared_ones_load():
    assert len(loaded({"test.jsonl": _rows(range(19))}).label_names) == 19  # under 20 rows: no guess
    assert len(loaded({"test.jsonl": _rows([i % 10 for i in range(20)])}).label_names) == 10  # half: fine
    names = [f"c{i}" for i in range(30)]
    assert loaded({"test.jsonl": _rows(range(30)), "labels.json": json.dumps(names)}).label_names == names


def test_the_field_is_the_label_column():
    assert load({"test.jsonl": _rows(["a", "A"])}).field == LABEL_COLUMN


def test_labels_json_names_that_are_numbers_in_another_order_read_two_ways_are_refused():
    """labels.json ["1", "0"]: the label 1 written as a number is an index (the class '0'), written
    as text the class '1'. A train file of numbers and a test CSV of text would be scored against
    classes they do not mean (accuracy 0.0): refused, saying which split reads it which way."""
    names = json.dumps(["1", "0"])
    train = _rows([0, 1, 1, 0])
    test_csv = csv_text(["text", "label"], [("a", "1"), ("b", "0")])
    msg = refused({"labels.json": names, "train.jsonl": train, "test.csv": test_csv}, r"the label 0 is read two ways.*--label-column", need_train=True)
    assert "as text in split 'test' (the class named '0')" in msg and "in split 'train' (an index into labels.json: the class named '1')" in msg
    assert "write the labels of the 'label' column one way in every split" in msg
    refused({"labels.json": names, "test.jsonl": _rows([0, "1", 1])}, r"the label 1 is read two ways")  # within one split too
    # One reading throughout is the documented rule, and loads: numbers as indices, text as names.
    assert loaded({"labels.json": names, "train.jsonl": train, "test.jsonl": _rows([1, 0])}, need_train=True).eval.labels == [1, 0]
    assert loaded({"labels.json": names, "test.csv": test_csv}).eval.labels == [0, 1]
    both = {"labels.json": json.dumps(["0", "1"]), "train.jsonl": train, "test.csv": test_csv}  # names that are their own index
    assert loaded(both, need_train=True).eval.labels == [1, 0]
