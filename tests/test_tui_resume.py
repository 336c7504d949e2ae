"""History -> u resumes a run that did not finish on the run screen, with live progress, through
the engine's resume: only the missing examples are predicted, and the report covers them all."""

import threading
from dataclasses import replace

from fake_methods import ApiWords, LabelWordMethod, open_gate
from textual.widgets import DataTable
from tui_helpers import no_device_picking, open_history, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.history_screen import HistoryScreen
from screens.report_screen import ReportScreen
from screens.run_screen import RunScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.runner import execute, prepare
from workbench.store import RunStore


class CountingWords(LabelWordMethod):
    texts: list[str] = []

    def predict(self, texts, ctx):
        type(self).texts.extend(texts)
        return super().predict(texts, ctx)


def cell(table: DataTable, row_key: str, column: str) -> str:
    value = table.get_cell(row_key, column)
    return str(getattr(value, "plain", getattr(value, "text", value)))


async def test_u_resumes_a_cancelled_run_predicting_only_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.setitem(METHODS, "label-words", CountingWords)
    CountingWords.texts = []
    gate = tmp_path / "go"
    rows = [{"text": f"good film {i}", "label": 1} for i in range(20)] + [{"text": f"bad film {i}", "label": 0} for i in range(20)]
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d", rows)), method="label-words", params={"labels": ["bad", "good"], "gate": str(gate)}, batch_size=4)
    store = RunStore()
    cancel = threading.Event()
    open_gate(gate)  # the first run is not held: its cancel comes from its own progress
    first = execute(prepare(spec), store, cancel_event=cancel, on_progress=lambda ev: ev.done >= 8 and cancel.set())
    assert first.status == "cancelled" and store.count_predictions(first.run_id) == 8
    gate.unlink()  # the resumed run is held after its first batch until the test has seen it
    kept_texts = {p.text for p in store.predictions(first.run_id)}
    CountingWords.texts = []

    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        history = await open_history(pilot)
        table = history.query_one("#runs", DataTable)
        assert cell(table, first.run_id, "status") == "cancelled 8/40"
        await pilot.press("u")
        run_screen = await wait_for_screen(pilot, RunScreen)
        assert run_screen.resume == first.run_id
        await wait_for(pilot, lambda: " / 40 examples" in static_text(run_screen, "#run-stats"), what="live progress")
        assert run_screen.first_done["predicting"] == 8  # it started from the kept predictions
        open_gate(gate)
        report = await wait_for_screen(pilot, ReportScreen)
        assert report.run_id == first.run_id and "resumed" in static_text(report, "#report-notice")
        run = store.find(first.run_id)
        assert run.status == "done" and store.count_predictions(first.run_id) == 40 and run.report.n == 40
        assert run.report.accuracy == 1.0 and any(n.startswith("resumed: 8 of 40") for n in run.report.notes)
        assert len(CountingWords.texts) == 32 and not kept_texts & set(CountingWords.texts)  # only the missing ones

        await pilot.press("h")
        history = await wait_for_screen(pilot, HistoryScreen)
        assert cell(history.query_one("#runs", DataTable), first.run_id, "status") == "done"
        await pilot.press("u")  # a finished run: nothing to resume, its report opens
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen is not report, what="the report")
        assert len(CountingWords.texts) == 32


async def test_resuming_a_run_with_no_local_model_shows_device_api_and_picks_no_device(monkeypatch, tmp_path):
    monkeypatch.setitem(METHODS, "label-words", ApiWords)
    gate = tmp_path / "go"
    rows = [{"text": f"good film {i}", "label": 1} for i in range(12)] + [{"text": f"bad film {i}", "label": 0} for i in range(12)]
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d", rows)), method="label-words", params={"labels": ["bad", "good"], "gate": str(gate)}, batch_size=4)
    store = RunStore()
    cancel = threading.Event()
    open_gate(gate)
    first = execute(prepare(spec), store, cancel_event=cancel, on_progress=lambda ev: ev.done >= 4 and cancel.set())
    assert first.status == "cancelled"
    gate.unlink()
    no_device_picking(monkeypatch)  # the run screen used to pick one for the device line

    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.resume_run(first.run_id)
        run_screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: " / 24 examples" in static_text(run_screen, "#run-stats"), what="live progress")
        assert static_text(run_screen, "#run-stats").splitlines()[1].startswith("device api")
        open_gate(gate)
        report = await wait_for_screen(pilot, ReportScreen)
        assert report.run_id == first.run_id and store.find(first.run_id).status == "done"
