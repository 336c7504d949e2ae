"""77 classes read in the TUI at 120x40 and 80x24: the metrics pane scrolls to the matrix under
the tables (End, PageDown), class names cut to fit stay told apart, the error list keeps rows and
room for the text beside long class names, and an example's detail names the 5 highest scores
and the gold class's, then the text."""

import pytest
from many_classes import MANY_ID, NAMES, many_gold_preds, seed_many
from textual.widgets import DataTable
from tui_helpers import wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.confusion import ConfusionPlot
from screens.example_browser import ExampleBrowser
from screens.report_screen import ReportScreen
from screens.setup_screen import SetupScreen
from workbench.methods import Prediction
from workbench.store import RunStore

SIZES = [(120, 40), (80, 24)]
BANK, CHEQUE = NAMES.index("balance_not_updated_after_bank_transfer"), NAMES.index("balance_not_updated_after_cheque_or_cash_deposit")


def seed_scored_many(store: RunStore) -> None:
    """The 77-class run, its wrong answers with scores: the predicted class highest, the gold one
    seventh, the rest spread below (so the gold's score is not among the top 5)."""
    seed_many(store)
    gold, preds = many_gold_preds()
    rows = []
    for i, (g, p) in enumerate(zip(gold, preds)):
        if p is None or p == g:
            continue
        others = [c for c in range(len(NAMES)) if c not in (g, p)]
        scores = [0.0] * len(NAMES)
        scores[p] = 0.30
        for rank, c in enumerate(others[:5]):
            scores[c] = 0.10 - 0.01 * rank
        scores[g] = 0.02
        rest = (1.0 - sum(scores)) / (len(others) - 5)
        for c in others[5:]:
            scores[c] = rest
        rows.append((i, f"a question about {NAMES[g].replace('_', ' ')} number {i % 10}", g, Prediction(p, scores)))
    store.add_predictions(MANY_ID, rows)


async def open_many(pilot, app) -> ReportScreen:
    await wait_for_screen(pilot, SetupScreen)
    app.open_report(MANY_ID)
    screen = await wait_for_screen(pilot, ReportScreen)
    await wait_for(pilot, lambda: screen.query(ConfusionPlot), what="the report")
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", SIZES)
async def test_the_metrics_pane_scrolls_to_the_matrix(size):
    store = RunStore()
    seed_scored_many(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_many(pilot, app)
        pane = screen.query_one("#metrics-scroll")
        plot = screen.query_one("#metrics-plot", ConfusionPlot)
        assert app.focused is pane and pane.max_scroll_y > 0  # the matrix is below the fold ...
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: pane.scroll_y > 0, what="PageDown to scroll")
        await pilot.press("end")
        await wait_for(pilot, lambda: pane.scroll_y == pane.max_scroll_y, what="End to scroll")
        assert plot.region.overlaps(pane.region)  # ... and reached
        await pilot.press("home")
        await wait_for(pilot, lambda: pane.scroll_y == 0, what="Home to scroll back")
        await pilot.press("e", "m")  # back on the metrics tab, the pane has the keys again
        await pilot.pause()
        assert app.focused is pane


@pytest.mark.parametrize("size", SIZES)
async def test_class_names_cut_to_fit_are_told_apart(size):
    store = RunStore()
    seed_scored_many(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_many(pilot, app)
        per_class = screen.query_one("#per-class", DataTable)
        shown = [str(per_class.get_row_at(i)[0]) for i in range(per_class.row_count)]
        assert len(set(shown)) == 77 and shown[BANK] != shown[CHEQUE]
        assert shown[BANK].startswith("balance_not") and shown[BANK].endswith("transfer")
        matrix = screen.query_one("#confusion", DataTable)
        heads = [str(matrix.get_row_at(i)[0]) for i in range(matrix.row_count)]
        assert len(set(heads)) == 77
        grid = str(screen.query_one("#metrics-plot", ConfusionPlot).render())
        assert grid.count("balance_not_updated_after…") == 0  # the old cut: two classes, one name


@pytest.mark.parametrize("size", SIZES)
async def test_the_error_list_keeps_rows_and_room_for_the_text(size):
    store = RunStore()
    seed_scored_many(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_many(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        table = screen.query_one("#examples", DataTable)
        assert table.size.height - 1 >= 4  # more than one row under the header, at 80x24 too
        before_text = sum(c.get_render_width(table) for c in table.ordered_columns[:-1])
        assert size[0] - before_text >= 18  # the text starts on screen, with room
        browser = screen.query_one(ExampleBrowser)
        row = next(n for n, p in enumerate(browser.shown) if p.scores)  # the first is an invalid answer
        table.focus()
        table.move_cursor(row=row)
        await pilot.pause()
        first = browser.shown[row]
        detail = str(screen.query_one("#example-detail").render())
        lines = detail.splitlines()
        assert "(top 5 of 77)" in lines[0] + lines[1] and f"{NAMES[first.gold]} 0.020" in detail  # the gold's, after the top 5
        assert detail.count(" 0.0") + detail.count(" 0.1") + detail.count(" 0.3") <= 7  # not 77 scores
        assert first.text in detail
