"""Try it: classify a typed text with the current configuration and show per-class scores."""

from dataclasses import replace

from textual.widgets import TextArea
from tui_helpers import static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from screens.try_screen import TryScreen
from workbench.data import DataSpec
from workbench.store import RunStore



async def test_try_it_shows_the_prediction_and_scores(label_words, tmp_path):
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", params={"labels": ["bad", "good"]})
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+t")
        screen = await wait_for_screen(pilot, TryScreen)
        await pilot.press("ctrl+r")
        assert "type a text first" in static_text(screen, "#try-status")
        screen.query_one("#try-text", TextArea).text = "a good good film with one bad scene"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "predicted" in static_text(screen, "#try-result"), what="the prediction")
        result = static_text(screen, "#try-result")
        assert result.startswith("predicted: pos")
        lines = result.splitlines()
        assert lines[1].startswith("pos") and "2.0000" in lines[1] and lines[2].startswith("neg") and "1.0000" in lines[2]
        screen.query_one("#try-text", TextArea).text = "nothing to see"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "predicted: invalid" in static_text(screen, "#try-result"), what="invalid")
        assert "raw answer: no label word" in static_text(screen, "#try-result")


async def test_try_it_from_a_report_uses_that_runs_configuration(label_words, tmp_path):
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", params={"labels": ["awful", "good"]})
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, ReportScreen)
        await pilot.press("t")
        screen = await wait_for_screen(pilot, TryScreen)
        screen.query_one("#try-text", TextArea).text = "awful"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "predicted: neg" in static_text(screen, "#try-result"), what="the prediction")


async def test_try_it_shows_an_engine_error_in_place(label_words, tmp_path):
    spec = replace(default_spec(), data=DataSpec(str(tmp_path / "missing")), method="label-words")
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_try()
        screen = await wait_for_screen(pilot, TryScreen)
        screen.query_one("#try-text", TextArea).text = "good"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "no file or folder" in static_text(screen, "#try-status"), what="the error")
