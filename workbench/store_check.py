"""Checking a run store file with SQLite's integrity check (``workbench store check``), read-only:
nothing is written, and a damaged file is not made worse."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .errors import STORE, StoreError
from .store import SCHEMA_VERSION, _is_damage, _layout, default_store_path, not_sqlite


@dataclass(frozen=True)
class StoreCheck:
    """What SQLite's integrity check says of a run store file (:func:`check_store`)."""

    path: Path
    ok: bool
    problems: list[str]
    """SQLite's findings, at most 20; empty when ``ok``."""
    advice: str
    """What can be done."""


_RECOVER = (
    "the store is damaged: keep a copy of {path}; the sqlite3 shell's `.recover` command can copy what is readable into a new file "
    "(`sqlite3 OLD .recover | sqlite3 NEW`), which can then be used as the run store; or name another run store file and start afresh"
)
_UNREADABLE = "SQLite cannot read {path} as a database: keep a copy of it if it holds runs you need, and name another run store file (a new one is created there)"


def check_store(path: str | Path | None = None) -> StoreCheck:
    """Run SQLite's ``PRAGMA integrity_check`` on the store file, read-only (nothing is written,
    a damaged file is not made worse)."""
    path = Path(path).expanduser() if path else default_store_path()
    if not path.is_file():
        raise StoreError(f"no run store file at {path}", fix="name the run store file to check", field=STORE)
    if not_sqlite(path):
        return StoreCheck(path, False, ["not a SQLite database: its first bytes are not SQLite's header"], _UNREADABLE.format(path=path))
    try:
        try:
            rows, version = _integrity(f"{path.resolve().as_uri()}?mode=ro")
        except sqlite3.OperationalError as e:
            if "readonly" not in str(e):
                raise
            # A WAL store in a folder this user cannot write: SQLite cannot make its -shm file to
            # read it. Read the file as it is, as RunStore does; a sound store is not "damaged".
            rows, version = _integrity(f"{path.resolve().as_uri()}?immutable=1")
    except sqlite3.Error as e:
        # SQLite's header is there (checked above) but a page cannot be read: as damaged as a
        # file whose check lists problems, and .recover copies what is readable all the same.
        return StoreCheck(path, False, [str(e)], _RECOVER.format(path=path) if _is_damage(e) else _UNREADABLE.format(path=path))
    if rows == ["ok"]:
        foreign = _foreign_tables(path)
        if foreign:
            return StoreCheck(path, False, foreign, f"{path} is a sound SQLite file but not a workbench run store: name another run store file")
        newer = f"; its layout ({version}) is from a newer workbench than this one ({SCHEMA_VERSION})" if version > SCHEMA_VERSION else ""
        return StoreCheck(path, True, [], f"the store is sound{newer}")
    return StoreCheck(path, False, rows, _RECOVER.format(path=path))


def _integrity(uri: str) -> tuple[list[str], int]:
    db = sqlite3.connect(uri, uri=True)
    try:
        rows = [r[0] for r in db.execute("PRAGMA integrity_check(20)").fetchall()]
        return rows, db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def _foreign_tables(path: Path) -> list[str]:
    """The store's tables that the file has with other columns (a database of another program)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        out = []
        tables = sorted(row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        if tables and "runs" not in tables:
            out.append(f"no table 'runs'; it holds other tables ({', '.join(tables[:5])})")
        for table, wanted in _layout().items():
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if have and wanted - have:
                out.append(f"table '{table}' has no column {', '.join(sorted(wanted - have))}")
        return out
    finally:
        db.close()
