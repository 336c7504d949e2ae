"""Iterating faster in the terminal: the data summary follows the dataset field, the file picker
goes up and takes typed paths, the fit phase shows a rate and an ETA, escape on a running run says
it cancels, history describes and filters runs, compare from a report puts the older run in A,
and ``?`` lists every key of a screen."""

from dataclasses import replace

import numpy as np
import pytest
from textual.widgets import DataTable, DirectoryTree, Input, ProgressBar
from tui_helpers import SEED_IDS, open_history, seed_runs, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.file_picker import FilePickerScreen
from screens.history_screen import HistoryScreen
from screens.keys_screen import KeysScreen
from screens.messages import RunProgress
from screens.report_screen import ReportScreen
from screens.run_screen import RunScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen, TickBox
from workbench.data import DataSpec
from workbench.methods import MethodConfig, Phase, ProgressEvent, RunContext
from workbench.methods.embeddings import EmbedCentroid
from workbench.store import RunStore


def column(table: DataTable, key: str) -> list[str]:
    return [str(getattr(c, "plain", getattr(c, "text", c))) for c in table.get_column(key)]


def local_spec(source: str, **changes):
    return replace(default_spec(), data=DataSpec(source), **changes)


# ---------------------------------------------------------------- 1. the summary follows the field


async def test_data_summary_follows_the_dataset_field(tmp_path):
    first = tiny_data(tmp_path / "first")  # 22 examples
    second = tiny_data(tmp_path / "second", [{"text": f"film {i}", "label": i % 2} for i in range(7)])
    app = WorkbenchApp(RunStore(), local_spec(first))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_for(pilot, lambda: "22 examples" in static_text(screen, "#data-summary"), what="the first summary")
        box = screen.query_one("#source", Input)
        box.value = str(tmp_path / "nowhere")  # no such path: the old summary goes, nothing loads
        await wait_for(pilot, lambda: "22 examples" not in static_text(screen, "#data-summary"), what="the summary cleared")
        assert "nowhere is not loaded yet" in static_text(screen, "#data-summary")
        box.value = second  # an existing folder: loads after a pause in typing
        await wait_for(pilot, lambda: "7 examples" in static_text(screen, "#data-summary"), what="the second summary")
        assert "22 examples" not in static_text(screen, "#data-summary")
        assert app.session.spec.data.source == second


async def test_a_failed_load_clears_the_summary(tmp_path):
    first = tiny_data(tmp_path / "first")
    app = WorkbenchApp(RunStore(), local_spec(first))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_for(pilot, lambda: "22 examples" in static_text(screen, "#data-summary"), what="the summary")
        screen.query_one("#split", Input).value = "nope"
        await wait_for(pilot, lambda: "data:" in static_text(screen, "#setup-error"), what="the error")
        assert "22 examples" not in static_text(screen, "#data-summary")
        assert "is not loaded" in static_text(screen, "#data-summary")


# ---------------------------------------------------------------- 2. the file picker


async def test_file_picker_goes_up_takes_a_relative_path_and_returns_focus(tmp_path):
    data = tiny_data(tmp_path / "here" / "data")
    (tmp_path / "shared" / "rt").mkdir(parents=True)
    app = WorkbenchApp(RunStore(), local_spec(data))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+o")
        picker = await wait_for_screen(pilot, FilePickerScreen)
        tree = picker.query_one(DirectoryTree)
        assert str(tree.path) == data
        await pilot.press("backspace")  # on the tree: up a folder
        assert str(tree.path) == str(tmp_path / "here")
        await pilot.press("ctrl+l")  # the path field, its text selected: typing replaces it
        assert picker.focused is picker.query_one("#picker-path", Input)
        await pilot.press(*"../shared", "enter")  # relative to the folder shown
        assert str(tree.path) == str(tmp_path / "shared")
        await pilot.press("ctrl+l", *"..", "enter")
        assert str(tree.path) == str(tmp_path)
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)
        await wait_for(pilot, lambda: screen.focused is screen.query_one("#source", Input), what="the path field focused")


# ---------------------------------------------------------------- 3. the fit phase's progress


class _FakeModel:
    def __init__(self):
        self.calls: list[int] = []

    def encode(self, texts, batch_size, convert_to_numpy, show_progress_bar):
        self.calls.append(len(texts))
        return np.ones((len(texts), 3), dtype=np.float32)


def test_encoding_reports_from_zero_then_every_batch():
    method = EmbedCentroid(MethodConfig(None, ["neg", "pos"], {}))
    method.model_ = _FakeModel()
    events: list[ProgressEvent] = []
    ctx = RunContext(batch_size=4, on_progress=events.append)
    out = method.encode([f"text {i}" for i in range(10)], ctx, Phase.ENCODING_TRAIN)
    assert out.shape == (10, 3)
    assert [(e.done, e.total) for e in events] == [(0, 10), (4, 10), (8, 10), (10, 10)]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_fit_phase_shows_done_rate_and_eta_and_loading_no_percentage(label_words, tmp_path, size):
    gate = tmp_path / "go"  # held after its first batch: no more events of its own meanwhile
    spec = replace(local_spec(tiny_data(tmp_path / "d"), method="label-words", batch_size=4), params={"labels": ["bad", "good"], "gate": str(gate)})
    app = WorkbenchApp(RunStore(), spec)
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: "predicting" in static_text(screen, "#run-phase"), what="the run held")
        bar = screen.query_one("#run-progress", ProgressBar)
        screen.post_message(RunProgress(ProgressEvent(Phase.LOADING_MODEL, 1, 1, 2.0)))
        await wait_for(pilot, lambda: "loading the model" in static_text(screen, "#run-phase"), what="loading")
        assert bar.total is None and bar.percentage is None  # going on, not 100%
        screen.post_message(RunProgress(ProgressEvent(Phase.ENCODING_TRAIN, 0, 100, 0.0)))
        screen.post_message(RunProgress(ProgressEvent(Phase.ENCODING_TRAIN, 16, 100, 0.5)))  # the first batch
        await wait_for(pilot, lambda: "16 / 100 examples" in static_text(screen, "#run-stats"), what="the first batch")
        stats = static_text(screen, "#run-stats")
        # the whole run: 84 train texts left and the 22 to predict, at 32/s (not the phase's 2.6s)
        assert "32.0 examples/s" in stats and "ETA 3.3s (the whole run, at this rate)" in stats
        assert "encoding the train split" in static_text(screen, "#run-phase") and bar.total == 100 and bar.progress == 16
        screen.post_message(RunProgress(ProgressEvent(Phase.ENCODING_TRAIN, 32, 100, 1.0)))
        await wait_for(pilot, lambda: "32 / 100 examples" in static_text(screen, "#run-stats"), what="the second batch")
        assert "ETA 2.8s" in static_text(screen, "#run-stats")
        screen.post_message(RunProgress(ProgressEvent(Phase.FITTING, 0, 40, 0.0)))  # a phase whose sequel's rate is unknown
        screen.post_message(RunProgress(ProgressEvent(Phase.FITTING, 10, 40, 1.0)))
        await wait_for(pilot, lambda: "10 / 40 examples" in static_text(screen, "#run-stats"), what="the fitting phase")
        assert "this phase 3.0s, then 22 examples to predict" in static_text(screen, "#run-stats")
        gate.touch()  # the held run finishes: the app's close need not wait out the gate's patience
        await wait_for_screen(pilot, ReportScreen)


# ---------------------------------------------------------------- 4. escape on a running run


async def test_escape_on_a_running_run_says_it_cancels_then_cancels_on_a_second(label_words, tmp_path):
    gate = tmp_path / "go"
    store = RunStore()
    spec = replace(local_spec(tiny_data(tmp_path / "d"), method="label-words", batch_size=4), params={"labels": ["bad", "good"], "gate": str(gate)})
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, RunScreen)
        await wait_for(pilot, lambda: "predicting" in static_text(screen, "#run-phase"), what="the run held")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen) and not screen.cancel_event.is_set()  # asked, not yet left
        assert "escape again: cancel the run" in static_text(screen, "#run-error")
        assert any("leaving cancels the run" in n.message for n in app._notifications)
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)
        assert screen.cancel_event.is_set()
        from fake_methods import open_gate

        open_gate(gate)
        await wait_for(pilot, lambda: store.list_runs() and store.list_runs()[0].status == "cancelled", what="the run cancelled")
        await pilot.press("ctrl+b")
        history = await wait_for_screen(pilot, HistoryScreen)
        assert column(history.query_one("#runs", DataTable), "status")[0].startswith("cancelled")


# ---------------------------------------------------------------- 5. history: what sets a run apart, filter


async def test_history_describes_runs_and_filters_them(monkeypatch):
    from fake_methods import LabelWordMethod

    from workbench.methods import METHODS

    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#runs", DataTable)
        assert column(table, "run") == ["bbbbbbbbbbbb", "aaaaaaaaaaaa"]
        what = column(table, "what")
        assert what[1].startswith("labels=negative|positive") and what[0].startswith("labels=a very negative movie") and what[0].endswith("…")
        keys = [c.key.value for c in table.ordered_columns]
        assert keys.index("status") < keys.index("acc") < keys.index("method")
        status_col = table.ordered_columns[keys.index("status")]
        right = sum(c.get_render_width(table) for c in table.ordered_columns[: keys.index("status") + 1])
        assert right <= 80 and status_col.label.plain == "status"  # the status shows in 80 columns
        await pilot.press("slash")
        box = screen.query_one("#history-filter", Input)
        assert box.display and screen.focused is box
        await pilot.press(*"very positive")  # a label text of run B only (beyond what the column shows)
        await wait_for(pilot, lambda: table.row_count == 1, what="the filter")
        assert column(table, "run") == ["bbbbbbbbbbbb"] and "1 of 2 runs match" in static_text(screen, "#history-status")
        await pilot.press("escape")  # clears the filter, stays on history
        assert isinstance(app.screen, HistoryScreen) and table.row_count == 2 and not box.display and box.value == ""
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)


# ---------------------------------------------------------------- 6. compare from a report


async def test_compare_from_a_report_puts_the_older_run_in_a():
    store = RunStore()
    seed_runs(store)  # A older than B
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one("#runs", DataTable)
        table.move_cursor(row=column(table, "run").index("bbbbbbbbbbbb"))
        await pilot.press("enter")  # B's report first ...
        await wait_for_screen(pilot, ReportScreen)
        await pilot.press("escape")
        screen = await wait_for_screen(pilot, HistoryScreen)
        table = screen.query_one("#runs", DataTable)
        table.move_cursor(row=column(table, "run").index("aaaaaaaaaaaa"))
        await pilot.press("enter")  # ... then A's: the previous run is B, newer than A
        report = await wait_for_screen(pilot, ReportScreen)
        assert report.run_id == SEED_IDS["a"]
        await pilot.press("c")
        compare = await wait_for_screen(pilot, CompareScreen)
        assert (compare.run_a, compare.run_b) == (SEED_IDS["a"], SEED_IDS["b"])


# ---------------------------------------------------------------- 7. every key discoverable; the tick box


async def test_question_mark_lists_every_key_of_the_screen():
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, ReportScreen)
        await pilot.press("question_mark")
        keys = await wait_for_screen(pilot, KeysScreen)
        listed = static_text(keys, "#keys-list")
        for key, what in (("m", "Metrics"), ("e", "Errors"), ("k", "Confidence"), ("a", "All errors"), ("c", "Compare"), ("?", "Keys")):
            assert any(line.split()[:1] == [key] and what in line for line in listed.splitlines()), (key, what)
        assert "Previous tab" in listed and "Focus Next" in listed
        await pilot.press("escape")
        await wait_for_screen(pilot, ReportScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, HistoryScreen)
        await pilot.press("question_mark")
        keys = await wait_for_screen(pilot, KeysScreen)
        assert "Filter" in static_text(keys, "#keys-list") and "Resume" in static_text(keys, "#keys-list")
        await pilot.press("question_mark")
        assert app.screen is screen


async def test_question_mark_types_in_a_field_and_the_trust_box_draws_its_state():
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        screen.query_one("#model", Input).focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, SetupScreen) and screen.query_one("#model", Input).value.endswith("?")
        box = screen.query_one("#trust-remote-code", TickBox)
        assert not box.value and "X" not in box.render().plain
        box.value = True
        await pilot.pause()
        assert "X" in box.render().plain
        box.value = False
        await pilot.pause()
        assert "X" not in box.render().plain
