"""Rows keep their identity: every example is named by its row in the split file (or its id), after
--limit, --skip-empty and a sweep's hold-out, in suspects, stored predictions and resumes.

The check each test makes is the user's: the row a suspect names, looked up in the file, holds the
suspect's text."""

import json
import random
from pathlib import Path

import pytest
from conftest import write_jsonl

from workbench.cli import main
from workbench.data import HOLDOUT_SPLIT, DataSpec, load_dataset
from workbench.engine import Engine
from workbench.errors import ID_COLUMN, DataError
from workbench.runner import RunSpec

MINILM = "all-MiniLM-L6-v2"


def file_rows(path: Path) -> list[dict]:
    """The data rows of a JSON Lines file, as a user counts them (from 0, blank lines are no rows)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def assert_rows_name_their_text(suspects, files: dict[str, Path], id_column: str | None = None):
    assert suspects
    for s in suspects:
        row = file_rows(files[s.split])[s.row]
        assert row["text"] == s.text, f"{s.split} row {s.row} holds another text"
        if id_column:
            assert s.id == str(row[id_column])


def rt_subset(rt_dir: Path, folder: Path, *, train: int, test: int, empty_every: int = 0, seed: int = 0) -> Path:
    """A folder of RT rows (train and test), with an empty-text row planted every ``empty_every``
    rows when asked for (as a user's scraped file has), and an ``id`` and ``source`` column."""
    rng = random.Random(seed)
    for split, n in (("train", train), ("test", test)):
        rows = file_rows(rt_dir / f"{split}.jsonl")
        rows = [rows[i] for i in sorted(rng.sample(range(len(rows)), n))]
        out = []
        for i, r in enumerate(rows):
            if empty_every and i % empty_every == 3:
                out.append({"text": "  ", "label": r["label"], "id": f"{split}-empty-{i}", "source": "scrape"})
            out.append({"text": r["text"], "label": r["label"], "id": f"{split}-{i}", "source": "critics" if i % 3 else "audience"})
        write_jsonl(folder / f"{split}.jsonl", out)
    (folder / "labels.json").write_text('["neg", "pos"]')
    return folder


@pytest.mark.integration
def test_suspects_after_limit_name_rows_of_the_file(rt_dir, tmp_path):
    """RT test with --limit 50: every suspect names the file row holding its text."""
    engine = Engine(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec(str(rt_dir), "test", None, limit=50), "embed-zeroshot", model=MINILM, dtype="float32", device="cpu")
    out = engine.execute(engine.prepare(spec))
    assert out.status == "done"
    found = engine.suspects(out.run_id).suspects
    assert {s.split for s in found} == {"test"}
    assert any(s.row >= 50 for s in found)  # rows of the file, not positions in the sample
    assert_rows_name_their_text(found, {"test": rt_dir / "test.jsonl"})
    stored = engine.predictions(out.run_id)
    test_rows = file_rows(rt_dir / "test.jsonl")
    assert all(test_rows[p.row]["text"] == p.text for p in stored)


@pytest.mark.integration
def test_suspects_with_skipped_empty_rows_name_rows_of_the_file(rt_dir, tmp_path):
    """Empty rows left out of train and test (--skip-empty) do not shift the rows named."""
    data = rt_subset(rt_dir, tmp_path / "data", train=240, test=60, empty_every=7)
    engine = Engine(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec(str(data), skip_empty=True, id_column="id"), "embed-logreg", model=MINILM, dtype="float32", device="cpu")
    out = engine.execute(engine.prepare(spec))
    assert out.status == "done"
    found = engine.suspects(out.run_id).suspects
    assert {s.split for s in found} == {"train", "test"}
    assert_rows_name_their_text(found, {"train": data / "train.jsonl", "test": data / "test.jsonl"}, id_column="id")
    assert all(json.loads(json.dumps(s.to_json()))["id"] == s.id for s in found)


@pytest.mark.integration
def test_suspects_of_a_holdout_run_name_rows_of_the_train_file(rt_dir, tmp_path):
    """A sweep selects on a seeded 20% of train when the data has no validation split: the held-out
    rows and the rows fitted on are both named by their row in train.jsonl."""
    data = rt_subset(rt_dir, tmp_path / "data", train=300, test=40)
    engine = Engine(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec(str(data), HOLDOUT_SPLIT, holdout=0.2, seed=3), "embed-logreg", model=MINILM, dtype="float32", device="cpu")
    prep = engine.prepare(spec)
    assert prep.dataset.eval.source_split == "train" and prep.dataset.eval.name.startswith("train[20%")
    out = engine.execute(prep)
    found = engine.suspects(out.run_id).suspects
    assert {s.split for s in found} == {"train"}
    assert_rows_name_their_text(found, {"train": data / "train.jsonl"})
    held = {p.row for p in engine.predictions(out.run_id)}
    fitted = set(prep.dataset.train.rows or range(len(prep.dataset.train)))
    assert held and not held & fitted and len(held | fitted) == 300


def test_rows_survive_skip_empty_and_limit(tmp_path):
    rows = [{"text": "" if i in (0, 4) else f"text {i}", "label": i % 2, "note": f"n{i}"} for i in range(12)]
    write_jsonl(tmp_path / "test.jsonl", rows)
    ds = load_dataset(DataSpec(str(tmp_path / "test.jsonl"), skip_empty=True, limit=5, seed=1), False)
    ev = ds.eval
    assert len(ev) == 5
    for i in range(len(ev)):
        assert ev.texts[i] == f"text {ev.row_of(i)}" and ev.columns["note"][i] == f"n{ev.row_of(i)}"
        assert ev.origin(i).meta == {"note": f"n{ev.row_of(i)}"}


def test_fingerprint_holds_the_rows(tmp_path):
    """The same texts at other rows are another run: stored predictions name rows."""
    rows = [{"text": f"t{i}", "label": i % 2} for i in range(6)]
    write_jsonl(tmp_path / "a" / "test.jsonl", rows)
    write_jsonl(tmp_path / "b" / "test.jsonl", [{"text": " ", "label": 0}] + rows)
    a = load_dataset(DataSpec(str(tmp_path / "a"), train_split=None), False).eval
    b = load_dataset(DataSpec(str(tmp_path / "b"), train_split=None, skip_empty=True), False).eval
    assert a.texts == b.texts and a.fingerprint() != b.fingerprint() and b.row_of(0) == 1


def test_id_column_is_checked(tmp_path):
    write_jsonl(tmp_path / "test.jsonl", [{"text": "a", "label": 0, "id": 7}, {"text": "b", "label": 1, "id": 7}])
    with pytest.raises(DataError) as e:
        load_dataset(DataSpec(str(tmp_path / "test.jsonl"), id_column="id"), False)
    assert e.value.field == ID_COLUMN and "'7' on rows 0 and 1" in str(e.value)
    with pytest.raises(DataError) as e:
        load_dataset(DataSpec(str(tmp_path / "test.jsonl"), id_column="key"), False)
    assert e.value.field == ID_COLUMN and "no column 'key'" in str(e.value)


def test_csv_and_parquet_keep_other_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "test.csv").write_text("id,text,label,source\nr1,good,pos,web\nr2,bad,neg,mail\n", encoding="utf-8")
    ev = load_dataset(DataSpec(str(tmp_path / "c"), id_column="id"), False).eval
    assert ev.ids == ["r1", "r2"] and ev.columns == {"source": ["web", "mail"]}
    pq.write_table(pa.table({"text": ["good", "bad"], "label": [1, 0], "score": [0.5, float("nan")], "nested": [[1], [2]]}), tmp_path / "test.parquet")
    ev = load_dataset(DataSpec(str(tmp_path / "test.parquet")), False).eval
    assert ev.columns == {"score": [0.5, None]}  # NaN is missing; a list is no metadata


def test_cli_suspects_json_names_rows_and_ids(tmp_path, capsys):
    rows = [{"text": f"{'great' if i % 2 else 'awful'} film {i}", "label": i % 2, "id": f"r{i}"} for i in range(40)]
    rows[5]["label"] = 0  # a planted flip: 'great' labelled 0
    write_jsonl(tmp_path / "d" / "test.jsonl", [{"text": "", "label": 0, "id": "blank"}] + rows)
    store = str(tmp_path / "s.sqlite")
    args = ["--store", store, "eval", "--data", str(tmp_path / "d"), "--method", "embed-zeroshot", "--model", MINILM, "--labels", "awful", "great"]
    assert main(args + ["--skip-empty", "--id-column", "id", "--dtype", "float32", "--json", str(tmp_path / "r.json")]) == 0
    run_id = json.loads((tmp_path / "r.json").read_text())["run_id"]
    assert main(["--store", store, "suspects", run_id[:12], "--json", str(tmp_path / "s.json")]) == 0
    found = json.loads((tmp_path / "s.json").read_text())["suspects"]
    flip = next(s for s in found if s["id"] == "r5")
    assert flip == {**flip, "split": "test", "row": 6, "text": "great film 5", "gold": "0", "suggested": "1"}
    assert list(flip) == ["split", "row", "id", "text", "gold", "suggested", "score"]
    assert main(["--store", store, "suspects", run_id[:12]]) == 0
    assert "  r5  " in capsys.readouterr().out  # the id is printed beside the row


def test_a_layout_1_store_is_migrated_and_its_predictions_read(tmp_path):
    """A store written before rows were kept: opened read-only it reads as it is (no row known);
    opened to write, its predictions table gains the columns and keeps its rows."""
    import sqlite3

    from workbench.methods import Prediction
    from workbench.store import SCHEMA, SCHEMA_VERSION, RunStore

    old_schema = SCHEMA.replace(
        """    src_row INTEGER,                    -- the example's row in its split file (data.Origin)
    row_id  TEXT,                       -- its id column's value, when the data names one
    meta    TEXT,                       -- JSON object: the row's other columns
    tokens  INTEGER,                    -- its length in the model's tokens
""",
        "",
    )
    assert old_schema != SCHEMA
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(old_schema + "PRAGMA user_version = 1;")
        db.execute("INSERT INTO runs (run_id, created_at, status, method, model, dataset, split, n, config) VALUES ('ab12', 1.0, 'done', 'm', NULL, 'd', 'test', 1, '{}')")
        db.execute("INSERT INTO predictions (run_id, idx, text, gold, pred) VALUES ('ab12', 0, 'old text', 1, 1)")
    db.close()
    ro = RunStore(path, read_only=True)
    (p,) = ro.predictions("ab12")
    assert (p.text, p.row, p.name) == ("old text", None, "#0")
    ro.close()
    store = RunStore(path)
    assert store.predictions("ab12")[0].row is None
    store.add_predictions("ab12", [(1, "new", 0, Prediction(0))])
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
