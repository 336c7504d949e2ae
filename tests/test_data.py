import csv
import json
import re

import pytest

from conftest import FLAG, cli_says, write_jsonl
from workbench.cli_fields import cli_flag
from workbench.data import DataSpec, SplitSummary, load_dataset
from workbench.errors import DATA, TRAIN_SPLIT, DataError


def _folder(tmp_path, train, test, labels=None):
    write_jsonl(tmp_path / "train.jsonl", train)
    write_jsonl(tmp_path / "test.jsonl", test)
    if labels is not None:
        (tmp_path / "labels.json").write_text(json.dumps(labels))
    return tmp_path


def rows(*pairs):
    return [{"text": t, "label": label} for t, label in pairs]


def test_builtin_sample_loads_offline_with_both_classes():
    ds = load_dataset(DataSpec("sample"), need_train=True)
    assert ds.label_names == ["neg", "pos"]
    assert len(ds.eval) >= 100 and len(ds.train) >= 200
    assert set(ds.eval.labels) == {0, 1} and set(ds.train.labels) == {0, 1}


def test_labels_json_gives_names_and_order(tmp_path):
    d = _folder(tmp_path, rows(("a", 1), ("b", 0)), rows(("c", 1)), {"0": "neg", "1": "pos"})
    ds = load_dataset(DataSpec(str(d)), need_train=True)
    assert ds.label_names == ["neg", "pos"]
    assert ds.eval.labels == [1] and ds.train.labels == [1, 0]


def test_string_labels_sorted_and_multiclass(tmp_path):
    train = rows(("w", "sports"), ("x", "food"), ("y", "weather"), ("z", "music"))
    d = _folder(tmp_path, train, rows(("q", "music"), ("r", "food")))
    ds = load_dataset(DataSpec(str(d)), need_train=True)
    assert ds.label_names == ["food", "music", "sports", "weather"]
    assert ds.eval.labels == [1, 0]


def test_labels_json_accepts_label_names_as_values(tmp_path):
    d = _folder(tmp_path, rows(("a", "pos"), ("b", "neg")), rows(("c", "neg")), ["neg", "pos"])
    ds = load_dataset(DataSpec(str(d)), need_train=True)
    assert ds.train.labels == [1, 0] and ds.eval.labels == [0]


def test_csv_and_custom_columns(tmp_path):
    for split, data in (("train", [("good", "1"), ("bad", "0")]), ("test", [("fine", "1")])):
        with open(tmp_path / f"{split}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["review", "y"])
            w.writerows(data)
    ds = load_dataset(DataSpec(str(tmp_path), text_column="review", label_column="y"), need_train=True)
    assert ds.label_names == ["0", "1"] and ds.eval.texts == ["fine"] and ds.eval.labels == [1]


def test_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["a", "b"], "label": [0, 1]}), tmp_path / "test.parquet")
    ds = load_dataset(DataSpec(str(tmp_path / "test.parquet")), need_train=False)
    assert ds.eval.texts == ["a", "b"] and ds.label_names == ["0", "1"]


def test_single_file_needs_train_file_for_fitting(tmp_path):
    f = write_jsonl(tmp_path / "eval.jsonl", rows(("a", 0), ("b", 1)))
    with pytest.raises(DataError, match="single file.*no train split") as err:
        load_dataset(DataSpec(str(f)), need_train=True)
    assert err.value.field == TRAIN_SPLIT and re.search("single file.*--train-split", cli_says(err.value))
    t = write_jsonl(tmp_path / "other" / "tr.jsonl", rows(("c", 0), ("d", 1)))
    ds = load_dataset(DataSpec(str(f), train_split=str(t)), need_train=True)
    assert ds.train.texts == ["c", "d"]


@pytest.mark.parametrize(
    "setup, pattern",
    [
        (lambda p: None, "no file or folder"),
        (lambda p: _folder(p, rows(("a", 0), ("b", 1)), []), "split 'test' .* is empty"),
        (lambda p: _folder(p, rows(("a", 0), ("b", 1)), [{"body": "x", "label": 0}]), "no column 'text'.*--text-column"),
        (lambda p: _folder(p, rows(("a", 0), ("b", 1)), rows(("c", 2))), "never saw: '2'"),
        (lambda p: _folder(p, rows(("a", 0), ("b", 1)), rows(("", 0), ("  ", 1), ("ok", 0))), "2 empty texts.*--skip-empty"),
        (lambda p: _folder(p, rows(("a", 0), ("b", 1)), rows(("c", 5)), ["neg", "pos"]), "outside the dataset's label set: 5"),
        (lambda p: (p / "test.jsonl").write_text('{"text": "a", "label": 0}\n{broken\n'), "line 2 is not valid JSON"),
        (lambda p: (p / "test.jsonl").write_bytes(b'{"text": "caf\xe9", "label": 0}\n'), "not readable as utf-8.*--encoding"),
        (lambda p: _folder(p, rows(("a", 0), ("b", 0)), rows(("c", 0))), "single class"),
    ],
)
def test_bad_data_gives_one_line_error(tmp_path, setup, pattern):
    folder = tmp_path / "d"
    folder.mkdir()
    setup(folder)
    src = str(folder) if any(folder.iterdir()) else str(tmp_path / "missing")
    with pytest.raises(DataError) as info:
        load_dataset(DataSpec(src), need_train=True)
    assert re.search(pattern, cli_says(info.value)), cli_says(info.value)  # the flag is the CLI's to name
    flag = FLAG.search(pattern)
    assert flag is None or info.value.field and cli_flag(info.value.field) == flag.group()
    assert "\n" not in str(info.value)


def test_missing_split_lists_available(tmp_path):
    _folder(tmp_path, rows(("a", 0), ("b", 1)), rows(("c", 0)), ["neg", "pos"])  # labels.json is no split
    with pytest.raises(DataError, match=r"no file for split 'validation'.*splits found: test, train"):
        load_dataset(DataSpec(str(tmp_path), split="validation"), need_train=False)


def test_skip_empty_counts_them(tmp_path):
    _folder(tmp_path, rows(("a", 0), ("b", 1)), rows(("", 0), ("ok", 1)))
    ds = load_dataset(DataSpec(str(tmp_path), skip_empty=True), need_train=True)
    assert ds.eval.texts == ["ok"] and ds.eval.skipped_empty == 1
    assert any("skipped 1 empty" in n for n in ds.notes)


def test_latin1_with_encoding_flag(tmp_path):
    (tmp_path / "test.jsonl").write_bytes('{"text": "café", "label": 0}\n'.encode("latin-1"))
    ds = load_dataset(DataSpec(str(tmp_path), encoding="latin-1"), need_train=False)
    assert ds.eval.texts == ["café"]


def test_limit_is_seeded_sample_in_order(rt_dir):
    a = load_dataset(DataSpec(str(rt_dir), limit=50, seed=1), need_train=False)
    b = load_dataset(DataSpec(str(rt_dir), limit=50, seed=1), need_train=False)
    full = load_dataset(DataSpec(str(rt_dir)), need_train=False)
    assert a.eval.texts == b.eval.texts and len(a.eval) == 50
    positions = [full.eval.texts.index(t) for t in a.eval.texts]
    assert positions == sorted(positions)
    assert set(a.eval.labels) == {0, 1}  # the first 50 rows are all positive; a sample is not
    assert a.fingerprint() != full.fingerprint()


def test_real_rotten_tomatoes_splits(rt_dir):
    ds = load_dataset(DataSpec(str(rt_dir)), need_train=True)
    assert (len(ds.train), len(ds.eval)) == (8530, 1066)
    assert ds.label_names == ["neg", "pos"] and sum(ds.eval.labels) == 533
    assert any("\u0085" in t or "\u0097" in t or "\u0096" in t for t in ds.train.texts)  # kept as the Hub has them


def test_hub_name_goes_through_datasets(monkeypatch):
    import datasets

    feats = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])})
    dd = datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}, features=feats),
        test=datasets.Dataset.from_dict({"text": ["c"], "label": [1]}, features=feats),
    )
    calls = []
    monkeypatch.setattr(datasets, "load_dataset", lambda name, *a, **k: calls.append(name) or dd)
    ds = load_dataset(DataSpec("rotten_tomatoes"), need_train=True)
    assert calls == ["rotten_tomatoes"] and ds.label_names == ["neg", "pos"] and ds.eval.labels == [1]


def test_hub_unreachable_is_a_clear_error(monkeypatch):
    import datasets

    def boom(*a, **k):
        raise ConnectionError("Couldn't reach 'rotten_tomatoes' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", boom)
    with pytest.raises(DataError, match="could not load Hugging Face dataset 'rotten_tomatoes'.*'sample'") as err:
        load_dataset(DataSpec("rotten_tomatoes"), need_train=False)
    assert err.value.field == DATA and cli_says(err.value).endswith("[--data]")


def test_summary_gives_sizes_and_balance(rt_dir):
    s = load_dataset(DataSpec(str(rt_dir)), need_train=True).summary()
    assert s.labels == ["neg", "pos"]
    assert s.eval == SplitSummary("test", 1066, [533, 533])
    assert s.train is not None and s.train.n == 8530 and sum(s.train.counts) == 8530


def test_a_hub_dataset_fails_at_once_while_the_hub_cannot_be_reached(monkeypatch):
    """As a hub model does (models.check_available): no half minute of retries, one line saying why."""
    import datasets.config

    import workbench.models
    from workbench.data import DataSpec, load_dataset
    from workbench.errors import DataError

    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(workbench.models, "_hub_reachable", False)  # the probe's answer, without probing
    before = datasets.config.HF_HUB_OFFLINE
    with pytest.raises(DataError) as e:
        load_dataset(DataSpec("some_user/no_such_dataset"), need_train=False)
    assert "is not in the local cache and the hub" in str(e.value) and "cannot be reached" in str(e.value) and e.value.field == "data"
    assert datasets.config.HF_HUB_OFFLINE == before  # the process-wide switch put back
