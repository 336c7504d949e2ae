"""The done-when of "Fix the labels", on a subset of Rotten Tomatoes CI can afford (1,500 train
rows, 5% of their labels flipped, seed 0; 100 test rows evaluated): embed-logreg with MiniLM, then
`workbench relabel RUN --split train --accept suggested --top K` restores flipped labels, changes
nothing else (row count, other rows and files byte-identical, every changed line differs in its
label only), its audit lines are the changes, and the input is unchanged. The full-size figure
(8,530 rows, K = 426: 0.399 of the flips restored) is in the README."""

import hashlib
import json
import sys
from pathlib import Path

from workbench.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from check_relabel import check  # noqa: E402
from flip_labels import flip  # noqa: E402

TRAIN_ROWS = 1500
RESTORED_AT_LEAST = 0.30
"""Measured 0.36 on this subset (75 flipped); chance is 0.05. The full split's 0.399 is the
issue's figure (at least 0.37)."""


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_relabel_restores_flipped_rt_labels_and_changes_nothing_else(rt_dir, tmp_path, capsys):
    data = tmp_path / "rt-flipped"
    flipped = flip(rt_dir, data, rate=0.05, seed=0, limit=TRAIN_ROWS)
    before = digests(data)
    store = str(tmp_path / "s.sqlite")
    run = ["--store", store, "eval", "--data", str(data), "--limit", "100", "--method", "embed-logreg", "--model", "all-MiniLM-L6-v2"]
    assert main(run + ["--dtype", "float32", "--device", "cpu", "--json", str(tmp_path / "r.json")]) == 0
    run_id = json.loads((tmp_path / "r.json").read_text())["run_id"]
    out = tmp_path / "D"
    args = ["--store", store, "relabel", run_id[:12], "--split", "train", "--accept", "suggested", "--top", str(len(flipped)), "--out", str(out)]
    assert main(args) == 0
    assert f"{len(flipped)} labels changed ({len(flipped)} in 'train')" in capsys.readouterr().out
    figures = check(rt_dir, data, out)
    assert figures["rows"] == TRAIN_ROWS and figures["changed"] == len(flipped)
    assert figures["audit_equals_changes"] and figures["other_files_identical"]
    assert figures["restored_share"] >= RESTORED_AT_LEAST, figures
    assert digests(data) == before  # the input unchanged
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, "relabel-audit.jsonl"])
