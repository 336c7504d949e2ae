"""The setup a front end last chose (data, columns, method, model, parameters), kept in the run
store so that the terminal UI opens where the user left it: the same dataset, not the sample.

In the store, not a settings file of its own: the store is already the user's private, per-user
file (and a test's temporary store keeps its memory to itself). A table of its own, made on the
first write, so no store layout changes. Best effort: a read-only or damaged store remembers
nothing and recalls nothing, and never stops a front end from starting.

Never remembered: ``trust_remote_code`` (a model's own code runs only if the box is ticked in
this session). No secret is in a RunSpec (API keys are read from the environment or a key file).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from .errors import StoreError

if TYPE_CHECKING:
    from .spec import RunSpec
    from .store import RunStore

TABLE = "CREATE TABLE IF NOT EXISTS remembered (key TEXT PRIMARY KEY, value TEXT NOT NULL, at REAL NOT NULL)"
SETUP = "setup"


def remember_setup(store: "RunStore", spec: "RunSpec") -> bool:
    """Keep ``spec`` as the last setup; False when the store cannot be written (nothing kept)."""
    value = json.dumps(asdict(replace(spec, trust_remote_code=False)))
    try:
        with store._writing() as db:  # noqa: SLF001 -- the store's connection, lock and errors
            db.execute(TABLE)
            db.execute("INSERT OR REPLACE INTO remembered (key, value, at) VALUES (?, ?, ?)", (SETUP, value, time.time()))
    except StoreError:
        return False
    return True


def last_setup(store: "RunStore") -> "RunSpec | None":
    """The setup last kept, or None (none kept, or it cannot be read back as a RunSpec: a field
    renamed since takes its default, one removed is dropped, as for a stored run)."""
    from .results import RunConfig

    try:
        with store._reading() as db:  # noqa: SLF001
            if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'remembered'").fetchone():
                return None
            row = db.execute("SELECT value FROM remembered WHERE key = ?", (SETUP,)).fetchone()
        return RunConfig({"spec": json.loads(row[0])}).spec() if row else None
    except (StoreError, ValueError, TypeError):
        return None
