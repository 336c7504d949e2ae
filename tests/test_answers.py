"""The answer parser: the documented rule, examples from real models, and properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.answers import AnswerParser, default_label_texts, first_token_probabilities, normalise, parse_verbalizer
from workbench.errors import ConfigError

NEG_POS = AnswerParser.build(["neg", "pos"])
DIGITS = AnswerParser.build(["neg", "pos"], verbalizer={"0": "neg", "1": "pos"})


@pytest.mark.parametrize(
    "answer, label",
    [
        ("positive", 1),
        ("Negative.", 0),
        ("  POSITIVE!!", 1),
        ("The movie is a positive movie review.", 1),  # SmolLM2's kind of answer
        ("Negative. Not positive.", 0),  # the first match wins
        ("pos", 1),  # the label name answers too
        ("**Negative**", 0),
        ("I can't tell", None),  # never guessed
        ("", None),
        (None, None),
        ("nonnegative", None),  # whole words only
        ("positively", None),
    ],
)
def test_rule_on_typical_answers(answer, label):
    assert NEG_POS.parse(answer) == label


def test_verbalizers_digits_as_the_lesson_asks():
    assert DIGITS.parse("1") == 1 and DIGITS.parse("0.") == 0
    assert DIGITS.parse("1. Positive: 1.") == 1  # SmolLM2 answering the lesson's prompt
    assert DIGITS.parse("10") is None  # not the word 1
    assert DIGITS.answer_word(1) == "1"  # few-shot and score mode use the verbalizer


def test_longest_word_at_the_same_position_wins():
    p = AnswerParser.build(["neg", "pos"], ["very negative", "very"])
    assert p.parse("Very negative indeed") == 0
    assert p.parse("very much so") == 1


def test_default_label_texts_spell_out_abbreviations():
    assert default_label_texts(["neg", "pos", "other"]) == ["negative", "positive", "other"]


@pytest.mark.parametrize(
    "names, texts, verbalizer, message",
    [
        (["neg", "pos"], ["negative", ""], None, "empty"),
        (["neg", "pos"], ["negative"], None, "1 texts for 2 classes"),
        (["neg", "pos"], ["good", "Good!"], None, "same label text"),
        (["neg", "pos"], None, {"1": "positive-ish"}, "not a label"),
        (["neg", "pos"], None, {"negative": "pos"}, "belongs to both"),
    ],
)
def test_unusable_words_are_config_errors(names, texts, verbalizer, message):
    with pytest.raises(ConfigError, match=message):
        AnswerParser.build(names, texts, verbalizer)


def test_parse_verbalizer_forms():
    assert parse_verbalizer(["1=pos", "0 = neg"]) == {"1": "pos", "0": "neg"}
    assert parse_verbalizer("1=pos,0=neg") == {"1": "pos", "0": "neg"}
    with pytest.raises(ConfigError, match="WORD=LABEL"):
        parse_verbalizer(["1pos"])


noise = st.text(alphabet=" .,;:!?*\"'()\n\t-", max_size=5)
filler = st.lists(st.sampled_from(["the", "film", "is", "very", "a", "review", "really"]), max_size=6).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(word=st.sampled_from(["negative", "positive", "neg", "pos", "0", "1"]), before=noise, after=noise, upper=st.booleans())
def test_a_lone_answer_word_in_any_case_and_punctuation_parses(word, before, after, upper):
    expected = 1 if word in ("positive", "pos", "1") else 0
    assert DIGITS.parse(before + (word.upper() if upper else word) + after) == expected


@settings(max_examples=200, deadline=None)
@given(prefix=filler, first=st.sampled_from([0, 1]), second=st.sampled_from([0, 1]), suffix=filler)
def test_the_first_answer_word_wins(prefix, first, second, suffix):
    words = ["negative", "positive"]
    answer = f"{prefix} {words[first]}, not {words[second]} {suffix}"
    assert NEG_POS.parse(answer) == first


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_a_label_is_only_ever_given_for_an_answer_word_present(text):
    label = NEG_POS.parse(text)
    words = f" {normalise(text)} "
    if label is None:
        assert not any(f" {w} " in words for ws in NEG_POS.words for w in ws)
    else:
        assert any(f" {w} " in words for w in NEG_POS.words[label])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_normalise_is_idempotent_and_case_free(text):
    assert normalise(normalise(text)) == normalise(text) == normalise(text.upper().lower())


# ---------------------------------------------------------------- class probabilities from the first token's alternatives


def test_first_token_probabilities_sum_the_tokens_that_start_each_class_word():
    from math import exp

    top = [["Positive", -0.1], [" positive", -2.0], ["NEG", -3.0], ["The", -4.0], ["**", -5.0]]
    scores = first_token_probabilities(top, NEG_POS.words)
    pos, neg = exp(-0.1) + exp(-2.0), exp(-3.0)  # "The" and "**" start no answer word: left out
    assert scores == pytest.approx([neg / (pos + neg), pos / (pos + neg)])
    assert sum(scores) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    "token, label",
    [
        (" Positive", 1), ("positive", 1), ("POS", 1), ("p", 1), ("\tneg", 0), ("Negative", 0), ("pos.", 1),  # prefixes, any case
        ("positively", None), ("posit ive", None), ("The", None), (" ", None), ("**", None), ("", None),  # no word starts so
    ],
)  # fmt: skip
def test_a_token_counts_when_it_starts_a_class_word(token, label):
    scores = first_token_probabilities([[token, -0.5], ["zzz", -0.1]], NEG_POS.words)
    assert (scores is None) == (label is None)
    if label is not None:
        assert scores is not None and scores[label] == 1.0


def test_a_token_that_starts_words_of_two_classes_counts_for_neither():
    three = AnswerParser.build(["neg", "neu", "pos"])  # negative, neutral: both start with "ne"
    assert first_token_probabilities([["ne", -0.1]], three.words) is None
    assert first_token_probabilities([["ne", -0.1], ["Neutral", -1.0]], three.words) == [0.0, 1.0, 0.0]


def test_verbalizer_words_and_underflow():
    assert first_token_probabilities([["1", -0.2], ["0", -1.6]], DIGITS.words) == pytest.approx([0.2, 0.8], abs=0.01)  # "0" is neg, "1" is pos
    assert first_token_probabilities([["positive", -9999.0]], NEG_POS.words) is None  # OpenAI's "negligible": no mass at all
    assert first_token_probabilities([], NEG_POS.words) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["neg", " Pos", "positive", "NEGATIVE", "x", " ", "n", "po"]), st.floats(-50, 0)), max_size=8))
def test_first_token_probabilities_are_probabilities(top):
    scores = first_token_probabilities(top, NEG_POS.words)
    assert scores is None or (len(scores) == 2 and all(0 <= s <= 1 for s in scores) and abs(sum(scores) - 1) <= 1e-9)
