"""Snapshots of the main screens (pytest-textual-snapshot). Runs are seeded with fixed figures and
dates, the clock is UTC, so the pictures are the same on every machine. Regenerate with
``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the SVGs before committing."""

import time
from dataclasses import replace

import pytest
from textual.widgets import Input
from tui_helpers import SEED_IDS, open_history, seed_runs, settle_for_snapshot, static_text, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.prompt_screen import PromptScreen
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.store import RunStore


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def seeded_app() -> WorkbenchApp:
    store = RunStore()
    seed_runs(store)
    return WorkbenchApp(store, replace(default_spec(), model="all-MiniLM-L6-v2"))


def test_setup_screen(snap_compare):
    async def ready(pilot):
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_for(pilot, lambda: "120 examples" in static_text(screen, "#data-summary"), what="the summary")
        await settle_for_snapshot(pilot)

    assert snap_compare(seeded_app(), terminal_size=(100, 30), run_before=ready)


def test_prompt_screen_with_a_refused_label_text(snap_compare):
    async def ready(pilot):
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+n")
        screen = await wait_for_screen(pilot, PromptScreen)
        await wait_for(pilot, lambda: screen.query(".label-text-row Input"), what="the editors")
        boxes = list(screen.query(".label-text-row Input").results(Input))
        boxes[0].value = "A very negative movie review"
        boxes[1].value = ""
        await settle_for_snapshot(pilot)

    assert snap_compare(seeded_app(), terminal_size=(100, 30), run_before=ready)


async def open_report(pilot, tab_key: str | None = None) -> None:
    await wait_for_screen(pilot, SetupScreen)
    pilot.app.open_report(SEED_IDS["a"])
    await wait_for_screen(pilot, ReportScreen)
    if tab_key:
        await pilot.press(tab_key)
    await settle_for_snapshot(pilot)


def test_report_metrics(snap_compare):
    async def ready(pilot):
        await open_report(pilot)

    assert snap_compare(seeded_app(), terminal_size=(100, 30), run_before=ready)


def test_report_confusion_and_errors_at_80x24(snap_compare):
    async def ready(pilot):
        await open_report(pilot, "e")
        await pilot.press("down", "left", "enter")  # gold pos, predicted neg
        await settle_for_snapshot(pilot)

    assert snap_compare(seeded_app(), terminal_size=(80, 24), run_before=ready)


def test_history(snap_compare):
    async def ready(pilot):
        await open_history(pilot)
        await pilot.press("down", "space")
        await settle_for_snapshot(pilot)

    assert snap_compare(seeded_app(), terminal_size=(100, 30), run_before=ready)


def test_compare_summary(snap_compare):
    async def ready(pilot):
        await wait_for_screen(pilot, SetupScreen)
        pilot.app.open_compare(SEED_IDS["a"], SEED_IDS["b"])
        screen = await wait_for_screen(pilot, CompareScreen)
        await wait_for(pilot, lambda: "McNemar" in static_text(screen, "#mcnemar"), what="the comparison")
        await settle_for_snapshot(pilot)

    assert snap_compare(seeded_app(), terminal_size=(100, 30), run_before=ready)


def test_sweep_after_it_finished(snap_compare, label_words, monkeypatch):
    """Three label-words variants over the built-in sample: fixed figures (the fake method and the
    seeded holdout); times are hidden (show_times), the only figures that vary between machines."""
    from screens.sweep_screen import SweepScreen

    monkeypatch.setattr(SweepScreen, "show_times", False)
    app = WorkbenchApp(RunStore(), replace(default_spec(), method="label-words", model=None, batch_size=64))
    app.session.variants[:] = [("v1", {}), ("v2", {"labels": ["nothing plot jokes", "every real best"]}),
                               ("v3", {"labels": ["nothing can't loud waiting hours", "every real best comedy right ever"]})]  # fmt: skip
    app.session.sweep_method = "label-words"

    async def ready(pilot):
        await wait_for_screen(pilot, SetupScreen)
        pilot.app.open_sweep()
        screen = await wait_for_screen(pilot, SweepScreen)
        await wait_for(pilot, lambda: screen.result is not None, what="the sweep")
        await settle_for_snapshot(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=ready)


def test_report_confidence(snap_compare):
    async def ready(pilot):
        await open_report(pilot, "k")
        await pilot.press("right", "right", "right", "right", "right", "right")  # threshold 0.80
        await settle_for_snapshot(pilot)

    assert snap_compare(seeded_app(), terminal_size=(100, 30), run_before=ready)


def test_report_confidence_at_80x24(snap_compare):
    async def ready(pilot):
        await open_report(pilot, "k")
        await settle_for_snapshot(pilot)

    assert snap_compare(seeded_app(), terminal_size=(80, 24), run_before=ready)


def many_classes_app() -> WorkbenchApp:
    from many_classes import seed_many

    store = RunStore()
    seed_many(store)
    return WorkbenchApp(store, replace(default_spec(), model="all-MiniLM-L6-v2"))


async def open_many(pilot, *keys: str) -> None:
    from many_classes import MANY_ID

    await wait_for_screen(pilot, SetupScreen)
    pilot.app.open_report(MANY_ID)
    screen = await wait_for_screen(pilot, ReportScreen)
    await wait_for(pilot, lambda: screen.ready and screen.query("#top-confusions"), what="the report")
    await settle_for_snapshot(pilot)
    if keys:
        await pilot.press(*keys)
    await settle_for_snapshot(pilot)


def test_report_of_77_classes_at_80x24(snap_compare):
    """The per-class table by F1 (o), the top confusions below it (fixed figures, 77 banking77-like
    class names)."""

    async def ready(pilot):
        await open_many(pilot, "o")

    assert snap_compare(many_classes_app(), terminal_size=(80, 24), run_before=ready)


def test_report_of_77_classes_matrix_at_80x24(snap_compare):
    """The numbered matrix drawn to the width, scrolled to its start."""

    async def ready(pilot):
        await open_many(pilot)
        pilot.app.screen.query_one("#metrics-plot").scroll_visible(animate=False, top=True)
        await settle_for_snapshot(pilot)

    assert snap_compare(many_classes_app(), terminal_size=(80, 24), run_before=ready)


def test_learning_curve_after_it_finished(snap_compare, monkeypatch):
    """The word-votes test double over the packaged sample's folder: 2, 4, 8, 16 per class x seeds
    0, 1, 2, every figure fixed (seeded samples, a deterministic method, no times shown)."""
    from pathlib import Path

    from fake_methods import WordVotes

    import workbench
    from screens.curve_screen import CurveScreen
    from workbench.curve_config import curve_from_spec
    from workbench.data import DataSpec
    from workbench.methods import METHODS

    monkeypatch.setitem(METHODS, "word-votes", WordVotes)
    folder = str(Path(workbench.__file__).parent / "sample_data")
    spec = replace(default_spec(), data=DataSpec(folder), method="word-votes", model=None, batch_size=64)
    app = WorkbenchApp(RunStore(), spec)

    async def ready(pilot):
        await wait_for_screen(pilot, SetupScreen)
        pilot.app.open_curve(curve_from_spec(spec, sizes=[2, 4, 8, 16], seeds=[0, 1, 2]))
        screen = await wait_for_screen(pilot, CurveScreen)
        await wait_for(pilot, lambda: not screen.running, what="the curve")
        await settle_for_snapshot(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=ready)
