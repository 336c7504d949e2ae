"""The setup screen's Devices field: the prediction split over worker processes from the TUI as
with --devices (here two CPU workers), and a devices value the engine refuses shown in place,
naming the field."""

from dataclasses import replace

from textual.widgets import Input
from tui_helpers import static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.report_screen import ReportScreen
from screens.run_screen import RunScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.store import RunStore


def zeroshot_spec(source: str):
    return replace(default_spec(), data=DataSpec(source), method="embed-zeroshot", model="all-MiniLM-L6-v2", params={}, batch_size=2, dtype="float32")


async def test_devices_field_splits_the_prediction_over_workers(tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    app = WorkbenchApp(store, zeroshot_spec(tiny_data(tmp_path / "d")))
    async with app.run_test(size=(100, 34)) as pilot:
        setup = await wait_for_screen(pilot, SetupScreen)
        field = setup.query_one("#devices", Input)
        field.value = "cpu,gpu9"
        await pilot.press("ctrl+r")
        run = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: static_text(run, "#run-error") != "", what="the refusal")
        error = static_text(run, "#run-error")
        assert "Devices" in error and "gpu9" in error  # the field as the TUI names it
        await pilot.press("escape")
        setup = await wait_for_screen(pilot, SetupScreen)
        setup.query_one("#devices", Input).value = "cpu,cpu"
        await pilot.press("ctrl+r")
        report = await wait_for_screen(pilot, ReportScreen, timeout=300)
        assert app.session.spec.devices == "cpu,cpu"
        [run_row] = store.list_runs()
        assert any("predicted by 2 worker processes" in note for note in store.get(run_row.run_id).report.notes)
        assert report is app.screen
