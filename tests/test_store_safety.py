"""The run store's file under trouble: a store from a newer workbench (refused, untouched), one
from before the layout was numbered (migrated), one this user cannot write (read, not written),
a full disk (a clear error, the run resumable), a damaged run or file (listed, named, checked),
a lock file that cannot be opened (named), and the default folder (private)."""

import gc
import hashlib
import os
import sqlite3
import stat

import pytest
from conftest import write_jsonl
from fake_methods import KeywordMethod

from workbench.cli import main
from workbench.data import DataSpec
from workbench.errors import StoreError
from workbench.methods import METHODS
from workbench.resume import resume
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import SCHEMA, SCHEMA_VERSION, RunStore


@pytest.fixture
def keyword(monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)


@pytest.fixture
def data(tmp_path):
    rows = [{"text": ("good " if i % 2 else "bad ") + "x" * (300 + i), "label": i % 2} for i in range(24)]
    return str(write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent)


def argv(store, *rest):
    return ["--store", str(store), *rest]


def eval_argv(store, data, *extra):
    return argv(store, "eval", "--data", data, "--method", "keyword", "-q", *extra)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plain_file(path):
    """Fold the WAL into the file and leave it in rollback mode: the file alone holds the store."""
    gc.collect()  # the stores the commands opened, closed
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=DELETE")
    db.close()


# ------------------------------------------------------------ the layout's version


def test_a_store_from_a_newer_workbench_is_refused_and_left_untouched(tmp_path, data, keyword, capsys):
    path = tmp_path / "s.sqlite"
    RunStore(path).close()
    plain_file(path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = digest(path)
    assert main(eval_argv(path, data)) == 2
    err = capsys.readouterr().err
    assert "written by a newer workbench" in err and str(path) in err and err.rstrip().endswith("[--store]")
    assert "internal error" not in err
    assert digest(path) == before
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
    db.close()


def test_an_unnumbered_store_is_migrated_keeping_its_runs(tmp_path, data, keyword):
    path = tmp_path / "s.sqlite"
    with sqlite3.connect(path) as db:  # the layout before it was numbered, with a run in it
        db.executescript(SCHEMA)
        db.execute("DROP TABLE responses")  # a table added later: the migration creates it
        db.execute(
            "INSERT INTO runs (run_id, created_at, status, method, model, dataset, split, n, config) VALUES ('ab12', 1.0, 'failed', 'keyword', NULL, 'd', 'test', 3, '{}')"
        )
    db.close()
    store = RunStore(path)
    assert [r.run_id for r in store.list_runs()] == ["ab12"]
    store.put_response("k", {"a": 1})
    assert store.get_response("k") == {"a": 1}
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


# ------------------------------------------------------------ read-only


@pytest.fixture
def read_only(monkeypatch, tmp_path):
    """The store's file and folder cannot be written: their modes say so, and os.access (which
    root would pass) answers as it would for any other user."""
    real = os.access
    folder = tmp_path / "ro"

    def access(path, mode, *a, **kw):
        if mode & os.W_OK and str(path).startswith(str(folder)):
            return False
        return real(path, mode, *a, **kw)

    def seal():
        for p in folder.glob("s.sqlite*"):
            p.chmod(0o444)
        folder.chmod(0o555)
        monkeypatch.setattr("workbench.store.os.access", access)

    yield folder, seal
    folder.chmod(0o755)


def test_a_read_only_store_lists_and_shows_but_refuses_a_new_run(tmp_path, data, keyword, read_only, capsys):
    folder, seal = read_only
    path = folder / "s.sqlite"
    assert main(eval_argv(path, data)) == 0
    run_id = RunStore(path).list_runs()[0].run_id
    plain_file(path)
    seal()
    capsys.readouterr()
    store = RunStore(path)
    assert store.read_only
    with pytest.raises(StoreError, match="read-only"):
        store.start_run("cd34", method="keyword", model=None, dataset="d", split="test", n=1, config={})
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # opened read-only: SQLite itself refuses
        store._db.execute("DELETE FROM runs")
    assert main(argv(path, "runs")) == 0 and capsys.readouterr().out.startswith(run_id[:12])
    assert main(argv(path, "show", run_id[:12])) == 0 and "accuracy" in capsys.readouterr().out
    assert main(eval_argv(path, data)) == 0  # the identical run is stored: shown
    capsys.readouterr()
    assert main(eval_argv(path, data, "--limit", "5")) == 2
    err = capsys.readouterr().err
    assert f"cannot write to the run store at {path}" in err and "a folder you can write" in err and err.rstrip().endswith("[--store]")
    assert [r.run_id for r in RunStore(path).list_runs()] == [run_id]


def model_folder(folder):
    """A local model folder as resolve_model takes one (its identity is its files' digests)."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "weights.bin").write_bytes(bytes(range(256)) * 64)
    return folder


def test_a_read_only_store_resolves_a_local_model_folder_without_remembering_its_digests(tmp_path):
    from workbench.models import file_digest, resolve_model

    path = tmp_path / "s.sqlite"
    RunStore(path).close()
    store = RunStore(path, read_only=True)
    folder = model_folder(tmp_path / "model")
    weights = folder / "weights.bin"
    assert file_digest(weights, store) == hashlib.sha256(weights.read_bytes()).hexdigest()
    ref = resolve_model(str(folder), store)  # every file's digest is looked up, none written
    assert ref.identity.startswith("sha256:") and ref.location == str(folder.resolve())
    assert store.get_file_digest((str(weights.resolve()), *(getattr(weights.stat(), k) for k in ("st_size", "st_mtime_ns", "st_ino")))) is None
    store.close()


def test_an_eval_with_a_local_model_folder_on_a_read_only_store_is_a_clean_store_error(tmp_path, data, keyword, read_only, capsys):
    """As a user without write permission: the model folder is resolved (its digests are not
    remembered) and the run is refused with the store's message, not an internal error."""
    folder, seal = read_only
    path = folder / "s.sqlite"
    RunStore(path).close()
    plain_file(path)
    seal()
    model = model_folder(tmp_path / "model")
    assert main(eval_argv(path, data, "--model", str(model))) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write to the run store at {path}") and err.rstrip().endswith("[--store]")
    assert "internal error" not in err and "Traceback" not in err and "OperationalError" not in err


# ------------------------------------------------------------ a full disk


class Filling(KeywordMethod):
    """The keyword method; after its first batch the store's file may grow no more (SQLite's
    max_page_count: what a full disk looks like to it)."""

    name = "filling"

    def predict(self, texts, ctx):
        if type(self).batches_seen == 1:
            db = ctx.cache._db
            db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        return super().predict(texts, ctx)


def test_a_full_disk_fails_the_run_clearly_and_leaves_it_resumable(tmp_path, data, monkeypatch):
    monkeypatch.setitem(METHODS, "filling", Filling)
    Filling.batches_seen = 0
    store = RunStore(tmp_path / "s.sqlite")
    out = execute(prepare(RunSpec(DataSpec(data), "filling", batch_size=4)), store)
    assert out.status == "failed" and out.error_field == "store"
    assert f"the disk holding the run store {store.path} is full" in out.error and "resume the run" in out.error
    kept = store.count_predictions(out.run_id)
    assert 4 <= kept < 24
    store.close()
    fresh = RunStore(tmp_path / "s.sqlite")  # space freed
    assert fresh.find(out.run_id).shown_status in ("failed", "interrupted")
    again = resume(out.run_id[:12], fresh)
    assert again.status == "done" and again.report.n == 24 and fresh.count_predictions(out.run_id) == 24


# ------------------------------------------------------------ damage


def test_a_damaged_run_shows_as_damaged_without_breaking_the_listing(tmp_path, data, keyword, capsys):
    path = tmp_path / "s.sqlite"
    assert main(eval_argv(path, data)) == 0
    assert main(eval_argv(path, data, "--limit", "6")) == 0
    bad, good = (r.run_id for r in sorted(RunStore(path).list_runs(), key=lambda r: r.n))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE runs SET report = '{\"accuracy\": 0.5, trunc' WHERE run_id = ?", (bad,))
    db.close()
    capsys.readouterr()
    assert main(argv(path, "runs")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(good[:12]) and "done" in line for line in lines)
    damaged = next(line for line in lines if line.startswith(bad[:12]))
    assert "damaged" in damaged and "its report in the store cannot be read" in damaged
    assert main(argv(path, "show", bad[:12])) == 1
    assert "damaged" in capsys.readouterr().out
    assert main(argv(path, "resume", bad[:12], "-q")) == 0  # its predictions are kept: the report is computed again
    run = RunStore(path).find(bad)
    assert run.shown_status == "done" and run.report.n == 6
    with sqlite3.connect(path) as db:
        db.execute("UPDATE runs SET config = 'not json' WHERE run_id = ?", (good,))
    db.close()
    assert RunStore(path).find(good).shown_status == "damaged"


def test_a_damaged_file_is_named_and_store_check_says_what_to_do(tmp_path, data, keyword, capsys):
    """Every b-tree page's type byte is made invalid, so SQLite must find the damage on the first
    read of any table: scrambled bytes alone could land on an overflow page or a page's free space
    and read back as a row of nonsense (the flake of issue 20 item 13; that case is the listing's
    footer, test_a_row_with_fields_of_the_wrong_kind_is_damaged_not_a_crash)."""
    path = tmp_path / "s.sqlite"
    assert main(eval_argv(path, data)) == 0
    capsys.readouterr()
    assert main(argv(path, "store", "check")) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok")

    plain_file(path)
    raw = bytearray(path.read_bytes())
    page = int.from_bytes(raw[16:18], "big")
    for p in range(1, len(raw) // page):  # every page but the first (the schema) scrambled
        raw[p * page] = 0x01  # no page type: SQLite reports it on reading the page, whatever it held
        raw[p * page + 8 : p * page + 40] = b"\xff" * 32
    path.write_bytes(bytes(raw))
    assert main(argv(path, "runs")) == 2
    err = capsys.readouterr().err
    assert f"the run store file {path} is damaged" in err and "`workbench store check`" in err and "internal error" not in err
    assert main(argv(path, "store", "check")) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: damaged") and ".recover" in out

    path.write_bytes(b"this is not a database, only some text " * 200)
    assert main(argv(path, "runs")) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "damaged" in err and "`workbench store check`" in err
    assert main(argv(path, "store", "check")) == 1
    assert "cannot read" in capsys.readouterr().out


def test_a_lock_file_that_cannot_be_opened_is_named(tmp_path, data, keyword, capsys):
    path = tmp_path / "s.sqlite"
    (tmp_path / "s.sqlite-runs.lock").mkdir()
    assert main(eval_argv(path, data)) == 2
    err = capsys.readouterr().err
    assert "another process" not in err
    assert f"cannot open the run store's lock file {path.resolve()}-runs.lock" in err and err.rstrip().endswith("[--store]")
    assert main(argv(path, "runs")) == 0  # the listing still works


def test_a_store_file_with_two_names_is_refused(tmp_path, data, keyword, capsys):
    """Two hard links of one store would each get their own SQLite WAL and their own runs lock
    (it is keyed by path): both names are refused, so no run is computed twice and no commit lost."""
    first = tmp_path / "a" / "s.sqlite"
    assert main(eval_argv(first, data)) == 0
    capsys.readouterr()
    second = tmp_path / "b" / "other.sqlite"
    second.parent.mkdir()
    os.link(first, second)
    for path in (first, second):
        with pytest.raises(StoreError, match="has 2 names") as e:
            RunStore(path)
        assert e.value.field == "store"
        assert main(eval_argv(path, data)) == 2
        err = capsys.readouterr().err
        assert "hard links" in err and err.rstrip().endswith("[--store]") and err.count("\n") == 1
    gc.collect()  # the first eval's store, closed
    first.unlink()
    assert main(argv(second, "runs")) == 0  # one name again: the store is whole


# ------------------------------------------------------------ the default folder


def test_the_default_store_folder_is_created_private_whatever_the_umask(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    old = os.umask(0o022)
    try:
        store = RunStore()
    finally:
        os.umask(old)
    assert store.path == tmp_path / "xdg" / "workbench" / "workbench.sqlite"
    assert stat.S_IMODE((tmp_path / "xdg" / "workbench").stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_row_with_fields_of_the_wrong_kind_is_damaged_not_a_crash(tmp_path, data, keyword, capsys):
    """A damaged page can hand back text where a time is (or NULL where a count is): the run shows
    as damaged and the listing goes on."""
    path = tmp_path / "s.sqlite"
    assert main(eval_argv(path, data)) == 0
    capsys.readouterr()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE runs SET created_at = 'garbage', n = 'x'")
    db.close()
    assert main(argv(path, "runs")) == 0
    out = capsys.readouterr().out
    assert "damaged" in out and "internal error" not in out
    assert out.rstrip().endswith("1 run could not be read whole: `workbench store check` says whether the store file is damaged and what to do")


def _another_process_converting(path) -> sqlite3.Connection:
    """What a second workbench holds while it turns a new store file into WAL: a write lock on
    the file in rollback-journal mode (SQLite answers 'locked' to an opener at once then, without
    its busy timeout)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_store_another_process_is_creating_opens_once_it_lets_go(tmp_path, monkeypatch):
    import workbench.store as store_module

    path, pauses = tmp_path / "new.sqlite", []
    other = _another_process_converting(path)

    def pause(seconds):  # the opener's back-off: the other process finishes meanwhile
        pauses.append(seconds)
        if other.in_transaction:
            other.execute("COMMIT")

    monkeypatch.setattr(store_module.time, "sleep", pause)
    store = RunStore(path)
    assert pauses, "the first open met the lock and tried again"
    store.put_response("k", {"answer": 1})
    assert store.get_response("k") == {"answer": 1}
    assert store.list_runs() == []
    other.close()


def test_a_store_locked_for_good_says_so_and_names_the_store(tmp_path, monkeypatch, capsys):
    import workbench.store as store_module

    path = tmp_path / "held.sqlite"
    other = _another_process_converting(path)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    with pytest.raises(StoreError) as caught:
        RunStore(path)
    assert caught.value.field == "store" and "locked by another process" in str(caught.value)
    assert main(argv(path, "runs")) == 2
    err = capsys.readouterr().err
    assert "--store" in err and "locked by another process" in err and "Traceback" not in err
    other.close()


# ------------------------------------------------------------ SQLite's locks kept


def _exclusive_from_another_process(path) -> str:
    """What another process gets when it asks for the store alone (leaving WAL needs every other
    connection gone): 'delete' when it had it, 'locked' when a connection still holds the file."""
    import subprocess
    import sys

    probe = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
        "try:\n    print(db.execute('PRAGMA journal_mode=DELETE').fetchone()[0])\n"
        "except sqlite3.OperationalError as e:\n    print('locked' if 'locked' in str(e) else e)\n"
    )
    return subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True).stdout.strip()


def test_a_second_open_of_the_store_keeps_the_first_ones_locks(tmp_path):
    """Reading the file's header with open()/close() while a connection is open drops all of the
    process's POSIX locks on it, SQLite's too: another process then took itself for the last user,
    checkpointed and deleted the WAL under the live connection ('malformed' after a kill and
    resume, issue 20 item 13)."""
    path = tmp_path / "s.sqlite"
    first = RunStore(path)
    assert _exclusive_from_another_process(path) == "locked"
    second = RunStore(path)  # the TUI's store and a worker's, or a resume beside a listing
    assert _exclusive_from_another_process(path) == "locked"
    second.close()
    assert _exclusive_from_another_process(path) == "locked"  # the first is still open
    first.close()
    first.close()  # closing twice is harmless
    assert _exclusive_from_another_process(path) == "delete"


def test_a_store_dropped_without_close_lets_go_of_the_file(tmp_path):
    path = tmp_path / "s.sqlite"
    RunStore(path)
    gc.collect()
    assert _exclusive_from_another_process(path) == "delete"


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_store_path_that_is_no_file_is_refused_at_once(tmp_path, capsys, kind):
    """A FIFO named as the store used to hang (reading its header waits for a writer forever)."""
    path = tmp_path / "s.sqlite"
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    assert main(argv(path, "runs")) == 2
    err = capsys.readouterr().err
    assert f"the run store {path} is {'a named pipe (FIFO)' if kind == 'fifo' else 'a folder'}" in err and err.rstrip().endswith("[--store]")
