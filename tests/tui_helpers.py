"""Shared pieces of the TUI tests: a tiny dataset, runs seeded into a store with fixed figures, and
waiting helpers for Pilot. The fake methods they run are in fake_methods.py."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path

from conftest import write_jsonl
from fake_methods import ApiWords, LabelWordMethod  # noqa: F401 - the TUI tests' methods live there

from workbench.confidence import confidence_entries
from workbench.data import DataSpec, Origin
from workbench.methods import Prediction
from workbench.metrics import compute_metrics
from workbench.spec import RunSpec
from workbench.store import RunStore


def no_device_picking(monkeypatch) -> None:
    """Make picking a device fail the test: a run with no local model must not (it imports torch)."""
    import workbench.models
    import workbench.runner

    def refuse(*args, **kwargs):
        raise AssertionError("a run with no local model picked a device")

    monkeypatch.setattr(workbench.models, "pick_device", refuse)
    monkeypatch.setattr(workbench.runner, "pick_device", refuse)


TINY_ROWS = (
    [{"text": f"a good film number {i}", "label": 1} for i in range(10)]
    + [{"text": f"a bad film number {i}", "label": 0} for i in range(8)]
    + [{"text": "bad acting but a good plot", "label": 0}, {"text": "good grief what a bad movie", "label": 0}]
    + [{"text": f"an ordinary film {i}", "label": 1} for i in range(2)]
)


def tiny_data(folder: Path, rows=TINY_ROWS) -> str:
    write_jsonl(folder / "test.jsonl", rows)
    write_jsonl(folder / "train.jsonl", rows)
    (folder / "labels.json").write_text('["neg", "pos"]')
    return str(folder)


# ---------------------------------------------------------------- runs with fixed figures

SEED_GOLD = [0] * 6 + [1] * 6
SEED_TEXTS = [f"negative review {i}" for i in range(6)] + [f"positive review {i}" for i in range(6)]
SEED_PREDS = {
    "a": [0, 0, 0, 0, 1, None, 1, 1, 1, 0, 0, None],
    "b": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0],
}
SEED_LABELS = {"a": ["negative", "positive"], "b": ["a very negative movie review", "a very positive movie review"]}
SEED_IDS = {"a": "a" * 12 + "0" * 52, "b": "b" * 12 + "0" * 52}


SEED_CONFIDENCE = {"a": [0.95, 0.9, 0.85, 0.8, 0.9, None, 0.75, 0.7, 0.65, 0.8, 0.8, None]}
"""Run A's score of its predicted label per example (spread, so its confidence figures have a
shape); run B's is 0.8 throughout."""


def seed_scores(key: str, i: int, pred: int | None) -> list[float] | None:
    if pred is None:
        return None
    top = (SEED_CONFIDENCE.get(key) or [0.8] * 12)[i] or 0.8
    return [round(top if c == pred else 1 - top, 2) for c in range(2)]


def seed_runs(store: RunStore) -> dict[str, str]:
    """Two finished label-words runs on the same 12 examples, A older than B, with fixed reports
    (no timing noise; calibration and selective figures computed from the scores), so screens
    showing them are the same on every machine."""
    names = ["neg", "pos"]
    for n, key in enumerate(("a", "b")):
        preds = SEED_PREDS[key]
        spec = RunSpec(DataSpec("tiny"), "label-words", model="label-words-model", params={"labels": SEED_LABELS[key]})
        # fixed stored data (the snapshots show it), not what today's LabelWordMethod would record
        config = {"spec": asdict(spec), "model_location": "label-words-model", "params": {"labels": SEED_LABELS[key], "pause": 0.0}}
        run_id = SEED_IDS[key]
        store.start_run(run_id, method="label-words", model="label-words-model", dataset="tiny", split="test", n=12, config=config)
        rows = []
        for i, (text, gold, pred) in enumerate(zip(SEED_TEXTS, SEED_GOLD, preds)):
            rows.append((i, text, gold, Prediction(pred, seed_scores(key, i, pred), raw="no label word" if pred is None else None), Origin(row=i)))
        store.add_predictions(run_id, rows)
        confidence = confidence_entries(SEED_GOLD, preds, [r[3].scores for r in rows], 2)
        report = {
            "run_id": run_id, "method": "label-words", "model": "label-words-model", "dataset": "tiny", "split": "test",
            **compute_metrics(SEED_GOLD, preds, names),
            "timing": {"load_s": 0.5, "fit_s": 0.25, "predict_s": 1.5, "examples_per_s": 8.0},
            "device": "cpu", "dtype": "float32", "batch_size": 32, "status": "done",
            "params": config["params"], "details": {}, "notes": [], "created_at": 1_700_000_000 + n * 3600,
            "calibration": confidence.calibration.to_json() if confidence.calibration else None,
            "selective": confidence.selective.to_json() if confidence.selective else None,
        }  # fmt: skip
        store.finish_run(run_id, "done", report)
        with store._lock, store._db:  # fixed dates for the history table
            store._db.execute("UPDATE runs SET created_at = ?, finished_at = ? WHERE run_id = ?", (report["created_at"], report["created_at"] + 2, run_id))
    return dict(SEED_IDS)


def stored_report(store: RunStore, run_id: str) -> dict:
    return json.loads(json.dumps(store.find(run_id).report.to_json()))


# ---------------------------------------------------------------- waiting

WAIT_S = 90.0
"""A failure bound, not a pace: a condition met at once costs nothing, and on a loaded 2-core
machine a first ``import torch`` (a run picking its device) alone has taken 50 s."""

async def wait_for(pilot, predicate, timeout: float = WAIT_S, what: str = "condition") -> None:
    """Pause the pilot until ``predicate()`` is true (workers run meanwhile)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what} (screen: {pilot.app.screen!r})")
        await pilot.pause(0.05)


async def wait_for_screen(pilot, screen_type, timeout: float = WAIT_S):
    """The screen, once it is showing and, for a screen that reads the store in a worker (its
    ``ready`` flag), once it has shown what it read."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), timeout, screen_type.__name__)
    screen = pilot.app.screen
    await wait_for(pilot, lambda: getattr(screen, "ready", True), timeout, f"{screen_type.__name__} to read the store")
    await pilot.pause()
    return screen


async def open_prompt(pilot):
    """The prompt screen, opened from the setup screen (ctrl+n), once its editors are built."""
    from screens.prompt_screen import PromptScreen
    from screens.setup_screen import SetupScreen

    await wait_for_screen(pilot, SetupScreen)
    await pilot.press("ctrl+n")
    screen = await wait_for_screen(pilot, PromptScreen)
    await wait_for(pilot, lambda: screen.dataset is not None and not screen.query("#editors-status"), what="the editors")
    await pilot.pause()
    return screen


async def open_history(pilot):
    """The history screen, opened from the setup screen (ctrl+b), once it has read the store."""
    from screens.history_screen import HistoryScreen
    from screens.setup_screen import SetupScreen

    await wait_for_screen(pilot, SetupScreen)
    await pilot.press("ctrl+b")
    return await wait_for_screen(pilot, HistoryScreen)


async def settle_for_snapshot(pilot) -> None:
    """Every worker done, then a still picture: the text cursors stop blinking (an Input's is then
    hidden, a TextArea's shown). They toggle every 0.5 s, so a capture taken later than usual (a
    loaded machine) showed a cursor in the other phase and failed the snapshot."""
    await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def static_text(screen, selector: str) -> str:
    """The plain text a Static shows."""
    widget = screen.query_one(selector)
    content = widget.render()
    return str(getattr(content, "plain", content))


# ---------------------------------------------------------------- keys in one burst

def key_burst(app, *parts: str) -> None:
    """Post key events the way a terminal delivers a burst (a paste, tmux send-keys, SSH): all at
    once, with no pause for the app to handle one before the next arrives (``pilot.press`` waits
    after each key, which hides any key that lands in the wrong widget). Each part is a key name
    (``tab``, ``shift+tab``, ``enter``) or, when it is not one, a text typed character by character."""
    from textual import events
    from textual.keys import _character_to_key

    named = {"tab", "shift+tab", "enter", "escape", "backspace", "up", "down", "home", "end", "ctrl+s", "ctrl+r", "ctrl+n", "f1"}
    for part in parts:
        for key, char in [(part, None)] if part in named else [(_character_to_key(c) if not c.isalnum() else c, c) for c in part]:
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)
