"""Fixing labels: decisions about suspect labels (accepted suggestions, a reviewer's choices, a
team's JSONL file) written as a corrected copy of the data, never in place, with an audit file
(``workbench relabel RUN ...``; the TUI's review queue writes through :func:`write_corrected` too).

    decisions = accept_suggestions(engine.suspects(run), split="train", top=426)
    result = write_corrected(engine.store, run, decisions, "rt-fixed")

The copy is the input's folder (or file) with the decided rows' labels changed in their file's own
label form and format (workbench/relabel_write.py: every untouched row byte-identical where the
format allows), ``labels.json`` and every other file copied, and ``relabel-audit.jsonl`` beside
the data: one line per change, :data:`AUDIT_KEYS`. A decision names its row by split file and
row (0-based, as ``Suspect.row``) and carries the SHA-256 of the text it was made on: a row whose
text is not that one (the file changed since) is refused, never relabelled blindly.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .errors import DATA, RUN, ConfigError, DataError, StoreError
from .relabel_types import ACCEPTED, AUDIT_KEYS, MANUAL, Change, Decision, Relabelled
from .suspects import text_sha256

if TYPE_CHECKING:
    from .store import RunStore, StoredRun
    from .suspects import Suspects

AUDIT_FILE = "relabel-audit.jsonl"




def accept_suggestions(suspects: "Suspects", *, split: str | None = None, top: int | None = None, min_score: float | None = None) -> list[Decision]:
    """Accept the suggested label of the most suspicious rows (of ``split``, or of every split):
    the ``top`` first, or those scoring at least ``min_score``, or all."""
    if top is not None and top < 0:
        raise ConfigError(f"a negative number of rows to accept ({top})", expected="the N most suspicious rows, N >= 0")
    if min_score is not None and not 0 <= min_score <= 1:
        raise ConfigError(f"the least score to accept, {min_score:g}, is not a score", expected="a number from 0 to 1 (1 - the evidence's probability of the gold label)")
    rows = [s for s in suspects.suspects if split is None or s.split == split]
    if split is not None and not rows and split not in suspects.evidence:
        raise ConfigError(f"split '{split}' was not checked for suspect labels (checked: {', '.join(suspects.evidence) or 'none'})", fix="name a checked split, or none for all")
    if min_score is not None:
        rows = [s for s in rows if s.score >= min_score]
    if top is not None:
        rows = rows[:top]
    now = time.time()
    return [Decision(s.split, s.row, s.suggested, ACCEPTED, s.text_sha256, s.score, s.id, now) for s in rows]


def read_decisions(path: str | Path, label_names: Sequence[str]) -> list[Decision]:
    """Decisions from a JSONL file of ``{"split", "row", "label"}`` (``text_sha256`` optional),
    each a manual decision; a wrong line is refused with its number."""
    path = Path(path).expanduser()
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except OSError as e:
        raise DataError(f"cannot read the decisions file {path} ({e.strerror or type(e).__name__})", fix="check the path of the decisions file") from None
    except UnicodeDecodeError:
        raise DataError(f"the decisions file {path} is not UTF-8", fix="save it as UTF-8 JSON Lines") from None
    out: list[Decision] = []
    seen: dict[tuple[str, int], int] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} line {n}"
        try:
            item = json.loads(line)
        except ValueError:
            raise DataError(f"{where} is not valid JSON", expected='one {"split", "row", "label"} object a line') from None
        if not isinstance(item, dict) or not {"split", "row", "label"} <= set(item):
            raise DataError(f"{where} is not a decision", expected='an object with "split", "row" and "label"')
        row, label = item["row"], item["label"]
        if not isinstance(row, int) or isinstance(row, bool) or row < 0:
            raise DataError(f"{where} has row {row!r}", expected="a row number from 0 (as `workbench suspects` names them)")
        if not isinstance(item["split"], str):
            raise DataError(f"{where} has split {item['split']!r}", expected="a split name such as train")
        name = str(label) if not isinstance(label, bool) else ""
        if name not in label_names:
            raise DataError(f"{where} has the label {label!r}", expected=f"one of the data's labels: {', '.join(label_names)}", fix="write the label's name")
        key = (item["split"], row)
        if key in seen:
            raise DataError(f"{where} decides split '{key[0]}' row {row} again (line {seen[key]} did)", fix="keep one decision per row")
        seen[key] = n
        digest = item.get("text_sha256")
        out.append(Decision(key[0], row, name, MANUAL, digest if isinstance(digest, str) else None))
    return out


def write_corrected(store: "RunStore", run_ref: str, decisions: Iterable[Decision], out: str | Path) -> Relabelled:
    """Write the evidence run ``run_ref``'s data with ``decisions`` applied to ``out`` (a new or
    empty folder; never the input): see the module docstring. Everything is written to a
    temporary folder beside ``out`` first and moved into place at the end, so a failure or a kill
    leaves no half-written copy."""
    from .relabel_files import DataFiles

    run = store.get(run_ref)
    if not run.config.has_spec or run.report is None:
        raise StoreError(f"run {run.run_id[:12]} has no stored configuration and report to relabel from", fix="relabel from a finished run", field=RUN)
    spec = run.config.spec()
    files = DataFiles.of(spec.data)
    target = Path(out).expanduser()
    files.check_out(target)
    decided = list(decisions)
    labels = list(run.report.labels)
    files.check_unchanged(decided, run.config.identity.get("data"), labels)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        changes, unchanged, written = files.write(staging, decided, labels, run.run_id)
        with (staging / AUDIT_FILE).open("w", encoding="utf-8") as fh:
            for change in changes:
                fh.write(json.dumps(change.to_json(), ensure_ascii=False) + "\n")
        if target.is_dir():
            target.rmdir()  # empty (check_out): replaced by the finished copy
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    data, train = files.in_copy(target)
    return Relabelled(target, data, train, tuple(changes), unchanged, tuple(written))


def default_out(run: "StoredRun") -> Path:
    """Where the TUI writes a run's corrected copy: beside the data, named after it
    (``rotten_tomatoes-relabelled``, then ``-2``, ``-3``: never over an earlier copy); the
    built-in sample's copy goes in the current folder."""
    from .data import SAMPLE
    from .relabel_files import DataFiles

    data = run.config.spec().data
    files = DataFiles.of(data)
    base = files.root if files.single is None else files.single.parent / files.single.stem
    parent = Path.cwd() if data.source in (SAMPLE, f"builtin:{SAMPLE}") else base.parent
    name = f"{base.name}-relabelled"
    out, n = parent / name, 2
    while out.exists():
        out, n = parent / f"{name}-{n}", n + 1
    return out


def read_audit(folder: str | Path) -> list[dict[str, Any]]:
    """The audit lines of a corrected copy, in order."""
    path = Path(folder) / AUDIT_FILE
    if not path.is_file():
        raise DataError(f"no {AUDIT_FILE} in {folder}", fix="name a folder written by workbench relabel", field=DATA)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


__all__ = ["AUDIT_FILE", "AUDIT_KEYS", "Change", "Decision", "Relabelled", "accept_suggestions", "default_out", "read_audit", "read_decisions", "text_sha256", "write_corrected"]
