import os
import sqlite3
import stat
from contextlib import closing

import pytest

from conftest import cli_says
from workbench.errors import STORE, StoreError
from workbench.methods import Prediction
from workbench.store import RunStore


def test_store_file_is_private_and_wal(tmp_path):
    s = RunStore(tmp_path / "x" / "s.sqlite")
    assert stat.S_IMODE(os.stat(s.path).st_mode) == 0o600
    with closing(sqlite3.connect(s.path)) as db:  # WAL is the file's own setting: any reader sees it
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_prefix_lookup_and_errors(tmp_path):
    s = RunStore(tmp_path / "s.sqlite")
    for rid in ("abc123" + "0" * 58, "abd999" + "0" * 58):
        s.start_run(rid, method="m", model="x", dataset="d", split="test", n=1, config={"a": 1})
    assert s.get("abc").run_id.startswith("abc123")
    with pytest.raises(StoreError, match="more than one"):
        s.get("ab")
    with pytest.raises(StoreError, match="no run ffff"):
        s.get("ffff")
    with pytest.raises(StoreError, match="not a run id"):
        s.get("hello")


def test_predictions_round_trip_and_restart_replaces(tmp_path):
    s = RunStore(tmp_path / "s.sqlite")
    rid = "f" * 64
    s.start_run(rid, method="m", model=None, dataset="d", split="test", n=2, config={})
    s.add_predictions(rid, [(0, "t0", 1, Prediction(1, [0.2, 0.8])), (1, "t1", 0, Prediction(None, raw="???"))])
    got = s.predictions(rid)
    assert got[0].scores == [0.2, 0.8] and got[1].pred is None and got[1].raw == "???"
    s.finish_run(rid, "done", {"accuracy": 0.5})
    assert RunStore(tmp_path / "s.sqlite").get(rid).report.accuracy == 0.5  # another connection sees it
    s.start_run(rid, method="m", model=None, dataset="d", split="test", n=2, config={})
    assert s.count_predictions(rid) == 0 and s.find(rid).status == "running"


def test_unopenable_store_is_a_clear_error(tmp_path):
    (tmp_path / "f").write_text("not a dir")
    with pytest.raises(StoreError, match="cannot open the run store.*another run store file") as err:
        RunStore(tmp_path / "f" / "s.sqlite")
    assert err.value.field == STORE and "cannot open the run store" in cli_says(err.value) and cli_says(err.value).endswith("[--store]")
