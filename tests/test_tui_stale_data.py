"""The data is read and fingerprinted at every run: a file edited between two runs in one TUI
session gives a new run over the new rows (it used to reuse the old rows and the old run id)."""

from dataclasses import replace

import pytest
from tui_helpers import LabelWordMethod, tiny_data, wait_for_screen

from conftest import write_jsonl
from screens.app import WorkbenchApp
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.store import RunStore


@pytest.fixture
def label_words(monkeypatch):
    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)


async def test_editing_the_data_file_between_two_runs_makes_a_new_run(label_words, tmp_path):
    store = RunStore()
    folder = tmp_path / "d"
    spec = replace(default_spec(), data=DataSpec(tiny_data(folder)), method="label-words", params={"labels": ["bad", "good"]})
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        first = await wait_for_screen(pilot, ReportScreen)
        first_id = first.run_id
        assert store.find(first_id).report.n == 22

        # The same configuration, but the file now holds other rows.
        write_jsonl(folder / "test.jsonl", [{"text": "a good film", "label": 1}, {"text": "a bad film", "label": 0}, {"text": "bad", "label": 1}])
        app.back_to_setup()
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        second = await wait_for_screen(pilot, ReportScreen)
        assert second.run_id != first_id
        report = store.find(second.run_id).report
        assert report.n == 3 and report.accuracy == pytest.approx(2 / 3)
        assert [p.text for p in store.predictions(second.run_id)] == ["a good film", "a bad film", "bad"]
