"""The learning curve in the UI: ctrl+g on setup (or the command palette) runs a curve of the current
method on the curve screen, which shows the plot and the summary table as points arrive; a method
that does not fit is refused with a notice; c cancels between batches and r continues (stored
points found, not run); w writes the HTML page. A tiny fitting test double (fake_methods.WordVotes)."""

from dataclasses import replace

import pytest
from fake_methods import WordVotes, open_gate
from textual.widgets import DataTable
from tui_helpers import static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.curve_screen import CurveScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.curve_config import curve_from_spec
from workbench.data import DataSpec
from workbench.store import RunStore

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def votes(monkeypatch):
    from workbench.methods import METHODS

    monkeypatch.setitem(METHODS, "word-votes", WordVotes)


def votes_spec(source: str, **params):
    return replace(default_spec(), data=DataSpec(source), method="word-votes", params=params, batch_size=4)


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one("#curve-table", DataTable)
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.parametrize("size", SIZES)
async def test_ctrl_g_on_setup_runs_and_shows_a_curve_of_the_current_method(size, votes, tmp_path):
    app = WorkbenchApp(RunStore(), votes_spec(tiny_data(tmp_path / "d")))
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+g")
        screen = await wait_for_screen(pilot, CurveScreen)
        await wait_for(pilot, lambda: not screen.running and "done" in static_text(screen, "#curve-phase"), what="the curve to finish")
        assert "done: 12 points" in static_text(screen, "#curve-phase")  # 8 16 32 64 x seeds 0 1 2
        rows = table_rows(screen)
        assert [r[:3] for r in rows] == [["word-votes", s, "3"] for s in ("8", "16", "32", "64")]
        assert all(r[3] != "-" for r in rows)
        plot = static_text(screen, "#curve-plot")
        assert "train examples per class" in plot and "word-votes" in plot
        stored = {r.run_id for r in app.engine.runs()}
        assert len(screen.curve.points) == 12 and all(p.run_id in stored for p in screen.curve.points)  # each an ordinary stored run
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)


async def test_a_method_that_does_not_fit_is_refused_with_a_notice(label_words, tmp_path):
    app = WorkbenchApp(RunStore(), replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: any("does not fit on the train split" in n.message for n in app._notifications), what="the notice")
        assert isinstance(app.screen, SetupScreen)


async def test_cancel_keeps_the_finished_points_and_run_again_continues(votes, tmp_path):
    gate = tmp_path / "gate"
    spec = votes_spec(tiny_data(tmp_path / "d"), gate=str(gate))
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_curve(curve_from_spec(spec, sizes=[2, 4], seeds=[0, 1]))
        screen = await wait_for_screen(pilot, CurveScreen)
        await wait_for(pilot, lambda: "points ·" in static_text(screen, "#curve-phase"), what="the first point's run to start")
        await pilot.press("c")  # the run waits at the gate after its first batch: cancelled there
        open_gate(gate)
        await wait_for(pilot, lambda: not screen.running, what="the cancel")
        assert "cancelled" in static_text(screen, "#curve-phase") and "r runs the curve again" in static_text(screen, "#curve-phase")
        await pilot.press("r")
        await wait_for(pilot, lambda: not screen.running and "done: 4 points" in static_text(screen, "#curve-phase"), what="the rest of the curve")
        assert [r[:3] for r in table_rows(screen)] == [["word-votes", "2", "2"], ["word-votes", "4", "2"]]


async def test_w_writes_the_curve_as_an_html_page(votes, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = votes_spec(tiny_data(tmp_path / "d"))
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_curve(curve_from_spec(spec, sizes=[2, 4], seeds=[0]))
        screen = await wait_for_screen(pilot, CurveScreen)
        await wait_for(pilot, lambda: not screen.running, what="the curve to finish")
        await pilot.press("w")
        page = tmp_path / "workbench-curve.html"
        await wait_for(pilot, page.exists, what="the page")
        assert "<svg" in page.read_text() and "word-votes" in page.read_text()
