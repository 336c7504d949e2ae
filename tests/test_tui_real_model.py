"""The whole iteration loop in the app with a real model (all-MiniLM-L6-v2, shipped as a package)
on the offline sample: run, back to the labels, edit, run again, compare, try it."""

from dataclasses import replace

import pytest
from textual.widgets import DataTable, Input, TextArea
from tui_helpers import static_text, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.prompt_screen import PromptScreen
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from screens.try_screen import TryScreen
from workbench.store import RunStore

pytestmark = pytest.mark.integration


async def test_run_edit_labels_rerun_compare_and_try_with_minilm():
    store = RunStore()
    app = WorkbenchApp(store, replace(default_spec(), model="all-MiniLM-L6-v2"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        first = await wait_for_screen(pilot, ReportScreen, timeout=120)
        report = store.find(first.run_id).report
        assert report.n == 120 and report.status == "done" and 0.3 < report.accuracy <= 1.0
        await pilot.press("p")
        prompt = await wait_for_screen(pilot, PromptScreen)
        await wait_for(pilot, lambda: prompt.query(".label-text-row Input"), what="the label editors")
        boxes = list(prompt.query(".label-text-row Input").results(Input))
        boxes[0].value = "A very negative movie review"
        boxes[1].value = "A very positive movie review"
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen is not first, timeout=120, what="the second report")
        second = app.screen
        await pilot.press("c")
        compare = await wait_for_screen(pilot, CompareScreen)
        await wait_for(pilot, lambda: "McNemar" in static_text(compare, "#mcnemar"), what="McNemar")
        settings = [str(getattr(c, "plain", c)) for c in compare.query_one("#config-diff", DataTable).get_column("setting")]
        assert "params.labels" in settings
        assert (compare.run_a, compare.run_b) == (first.run_id, second.run_id)
        await pilot.press("escape")
        await wait_for_screen(pilot, ReportScreen)
        await pilot.press("t")
        try_screen = await wait_for_screen(pilot, TryScreen)
        try_screen.query_one("#try-text", TextArea).text = "An absolute triumph: moving, funny and beautifully made."
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "predicted: pos" in static_text(try_screen, "#try-result"), timeout=60, what="the prediction")
