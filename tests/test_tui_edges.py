"""The TUI shows text from data with its control characters made visible (issue 20, item 1): an
OSC title sequence or a CSI clear-screen in a label or a text is drawn as ␛...␇, never sent to the
terminal, and Rich markup in data stays text."""

from __future__ import annotations

import re

from conftest import write_jsonl
from fake_methods import KeywordMethod
from textual.widgets import DataTable
from tui_helpers import wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.history_screen import HistoryScreen
from screens.report_screen import ReportScreen
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.methods import METHODS
from workbench.spec import RunSpec

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def screen_text(app) -> str:
    """Every character the screen would send to the terminal now, styles aside."""
    update = app.screen._compositor.render_update(full=True)
    return "\n".join("".join(segment.text for segment in strip) for strip in update.strips)


async def test_escape_sequences_and_markup_in_data_are_shown_not_obeyed(tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    rows = [
        {"text": "good one\x1b[2J [b]bold?[/]", "label": "pos\x1b]0;pwned\x07"},
        {"text": "bad one\r\x08", "label": "neg\nline [red]two"},
        {"text": "meh\x1b]0;t\x07", "label": "pos\x1b]0;pwned\x07"},
    ]
    data = write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent
    engine = Engine(tmp_path / "s.sqlite")
    run_id = engine.execute(engine.prepare(RunSpec(DataSpec(str(data)), "keyword"))).run_id
    app = WorkbenchApp(engine)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_report(run_id)
        screen = await wait_for_screen(pilot, ReportScreen)
        seen = []
        for tab in ("m", "e", "k"):
            await pilot.press(tab)
            await pilot.pause()
            seen.append(screen_text(app))
        await wait_for(pilot, lambda: screen.query("#examples") and screen.query_one("#examples", DataTable).row_count > 0, what="examples")
        seen.append(screen_text(app))
        app.open_history()
        await wait_for_screen(pilot, HistoryScreen)
        await pilot.pause()
        seen.append(screen_text(app))
    shown = "\n".join(seen)
    assert not RAW_CONTROL.search(shown)
    assert "pos␛]0;pwned␇" in shown and "line [red]two" in shown  # the label, visible, its markup as text
    assert "meh␛]0;t␇" in shown  # a text's OSC sequence, in the example browser


def test_a_notification_is_plain_visible_text(tmp_path, monkeypatch):
    app = WorkbenchApp(Engine(tmp_path / "s.sqlite"))
    posted: list = []
    monkeypatch.setattr(app, "post_message", posted.append)
    app.notify("a server said: \x1b[2J [bold]no[/]", title="run \x07stopped")
    note = posted[0].notification
    assert note.message == "a server said: ␛[2J [bold]no[/]" and note.title == "run ␇stopped" and not note.markup
