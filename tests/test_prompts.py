"""Templates and few-shot selection: the documented rules."""

import pytest

from workbench.errors import ConfigError
from workbench.prompts import FewShot, chat_messages, check_template, choose_few_shot, plain_prompt, render


def test_both_placeholders_and_literal_braces():
    assert render("Review: {text}", "a {b} c") == "Review: a {b} c"
    assert render("Classify [DOCUMENT] now {x}", "it") == "Classify it now {x}"  # not str.format


@pytest.mark.parametrize("template", ["", "   ", "Is this positive?", "{txt}"])
def test_a_template_without_a_place_for_the_text_is_refused(template):
    with pytest.raises(ConfigError, match=r"\{text\} or \[DOCUMENT\]"):
        check_template(template)


def test_few_shot_is_balanced_seeded_and_shuffled():
    texts = [f"t{i}" for i in range(100)]
    labels = [i % 2 for i in range(100)]
    a = choose_few_shot(texts, labels, 5, 2, seed=0)
    assert a == choose_few_shot(texts, labels, 5, 2, seed=0)  # fixed seed: same examples
    assert sorted(y for _, y in a.examples) == [0, 0, 0, 1, 1]  # remainder to the first class
    assert all(texts[r] == t and labels[r] == y for r, (t, y) in zip(a.rows, a.examples))
    assert choose_few_shot(texts, labels, 5, 2, seed=1).rows != a.rows
    short = choose_few_shot(texts[:3], [0, 0, 1], 6, 2, seed=0)  # a class with fewer rows gives fewer
    assert sorted(y for _, y in short.examples) == [0, 0, 1]


def test_few_shot_without_train_is_a_config_error():
    with pytest.raises(ConfigError, match="train split"):
        choose_few_shot(None, None, 2, 2, 0)


def test_rendering_rule_for_chat_and_plain_prompts():
    shots = FewShot((("great film", 1), ("dull plot", 0)), (4, 9))
    msgs = chat_messages("Q: {text}", "new one", "Be brief.", shots, ["negative", "positive"])
    assert msgs == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q: great film"},
        {"role": "assistant", "content": "positive"},
        {"role": "user", "content": "Q: dull plot"},
        {"role": "assistant", "content": "negative"},
        {"role": "user", "content": "Q: new one"},
    ]
    assert plain_prompt("Q: {text}", "new one", shots, ["negative", "positive"]) == "Q: great film\npositive\n\nQ: dull plot\nnegative\n\nQ: new one"
