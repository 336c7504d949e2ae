"""The export key (w) of the report and compare screens: the run (or the two compared) written as
one HTML page into the current folder, and a toast that says where; a folder that cannot be
written is said in a toast too."""

import os

from fake_methods import LabelWordMethod
from tui_helpers import SEED_IDS, seed_runs, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.report_screen import ReportScreen
from workbench.methods import METHODS
from workbench.store import RunStore


async def test_w_writes_the_report_and_the_comparison_as_html_and_says_where(monkeypatch, tmp_path):
    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)
    monkeypatch.chdir(tmp_path)
    store = RunStore(tmp_path / "s.sqlite")
    seed_runs(store)
    a, b = SEED_IDS["a"], SEED_IDS["b"]
    app = WorkbenchApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_report(a)
        await wait_for_screen(pilot, ReportScreen)
        await pilot.press("w")
        page = tmp_path / f"workbench-{a[:12]}.html"
        await wait_for(pilot, lambda: any(str(page) in n.message for n in app._notifications), what="the export's toast")
        assert page.read_text(encoding="utf-8") == app.engine.export(a, "html").content

        app.open_compare(a, b)
        await wait_for_screen(pilot, CompareScreen)
        await pilot.press("w")
        pair = tmp_path / f"workbench-{a[:12]}-vs-{b[:12]}.html"
        await wait_for(pilot, lambda: any(str(pair) in n.message for n in app._notifications), what="the comparison's toast")
        assert "McNemar" in pair.read_text(encoding="utf-8")

        gone = tmp_path / "gone"
        gone.mkdir()
        os.chdir(gone)
        gone.rmdir()  # the current folder is no more
        await pilot.press("w")
        await wait_for(pilot, lambda: any("cannot export: cannot write the html export" in n.message for n in app._notifications), what="the refusal")
