"""The TUI paints its first screen before any model library is imported: importing the app and
mounting the setup screen imports none of them (they load in workers, when a run needs them).
Checked in a fresh interpreter, so what other tests imported does not count."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MODEL_LIBRARIES = ("torch", "transformers", "sentence_transformers", "sklearn", "datasets", "openai")

SCRIPT = """
import asyncio, json, sys

from screens.app import WorkbenchApp
from screens.setup_screen import SetupScreen
from workbench.store import RunStore

LIBRARIES = json.loads(sys.argv[1])


async def main():
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(2000):
            if isinstance(app.screen, SetupScreen) and app.screen.is_mounted:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        painted = isinstance(app.screen, SetupScreen) and app.screen.query_one("#source-kind").region.height > 0
        print(json.dumps({"painted": painted, "imported": [m for m in LIBRARIES if m in sys.modules]}))


asyncio.run(main())
"""


def test_first_screen_mounts_before_any_model_library_is_imported(tmp_path):
    env = dict(os.environ, WORKBENCH_STORE=str(tmp_path / "store.sqlite"), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(MODEL_LIBRARIES)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["painted"], "the setup screen was not laid out"
    assert result["imported"] == [], f"imported before the first screen: {result['imported']}"
