"""What is not a readable data file gets an error that says what was found (a named pipe, a
symbolic link loop, a folder, no permission), never an internal error or a hang."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import write_jsonl

from workbench import data as data_module
from workbench.data import DataSpec, load_dataset
from workbench.errors import DATA, SPLIT, TRAIN_SPLIT, DataError

ROWS = [{"text": "good", "label": "pos"}, {"text": "bad", "label": "neg"}]


def _refused(source, **spec) -> DataError:
    with pytest.raises(DataError) as info:
        load_dataset(DataSpec(str(source), **spec), need_train=bool(spec.get("train_split")))
    assert "\n" not in str(info.value)
    return info.value


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "d"
    write_jsonl(d / "train.jsonl", ROWS)
    return d


def test_a_fifo_where_the_split_file_should_be(folder):
    os.mkfifo(folder / "test.jsonl")
    e = _refused(folder)
    assert e.field == SPLIT and f"{folder / 'test.jsonl'} is a named pipe (FIFO) where the file of split 'test' should be" in str(e)


def test_a_symlink_loop_where_the_split_file_should_be(folder):
    os.symlink(folder / "test.jsonl", folder / "test.jsonl")
    e = _refused(folder)
    assert e.field == SPLIT and "is a symbolic link loop where the file of split 'test' should be" in str(e)


def test_a_folder_where_the_split_file_should_be(folder):
    (folder / "test.jsonl").mkdir()
    e = _refused(folder)
    assert e.field == SPLIT and "is a folder where the file of split 'test' should be" in str(e)


def test_a_fifo_as_the_train_file_is_the_train_splits_error(folder, tmp_path):
    write_jsonl(folder / "test.jsonl", ROWS)
    os.mkfifo(tmp_path / "train.jsonl")
    e = _refused(folder, train_split=str(tmp_path / "train.jsonl"))
    assert e.field == TRAIN_SPLIT and "is a named pipe (FIFO)" in str(e)


@pytest.mark.parametrize("make, kind", [(os.mkfifo, "a named pipe (FIFO)"), (lambda p: os.symlink(p, p), "a symbolic link loop")])
def test_the_data_itself_is_no_file_or_folder(tmp_path, make, kind):
    path = tmp_path / "data.jsonl"
    make(path)
    e = _refused(path)
    assert e.field == DATA and f"the data {path} is {kind}" in str(e)


def test_a_fifo_as_labels_json(folder):
    write_jsonl(folder / "test.jsonl", ROWS)
    os.mkfifo(folder / "labels.json")
    e = _refused(folder)
    assert e.field == DATA and "labels.json is a named pipe (FIFO)" in str(e)


def test_labels_json_without_read_permission(folder, monkeypatch):
    write_jsonl(folder / "test.jsonl", ROWS)
    (folder / "labels.json").write_text('["neg", "pos"]')
    real_open = Path.open

    def no_read(self, *a, **kw):
        if self.name == "labels.json":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *a, **kw)

    monkeypatch.setattr(Path, "open", no_read)
    e = _refused(folder)
    assert e.field == DATA and str(e).startswith(f"cannot read {folder / 'labels.json'} (Permission denied)") and "JSON" not in str(e)


def test_a_data_folder_without_read_permission(folder, monkeypatch):
    write_jsonl(folder / "test.jsonl", ROWS)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == folder else real_access(p, mode, **kw))
    e = _refused(folder)
    assert e.field == DATA and f"cannot read the data folder {folder} (permission denied)" in str(e)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_data_folder_without_read_permission_for_real(folder):
    write_jsonl(folder / "test.jsonl", ROWS)
    folder.chmod(0)
    try:
        assert "cannot read the data folder" in str(_refused(folder))
    finally:
        folder.chmod(0o700)


def test_any_other_os_error_is_a_data_error(folder, monkeypatch):
    def broken(*a, **kw):
        raise OSError(errno.EIO, "Input/output error", str(folder / "test.jsonl"))

    monkeypatch.setattr(data_module, "_load_local", broken)
    e = _refused(folder)
    assert e.field == DATA and str(e).startswith(f"cannot read {folder / 'test.jsonl'} (Input/output error)")
