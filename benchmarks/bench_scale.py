"""Scale out, measured: one method on one split, run in this process (the baseline), split over
worker processes (``--devices``), and on a local Ray (``--ray local``); each as a ratio against
the baseline. Through the engine, the path the CLI and the TUI take.

    python benchmarks/bench_scale.py --data DIR [--method embed-zeroshot] [--model all-MiniLM-L6-v2]
        [--limit N] [--devices cpu,cpu] [--devices cuda:0,cuda:1] [--no-ray]

Each setup gets a fresh store, so no setup reads embeddings another one cached. Two figures per
setup: 'wall' is the whole run (model load and fit in the parent, worker start-up,
prediction); 'steady' is the rate over the second half of the predicting phase (from the commit
that passes half the examples to the last), which is what more devices buy once they are running. The float32 dtype is pinned; the script
says how far each setup's predictions are from the baseline's (labels that differ, largest score
difference).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def run_once(spec, store_path: Path, label: str) -> dict:
    from workbench.runner import execute, prepare
    from workbench.store import RunStore

    store = RunStore(store_path)
    prep = prepare(spec)
    marks: list[tuple[float, int]] = []

    def on_progress(e):
        if e.phase == "predicting":
            marks.append((time.perf_counter(), e.done))

    t = time.perf_counter()
    out = execute(prep, store, rerun=True, on_progress=on_progress)
    wall = time.perf_counter() - t
    assert out.status == "done", out.error
    # The second half: by then every worker runs (start-up is behind), and at the end nothing is
    # left in flight, so the work counted is the work done in the interval (up to a batch a worker).
    half = next(((t, d) for t, d in marks if d >= marks[-1][1] / 2), None) if marks else None
    steady = (marks[-1][1] - half[1]) / (marks[-1][0] - half[0]) if half and marks[-1][0] > half[0] else float("nan")
    preds = {p.idx: (p.pred, p.scores) for p in store.predictions(prep.run_id)}
    n = len(preds)
    return {"label": label, "n": n, "wall_s": wall, "wall_rate": n / wall, "steady_rate": steady, "preds": preds, "run_id": prep.run_id}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--method", default="embed-zeroshot")
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--device", default="cpu", help="the baseline's device [cpu]")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--devices", action="append", help="a --devices setup to time (repeatable) [cpu,cpu]")
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray setup")
    args = ap.parse_args()

    from workbench.data import DataSpec
    from workbench.spec import RunSpec

    base = RunSpec(data=DataSpec(args.data, limit=args.limit), method=args.method, model=args.model, device=args.device, dtype="float32", batch_size=args.batch_size)
    setups: list[tuple[str, RunSpec]] = [("one process", base), ("one process, 1 thread", base)]
    for devices in args.devices or ["cpu,cpu"]:
        setups.append((f"--devices {devices}", replace(base, devices=devices)))
    ray = None
    if not args.no_ray:
        try:
            import ray
        except ImportError:
            print("(Ray is not installed: no Ray figure; pip install 'workbench[ray]')")
            ray = None
        if ray is not None:
            setups.append(("--ray local", replace(base, ray="local")))

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        run_once(base, Path(tmp) / "warm-up.sqlite", "warm-up")  # the model's files in the page cache
        for n, (label, spec) in enumerate(setups):
            store_path = Path(tmp) / f"setup-{n}.sqlite"  # a store each: no embedding comes from another setup's cache
            if spec.ray and ray is not None:
                ray.init(num_cpus=len((spec.devices or "x").split(",")) + 1, include_dashboard=False, log_to_driver=False)
            import torch

            threads = torch.get_num_threads()
            if label.endswith("1 thread"):
                # What each of two CPU workers (and a Ray actor, OMP_NUM_THREADS=1) runs with: on a
                # busy machine one thread can be faster than two, which is not the devices' doing.
                torch.set_num_threads(1)
            try:
                results.append(run_once(spec, store_path, label))
            finally:
                torch.set_num_threads(threads)
                if spec.ray and ray is not None:
                    ray.shutdown()
            print(f"{label}: done", flush=True)

    first = results[0]
    for r in results:
        assert r["run_id"] == first["run_id"], r["label"]
        r["labels_differ"] = sum(r["preds"][i][0] != label for i, (label, _) in first["preds"].items())
        r["max_score_diff"] = max(
            (max(abs(a - b) for a, b in zip(scores, r["preds"][i][1])) for i, (_, scores) in first["preds"].items() if scores is not None), default=0.0
        )  # fmt: skip
    print(f"\n{args.method} / {args.model}, {first['n']} examples, batch {args.batch_size}, float32, one run id in every setup")
    print(f"{'setup':<26}{'wall s':>9}{'ex/s wall':>11}{'ratio':>8}{'ex/s steady':>13}{'ratio':>8}{'labels differ':>15}{'max score diff':>16}")
    for r in results:
        print(
            f"{r['label']:<26}{r['wall_s']:>9.1f}{r['wall_rate']:>11.1f}{r['wall_rate'] / first['wall_rate']:>7.2f}x"
            f"{r['steady_rate']:>13.1f}{r['steady_rate'] / first['steady_rate']:>7.2f}x{r['labels_differ']:>15}{r['max_score_diff']:>16.1e}"
        )


if __name__ == "__main__":
    main()
