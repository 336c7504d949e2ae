"""One KEY=VALUE parser (workbench/pairs.py) behind every front end: the command line's -p,
--label-map and --verbalizer, a mapping parameter's value and the UI's one-line field read the
same text the same way, and refuse the same text with the engine's message."""

import pytest

from screens.validation import param_text, parse_param_text
from workbench.answers import parse_verbalizer
from workbench.errors import ConfigError
from workbench.label_map import parse_label_map
from workbench.methods import Param
from workbench.pairs import parse_pairs, split_pairs


def test_a_written_list_splits_at_commas_or_before_the_next_key():
    assert split_pairs("a=b, c=d") == split_pairs("a=b c=d") == split_pairs(" a=b ,c=d ") == ["a=b", "c=d"]
    assert split_pairs("LABEL_0=very negative LABEL_1=pos") == ["LABEL_0=very negative", "LABEL_1=pos"]
    assert parse_pairs(["prompt=Review: {text} = ?"], "-p {}", strip_values=False) == {"prompt": "Review: {text} = ?"}  # one item each


@pytest.mark.parametrize("text", ["LABEL_0=neg, LABEL_2=", "LABEL_0=neg LABEL_2="])
def test_every_front_end_reads_a_mapping_alike(text):
    mapping = Param("label_map", {}, "", "mapping")
    expected = {"LABEL_0": "neg", "LABEL_2": ""}
    assert mapping.coerce(text) == parse_param_text(mapping, text) == expected
    assert parse_label_map(split_pairs(text)) == expected
    assert parse_param_text(mapping, param_text(expected)) == expected  # what the UI writes it reads back


def test_every_front_end_refuses_alike_with_the_engines_message():
    mapping = Param("label_map", {}, "", "mapping")
    with pytest.raises(ConfigError, match=r"item '=x' has no key before '='") as e:
        mapping.coerce("=x")
    with pytest.raises(ValueError) as shown:
        parse_param_text(mapping, "=x")
    assert str(shown.value) == str(e.value) and e.value.field == "param:label_map"
    with pytest.raises(ConfigError, match=r"label map item '=neg' has no model label before '='"):
        parse_label_map(["=neg"])
    with pytest.raises(ConfigError, match=r"verbalizer item '1=' has no label after '='"):
        parse_verbalizer("1=,0=neg")
    assert parse_verbalizer("1=pos 0=neg") == parse_verbalizer(["1=pos", "0=neg"]) == {"1": "pos", "0": "neg"}
