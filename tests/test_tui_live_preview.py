"""While editing: the prompt screen shows, for its example, each class's score and the predicted
label marked right or wrong against gold; an embedding method re-scores as the user types (after a
pause, in a worker), any other method on ctrl+e."""

from dataclasses import replace

from test_tui_prompt import open_prompt
from textual.widgets import Input
from tui_helpers import static_text, tiny_data, wait_for

from screens.app import WorkbenchApp
from screens.session import default_spec
from workbench.data import DataSpec
from workbench.store import RunStore


async def test_an_embedding_method_rescores_the_example_as_label_texts_are_edited():
    app = WorkbenchApp(RunStore(), replace(default_spec(), dtype="float32"))  # the sample, embed-zeroshot, MiniLM
    async with app.run_test(size=(110, 34)) as pilot:
        screen = await open_prompt(pilot)
        await wait_for(pilot, lambda: "scores  neg 0." in static_text(screen, "#preview"), timeout=120, what="the first scores (model load)")
        first = static_text(screen, "#preview")
        assert "→ " in first and ("✓ right" in first or "✗ wrong (gold neg)" in first)  # example 1 is a negative review
        boxes = list(screen.query(".label-text-row Input").results(Input))
        boxes[1].value = "A wonderful, moving film"  # a very different text for pos
        await pilot.pause()
        line = lambda text: next((row for row in text.splitlines() if row.startswith("scores")), None)  # noqa: E731
        # the old scores are cleared as the text changes, and the example is scored again with it
        await wait_for(pilot, lambda: line(static_text(screen, "#preview")) not in (None, line(first)), timeout=60, what="the new scores")


async def test_another_method_is_scored_on_ctrl_e(label_words, tmp_path):
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", model=None, params={"labels": ["bad", "good"]})
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(110, 34)) as pilot:
        screen = await open_prompt(pilot)
        await pilot.pause(0.5)
        assert "scores" not in static_text(screen, "#preview")  # not a live-preview method: no scoring while typing
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: "scores" in static_text(screen, "#preview"), what="the scores")
        assert "→ pos ✓ right" in static_text(screen, "#preview")  # example 1: "a good film number 0", gold pos
