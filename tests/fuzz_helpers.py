"""Shared pieces of the test_fuzz_*.py files: hypothesis settings, a guard against hangs, and
loading a folder of (malformed) files to either a checked dataset or its one-line error."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import signal
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings

from conftest import FLAG, cli_says
from workbench.cli_fields import cli_flag
from workbench.data import Dataset, DataSpec, load_dataset
from workbench.errors import DataError, WorkbenchError

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAST = settings(max_examples=150, deadline=None)


@contextlib.contextmanager
def no_hang(seconds: float = 20):
    """Fail (instead of waiting forever) when the block takes longer than ``seconds``."""

    def hung(signum, frame):
        raise TimeoutError(f"still running after {seconds}s: a hang")

    old = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def one_line(e: WorkbenchError) -> str:
    msg = str(e)
    assert msg and "\n" not in msg and "\r" not in msg and "Traceback" not in msg, msg
    return msg


def check_dataset(ds: Dataset) -> None:
    """What every loaded dataset guarantees, however odd its files were."""
    assert ds.label_names and len(set(ds.label_names)) == len(ds.label_names)
    assert all(isinstance(n, str) and n.encode("utf-8") for n in ds.label_names)
    for split in (ds.eval, ds.train):
        if split is None:
            continue
        assert len(split.texts) == len(split.labels) > 0
        for text, label in zip(split.texts, split.labels):
            assert isinstance(text, str) and text.strip()
            text.encode("utf-8")  # no unpaired surrogates left: the store and tokenizers need this
            assert 0 <= label < ds.n_classes
        if split.skipped_empty:
            assert any(f"skipped {split.skipped_empty} empty" in n for n in ds.notes)


def load(files: dict[str, bytes | str], *, need_train: bool = False, **spec) -> Dataset | WorkbenchError:
    """Write ``files`` into a fresh folder and load it: the dataset, or the WorkbenchError it
    raised (any other exception fails the test)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        try:
            with no_hang():
                ds = load_dataset(DataSpec(str(folder), **spec), need_train=need_train)
        except WorkbenchError as e:
            one_line(e)
            return e
    check_dataset(ds)
    return ds


def refused(files, pattern: str, **kw) -> str:
    out = load(files, **kw)
    assert isinstance(out, DataError), f"expected a DataError matching {pattern!r}, got {out!r}"
    msg = one_line(out)
    # Matched as the command line prints it: a flag in ``pattern`` is the one the CLI adds for the
    # error's field (the engine's own text names none).
    line = cli_says(out)
    assert re.search(pattern, line), line
    flag = FLAG.search(pattern)
    assert flag is None or out.field and cli_flag(out.field) == flag.group(), (out.field, pattern)
    return msg


def loaded(files, **kw) -> Dataset:
    out = load(files, **kw)
    assert isinstance(out, Dataset), f"expected the data to load, got: {out}"
    return out


def jsonl(*rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def csv_text(header, rows, delimiter=",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)  # "\r\n" rows: a \r or \n inside a text is quoted
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def parquet_bytes(columns: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


GOOD = jsonl({"text": "fine", "label": 0}, {"text": "bad", "label": 1})
