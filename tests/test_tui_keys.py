"""Keys land where they are typed: a burst of keys with no pause between them (a paste, tmux,
SSH) and Tab in the middle puts each text in its own field; Shift+Tab never parks the focus on an
invisible frame; the footer offers the keys-list key that works where the focus is."""

from dataclasses import replace

import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey
from tui_helpers import key_burst, open_prompt, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.keys_screen import KeysScreen, screen_keys
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.store import RunStore

SIZES = [(120, 40), (80, 24)]


def footer_keys(screen) -> list[tuple[str, str]]:
    return [(key.key_display, key.description) for key in screen.query(FooterKey)]


@pytest.mark.parametrize("size", SIZES)
async def test_label_texts_typed_with_tab_in_one_burst_land_in_their_own_fields(size, label_words):
    app = WorkbenchApp(RunStore(), replace(default_spec(), method="label-words"))
    async with app.run_test(size=size) as pilot:
        screen = await open_prompt(pilot)
        boxes = list(screen.query(".label-text-row Input").results(Input))
        assert app.focused is boxes[0]
        boxes[0].value = boxes[1].value = ""
        await pilot.pause()
        key_burst(app, "A very negative movie review", "tab", "A very positive movie review", "shift+tab", "end", "!")  # focus selects all: end keeps it
        await wait_for(pilot, lambda: boxes[0].value.endswith("!"), what="the burst to be read")
        assert [b.value for b in boxes] == ["A very negative movie review!", "A very positive movie review"]
        await wait_for(pilot, lambda: app.session.spec.params.get("labels") == [b.value for b in boxes], what="the accepted texts")


@pytest.mark.parametrize("size", SIZES)
async def test_setup_fields_typed_with_tab_in_one_burst(size):
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=size) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        text_column, label_column = screen.query_one("#text-column", Input), screen.query_one("#label-column", Input)
        text_column.focus()
        text_column.value = label_column.value = ""
        await pilot.pause()
        key_burst(app, "review", "tab", "stars")
        await wait_for(pilot, lambda: label_column.value == "stars", what="the burst to be read")
        assert text_column.value == "review"


async def test_editing_keys_in_a_burst_act_between_the_typed_ones():
    """Backspace and Home are bindings of the field: they act in their place in the burst, not after
    the characters typed behind them (Textual issue #6605)."""
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        box = screen.query_one("#text-column", Input)
        box.focus()
        box.value = ""
        await pilot.pause()
        key_burst(app, "revx", "backspace", "iew", "home", "my_", "end", "s")
        await wait_for(pilot, lambda: len(box.value) >= 10, what="the burst to be read")
        assert box.value == "my_reviews"


@pytest.mark.parametrize("size", SIZES)
async def test_shift_tab_from_the_first_field_never_lands_on_an_invisible_frame(size, label_words):
    app = WorkbenchApp(RunStore(), replace(default_spec(), method="label-words"))
    async with app.run_test(size=size) as pilot:
        screen = await open_prompt(pilot)
        chain = [w.id for w in screen.focus_chain]
        assert "editors" not in chain and chain[0] == "label-text-0"  # the frame of the fields takes no focus
        await pilot.press("shift+tab")
        assert app.focused is screen.query_one("#preview-box")  # wraps to the preview, framed brighter when focused
        await pilot.press("tab")
        assert app.focused.id == "label-text-0"
        setup_chain = [w.id for w in app.screen_stack[1].focus_chain]
        assert "setup-form" not in setup_chain


@pytest.mark.parametrize("size", SIZES)
async def test_footer_offers_f1_for_the_keys_while_a_field_takes_question_marks(size, label_words):
    app = WorkbenchApp(RunStore(), replace(default_spec(), method="label-words"))
    async with app.run_test(size=size) as pilot:
        screen = await open_prompt(pilot)
        box = screen.query_one("#label-text-0", Input)
        assert app.focused is box
        await pilot.pause()
        assert ("f1", "Keys") in footer_keys(screen) and ("?", "Keys") not in footer_keys(screen)
        await pilot.press("question_mark")
        assert box.value.endswith("?") and app.screen is screen  # typed, not a command
        await pilot.press("shift+tab")  # to the preview: no text field has the focus
        await pilot.pause()
        assert ("?", "Keys") in footer_keys(screen) and ("f1", "Keys") not in footer_keys(screen)
        await pilot.press("question_mark")
        keys = await wait_for_screen(pilot, KeysScreen)
        listed = [(k, what) for k, what, _ in screen_keys(screen)]
        assert listed.count(("? f1", "Keys")) == 1 and not [row for row in listed if row[1] == "Keys" and row[0] != "? f1"]
        await pilot.press("escape")
        await pilot.press("tab")
        await pilot.press("f1")
        assert isinstance(app.screen, KeysScreen) and keys is not app.screen
