"""The report screen of a run with many classes (77, banking77-like names): the engine's top
confusions listed and chosen from, the per-class table sorted by a key, the matrix numbered with a
legend and sized to its widget; the matrix's heat scale, and plain drawing under NO_COLOR."""

import itertools

from many_classes import CARD_ARRIVAL, CARD_DELIVERY, LOST_CARD, MANY_ID, NAMES, seed_many
from rich.text import Text
from textual.widgets import DataTable, TabbedContent
from tui_helpers import SEED_IDS, seed_runs, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.confusion import HEAT, ConfusionPlot, ConfusionTable, TopConfusions, draw_confusion, draw_grid, heat_step
from screens.example_browser import ExampleBrowser
from screens.report_screen import ReportScreen
from screens.setup_screen import SetupScreen
from workbench.store import RunStore


def colored(text: Text) -> set[str]:
    """The colours a Rich text carries (foreground and background)."""
    out = set()
    for span in text.spans:
        style = span.style
        if isinstance(style, str):
            from rich.style import Style

            style = Style.parse(style)
        for color in (style.color, style.bgcolor):
            if color is not None:
                out.add(str(color))
    return out


def test_the_heat_scale_has_distinct_steps():
    assert [heat_step(s) for s in (0, 0.01, 0.2, 0.21, 0.4, 0.5, 0.8, 0.81, 1.0)] == [0, 1, 1, 2, 2, 3, 4, 5, 5]
    for a, b in itertools.combinations(HEAT, 2):  # each step far from every other (RGB distance)
        assert sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5 > 60, (a, b)
    lightness = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in HEAT]
    assert lightness == sorted(lightness)  # darker to lighter: an order, not just different hues
    store = RunStore()
    seed_runs(store)
    drawing = draw_confusion(store.find(SEED_IDS["a"]).report, 60, 10, plain=False)
    fills = {c for c in colored(drawing)}
    assert len(fills) >= 4 and "row share" in drawing.plain  # several steps, and a key to them


def test_no_color_draws_plain(monkeypatch):
    store = RunStore()
    seed_runs(store)
    small = store.find(SEED_IDS["a"]).report
    seed_many(store)
    many = store.find(MANY_ID).report
    monkeypatch.setenv("NO_COLOR", "1")
    for drawing in (draw_confusion(small, 60, 10, ((40, 40, 40), (0, 120, 215))), draw_confusion(many, 100, 40)):
        assert not drawing.spans and not colored(drawing), drawing.spans[:3]
        assert "\x1b[" not in drawing.plain
    assert "4 (67%)" in draw_confusion(small, 60, 10).plain  # the counts, still
    monkeypatch.setenv("NO_COLOR", "")  # set but empty: colour (no-color.org)
    assert colored(draw_confusion(small, 60, 10))


def test_the_grid_fits_its_width_with_a_legend():
    store = RunStore()
    seed_many(store)
    report = store.find(MANY_ID).report
    for width in (160, 118, 76, 50):
        grid = draw_grid(report, width, plain=True).plain
        lines = grid.splitlines()
        assert max(len(line) for line in lines) <= width, width
        assert "77 wrong_exchange" in grid and " 1 activate_my_card" in grid  # the legend
        assert "x  an invalid answer" in grid and "row share" in grid
    wide = draw_grid(report, 260, plain=True).plain.splitlines()
    row = next(line for line in wide if line.startswith(f"{CARD_ARRIVAL + 1} card_arrival"))
    assert row.split()[-67:-64] == ["3", "7", "."]  # its count right and taken for the next class


async def test_many_classes_on_the_report_screen():
    store = RunStore()
    seed_many(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_report(MANY_ID)
        screen = await wait_for_screen(pilot, ReportScreen)
        await wait_for(pilot, lambda: screen.query(TopConfusions), what="the report")
        await pilot.pause()
        top = screen.query_one(TopConfusions)
        first = [str(c) for c in top.get_row_at(0)]
        assert first[:2] == ["card_arrival", "card_delivery_estimate"] and top.row_count == 10
        per_class = screen.query_one("#per-class", DataTable)
        assert str(per_class.get_row_at(0)[0]) == NAMES[0]
        await pilot.press("o")  # by F1, lowest first
        await pilot.pause()
        assert [str(per_class.get_row_at(i)[0]) for i in range(2)] == ["card_arrival", "lost_or_stolen_card"]
        assert "by F1" in str(per_class.ordered_columns[0].label)
        await pilot.press("o", "o")  # by support, then back to the data's order
        await pilot.pause()
        assert str(per_class.get_row_at(0)[0]) == NAMES[0]
        plot = screen.query_one("#metrics-plot", ConfusionPlot)
        drawn = plot.render()
        assert max(len(line) for line in str(getattr(drawn, "plain", drawn)).splitlines()) <= plot.size.width
        top.focus()
        top.move_cursor(row=1)
        await pilot.press("enter")  # a top confusion: its examples
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-errors"
        browser = screen.query_one(ExampleBrowser)
        assert browser.cell == (LOST_CARD, LOST_CARD + 1) and len(browser.shown) == 5
        matrix = screen.query_one(ConfusionTable)
        heads = [str(c.label) for c in matrix.ordered_columns]
        assert heads[1:4] == ["1", "2", "3"] and heads[-1] == "invalid"
        assert matrix.get_row_at(CARD_ARRIVAL)[CARD_DELIVERY + 1].text.plain == "7"
        assert not screen.query("#confusion-plot")  # no room beside a table of 78 columns
