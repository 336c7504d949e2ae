"""History (all runs, sortable, pick two) and compare (deltas, McNemar, matrices side by side,
flipped examples, configuration diff)."""

from fake_methods import LabelWordMethod
from textual.widgets import DataTable
from tui_helpers import SEED_IDS, SEED_LABELS, open_history, seed_runs, static_text, stored_report, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.history_screen import HistoryScreen
from screens.prompt_screen import PromptScreen
from screens.report_screen import ReportScreen
from workbench.methods import METHODS
from workbench.store import RunStore


def column(table: DataTable, key: str) -> list[str]:
    return [str(getattr(c, "plain", getattr(c, "text", c))) for c in table.get_column(key)]


async def test_history_lists_and_sorts_runs_with_key_figures(monkeypatch):
    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#runs", DataTable)
        assert column(table, "run") == ["bbbbbbbbbbbb", "aaaaaaaaaaaa"]  # newest first
        acc = {r: stored_report(store, SEED_IDS[r])["accuracy"] for r in "ab"}
        assert column(table, "acc") == [f"{acc['b']:.4f}", f"{acc['a']:.4f}"]
        assert column(table, "invalid") == ["0", "2"]
        await pilot.press("s")  # by accuracy, descending
        assert "sorted by accuracy (descending)" in static_text(screen, "#history-status")
        assert column(table, "run")[0] == ("bbbbbbbbbbbb" if acc["b"] >= acc["a"] else "aaaaaaaaaaaa")
        await pilot.press("o")  # ascending
        assert column(table, "run")[0] == ("aaaaaaaaaaaa" if acc["b"] >= acc["a"] else "bbbbbbbbbbbb")
        await pilot.press("s", "s")  # by invalid, still ascending
        assert column(table, "invalid") == ["0", "2"] and "invalid (ascending)" in static_text(screen, "#history-status")
        await pilot.press("c")  # nothing marked and one run highlighted: refused
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        table.move_cursor(row=1)
        await pilot.press("enter")
        report = await wait_for_screen(pilot, ReportScreen)
        assert report.run_id == SEED_IDS["a"]
        await pilot.press("h")
        await wait_for_screen(pilot, HistoryScreen)
        table = app.screen.query_one("#runs", DataTable)
        table.move_cursor(row=[r for r in range(table.row_count) if column(table, "run")[r] == "aaaaaaaaaaaa"][0])
        await pilot.press("p")  # the prompt/labels screen with that run's configuration
        await wait_for_screen(pilot, PromptScreen)
        assert app.session.spec.params == {"labels": SEED_LABELS["a"]} and app.session.spec.method == "label-words"


async def test_mark_two_and_compare():
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#runs", DataTable)
        table.move_cursor(row=1)  # A (older)
        await pilot.press("space")
        assert column(table, "mark") == [" ", "A"]
        table.move_cursor(row=0)  # B, highlighted: one marked run and the highlighted one compare
        await pilot.press("c")
        compare = await wait_for_screen(pilot, CompareScreen)
        assert (compare.run_a, compare.run_b) == (SEED_IDS["a"], SEED_IDS["b"])
        await wait_for(pilot, lambda: compare.query_one("#deltas", DataTable).row_count > 0, what="the comparison")
        a, b = stored_report(store, SEED_IDS["a"]), stored_report(store, SEED_IDS["b"])
        table = compare.query_one("#deltas", DataTable)
        cells = ([str(getattr(c, "plain", getattr(c, "text", c))) for c in table.get_row_at(i)] for i in range(table.row_count))
        deltas = {row[0]: row[1:] for row in cells}
        assert deltas["accuracy"] == [f"{a['accuracy']:.4f}", f"{b['accuracy']:.4f}", f"{b['accuracy'] - a['accuracy']:+.4f}"]
        assert column(compare.query_one("#flips-r2w", DataTable), "row") == []  # B gets every example A got
        assert column(compare.query_one("#flips-w2r", DataTable), "row") == ["4", "9", "10"]
        assert "wrong in A, right in B: 3" in static_text(compare, "#flips-w2r-title")
        mcnemar = static_text(compare, "#mcnemar")
        assert "paired examples: 12" in mcnemar and "McNemar (exact binomial)" in mcnemar and "p = " in mcnemar
        diff = compare.query_one("#config-diff", DataTable)
        assert column(diff, "setting") == ["params.labels"]
        await pilot.press("d")
        await pilot.pause()
        assert SEED_LABELS["b"][0] in static_text(compare, "#config-detail")
        await pilot.press("x")  # swap A and B
        swapped = await wait_for_screen(pilot, CompareScreen)
        await wait_for(pilot, lambda: swapped is not compare and swapped.run_a == SEED_IDS["b"], what="the swap")


async def test_history_shows_a_running_run_no_process_holds_as_interrupted():
    from workbench.methods import Prediction

    store = RunStore()
    dead = "c" * 64
    store.start_run(dead, method="label-words", model=None, dataset="tiny", split="test", n=4, config={})
    store.add_predictions(dead, [(0, "t", 1, Prediction(1))])
    store._runs.release(dead)  # as when its process died (the rule: RunStore.status_of)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        assert column(screen.query_one("#runs", DataTable), "status") == ["interrupted 1/4"]
        assert store.status_of(screen.runs[dead]) == "interrupted"
