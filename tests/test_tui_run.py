"""Run screen: the run happens in a thread worker with live progress, can be cancelled (finished
predictions kept, marked cancelled), and engine errors are shown in place."""

from dataclasses import replace

import pytest
from fake_methods import ApiWords, open_gate
from tui_helpers import no_device_picking, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.report_screen import ReportScreen
from screens.run_screen import RunScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.store import RunStore



def words_spec(source: str, **params):
    return replace(default_spec(), data=DataSpec(source), method="label-words", params=params, batch_size=4)


async def test_run_shows_progress_then_the_report(label_words, tmp_path):
    store = RunStore()
    gate = tmp_path / "go"  # the run holds after its first batch until the test opens it
    spec = words_spec(tiny_data(tmp_path / "d"), labels=["bad", "good"], gate=str(gate))
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: "accuracy so far" in static_text(screen, "#run-stats"), what="progress")
        stats = static_text(screen, "#run-stats")
        assert " / 22 examples" in stats and "ETA" in stats and "elapsed" in stats and "device cpu" in stats
        assert "accuracy so far" in stats
        assert "predicting" in static_text(screen, "#run-phase")
        open_gate(gate)
        report_screen = await wait_for_screen(pilot, ReportScreen)
        run = store.find(report_screen.run_id)
        assert run.status == "done" and run.report.n == 22
        assert run.report.accuracy == pytest.approx(20 / 22) and run.report.invalid == 2
        assert static_text(report_screen, "#report-head").startswith(report_screen.run_id[:12])


async def test_cancel_keeps_finished_predictions_marked_cancelled(label_words, tmp_path):
    store = RunStore()
    rows = [{"text": f"good film {i}", "label": 1} for i in range(40)] + [{"text": f"bad film {i}", "label": 0} for i in range(40)]
    gate = tmp_path / "go"
    spec = words_spec(tiny_data(tmp_path / "d", rows), labels=["bad", "good"], gate=str(gate))
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: " / 80 examples" in static_text(screen, "#run-stats") and not static_text(screen, "#run-stats").startswith("0 "), what="a batch")
        await pilot.press("c")
        await wait_for(pilot, lambda: "cancelling" in static_text(screen, "#run-phase"), what="the cancel request")
        open_gate(gate)  # the held batch ends, and the run sees the cancel request
        report_screen = await wait_for_screen(pilot, ReportScreen)
        run = store.find(report_screen.run_id)
        assert run.status == "cancelled"
        kept = store.predictions(report_screen.run_id)
        assert 0 < len(kept) < 80 and run.report.n == len(kept)
        assert "cancelled" in static_text(report_screen, "#report-notice")


async def test_engine_refusal_is_shown_in_place_not_raised(label_words, tmp_path):
    spec = words_spec(tiny_data(tmp_path / "d"), labels=["bad", "good", "extra"])  # 3 texts for 2 classes
    spec = replace(spec, data=DataSpec(str(tmp_path / "d"), split="nope"))
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: static_text(screen, "#run-error") != "", what="the error")
        assert "no file for split 'nope'" in static_text(screen, "#run-error")
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)


async def test_identical_run_is_reused_and_says_so(label_words, tmp_path):
    store = RunStore()
    app = WorkbenchApp(store, words_spec(tiny_data(tmp_path / "d"), labels=["bad", "good"]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        first = await wait_for_screen(pilot, ReportScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen is not first, what="the second report")
        assert "identical run is stored" in static_text(app.screen, "#report-notice")
        assert len(store.list_runs()) == 1


async def test_device_line_shows_the_resolved_dtype(label_words, tmp_path):
    gate = tmp_path / "go"
    spec = replace(words_spec(tiny_data(tmp_path / "d"), labels=["bad", "good"], gate=str(gate)), dtype="fp32")
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: "device cpu float32" in static_text(screen, "#run-stats"), what="the device line")
        open_gate(gate)
        report = await wait_for_screen(pilot, ReportScreen)
        assert "device cpu float32  ·" in static_text(report, "#report-details")


async def test_a_run_with_no_local_model_shows_device_api_and_picks_no_device(monkeypatch, tmp_path):
    monkeypatch.setitem(METHODS, "label-words", ApiWords)
    no_device_picking(monkeypatch)
    store = RunStore()
    gate = tmp_path / "go"
    app = WorkbenchApp(store, words_spec(tiny_data(tmp_path / "d"), labels=["bad", "good"], gate=str(gate)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: "accuracy so far" in static_text(screen, "#run-stats"), what="progress")
        device_line = static_text(screen, "#run-stats").splitlines()[1]
        assert device_line.startswith("device api  ·") and "float" not in device_line
        open_gate(gate)
        report = await wait_for_screen(pilot, ReportScreen)
        assert store.find(report.run_id).report.dtype is None
        assert "device api  ·" in static_text(report, "#report-details")


async def test_a_run_on_the_split_its_method_fits_on_is_warned_as_it_ends(tmp_path):
    """The engine's warning (workbench/split_checks.py) is a warning toast as the run ends, and a
    'warning:' line among the report's details, as the CLI prints it."""
    from screens.report_tables import details_text

    store = RunStore()
    spec = replace(default_spec(), data=DataSpec("sample", split="train"), method="majority", model=None, params={})
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        report_screen = await wait_for_screen(pilot, ReportScreen)
        said = [n for n in app._notifications if n.severity == "warning" and "the method fits on split 'train'" in n.message]
        assert said and said[0].title == "warning"
        assert "\nwarning: the method fits on split 'train'" in details_text(store.find(report_screen.run_id).report)
