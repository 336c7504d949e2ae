"""The run store: every run's configuration, status, report and predictions, in one SQLite file.

WAL mode and one transaction per batch of predictions, so a run that dies keeps what it finished
and a reader (another process, the TUI) never sees half a batch. The file is created readable by
its owner only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from .artifacts import ARTIFACTS_TABLE
from .data import Origin
from .errors import RUN, STORE, StoreError, WorkbenchError
from .readers import file_kind
from .results import Report, RunConfig
from .run_locks import RunLocks, refuse_hard_links

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
    src_row INTEGER,                    -- the example's row in its split file (data.Origin)
    row_id  TEXT,                       -- its id column's value, when the data names one
    meta    TEXT,                       -- JSON object: the row's other columns
    tokens  INTEGER,                    -- its length in the model's tokens
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
CREATE TABLE IF NOT EXISTS file_digests (
    path     TEXT NOT NULL,             -- absolute path of a model file
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode    INTEGER NOT NULL,
    digest   TEXT NOT NULL,             -- SHA-256 of its bytes (workbench/models.py folder_identity)
    PRIMARY KEY (path, size, mtime_ns, inode)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id   TEXT PRIMARY KEY,        -- workbench/sweep.py: its name, metric, baseline and runs
    name       TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    status     TEXT NOT NULL,
    config     TEXT NOT NULL,           -- JSON: the sweep file as read
    result     TEXT NOT NULL            -- JSON: SweepResult.to_json()
);
"""
SWEEPS_TABLE = SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS sweeps") :]
"""The sweeps' table alone: a store of this layout made before sweeps were kept in it gets it on
the first sweep saved (it is a table of its own; no run's identity depends on it)."""

# the review queue's table, kept apart so it can be created on a store of any layout
LABEL_DECISIONS = """
CREATE TABLE IF NOT EXISTS label_decisions (
    seq         INTEGER PRIMARY KEY,    -- the order they were made in (undo takes the last)
    run_id      TEXT NOT NULL,          -- the evidence run whose suspect labels were reviewed
    split       TEXT NOT NULL,          -- the split file of the row
    src_row     INTEGER NOT NULL,       -- its row there (0-based, as suspects name it)
    row_id      TEXT,
    text_sha256 TEXT NOT NULL,          -- of the text decided on (a changed file is refused)
    gold        TEXT NOT NULL,
    label       TEXT,                   -- the label decided, NULL: skipped for now
    decided     TEXT NOT NULL,          -- accepted | manual | kept | skipped
    score       REAL,
    at          REAL NOT NULL,
    UNIQUE (run_id, split, src_row)
);
"""
SCHEMA += LABEL_DECISIONS
"""Not a new layout version (SCHEMA_VERSION): an older store gets the table when a review first
writes to it (``CREATE TABLE IF NOT EXISTS``, workbench/review.py)."""

SCHEMA += ARTIFACTS_TABLE  # fine-tuned models kept as artifacts (workbench/artifacts.py)

SCHEMA_VERSION = 2
"""The store's layout, kept in SQLite's ``PRAGMA user_version``: 0 is the layout before it was
numbered (the same tables), migrated on open; a store from a newer workbench is refused unread.
2: predictions keep where each example came from (:data:`ADDED_IN`)."""

ADDED_IN: dict[int, dict[str, tuple[str, ...]]] = {
    2: {"predictions": ("src_row INTEGER", "row_id TEXT", "meta TEXT", "tokens INTEGER")},
}
"""Columns each layout version added to a table, as ``ALTER TABLE ... ADD COLUMN`` takes them: an
older store is migrated on open (read-only: read without them)."""


def _added_since(version: int) -> dict[str, set[str]]:
    """The columns, per table, that a store of layout ``version`` lacks."""
    out: dict[str, set[str]] = {}
    for v, tables in ADDED_IN.items():
        if v > version:
            for table, columns in tables.items():
                out.setdefault(table, set()).update(c.split()[0] for c in columns)
    return out


def _migration(db: sqlite3.Connection) -> str:
    """The statements that add to an older store's tables the columns later layouts added."""
    out = []
    for _, tables in sorted(ADDED_IN.items()):
        for table, columns in tables.items():
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            out += [f"ALTER TABLE {table} ADD COLUMN {c};" for c in columns if have and c.split()[0] not in have]
    return "\n".join(out)


@functools.cache
def _layout() -> dict[str, set[str]]:
    """Each table of SCHEMA and its columns."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: {row[1] for row in db.execute(f"PRAGMA table_info({t})")} for t in tables}
    finally:
        db.close()


def default_store_path() -> Path:
    env = os.environ.get("WORKBENCH_STORE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("workbench", appauthor=False)) / "workbench.sqlite"


def _make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and missing parents) readable by its owner only, whatever the umask: the
    store holds the texts evaluated and the answers of paid APIs. An existing folder is left as it is."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask


def _config_json(config: RunConfig | Mapping[str, Any]) -> dict[str, Any]:
    return config.to_json() if isinstance(config, RunConfig) else dict(config)


def _text_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


PREDICTION_COLUMNS = "run_id, idx, text, gold, pred, scores, raw, error, src_row, row_id, meta, tokens"


def _meta(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class StoredPrediction:
    idx: int
    """The example's position in the evaluated split (after --skip-empty, --limit, a hold-out)."""
    text: str
    gold: int
    pred: int | None
    scores: list[float] | None
    raw: str | None
    error: str | None
    row: int | None = None
    """The example's row in its split file (0-based); None in runs stored before rows were kept."""
    row_id: str | None = None
    """Its id column's value, when the data names one."""
    meta: dict[str, Any] = field(default_factory=dict)
    """The row's other columns."""
    tokens: int | None = None
    """Its length in the model's tokens; None when the method has no tokenizer."""

    @property
    def name(self) -> str:
        """How outputs name the example: its id, else its file row, else (an old run) its
        position in the evaluated split, marked with '#'."""
        if self.row_id is not None:
            return self.row_id
        return str(self.row) if self.row is not None else f"#{self.idx}"


@dataclass(frozen=True)
class StoredRun:
    """One run of the store, as :meth:`RunStore.find`, :meth:`RunStore.get` and
    :meth:`RunStore.list_runs` return it."""

    run_id: str
    created_at: float
    status: str
    """As stored: running | done | cancelled | failed (see ``shown_status`` for what to show)."""
    method: str
    model: str | None
    dataset: str
    split: str
    n: int
    config: RunConfig = field(default_factory=RunConfig)
    report: Report | None = None
    """The report; for a cancelled run, over the examples that finished; None before any did."""
    finished_at: float | None = None
    error: str | None = None
    predicted: int = 0
    """Predictions stored for it (of ``n``)."""
    shown_status: str = ""
    """The status a user sees (:meth:`RunStore.status_of`): 'interrupted' for a 'running' run
    that no live process computes, 'damaged' for one that cannot be read; filled by the store
    when it reads the run."""
    damaged: str | None = None
    """What of it cannot be read back (its configuration or report is not valid JSON), or None.
    A damaged run is listed with what can be read; resuming it recomputes a lost report."""

    @property
    def progress(self) -> str:
        """How far it got: 'predicted/n'."""
        return f"{self.predicted}/{self.n}"


class DamagedStoreError(StoreError):
    """The run store's file is damaged (not a database, or malformed pages): SQLite's integrity
    check (:func:`check_store`) says how badly."""


def _damaged(path: Path, e: Exception) -> DamagedStoreError:
    return DamagedStoreError(
        f"the run store file {path} is damaged ({e})",
        fix="keep a copy of it, run SQLite's integrity check on it to see what can be saved, and meanwhile name another run store file",
        field=STORE,
    )


# SQLite's primary result codes (sqlite3 exports them from Python 3.11, and not all in its stubs)
_SQLITE_BUSY, _SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 5, 8, 11, 13, 26

BUSY_TIMEOUT = 30.0
"""Seconds a connection waits for another process's lock before the store says it is locked."""


def _code(e: Exception) -> int | None:
    code = getattr(e, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None  # extended codes carry the primary one in the low byte


def _is_full(e: Exception) -> bool:
    return _code(e) == _SQLITE_FULL or "database or disk is full" in str(e)


def _is_busy(e: Exception) -> bool:
    return _code(e) == _SQLITE_BUSY or "database is locked" in str(e)


def _opened_when_free(open_once: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
    """``open_once()``, tried again while another process holds the file for a moment. SQLite's
    busy timeout does not cover opening: two processes turning a new store into WAL at once
    (the second upgrades its read to a write, and SQLite answers 'locked' at once rather than
    risk a deadlock), or a last connection cleaning up the WAL files as another opens
    (https://www.sqlite.org/wal.html, 'Sometimes queries return SQLITE_BUSY'). Each lasts a
    moment, so waiting up to the busy timeout is what a user expects of 'wait for the lock'."""
    end, pause = time.monotonic() + BUSY_TIMEOUT, 0.005
    while True:
        try:
            return open_once()
        except sqlite3.OperationalError as e:
            if not _is_busy(e) or time.monotonic() + pause > end:
                raise
        time.sleep(pause)  # a back-off, not a synchronisation: the other side's moment ends by itself
        pause = min(pause * 2, 0.2)


def _is_damage(e: Exception) -> bool:
    return _code(e) in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or any(w in str(e) for w in ("malformed", "not a database"))


SQLITE_HEADER = b"SQLite format 3\x00"


_held_files: dict[tuple[int, int], int] = {}
"""Store files this process has SQLite connections on, by file identity (device, inode): how many."""
_held_guard = threading.Lock()


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _hold(identity: tuple[int, int] | None, delta: int) -> None:
    if identity is None:
        return
    with _held_guard:
        count = _held_files.get(identity, 0) + delta
        if count > 0:
            _held_files[identity] = count
        else:
            _held_files.pop(identity, None)


def _release(db: sqlite3.Connection, identity: tuple[int, int] | None) -> None:
    db.close()
    _hold(identity, -1)


def not_sqlite(path: Path) -> bool:
    """Whether ``path`` holds bytes that are not a SQLite database (an empty or missing file is
    a new store). Read, not stat'ed: a /proc file says its size is 0 and holds text.

    Never read while this process holds a connection on the file: closing any descriptor of a
    file drops every POSIX lock the process has on it, SQLite's included, and another process
    then takes itself for the store's last user and deletes the WAL under the live connection
    (https://www.sqlite.org/howtocorrupt.html, section 2.2): the 'malformed' store of a kill and
    resume beside a second open. A file this process has open is a SQLite database anyway."""
    identity = _file_identity(path)
    with _held_guard:
        if identity is not None and identity in _held_files:
            return False
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError:
        return False  # missing or unreadable: opening it says so
    return bool(head) and head != SQLITE_HEADER


def _writable(path: Path) -> bool:
    """Whether this process may write the store at ``path``: the file (when it exists) and its
    folder (SQLite writes its journal files beside it)."""
    folder = path.parent if path.parent.exists() else None
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return folder is None or os.access(folder, os.W_OK)


class RunStore:
    """``read_only``: open the store for reading only (``runs``, ``show``, the history); chosen
    by itself when the file or its folder cannot be written. Writing a run to a read-only store
    is refused with a StoreError that says where else to point it."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool | None = None):
        self.path = Path(path).expanduser() if path else default_store_path()
        self.read_only = (self.path.exists() and not _writable(self.path)) if read_only is None else read_only
        # Reading a FIFO's header would wait for a writer forever. A missing path is a new store.
        if self.path.exists() and (kind := file_kind(self.path)):
            raise StoreError(f"the run store {self.path} is {kind}", expected="a SQLite file, or a path where one can be made", fix="name a run store file", field=STORE)
        refuse_hard_links(self.path)
        if not_sqlite(self.path):  # SQLite would read /proc/version (size 0) as an empty database, and write to it
            raise _damaged(self.path, ValueError("not a database: its first bytes are not SQLite's header"))
        try:
            self._db = _opened_when_free(self._open_read_only if self.read_only else self._open)
        except WorkbenchError:
            raise
        except (OSError, sqlite3.Error) as e:
            if isinstance(e, sqlite3.Error) and _is_damage(e):
                raise _damaged(self.path, e) from None
            if isinstance(e, sqlite3.Error) and _is_busy(e):
                raise StoreError(
                    f"the run store at {self.path} stayed locked by another process for {BUSY_TIMEOUT:g} s",
                    fix="wait for that process (a run writing to it, or a program holding it open) to finish, or name another run store file",
                    field=STORE,
                ) from None
            raise StoreError(f"cannot open the run store at {self.path} ({e})", fix="name another run store file, or set WORKBENCH_STORE", field=STORE) from None
        identity = _file_identity(self.path)
        _hold(identity, +1)
        # closed once: by close(), or when the store is collected without it
        self._release = weakref.finalize(self, _release, self._db, identity)
        self._lock = threading.Lock()
        self._runs = RunLocks(self.path)

    def _open(self) -> sqlite3.Connection:
        _make_private_folder(self.path.parent)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            self._check_version(db)  # before anything is written: a newer store is left as it is
            self._check_layout(db)  # ... and a database of some other program too
            db.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL: a commit is not fsynced, so a process that dies (even
            # SIGKILL) loses nothing and the file is never damaged; only a power loss can drop the
            # last commits. A commit costs microseconds instead of an fsync: a label-text edit in
            # the prompt screen re-scores without waiting on the disk.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:  # 0: the unnumbered layout (or a new file): one transaction
                db.execute("BEGIN IMMEDIATE")
                # Read again under the write lock: another process may have migrated it meanwhile.
                if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    for statement in f"{_migration(db)}\n{SCHEMA}".split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.rollback()
            db.close()
            raise
        db.isolation_level = "DEFERRED"  # back to the module's transactions: ``with db`` commits
        return db

    def _open_read_only(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise StoreError(f"no run store at {self.path} (and it cannot be created there: the folder is read-only)", fix="name another run store file, or set WORKBENCH_STORE", field=STORE)
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT)
        try:
            try:
                self._check_version(db)
            except sqlite3.OperationalError:  # a WAL store whose -shm cannot be made here: read the file as it is
                db.close()
                db = sqlite3.connect(f"{self.path.resolve().as_uri()}?immutable=1", uri=True, check_same_thread=False)
                self._check_version(db)
            self._check_layout(db)
        except BaseException:
            db.close()
            raise
        return db

    def _check_version(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the run store at {self.path} was written by a newer workbench (store layout {version}; this one reads up to {SCHEMA_VERSION})",
                fix="upgrade workbench to read it, or name another run store file; it was left untouched",
                field=STORE,
            )

    def _check_layout(self, db: sqlite3.Connection) -> None:
        """Refuse a database whose tables of the store's names lack the store's columns (a SQLite
        file of another program named as the store): its queries would fail on every read."""
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "runs" not in tables:  # another program's database: not one byte of it is changed
            raise StoreError(
                f"{self.path} is not a workbench run store (it holds tables of another program: {', '.join(sorted(tables)[:5])})",
                fix="name another run store file, or set WORKBENCH_STORE; it was left untouched",
                field=STORE,
            )
        version = db.execute("PRAGMA user_version").fetchone()[0]
        not_yet = _added_since(max(version, 1))  # columns a migration adds are not missing
        for table, wanted in _layout().items():
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            missing = sorted(wanted - have - not_yet.get(table, set())) if have else []
            if missing:
                raise StoreError(
                    f"{self.path} is not a workbench run store (its table '{table}' has no column {', '.join(missing)})",
                    fix="name another run store file, or set WORKBENCH_STORE; it was left untouched",
                    field=STORE,
                )

    def close(self) -> None:
        self._release()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the store's lock, SQLite's failures told as StoreErrors."""
        with self._lock, self._errors():
            yield self._db

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction, under the store's lock; refused on a read-only store."""
        self.check_writable()
        with self._lock, self._errors(), self._db:
            yield self._db

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as e:
            if _is_full(e):
                raise StoreError(
                    f"the disk holding the run store {self.path} is full ({e})",
                    fix="free some space there, then resume the run: the predictions that finished are kept",
                    field=STORE,
                ) from None
            if _is_damage(e):
                raise _damaged(self.path, e) from None
            if _code(e) == _SQLITE_READONLY:
                raise self._read_only_error() from None
            raise

    def check_writable(self) -> None:
        """Refuse (StoreError) when this store was opened read-only: no run can be written to it."""
        if self.read_only:
            raise self._read_only_error()

    def _read_only_error(self) -> StoreError:
        return StoreError(
            f"cannot write to the run store at {self.path}: it (or its folder) is read-only here",
            fix="point the run store at a file in a folder you can write (or set WORKBENCH_STORE); this one can still be listed and shown",
            field=STORE,
        )

    # ------------------------------------------------------------ writing

    def start_run(self, run_id: str, *, method: str, model: str | None, dataset: str, split: str, n: int, config: RunConfig | Mapping[str, Any]) -> None:
        """Begin (or begin again) a run: any earlier attempt with the same id is replaced, unless
        another process is computing it right now (its predictions would be deleted under it)."""
        self.check_writable()
        if not self._runs.acquire(run_id, reentrant=True):
            raise StoreError(
                f"run {run_id[:12]} (the same configuration) is being computed by another process right now",
                fix="wait for it to finish: asking again then shows its report",
            )
        with self._writing():
            self._db.execute("DELETE FROM predictions WHERE run_id = ?", (run_id,))
            self._db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            self._db.execute(
                "INSERT INTO runs (run_id, created_at, status, method, model, dataset, split, n, config) VALUES (?,?,?,?,?,?,?,?,?)",
                (run_id, time.time(), "running", method, model, dataset, split, n, json.dumps(_config_json(config), sort_keys=True)),
            )

    def add_predictions(self, run_id: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """One batch in one transaction: (idx, text, gold, Prediction) or (idx, text, gold,
        Prediction, data.Origin) each; without an Origin the example's row is not known."""
        data = []
        for idx, text, gold, p, *rest in rows:
            o: Origin = rest[0] if rest else Origin()
            meta = json.dumps(o.meta, allow_nan=False, default=str) if o.meta else None
            data.append((run_id, idx, text, gold, p.label, json.dumps(p.scores) if p.scores is not None else None, p.raw, p.error, o.row, o.row_id, meta, o.tokens))
        with self._writing():
            self._db.executemany(f"INSERT OR REPLACE INTO predictions ({PREDICTION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", data)

    def finish_run(self, run_id: str, status: str, report: Report | Mapping[str, Any] | None = None, error: str | None = None) -> None:
        """End a run; ``report`` is stored as its JSON (a mapping is stored as it is: a report in
        an older layout, as tests seed one)."""
        stored = report.to_json() if isinstance(report, Report) else dict(report) if report is not None else None
        try:
            with self._writing():
                self._db.execute(
                    "UPDATE runs SET status = ?, finished_at = ?, report = ?, error = ? WHERE run_id = ?",
                    (status, time.time(), json.dumps(stored) if stored is not None else None, error, run_id),
                )
        finally:  # even when it could not be written (a full disk): the run stays resumable, as interrupted
            self._runs.release(run_id)

    def replace_run(self, work_id: str, run_id: str, report: Report) -> None:
        """Put the finished run ``work_id`` (a --rerun computed beside the run it replaces) in
        the place of ``run_id``, in one transaction: until it commits the old run is whole, after
        it the new one is, under the old id."""
        with self._writing():
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(runs)")]
            others = ", ".join(c for c in columns if c != "run_id")
            self._db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))  # its predictions go with it (ON DELETE CASCADE)
            self._db.execute(f"INSERT INTO runs (run_id, {others}) SELECT ?, {others} FROM runs WHERE run_id = ?", (run_id, work_id))
            self._db.execute("UPDATE predictions SET run_id = ? WHERE run_id = ?", (run_id, work_id))
            self._db.execute("DELETE FROM runs WHERE run_id = ?", (work_id,))
            self._db.execute("UPDATE runs SET report = ? WHERE run_id = ?", (json.dumps(report.to_json()), run_id))

    def discard_run(self, run_id: str) -> None:
        """Delete a run and its predictions (a --rerun that did not finish: the run it was to
        replace is kept as it was)."""
        with self._writing():
            self._db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    def claim_run(self, run_id: str) -> None:
        """Take over an unfinished run to resume it: refused while a live process (this one
        included) is computing it; its finished predictions are kept."""
        self.check_writable()
        if not self._runs.acquire(run_id, reentrant=False):
            raise self._still_running(run_id)
        try:
            with self._writing():
                self._db.execute("UPDATE runs SET status = 'running', finished_at = NULL, report = NULL, error = NULL WHERE run_id = ?", (run_id,))
        except BaseException:
            self._runs.release(run_id)
            raise

    def check_not_live(self, run_id: str) -> None:
        """Refuse early (before loading data and model) to resume a run a live process computes."""
        if self.is_live(run_id):
            raise self._still_running(run_id)

    @staticmethod
    def _still_running(run_id: str) -> StoreError:
        return StoreError(
            f"run {run_id[:12]} is still running",
            fix="wait for it, or stop it first (Ctrl-C, or c on its run screen); resume is for a run whose process ended",
        )

    def is_live(self, run_id: str) -> bool:
        """Whether a live process is computing ``run_id`` now; a 'running' run that is not live was
        interrupted (its process died) and can be resumed. Where that cannot be told (the lock
        file cannot be opened: a read-only store) it is taken as live: nothing is claimed dead."""
        return self._runs.is_live(run_id) is not False

    def status_of(self, run: StoredRun) -> str:
        """The status to show for ``run``: its stored one, except 'interrupted' for a 'running'
        run that no live process computes (its process died; it can be resumed). The one place
        this is decided (the CLI's ``runs`` and the UI's history show it)."""
        if run.damaged:
            return "damaged"
        return "interrupted" if run.status == "running" and self._runs.is_live(run.run_id) is False else run.status

    # ------------------------------------------------------------ reading

    _SELECT = (
        "SELECT run_id, created_at, finished_at, status, method, model, dataset, split, n, config, report, error,"
        " (SELECT COUNT(*) FROM predictions p WHERE p.run_id = runs.run_id) FROM runs"
    )

    def _row(self, row: sqlite3.Row | tuple) -> StoredRun:
        run_id, created_at, finished_at, status, method, model, dataset, split, n, config, report, error, predicted = row
        damaged = []
        # A damaged page can hand back anything in any column: a row whose own fields are not what
        # the schema says is shown as damaged, never let through to break a listing.
        if not isinstance(created_at, (int, float)) or not isinstance(n, int) or not all(isinstance(v, str) for v in (run_id, status, method, dataset, split)):
            damaged.append("its row")
            created_at = created_at if isinstance(created_at, (int, float)) else 0.0
            n = n if isinstance(n, int) else 0
            run_id, status, method, dataset, split = (str(v) for v in (run_id, status, method, dataset, split))
        if finished_at is not None and not isinstance(finished_at, (int, float)):
            finished_at = None
        try:
            run_config = RunConfig(json.loads(config))
        except (ValueError, TypeError, KeyError, AttributeError):
            run_config, damaged = RunConfig(), ["its configuration"]
        try:
            run_report = Report.from_dict(stored) if report and (stored := json.loads(report)) else None
        except (ValueError, TypeError, KeyError, AttributeError):
            run_report, damaged = None, [*damaged, "its report"]
        run = StoredRun(
            run_id, created_at, status, method, model, dataset, split, n, config=run_config, report=run_report,
            finished_at=finished_at, error=error, predicted=predicted,
            damaged=f"{' and '.join(damaged)} in the store cannot be read" if damaged else None,
        )  # fmt: skip
        return replace(run, shown_status=self.status_of(run))

    def find(self, run_id: str) -> StoredRun | None:
        """The run with exactly this full id, or None."""
        with self._reading():
            row = self._db.execute(f"{self._SELECT} WHERE run_id = ?", (run_id,)).fetchone()
        return self._row(row) if row else None

    def get(self, prefix: str) -> StoredRun:
        """The one run whose id starts with ``prefix``; a clear error when none or several do."""
        prefix = prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            raise StoreError(f"'{prefix}' is not a run id", expected="the hex digits of a stored run's id", field=RUN)
        with self._reading():
            rows = self._db.execute(f"{self._SELECT} WHERE run_id LIKE ? LIMIT 2", (prefix + "%",)).fetchall()
        if not rows:
            raise StoreError(f"no run {prefix} in {self.path}", fix="check the run's id among the stored runs (and which run store is open)", field=RUN)
        if len(rows) > 1:
            raise StoreError(f"'{prefix}' names more than one run", fix="give more of the id", field=RUN)
        return self._row(rows[0])

    def list_runs(self, limit: int | None = None) -> list[StoredRun]:
        """The stored runs, newest first."""
        sql = f"{self._SELECT} ORDER BY created_at DESC" + (f" LIMIT {int(limit)}" if limit else "")
        with self._reading():
            rows = self._db.execute(sql).fetchall()
        return [self._row(r) for r in rows]

    def predictions(self, run_id: str) -> list[StoredPrediction]:
        with self._reading():
            have = {row[1] for row in self._db.execute("PRAGMA table_info(predictions)")}  # a read-only older store lacks the newer columns
            columns = ", ".join(c if c in have else "NULL" for c in PREDICTION_COLUMNS.split(", ")[1:])
            rows = self._db.execute(f"SELECT {columns} FROM predictions WHERE run_id = ? ORDER BY idx", (run_id,)).fetchall()
        return [
            StoredPrediction(i, t, g, p, json.loads(s) if s else None, r, e, row, row_id, _meta(meta), tokens)
            for i, t, g, p, s, r, e, row, row_id, meta, tokens in rows
        ]

    # ------------------------------------------------------------ caches

    def get_embeddings(self, model_key: str, texts: list[str]) -> list[Any]:
        """Cached vectors (numpy float32) for ``texts``, None where not cached."""
        import numpy as np

        hashes = [_text_hash(t) for t in texts]
        found: dict[bytes, Any] = {}
        with self._reading():
            for start in range(0, len(hashes), 500):  # SQLite's variable limit
                chunk = hashes[start : start + 500]
                q = f"SELECT text, dim, vector FROM embeddings WHERE model = ? AND text IN ({','.join('?' * len(chunk))})"
                for h, dim, blob in self._db.execute(q, (model_key, *chunk)):
                    found[h] = np.frombuffer(blob, dtype="<f4", count=dim)
        return [found.get(h) for h in hashes]

    def put_embeddings(self, model_key: str, texts: list[str], vectors) -> None:
        if self.read_only:  # a cache: nothing is lost by not keeping it
            return
        import numpy as np

        rows = [(model_key, _text_hash(t), len(v), np.asarray(v, dtype="<f4").tobytes()) for t, v in zip(texts, vectors)]
        with self._writing():
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?)", rows)

    def get_response(self, key: str) -> Any | None:
        with self._reading():
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_response(self, key: str, response: Any) -> None:
        if self.read_only:
            return
        with self._writing():
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?,?,?)", (key, json.dumps(response), time.time()))

    def get_file_digest(self, key: tuple[str, int, int, int]) -> str | None:
        """The remembered SHA-256 of the file with this (path, size, mtime_ns, inode), or None."""
        with self._reading():
            row = self._db.execute("SELECT digest FROM file_digests WHERE path = ? AND size = ? AND mtime_ns = ? AND inode = ?", key).fetchone()
        return row[0] if row else None

    def put_file_digest(self, key: tuple[str, int, int, int], digest: str) -> None:
        """Remember a file's digest; older entries for the same path (the file changed) go. A
        read-only store remembers nothing (a cache: the file is hashed again next time)."""
        if self.read_only:
            return
        with self._writing():
            self._db.execute("DELETE FROM file_digests WHERE path = ?", (key[0],))
            self._db.execute("INSERT OR REPLACE INTO file_digests VALUES (?,?,?,?,?)", (*key, digest))

    # ------------------------------------------------------------ sweeps

    def save_sweep(self, sweep_id: str, name: str, status: str, config: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        """Record a sweep (workbench/sweep.py) or update its status and result: ``config`` is the
        sweep file as read, ``result`` its SweepResult's JSON. Refused on a read-only store."""
        now = time.time()
        with self._writing():
            self._db.execute(SWEEPS_TABLE)
            self._db.execute(
                "INSERT INTO sweeps VALUES (?,?,?,?,?,?,?) ON CONFLICT(sweep_id) DO UPDATE SET updated_at = excluded.updated_at, "
                "status = excluded.status, result = excluded.result",
                (sweep_id, name, now, now, status, json.dumps(config), json.dumps(result)),
            )

    def list_sweeps(self) -> list[dict[str, Any]]:
        """The recorded sweeps, last updated first: ``sweep_id``, ``name``, ``created_at``,
        ``updated_at``, ``status`` and ``result`` (the SweepResult's JSON)."""
        with self._reading():
            if not self._has_table("sweeps"):
                return []
            rows = self._db.execute("SELECT sweep_id, name, created_at, updated_at, status, result FROM sweeps ORDER BY updated_at DESC").fetchall()
        return [dict(zip(("sweep_id", "name", "created_at", "updated_at", "status"), r[:5]), result=json.loads(r[5])) for r in rows]

    def _has_table(self, table: str) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None

    def prediction_counts(self) -> dict[str, int]:
        """Stored predictions per run id (runs with none are absent)."""
        with self._reading():
            return dict(self._db.execute("SELECT run_id, COUNT(*) FROM predictions GROUP BY run_id").fetchall())

    def count_predictions(self, run_id: str) -> int:
        with self._reading():
            return self._db.execute("SELECT COUNT(*) FROM predictions WHERE run_id = ?", (run_id,)).fetchone()[0]

    def count_errors(self, run_id: str) -> int:
        """Stored predictions of ``run_id`` that are errors (no answer: a refused connection, a
        5xx or 429 after the retries), not invalid answers: what a retry of the errors asks again."""
        with self._reading():
            return self._db.execute("SELECT COUNT(*) FROM predictions WHERE run_id = ? AND error IS NOT NULL", (run_id,)).fetchone()[0]
