"""Suspect labels on Rotten Tomatoes: flip 5% of the train labels at random (seeded), run the
suspects' train route (out-of-fold LogisticRegression on the cached all-MiniLM-L6-v2 embeddings,
cleanlab's find_label_issues), and print the share of flipped rows among the top K (K = the
number flipped) and the time. The textbook cleanlab route reaches about 0.41; budget: under 30 s
for the 8,530 train rows from cached embeddings on 2 cores.

    python benchmarks/bench_suspects.py [--data DIR] [--store PATH] [--seeds 0,1,2]

The embeddings come from the store's cache (a run of embed-logreg with the same model, device
and dtype fills it: `workbench eval --method embed-logreg --model all-MiniLM-L6-v2 --dtype float32`);
missing ones are encoded first (minutes on a CPU, not counted in the time)."""

from __future__ import annotations

import argparse
import dataclasses
import time
from types import SimpleNamespace
from pathlib import Path

import numpy as np

from workbench.caches import Caches
from workbench.data import DataSpec
from workbench.runner import RunSpec, prepare
from workbench.store import RunStore
from workbench.suspects import FOLDS, VIEWS, train_embeddings, train_probabilities, train_suspects

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "rotten_tomatoes"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--store", default="/tmp/conf.sqlite")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds of the flips; each is measured [0]")
    ap.add_argument("--rate", type=float, default=0.05)
    args = ap.parse_args()
    prep = prepare(RunSpec(data=DataSpec(args.data), method="embed-logreg", model="all-MiniLM-L6-v2", dtype="float32", device="cpu"))
    store = RunStore(args.store)
    t = time.perf_counter()
    x = train_embeddings(prep, SimpleNamespace(device="cpu", dtype="float32"), store, Caches())  # type: ignore[arg-type]  # the report fields it reads
    embed_s = time.perf_counter() - t
    train = prep.dataset.train
    assert train is not None
    y = np.asarray(train.labels)
    print(f"train rows {len(y)}  embeddings {embed_s:.1f}s (from the store's cache when a run filled it)")
    print(f"baseline: the textbook cleanlab route (embeddings, 5 folds) and its ~0.41 target; the workbench: {'+'.join(VIEWS)}, {FOLDS} folds")
    shares: dict[tuple[str, ...], list[float]] = {}
    for seed in [int(s) for s in args.seeds.split(",")]:
        rng = np.random.default_rng(seed)
        flipped = rng.choice(len(y), int(round(args.rate * len(y))), replace=False)
        noisy = y.copy()
        noisy[flipped] = 1 - noisy[flipped]  # Rotten Tomatoes has two classes
        k = len(flipped)
        for views, folds in ((("embeddings",), 5), (VIEWS, FOLDS)):
            t = time.perf_counter()
            probs = train_probabilities(x, train.texts, noisy, 2, views=views, folds=folds)
            found = train_suspects(dataclasses.replace(train, labels=noisy.tolist()), probs, prep.dataset.label_names)
            took = time.perf_counter() - t
            share = len({s.row for s in found[:k]} & {train.row_of(int(i)) for i in flipped}) / k
            shares.setdefault(views, []).append(share)
            print(f"seed {seed}  flipped {k}  views {'+'.join(views):<16} flagged {len(found):>5}  share of flipped in top K: {share:.3f}  time {took:.1f}s (budget 30 s)")
    base = shares[("embeddings",)]
    for views, got in shares.items():
        print(f"{'+'.join(views):<16} mean share {np.mean(got):.3f} over {len(got)} seeds  ({np.mean(got) / np.mean(base):.2f}x the textbook route; target ~0.41)")


if __name__ == "__main__":
    main()
