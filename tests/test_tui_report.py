"""Report screen: metrics and intervals, per-class table, confusion matrix (drawn and selectable)
with an invalid column, the example browser filtered by the selected cell, and the iteration keys."""

from dataclasses import replace

from textual.widgets import DataTable, Input, TabbedContent
from tui_helpers import SEED_IDS, seed_runs, static_text, stored_report, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.confusion import ConfusionTable, draw_confusion, matrix_rows
from screens.example_browser import ExampleBrowser
from screens.prompt_screen import PromptScreen
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.store import RunStore


def table_rows(table: DataTable) -> list[list[str]]:
    return [[str(getattr(c, "plain", getattr(c, "text", c))) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_seeded_report(pilot, run_id: str) -> ReportScreen:
    await wait_for_screen(pilot, SetupScreen)
    pilot.app.open_report(run_id)
    return await wait_for_screen(pilot, ReportScreen)


def test_matrix_has_an_invalid_column_only_when_needed():
    store = RunStore()
    seed_runs(store)
    with_invalid, without = store.find(SEED_IDS["a"]).report, store.find(SEED_IDS["b"]).report
    assert matrix_rows(with_invalid)[1] == ["neg", "pos", "invalid"] and matrix_rows(without)[1] == ["neg", "pos"]
    drawing = draw_confusion(with_invalid, 60, 8).plain
    assert "invalid" in drawing and "4 (67%)" in drawing and "1 (17%)" in drawing  # counts and row shares
    assert "neg" in drawing and "pos" in drawing


async def test_metrics_per_class_and_intervals():
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_seeded_report(pilot, SEED_IDS["a"])
        metrics = {row[0]: row[1:] for row in table_rows(screen.query_one("#metrics", DataTable))}
        report = stored_report(store, SEED_IDS["a"])
        assert metrics["accuracy"][0] == f"{report['accuracy']:.4f}"
        lo, hi = report["ci95"]["accuracy"]
        assert metrics["accuracy"][1] == f"[{lo:.4f}, {hi:.4f}]"
        assert metrics["invalid"] == ["2", "16.7% of all, counted wrong"]
        per_class = {row[0]: row[1:] for row in table_rows(screen.query_one("#per-class", DataTable))}
        assert per_class["neg"][3] == "6" and per_class["pos"][2] == f"{report['per_class']['pos']['f1']:.4f}"
        assert "load 500ms" in static_text(screen, "#report-details")


async def test_selecting_a_matrix_cell_filters_the_examples():
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_seeded_report(pilot, SEED_IDS["a"])
        await pilot.press("e")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-errors"
        matrix = screen.query_one(ConfusionTable)
        assert app.focused is matrix
        rows = table_rows(matrix)
        assert rows[0] == ["neg", "4 (67%)", "1 (17%)", "1 (17%)"] and rows[1] == ["pos", "2 (33%)", "3 (50%)", "1 (17%)"]
        browser = screen.query_one(ExampleBrowser)
        assert len(browser.shown) == 5  # every misclassified or invalid example to begin with
        matrix.move_cursor(row=1, column=1)  # gold pos, predicted neg
        await pilot.press("enter")
        await pilot.pause()
        assert [p.idx for p in browser.shown] == [9, 10]
        assert "gold pos, predicted neg: 2" in static_text(screen, "#examples-filter")
        assert app.focused is screen.query_one("#examples", DataTable)
        await pilot.press("down")
        await pilot.pause()
        assert "row 10  gold pos  predicted neg  scores: neg 0.800  pos 0.200" in static_text(screen, "#example-detail")
        matrix.focus()
        matrix.move_cursor(row=0, column=3)  # gold neg, invalid
        await pilot.press("enter")
        await pilot.pause()
        assert [p.idx for p in browser.shown] == [5]
        assert "raw answer: no label word" in static_text(screen, "#example-detail")
        await pilot.press("a")
        await pilot.pause()
        assert len(browser.shown) == 5



async def test_iterate_report_to_labels_run_again_and_compare(label_words, tmp_path):
    """p goes back to the labels with the run's configuration; ctrl+r runs the edit; c compares."""
    store = RunStore()
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", params={"labels": ["bad", "nice"]})
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        first = await wait_for_screen(pilot, ReportScreen)
        await pilot.press("p")
        prompt = await wait_for_screen(pilot, PromptScreen)
        await wait_for(pilot, lambda: prompt.query(".label-text-row Input"), what="the label editors")
        boxes = list(prompt.query(".label-text-row Input").results(Input))
        assert [b.value for b in boxes] == ["bad", "nice"]  # the report's configuration
        boxes[1].value = "good"
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen is not first, what="the new report")
        second = app.screen
        assert second.run_id != first.run_id
        await pilot.press("c")
        compare = await wait_for_screen(pilot, CompareScreen)
        assert (compare.run_a, compare.run_b) == (first.run_id, second.run_id)
        await wait_for(pilot, lambda: compare.query_one("#deltas", DataTable).row_count > 0, what="the comparison")
        assert "params.labels" in [row[0] for row in table_rows(compare.query_one("#config-diff", DataTable))]


async def test_report_of_a_run_without_report_says_so():
    store = RunStore()
    store.start_run("c" * 64, method="label-words", model=None, dataset="tiny", split="test", n=3, config={})
    app = WorkbenchApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_seeded_report(pilot, "c" * 64)
        assert "has no report (running)" in static_text(screen, "#report-head")
        await pilot.press("p")  # nothing to go back to: no crash
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)
