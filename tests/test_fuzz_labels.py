"""Random strings through label maps, verbalizers and label texts.

Whatever a user feeds in ends in either a clear one-line WorkbenchError or a documented,
counted handling - never another exception, never a hang. (Split by subject from the former
test_fuzz_inputs.py; shared helpers in fuzz_helpers.py.)
"""

from __future__ import annotations

import pytest
from fuzz_helpers import FAST, one_line
from hypothesis import given
from hypothesis import strategies as st

from workbench.answers import AnswerParser, check_label_texts, parse_verbalizer
from workbench.errors import ConfigError
from workbench.label_map import parse_label_map, resolve_label_map

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
