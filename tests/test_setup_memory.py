"""The setup kept between launches (workbench/setup_memory.py): recalled as it was kept, never
trust_remote_code, nothing from a read-only store, and the TUI opening where the user left off."""

import sqlite3

import pytest
from textual.widgets import Input, Select
from tui_helpers import static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.spec import RunSpec
from workbench.store import RunStore


def test_a_setup_is_recalled_as_kept_but_never_trusting_remote_code(tmp_path):
    engine = Engine(tmp_path / "s.sqlite")
    assert engine.last_setup() is None
    spec = RunSpec(data=DataSpec("/data/reviews", split="validation", id_column="rid", limit=50), method="label-words",
                   model="some/model", params={"labels": ["awful", "great"]}, dtype="float32", trust_remote_code=True)  # fmt: skip
    assert engine.remember_setup(spec)
    recalled = Engine(tmp_path / "s.sqlite").last_setup()
    assert recalled is not None and recalled.trust_remote_code is False
    assert recalled.data == spec.data and recalled.method == "label-words" and recalled.model == "some/model"
    assert dict(recalled.params) == {"labels": ["awful", "great"]} and recalled.dtype == "float32"
    engine.remember_setup(default_spec())
    assert engine.last_setup() == default_spec()  # the last one kept


def test_a_read_only_or_unreadable_memory_recalls_nothing_and_stops_nothing(tmp_path):
    path = tmp_path / "s.sqlite"
    Engine(path).remember_setup(default_spec())
    read_only = Engine(RunStore(path, read_only=True))
    assert read_only.last_setup() == default_spec()
    assert read_only.remember_setup(RunSpec()) is False  # refused quietly: the store is not written
    with sqlite3.connect(path) as db:
        db.execute("UPDATE remembered SET value = '{\"data\": 7, '")
    db.close()
    assert Engine(path).last_setup() is None


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_ui_opens_on_the_dataset_loaded_last_time(tmp_path, label_words, size):
    folder = tiny_data(tmp_path / "tiny")
    store = tmp_path / "s.sqlite"
    app = WorkbenchApp(RunStore(store))
    async with app.run_test(size=size) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        screen.query_one("#source-kind", Select).value = "local"
        screen.query_one("#source", Input).value = folder
        screen.query_one("#method", Select).value = "label-words"
        await pilot.pause()
        screen.action_load_data()
        await wait_for(pilot, lambda: "22 examples" in static_text(screen, "#data-summary"), what="the summary")

    again = WorkbenchApp(RunStore(store))  # the next launch
    async with again.run_test(size=size) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        assert screen.query_one("#source", Input).value == folder
        assert screen.query_one("#method", Select).value == "label-words"
        await wait_for(pilot, lambda: "22 examples" in static_text(screen, "#data-summary"), what="the summary of the remembered data")
        assert again.session.spec.data.source == folder


async def test_a_first_launch_opens_on_the_offline_sample(tmp_path):
    app = WorkbenchApp(RunStore(tmp_path / "new.sqlite"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        assert app.session.spec.data.source == "sample" and app.session.spec.model == default_spec().model
