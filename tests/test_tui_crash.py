"""One place handles a worker's failure: a WorkbenchError is shown as the engine words it; any
other exception is shown as an internal error naming a crash file that holds its traceback (with
the API key masked), written in the user's state folder."""

import re
from dataclasses import replace
from pathlib import Path

import pytest
from tui_helpers import LabelWordMethod, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from screens.try_screen import TryScreen
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.store import RunStore

KEY = "sk-crash-test-SECRET-0123456789"


@pytest.fixture
def label_words(monkeypatch):
    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)


async def test_an_unexpected_failure_writes_a_crash_file_and_says_where(label_words, tmp_path, monkeypatch):
    from textual.widgets import TextArea

    monkeypatch.setenv("WORKBENCH_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", params={"labels": ["bad", "good"]})
    app = WorkbenchApp(RunStore(), spec)

    def broken(*args, **kwargs):
        raise RuntimeError(f"a bug in the engine (key {KEY})")

    monkeypatch.setattr(app.engine, "classify", broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+t")
        screen = await wait_for_screen(pilot, TryScreen)
        screen.query_one("#try-text", TextArea).text = "a good film"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "internal error" in static_text(screen, "#try-status"), what="the error")
        status = static_text(screen, "#try-status")
    assert "RuntimeError: a bug in the engine" in status and "please report it" in status
    path = Path(re.search(r"the traceback is in (\S+?);", status).group(1))
    assert path.parent == tmp_path / "state" and path.is_file()
    text = path.read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: a bug in the engine (key [api key])" in text
    assert KEY not in text and KEY not in status.replace("[api key]", "")
    assert (path.stat().st_mode & 0o777) == 0o600


async def test_a_workbench_error_is_shown_as_worded_and_writes_no_crash_file(label_words, tmp_path, monkeypatch):
    from textual.widgets import TextArea

    monkeypatch.setenv("WORKBENCH_STATE", str(tmp_path / "state"))
    spec = replace(default_spec(), data=DataSpec(str(tmp_path / "missing")), method="label-words")
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_try()
        screen = await wait_for_screen(pilot, TryScreen)
        screen.query_one("#try-text", TextArea).text = "good"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "no file or folder" in static_text(screen, "#try-status"), what="the error")
        assert "internal error" not in static_text(screen, "#try-status")
    assert not (tmp_path / "state").exists()
