"""Runs told apart at 120x40 and 80x24: history names the data by its own name (the whole path,
model and every label text under the table, for the highlighted run), and the sweep leaderboard
shows the highlighted variant's label texts whole."""

from dataclasses import asdict, replace

import pytest
from textual.widgets import DataTable
from tui_helpers import open_history, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from screens.sweep_screen import SweepScreen
from workbench.data import DataSpec
from workbench.runner import RunSpec
from workbench.store import RunStore

SIZES = [(120, 40), (80, 24)]
LONG = ["a review that says the film was dreadful from start to end", "a review that says the film was wonderful all the way through"]
SOURCE = "/home/someone/projects/data/rotten_tomatoes_cleaned"
RUN = "d" * 12 + "0" * 52


def seed_long_run(store: RunStore) -> None:
    spec = RunSpec(DataSpec(SOURCE), "embed-zeroshot", model="/models/sentence-transformers/all-mpnet-base-v2-finetuned-on-reviews", params={"labels": LONG})
    config = {"spec": asdict(spec), "model_location": spec.model, "params": {"labels": LONG}}
    store.start_run(RUN, method="embed-zeroshot", model=spec.model, dataset=SOURCE, split="test", n=3, config=config)


@pytest.mark.parametrize("size", SIZES)
async def test_history_names_the_data_and_shows_the_highlighted_run_whole(size):
    store = RunStore()
    seed_long_run(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#runs", DataTable)
        assert table.get_cell(RUN, "data").text.plain == "rotten_tomatoes_cleaned"  # the split has a column of its own
        await wait_for(pilot, lambda: LONG[1] in static_text(screen, "#run-detail"), what="the detail")
        detail = static_text(screen, "#run-detail")
        assert SOURCE in detail and LONG[0] in detail and "all-mpnet-base-v2-finetuned-on-reviews" in detail
        assert screen.query_one("#run-detail").region.bottom <= size[1]  # on screen


@pytest.mark.parametrize("size", SIZES)
async def test_the_leaderboard_shows_the_highlighted_variants_texts_whole(size, label_words, tmp_path):
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", batch_size=4)
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.session.add_variant({})
        app.session.add_variant({"labels": LONG}, "long texts")
        app.open_sweep()
        screen = await wait_for_screen(pilot, SweepScreen)
        await wait_for(pilot, lambda: screen.result is not None, timeout=60, what="the sweep to finish")
        table = screen.query_one("#leaderboard", DataTable)
        table.move_cursor(row=1 - table.get_row_index("long texts"))
        await pilot.pause()
        table.move_cursor(row=table.get_row_index("long texts"))
        await wait_for(pilot, lambda: LONG[1] in static_text(screen, "#variant-detail"), what="the variant's detail")
        assert static_text(screen, "#variant-detail").startswith("long texts:") and LONG[0] in static_text(screen, "#variant-detail")
        assert screen.query_one("#variant-detail").region.bottom <= size[1]
