import re

import pytest

from conftest import cli_says
from workbench.errors import ConfigError
from workbench.label_map import describe_label_map, parse_label_map, resolve_label_map


def test_names_match_with_synonyms_and_neutral_dropped():
    assert resolve_label_map(["negative", "neutral", "positive"], ["neg", "pos"]) == [0, None, 1]
    assert resolve_label_map(["NEGATIVE", "POSITIVE"], ["neg", "pos"]) == [0, 1]


def test_generic_label_ids_map_by_index():
    assert resolve_label_map(["LABEL_0", "LABEL_1", "LABEL_2"], ["a", "b", "c"]) == [0, 1, 2]


def test_generic_label_ids_with_wrong_count_need_a_map():
    with pytest.raises(ConfigError, match="no model class maps onto.*map them in the label map") as err:
        resolve_label_map(["LABEL_0", "LABEL_1", "LABEL_2"], ["neg", "pos"])
    assert err.value.field == "param:label_map" and re.search("no model class maps onto.*--label-map", cli_says(err.value))


def test_star_ratings_onto_binary_and_three_way():
    stars = ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    assert resolve_label_map(stars, ["neg", "pos"]) == [0, 0, None, 1, 1]
    assert resolve_label_map(stars, ["negative", "neutral", "positive"]) == [0, 0, 1, 2, 2]


def test_explicit_map_overrides_and_ignores():
    target = resolve_label_map(["LABEL_0", "LABEL_1", "LABEL_2"], ["neg", "pos"], parse_label_map(["LABEL_0=neg", "LABEL_1=", "LABEL_2=pos"]))
    assert target == [0, None, 1]
    # a user can route neutral to pos on purpose
    assert resolve_label_map(["negative", "neutral", "positive"], ["neg", "pos"], {"neutral": "pos"}) == [0, 1, 1]


def test_bad_maps_are_refused():
    with pytest.raises(ConfigError, match="does not have"):
        resolve_label_map(["a", "b"], ["neg", "pos"], {"zzz": "neg"})
    with pytest.raises(ConfigError, match="not a dataset label"):
        resolve_label_map(["a", "b"], ["neg", "pos"], {"a": "positive-ish"})
    with pytest.raises(ConfigError, match="has no '='"):
        parse_label_map(["abc"])


def test_description_shows_the_rule():
    text = describe_label_map(["negative", "neutral", "positive"], ["neg", "pos"], [0, None, 1])
    assert text.startswith("negative->neg, neutral->(ignored), positive->pos") and "argmax" in text
