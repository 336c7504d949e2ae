"""Fine-tuned models kept as artifacts: saved once, in the data folder next to the run store,
addressed by everything that determines the training (base model identity, training parameters,
seed, train-data fingerprint, device kind, dtype, library versions), and recorded in the store.
A later fit with the same key loads the folder instead of training (another test split,
``--limit``, a sweep's confirmation run, ``--devices`` workers, Ray actors).

An artifact is a plain Hugging Face / sentence-transformers folder: it can be loaded elsewhere,
and the ``classifier`` method evaluates a ``finetune`` artifact like any fine-tuned model. It is
written into a hidden temporary folder and renamed into place when complete, so a killed
training leaves no half artifact (only a ``.tmp-*`` folder, which ``store check`` lists).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

ARTIFACTS_TABLE = """
CREATE TABLE IF NOT EXISTS model_artifacts (
    key        TEXT PRIMARY KEY,        -- SHA-256 of the training identity (workbench/artifacts.py)
    method     TEXT NOT NULL,
    base_model TEXT NOT NULL,           -- the base model's identity
    identity   TEXT NOT NULL,           -- JSON: everything that determined the training
    path       TEXT NOT NULL,           -- the artifact folder
    size       INTEGER NOT NULL,        -- bytes on disk
    fit_s      REAL,                    -- seconds the training took
    created_at REAL NOT NULL
);
"""
"""Also in the store's SCHEMA; created here too on first write, so a store made before the table
existed gets it without a layout change."""

TRAINING_PACKAGES = ("torch", "transformers", "sentence-transformers", "setfit", "scikit-learn")


@dataclass(frozen=True)
class Artifact:
    key: str
    method: str
    base_model: str
    identity: dict[str, Any]
    path: Path
    size: int
    fit_s: float | None
    created_at: float


def training_versions() -> dict[str, str]:
    """The versions of the libraries a training depends on (part of the key: another torch may
    train to other weights)."""
    from importlib import metadata

    out = {}
    for pkg in TRAINING_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def train_fingerprint(texts: list[str], labels: list[int], label_names: list[str]) -> str:
    """SHA-256 of the (sampled) train rows in order and the label names."""
    h = hashlib.sha256(json.dumps(label_names).encode())
    for t, y in zip(texts, labels):
        h.update(hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest())
        h.update(int(y).to_bytes(4, "little"))
    return h.hexdigest()


def artifact_key(identity: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def artifacts_dir(store_path: Path) -> Path:
    """Where a store's artifacts live: ``models/`` next to the store file."""
    return Path(store_path).expanduser().parent / "models"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


_COLUMNS = "key, method, base_model, identity, path, size, fit_s, created_at"


def _ensure_table(db: sqlite3.Connection) -> None:
    db.execute(ARTIFACTS_TABLE)


def find_artifact(store: Any, key: str) -> Artifact | None:
    """The recorded artifact of ``key`` whose folder is there, or None."""
    try:
        with store._reading() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM model_artifacts WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:  # a store made before the table existed, opened read-only
        return None
    if row is None:
        return None
    art = _artifact(row)
    return art if art.path.is_dir() else None


def _artifact(row: tuple) -> Artifact:
    key, method, base, identity, path, size, fit_s, created = row
    return Artifact(key, method, base, json.loads(identity), Path(path), size, fit_s, created)


def save_artifact(store: Any, key: str, method: str, base_model: str, identity: Mapping[str, Any], write: Callable[[Path], None], fit_s: float) -> Path:
    """``write(folder)`` into a temporary folder, renamed into place complete, then recorded in
    the store. Another process that finished the same key first wins; its folder is kept."""
    root = artifacts_dir(store.path)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = root / key[:32]
    tmp = root / f".tmp-{key[:32]}-{uuid.uuid4().hex[:8]}"
    try:
        write(tmp)
        (tmp / "workbench-artifact.json").write_text(json.dumps({"key": key, "method": method, "identity": identity}, indent=1, default=str))
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # the same training finished elsewhere first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    size = folder_size(final)
    if not store.read_only:
        with store._writing() as db:
            _ensure_table(db)
            db.execute(
                "INSERT OR REPLACE INTO model_artifacts VALUES (?,?,?,?,?,?,?,?)",
                (key, method, base_model, json.dumps(identity, sort_keys=True, default=str), str(final), size, fit_s, time.time()),
            )
    return final


def list_artifacts(store: Any) -> list[tuple[Artifact, list[str]]]:
    """Every recorded artifact, newest first, with the ids of the stored runs that used it."""
    out = []
    try:
        with store._reading() as db:
            for row in db.execute(f"SELECT {_COLUMNS} FROM model_artifacts ORDER BY created_at DESC").fetchall():
                art = _artifact(row)
                # a run that used an artifact names its key in its report's details
                runs = [r[0] for r in db.execute("SELECT run_id FROM runs WHERE report LIKE ? ORDER BY created_at", (f"%{art.key}%",))]
                out.append((art, runs))
    except sqlite3.OperationalError:  # no such table: no artifact yet
        return []
    return out


def orphans(store_path: Path) -> list[str]:
    """What ``store check`` reports about artifacts: folders under ``models/`` no store record
    names (and half-written ``.tmp-*`` folders of a killed training), records whose folder is gone."""
    root = artifacts_dir(store_path)
    recorded: dict[str, str] = {}
    if Path(store_path).is_file():
        # read-only; a WAL store in a folder this user cannot write is read as it is (store_check.py)
        for mode in ("mode=ro", "immutable=1"):
            try:
                db = sqlite3.connect(f"{Path(store_path).resolve().as_uri()}?{mode}", uri=True)
                try:
                    recorded = dict(db.execute("SELECT path, key FROM model_artifacts").fetchall())
                finally:
                    db.close()
                break
            except sqlite3.Error as e:
                if "no such table" in str(e):
                    break  # a store from before the table: no artifact recorded
    found = []
    try:
        folders = sorted(root.iterdir()) if root.is_dir() else []
    except OSError as e:  # a folder this user cannot read: say so, it is advice only
        folders = []
        found.append(f"{root}: cannot be listed ({e.strerror})")
    if folders:
        for folder in folders:
            if folder.name.startswith(".tmp-"):
                found.append(f"{folder}: left by a training that did not finish (safe to delete)")
            elif str(folder) not in recorded:
                found.append(f"{folder}: an artifact folder no store record names (safe to delete, or keep it to load as a model)")
    for path, key in recorded.items():
        if not Path(path).is_dir():
            found.append(f"{path}: recorded for artifact {key[:12]} but missing (the next run with its key trains again)")
    return found
