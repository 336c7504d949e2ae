"""The run store: every run's configuration, status, report and predictions, in one SQLite file.

WAL mode and one transaction per batch of predictions, so a run that dies keeps what it finished
and a reader (another process, the TUI) never sees half a batch. The file is created readable by
its owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .errors import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    created_at  REAL NOT NULL,
    finished_at REAL,
    status      TEXT NOT NULL,          -- running | done | cancelled | failed
    method      TEXT NOT NULL,
    model       TEXT,
    dataset     TEXT NOT NULL,
    split       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    config      TEXT NOT NULL,          -- JSON: everything that determines the result
    report      TEXT,                   -- JSON: metrics, timing, device, versions
    error       TEXT
);
CREATE TABLE IF NOT EXISTS predictions (
    run_id  TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    idx     INTEGER NOT NULL,           -- position in the evaluated split
    text    TEXT NOT NULL,
    gold    INTEGER NOT NULL,
    pred    INTEGER,                    -- NULL: invalid (see raw / error)
    scores  TEXT,                       -- JSON list, one score per class
    raw     TEXT,
    error   TEXT,
    PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS embeddings (
    model   TEXT NOT NULL,              -- model identity, device kind and dtype
    text    BLOB NOT NULL,              -- SHA-256 of the text
    dim     INTEGER NOT NULL,
    vector  BLOB NOT NULL,              -- float32, little-endian
    PRIMARY KEY (model, text)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS responses (
    key        TEXT PRIMARY KEY,        -- SHA-256 of everything the request was made of
    response   TEXT NOT NULL,           -- JSON
    created_at REAL NOT NULL
);
"""


def default_store_path() -> Path:
    env = os.environ.get("WORKBENCH_STORE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("workbench", appauthor=False)) / "workbench.sqlite"


def _text_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True)
class StoredPrediction:
    idx: int
    text: str
    gold: int
    pred: int | None
    scores: list[float] | None
    raw: str | None
    error: str | None


class RunStore:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path else default_store_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the run store at {self.path} ({e})", fix="pass another file with --store or WORKBENCH_STORE") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------ writing

    def start_run(self, run_id: str, *, method: str, model: str | None, dataset: str, split: str, n: int, config: dict) -> None:
        """Begin (or begin again) a run: any earlier attempt with the same id is replaced."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM predictions WHERE run_id = ?", (run_id,))
            self._db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            self._db.execute(
                "INSERT INTO runs (run_id, created_at, status, method, model, dataset, split, n, config) VALUES (?,?,?,?,?,?,?,?,?)",
                (run_id, time.time(), "running", method, model, dataset, split, n, json.dumps(config, sort_keys=True)),
            )

    def add_predictions(self, run_id: str, rows: Iterable[tuple[int, str, int, Any]]) -> None:
        """One batch in one transaction: (idx, text, gold, Prediction) each."""
        data = [
            (run_id, idx, text, gold, p.label, json.dumps(p.scores) if p.scores is not None else None, p.raw, p.error)
            for idx, text, gold, p in rows
        ]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO predictions VALUES (?,?,?,?,?,?,?,?)", data)

    def finish_run(self, run_id: str, status: str, report: dict | None = None, error: str | None = None) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, report = ?, error = ? WHERE run_id = ?",
                (status, time.time(), json.dumps(report) if report is not None else None, error, run_id),
            )

    # ------------------------------------------------------------ reading

    def _row(self, row: sqlite3.Row | tuple) -> dict[str, Any]:
        keys = ("run_id", "created_at", "finished_at", "status", "method", "model", "dataset", "split", "n", "config", "report", "error")
        d = dict(zip(keys, row))
        d["config"] = json.loads(d["config"])
        d["report"] = json.loads(d["report"]) if d["report"] else None
        return d

    def find(self, run_id: str) -> dict[str, Any] | None:
        """The run with exactly this full id, or None."""
        with self._lock:
            row = self._db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return self._row(row) if row else None

    def get(self, prefix: str) -> dict[str, Any]:
        """The one run whose id starts with ``prefix``; a clear error when none or several do."""
        prefix = prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            raise StoreError(f"'{prefix}' is not a run id", expected="hex digits from `workbench runs`")
        with self._lock:
            rows = self._db.execute("SELECT * FROM runs WHERE run_id LIKE ? LIMIT 2", (prefix + "%",)).fetchall()
        if not rows:
            raise StoreError(f"no run {prefix} in {self.path}", fix="list runs with `workbench runs` (and check --store)")
        if len(rows) > 1:
            raise StoreError(f"'{prefix}' names more than one run", fix="give more of the id")
        return self._row(rows[0])

    def list_runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs ORDER BY created_at DESC" + (f" LIMIT {int(limit)}" if limit else "")
        with self._lock:
            return [self._row(r) for r in self._db.execute(sql).fetchall()]

    def predictions(self, run_id: str) -> list[StoredPrediction]:
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, text, gold, pred, scores, raw, error FROM predictions WHERE run_id = ? ORDER BY idx", (run_id,)
            ).fetchall()
        return [StoredPrediction(i, t, g, p, json.loads(s) if s else None, r, e) for i, t, g, p, s, r, e in rows]

    # ------------------------------------------------------------ caches

    def get_embeddings(self, model_key: str, texts: list[str]) -> list[Any]:
        """Cached vectors (numpy float32) for ``texts``, None where not cached."""
        import numpy as np

        hashes = [_text_hash(t) for t in texts]
        found: dict[bytes, Any] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):  # SQLite's variable limit
                chunk = hashes[start : start + 500]
                q = f"SELECT text, dim, vector FROM embeddings WHERE model = ? AND text IN ({','.join('?' * len(chunk))})"
                for h, dim, blob in self._db.execute(q, (model_key, *chunk)):
                    found[h] = np.frombuffer(blob, dtype="<f4", count=dim)
        return [found.get(h) for h in hashes]

    def put_embeddings(self, model_key: str, texts: list[str], vectors) -> None:
        import numpy as np

        rows = [(model_key, _text_hash(t), len(v), np.asarray(v, dtype="<f4").tobytes()) for t, v in zip(texts, vectors)]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?)", rows)

    def get_response(self, key: str) -> Any | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_response(self, key: str, response: Any) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?,?,?)", (key, json.dumps(response), time.time()))

    def count_predictions(self, run_id: str) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM predictions WHERE run_id = ?", (run_id,)).fetchone()[0]
