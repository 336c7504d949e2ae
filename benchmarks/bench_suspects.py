"""Suspect labels on Rotten Tomatoes: flip 5% of the train labels at random (seeded), run the
suspects' train route (out-of-fold LogisticRegression on the cached all-MiniLM-L6-v2 embeddings,
cleanlab's find_label_issues), and print the share of flipped rows among the top K (K = the
number flipped) and the time. The textbook cleanlab route reaches about 0.41; budget: under 30 s
for the 8,530 train rows from cached embeddings on 2 cores.

    python benchmarks/bench_suspects.py [--data DIR] [--store PATH] [--seed 0]

The embeddings come from the store's cache (a run of embed-logreg with the same model, device
and dtype fills it: `workbench eval --method embed-logreg --model all-MiniLM-L6-v2 --dtype float32`);
missing ones are encoded first (minutes on a CPU, not counted in the time)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from workbench.caches import Caches
from workbench.data import DataSpec
from workbench.runner import RunSpec, prepare
from workbench.store import RunStore
from workbench.suspects import out_of_fold_probabilities, train_embeddings, train_suspects

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "rotten_tomatoes"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--store", default="/tmp/conf.sqlite")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0.05)
    args = ap.parse_args()
    prep = prepare(RunSpec(data=DataSpec(args.data), method="embed-logreg", model="all-MiniLM-L6-v2", dtype="float32", device="cpu"))
    store = RunStore(args.store)
    t = time.perf_counter()
    x = train_embeddings(prep, {"device": "cpu", "dtype": "float32"}, store, Caches())
    embed_s = time.perf_counter() - t
    train = prep.dataset.train
    assert train is not None
    y = np.asarray(train.labels)
    rng = np.random.default_rng(args.seed)
    flipped = rng.choice(len(y), int(round(args.rate * len(y))), replace=False)
    noisy = y.copy()
    noisy[flipped] = 1 - noisy[flipped]  # Rotten Tomatoes has two classes
    t = time.perf_counter()
    probs = out_of_fold_probabilities(x, noisy, 2)
    found = train_suspects(train.texts, noisy.tolist(), probs, prep.dataset.label_names, train.name)
    took = time.perf_counter() - t
    k = len(flipped)
    top = {s.row for s in found[:k]}
    share = len(top & set(flipped.tolist())) / k
    flagged = {s.row for s in found}
    print(f"train rows {len(y)}  flipped {k} (seed {args.seed})  embeddings {embed_s:.1f}s (cache)")
    print(f"flagged by cleanlab {len(found)}  of them flipped {len(flagged & set(flipped.tolist()))}")
    print(f"share of flipped rows among the top K={k}: {share:.3f}   (textbook cleanlab route: ~0.41)")
    print(f"suspects time (out-of-fold probabilities + find_label_issues): {took:.1f}s   (budget 30 s)")


if __name__ == "__main__":
    main()
