"""Make a copy of a JSONL dataset folder with a share of the train split's labels flipped at
random (seeded), for measuring suspect labels and relabelling (benchmarks/bench_relabel.py,
tests/test_relabel_rt.py). Two classes; the flipped rows are written to DEST.flipped.json beside it.

    python benchmarks/flip_labels.py SRC DEST [--rate 0.05] [--seed 0] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import numpy as np


def flip(src: Path, dest: Path, rate: float = 0.05, seed: int = 0, limit: int | None = None) -> list[int]:
    """Copy ``src`` to ``dest`` with ``rate`` of train.jsonl's rows (the first ``limit`` rows
    only, when given: a smaller dataset) given the other label; returns the flipped rows. The
    draw is the one benchmarks/bench_suspects.py makes (numpy default_rng(seed).choice)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.name != "train.jsonl":
            shutil.copy2(f, dest / f.name)
    lines = [line for line in (src / "train.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()]
    if limit is not None:
        rng_pick = np.random.default_rng(seed)
        lines = [lines[i] for i in sorted(rng_pick.choice(len(lines), limit, replace=False))]
    flipped = sorted(int(i) for i in np.random.default_rng(seed).choice(len(lines), int(round(rate * len(lines))), replace=False))
    for i in flipped:  # only the label's digit changes: every other byte of the line is the source's
        label = json.loads(lines[i])["label"]
        lines[i], n = re.subn(r'("label":\s*)' + str(label) + r"(\s*}\s*)$", lambda m, new=1 - label: f"{m.group(1)}{new}{m.group(2)}", lines[i])
        assert n == 1 and json.loads(lines[i])["label"] == 1 - label, lines[i]
    (dest / "train.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    dest.with_name(dest.name + ".flipped.json").write_text(json.dumps(flipped))  # beside: not a split file
    return flipped


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dest")
    ap.add_argument("--rate", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int)
    a = ap.parse_args()
    print(len(flip(Path(a.src), Path(a.dest), a.rate, a.seed, a.limit)), "rows flipped")
