"""Bugs found by benchmarks/attack.py (the CLI tried as a careless user and an attacker would):
each was an "internal error" exit, now a clean one-line error (exit 2)."""

import sqlite3

import pytest

from workbench.cli import main
from workbench.errors import ConfigError, StoreError
from workbench.store import RunStore


def test_a_parameter_with_no_name_is_a_clean_error(tmp_path, capsys):
    code = main(["--store", str(tmp_path / "s.sqlite"), "eval", "--data", "sample", "--method", "majority", "-p", "=x"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: -p =x has no parameter name before") and "internal error" not in err


@pytest.mark.parametrize("url", ["http://[::1", "http://localhost:notaport/v1", "notaurl", "ftp://127.0.0.1/x", "http://", "http://user:sk-secret@[::1/v1"])
def test_a_server_url_that_is_no_http_url_is_refused(url):
    from workbench.methods.chat import _refuse_credentials_in_url

    with pytest.raises(ConfigError) as err:
        _refuse_credentials_in_url(url)
    assert "sk-secret" not in str(err.value)


def test_a_sqlite_file_of_another_program_is_refused_and_left_untouched(tmp_path, capsys):
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (id INTEGER, other TEXT)")
    db.execute("INSERT INTO runs VALUES (1, 'x')")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="is not a workbench run store"):
        RunStore(path)
    with pytest.raises(StoreError, match="is not a workbench run store"):
        RunStore(path, read_only=True)
    for argv in (["runs"], ["show", "abc"], ["eval", "--data", "sample", "--method", "majority", "-q"]):
        assert main(["--store", str(path), *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "not a workbench run store" in err and err.count("\n") == 1
    assert main(["--store", str(path), "store", "check"]) == 1  # sound SQLite, but not a run store
    assert "not a workbench run store" in capsys.readouterr().out
    assert path.read_bytes() == before
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 0


def test_an_ordinary_store_still_opens(tmp_path):
    RunStore(tmp_path / "s.sqlite").close()
    RunStore(tmp_path / "s.sqlite").close()
    RunStore(tmp_path / "s.sqlite", read_only=True).close()


def test_store_check_of_a_sound_store_this_user_cannot_write_says_sound():
    """A WAL store in a folder the user cannot write: SQLite cannot make the -shm file a read
    needs, which `store check` took for damage. Acted out as `nobody` (the tests run as root)."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to act as another user")
    folder = Path(tempfile.mkdtemp(prefix="wb-ro-"))
    try:
        RunStore(folder / "s.sqlite").close()
        os.chmod(folder, 0o755)
        os.chmod(folder / "s.sqlite", 0o644)
        repo = Path(__file__).resolve().parent.parent
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "workbench", "--store", str(folder / "s.sqlite"), "store", "check"]
        env = {**os.environ, "PYTHONPATH": str(repo), "HOME": str(folder)}
        r = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=60)
        if "Permission denied" in r.stderr or r.returncode == 126:
            pytest.skip("nobody cannot run this Python")
        assert r.returncode == 0, r.stdout + r.stderr
        assert ": ok" in r.stdout and "sound" in r.stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)
