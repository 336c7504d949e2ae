"""The review queue in the TUI: from the report (v), decide suspect labels one at a time (accept,
skip, another label from the filtered list, undo), leave without writing (the session killed) and
resume from the history (v), write the corrected copy, re-run on it and land on the comparison."""

import json

import pytest
from conftest import write_jsonl
from fake_methods import KeywordMethod
from test_relabel import FLIPPED, keyword_rows
from textual.widgets import DataTable
from tui_helpers import open_history, settle_for_snapshot, static_text, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.report_screen import ReportScreen
from screens.review_screen import LabelPicker, ReviewScreen
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.methods import METHODS
from workbench.relabel import AUDIT_FILE
from workbench.spec import RunSpec

SLOW = 90.0
"""Seconds to wait for a worker that fits the evidence (sklearn's first import on a loaded CI box)."""


@pytest.fixture
def keyword_run(tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = tmp_path / "data"
    write_jsonl(data / "test.jsonl", keyword_rows())
    (data / "labels.json").write_text('["neg", "pos"]')
    engine = Engine(tmp_path / "s.sqlite")
    # dtype pinned: the run id (in the snapshot) must not change with the CPU kind auto would pick on
    outcome = engine.execute(engine.prepare(RunSpec(data=DataSpec(str(data), train_split=None), method="keyword", dtype="float32")))
    return engine, outcome.run_id, data


async def open_queue(pilot, run_id: str) -> ReviewScreen:
    await wait_for_screen(pilot, SetupScreen)
    pilot.app.open_report(run_id)
    await wait_for_screen(pilot, ReportScreen)
    await pilot.press("v")
    screen = await wait_for_screen(pilot, ReviewScreen)
    await wait_for(pilot, lambda: screen.queue is not None, SLOW, "the review queue")
    await pilot.pause()
    return screen


async def test_review_kill_resume_write_rerun_compare(keyword_run, tmp_path):
    engine, run_id, data = keyword_run
    async with WorkbenchApp(engine).run_test(size=(100, 30)) as pilot:
        screen = await open_queue(pilot, run_id)
        assert "0 of 4 reviewed" in static_text(screen, "#review-head")
        first = screen.queue.current()
        assert first.row in FLIPPED and f"gold: {first.gold}   suggested: {first.suggested}" in static_text(screen, "#review-labels")
        assert "run: " in static_text(screen, "#review-labels") and static_text(screen, "#review-text") == first.text
        assert "the run's own scores" in static_text(screen, "#review-evidence")
        await pilot.press("a")
        assert "1 of 4 reviewed" in static_text(screen, "#review-head") and "accepted" in static_text(screen, "#review-status")
        await pilot.press("s")  # skipped: not reviewed, comes back at the end
        assert "1 of 4 reviewed" in static_text(screen, "#review-head")
        third = screen.queue.current()
        await pilot.press("l")
        picker = await wait_for_screen(pilot, LabelPicker)
        await pilot.press("n", "e")  # the filter leaves neg
        await pilot.press("enter")
        await wait_for_screen(pilot, ReviewScreen)
        assert screen.queue.decision_of(third).label == "neg"
        assert "2 of 4 reviewed" in static_text(screen, "#review-head")
        await pilot.press("z")  # undo the pick: that row again
        assert screen.queue.current() == third and "1 of 4 reviewed" in static_text(screen, "#review-head")
        assert picker is not None
    # The session ended without writing anything (as a kill would): the decisions are stored.
    async with WorkbenchApp(Engine(tmp_path / "s.sqlite")).run_test(size=(100, 30)) as pilot:
        history = await open_history(pilot)
        assert history.query_one("#runs", DataTable).row_count == 1
        await pilot.press("v")
        screen = await wait_for_screen(pilot, ReviewScreen)
        await wait_for(pilot, lambda: screen.queue is not None, SLOW, "the review queue")
        await pilot.pause()
        assert "1 of 4 reviewed" in static_text(screen, "#review-head") and screen.queue.current() == third
        await pilot.press("a", "a", "a")  # the rest, the skipped one last
        assert "4 of 4 reviewed" in static_text(screen, "#review-head") and "every suspect decided" in static_text(screen, "#review-head")
        await pilot.press("w")
        await wait_for(pilot, lambda: screen.written is not None, SLOW, "the corrected copy")
        out = tmp_path / "data-relabelled"
        assert screen.written.out == out and "wrote" in static_text(screen, "#review-status")
        audit = [json.loads(line) for line in (out / AUDIT_FILE).read_text().splitlines()]
        assert sorted(line["row"] for line in audit) == sorted(FLIPPED) and {line["decided"] for line in audit} == {"accepted"}
        await pilot.press("r")  # the copy is current: re-run on it and compare
        compare = await wait_for_screen(pilot, CompareScreen, SLOW)
        assert compare.run_a == run_id and compare.run_b != run_id
        await wait_for(pilot, lambda: "gold labels changed: 4" in static_text(compare, "#mcnemar"), SLOW, "the comparison")
        assert "against run B's gold" in static_text(compare, "#mcnemar")


def test_review_screen_at_80x24(snap_compare, keyword_run, monkeypatch):
    engine, run_id, _ = keyword_run

    async def ready(pilot):
        screen = await open_queue(pilot, run_id)
        await pilot.press("a")
        await settle_for_snapshot(pilot)
        assert "1 of 4 reviewed" in static_text(screen, "#review-head")

    assert snap_compare(WorkbenchApp(engine), terminal_size=(80, 24), run_before=ready)
