"""Smaller fit and finish, at 120x40 and 80x24: the method's description once on the setup screen,
Home and End in history, the palette's screenshot saved where a folder exists."""

import pytest
from textual.widgets import DataTable, Select
from tui_helpers import open_history, seed_runs, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.setup_screen import SetupScreen
from workbench.methods import METHODS
from workbench.store import RunStore

SIZES = [(120, 40), (80, 24)]


@pytest.mark.parametrize("size", SIZES)
async def test_the_method_description_shows_once(size):
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=size) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        description = METHODS["embed-zeroshot"].description
        shown = "\n".join(str(w.render()) for w in screen.query("Static, Label, SelectCurrent"))
        assert screen.query_one("#method", Select).value == "embed-zeroshot"
        assert description[:30] in static_text(screen, "#method-description")
        assert shown.count(description[:30]) == 1
        # the field holds the packaged MiniLM (offline); the method's own default, the CLI's, is named beside it
        assert screen.query_one("#model").value == "all-MiniLM-L6-v2"
        assert "default model all-mpnet-base-v2" in static_text(screen, "#method-description").replace("\n", " ")


@pytest.mark.parametrize("size", SIZES)
async def test_home_and_end_move_through_the_history(size):
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#runs", DataTable)
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1 == 1
        await pilot.press("home")
        assert table.cursor_row == 0


@pytest.mark.parametrize("size", SIZES)
async def test_the_screenshot_is_saved_where_a_folder_exists(size, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home-without-downloads"))
    monkeypatch.chdir(tmp_path)
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.action_screenshot()
        await wait_for(pilot, lambda: list(tmp_path.glob("*.svg")), what="the screenshot")
        assert not any("Failed" in n.message for n in app._notifications)


@pytest.mark.parametrize("size", SIZES)
async def test_enter_on_a_folder_of_split_files_picks_it(size, tmp_path):
    from textual.widgets import DirectoryTree, Input

    from screens.file_picker import FilePickerScreen

    data = tiny_data(tmp_path / "top" / "reviews")
    (tmp_path / "top" / "other").mkdir()
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=size) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        screen.query_one("#source", Input).value = str(tmp_path / "top")
        await pilot.press("ctrl+o")
        picker = await wait_for_screen(pilot, FilePickerScreen)
        tree = picker.query_one(DirectoryTree)
        await wait_for(pilot, lambda: tree.root.children, what="the tree")
        names = [str(node.label) for node in tree.root.children]
        tree.move_cursor(tree.root.children[names.index("other")])
        await pilot.press("enter")  # a plain folder opens
        await pilot.pause()
        assert app.screen is picker
        tree.move_cursor(tree.root.children[names.index("reviews")])
        await pilot.press("enter")  # a folder of split files is the data
        await wait_for_screen(pilot, SetupScreen)
        assert screen.query_one("#source", Input).value == data
