"""The terminal UI and a CLI run in another process using one store at the same time: both runs
finish with every prediction stored, the UI's history lists the CLI's run, the file stays sound."""

import asyncio
from dataclasses import replace

from conftest import write_jsonl
from test_interrupt import fake_cli, integrity, keyword_data, stored, wait_until
from fake_methods import LabelWordMethod, open_gate
from tui_helpers import wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.history_screen import HistoryScreen
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.store import RunStore


async def test_the_ui_and_a_cli_process_write_one_store_at_once(tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)
    path, n = tmp_path / "shared.sqlite", 60
    ui_rows = [{"text": f"ui {i} {'good' if i % 2 else 'bad'}", "label": i % 2} for i in range(n)]
    ui_data = str(tmp_path / "ui")
    write_jsonl(tmp_path / "ui" / "test.jsonl", ui_rows)
    (tmp_path / "ui" / "labels.json").write_text('["neg", "pos"]')
    spec = replace(default_spec(), data=DataSpec(ui_data), method="label-words", params={"labels": ["bad", "good"]}, batch_size=2)
    store = RunStore(path)
    gate = tmp_path / "go"  # the CLI run holds after its first batch until the UI's run has finished
    cli = fake_cli(path, keyword_data(tmp_path, "cli", n), "--batch-size", "2", "-p", f"gate={gate}")
    try:
        app = WorkbenchApp(store, spec)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_screen(pilot, SetupScreen)
            await asyncio.to_thread(wait_until, lambda: stored(path, "SELECT COUNT(*) FROM predictions", 0) > 0, "the CLI's first batch", 60)
            await pilot.press("ctrl+r")
            report = await wait_for_screen(pilot, ReportScreen, timeout=60)
            assert cli.poll() is None  # the CLI run was still writing all along the UI's run
            open_gate(gate)
            out, err = await asyncio.to_thread(cli.communicate, timeout=60)
            assert cli.returncode == 0 and "locked" not in err, err
            await pilot.press("h")
            history = await wait_for_screen(pilot, HistoryScreen)
            await wait_for(pilot, lambda: history.query_one("#runs").row_count == 2, what="both runs listed")
    finally:
        open_gate(gate)
        if cli.poll() is None:
            cli.kill()
    runs = {r.method: r for r in RunStore(path).list_runs()}
    assert set(runs) == {"label-words", "keyword"} and {r.status for r in runs.values()} == {"done"}
    assert runs["label-words"].run_id == report.run_id
    counts = RunStore(path).prediction_counts()
    assert counts == {r.run_id: n for r in runs.values()}
    assert runs["label-words"].report.accuracy == 1.0 and "accuracy    1.0000" in out
    assert integrity(path) == "ok"
