"""Random strings through the prompt template and NLI hypothesis checks.

Whatever a user feeds in ends in either a clear one-line WorkbenchError or a documented,
counted handling - never another exception, never a hang. (Split by subject from the former
test_fuzz_inputs.py; shared helpers in fuzz_helpers.py.)
"""

from __future__ import annotations

import pytest
from fuzz_helpers import FAST, one_line
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import ConfigError
from workbench.methods.nli import check_hypothesis
from workbench.prompts import check_template, render

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
