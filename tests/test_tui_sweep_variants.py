"""The sweep being built in the UI: its variants are named as the user says (else v1, v2, ...),
dropped (and said so) when the data changes under them, and a refusal names a few classes, not 77."""

from dataclasses import replace

import pytest
from textual.widgets import Input
from tui_helpers import key_burst, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.prompt_screen import PromptScreen
from screens.session import Session, default_spec
from screens.setup_screen import SetupScreen
from workbench.answers import check_label_texts
from workbench.data import DataSpec
from workbench.errors import ConfigError
from workbench.store import RunStore


def words_spec(source: str, **params):
    return replace(default_spec(), data=DataSpec(source), method="label-words", params=params, batch_size=4)


def test_another_dataset_drops_the_variants_and_says_why():
    session = Session(words_spec("sample"))
    assert session.add_variant({"labels": ["bad", "good"]}, "plain") == "plain"
    assert session.add_variant({"labels": ["awful", "great"]}) == "v2"
    with pytest.raises(ValueError, match="named plain already"):
        session.add_variant({"labels": ["x", "y"]}, "plain")
    session.spec = replace(session.spec, params={"labels": ["x", "y"]}, batch_size=8)  # same data: kept
    assert [n for n, _ in session.variants] == ["plain", "v2"] and not session.dropped_note
    session.spec = replace(session.spec, data=DataSpec("banking77"))
    assert session.variants == [] and session.sweep_method is None
    assert session.dropped_note == "the 2 sweep variants built for sample were dropped: the data changed"


def test_a_refusal_names_a_few_classes_of_many():
    names = [f"class_{i}" for i in range(77)]
    with pytest.raises(ConfigError) as e:
        check_label_texts(names, ["a", "b"])
    assert "2 texts for 77 classes (class_0, class_1, class_2, class_3, class_4, class_5, … 71 more)" in str(e.value)
    assert "class_40" not in str(e.value)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_variants_named_on_the_prompt_screen_and_dropped_on_a_data_change(size, label_words, tmp_path):
    app = WorkbenchApp(RunStore(), words_spec(tiny_data(tmp_path / "d")))
    said: list[str] = []
    notify = app.notify
    app.notify = lambda message, **kw: (said.append(str(message)), notify(message, **kw))[1]  # a toast expires: keep what it said
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+n")
        prompt = await wait_for_screen(pilot, PromptScreen)
        await wait_for(pilot, lambda: prompt.dataset is not None and not prompt.query("#editors-status"), what="the editors")
        boxes = list(prompt.query(".label-text-row Input").results(Input))
        name_box = prompt.query_one("#variant-name", Input)
        assert "empty: v1" in name_box.placeholder
        name_box.focus()
        await pilot.pause()
        key_burst(app, "names only", "ctrl+s")  # typed and added in one burst: the name is whole
        await wait_for(pilot, lambda: app.session.variants, what="the variant")
        assert app.session.variants[0][0] == "names only" and name_box.value == "" and "empty: v2" in name_box.placeholder
        boxes[0].value, boxes[1].value = "bad", "good"
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert [n for n, _ in app.session.variants] == ["names only", "v2"]
        assert "sweep: 2 variants" in prompt.sub_title
        await pilot.press("escape")
        setup = await wait_for_screen(pilot, SetupScreen)
        app.session.spec = replace(app.session.spec, data=DataSpec(tiny_data(tmp_path / "other")))  # as the form does
        await pilot.press("ctrl+n")
        prompt = await wait_for_screen(pilot, PromptScreen)
        await pilot.pause()
        assert app.session.variants == [] and "sweep" not in prompt.sub_title
        assert any("2 sweep variants built for" in m and "data changed" in m for m in said)
        assert setup is app.screen_stack[1]
