"""The prefetch thread (workbench/prefetch.py) against its baseline, the plain loop
(WORKBENCH_PREFETCH=0): the predicting phase's time per local method, runs alternated in one
process (off, on, off, on...) so that a noisy machine weighs on both, the predictions compared
for equality, and on a GPU how busy NVML saw it while predicting.

    python benchmarks/bench_prefetch.py --data DIR [--device cpu] [--limit 400] [--repeats 2]
        [--chat-model SmolLM2-135M-Instruct] [--only NAME ...]

Models that cannot be had offline are built with random weights in the real shape (see
bench_local_methods.py): their speed is the real model's, their accuracy means nothing. On a CPU
the model and the tokeniser share the same cores, so expect about 1x there; the point of the
thread is a GPU, which waits on Python while the next batch is tokenised."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench_local_methods import GpuBusy, build_shaped


def run_once(method: str, model: str, params: dict, args, prefetch: bool) -> tuple[float, list, float | None]:
    from workbench.data import DataSpec
    from workbench.runner import execute, prepare
    from workbench.spec import RunSpec
    from workbench.store import RunStore

    os.environ["WORKBENCH_PREFETCH"] = "1" if prefetch else "0"
    marks: dict[str, float] = {}

    def on_progress(ev):
        if ev.phase == "predicting":
            marks.setdefault("start", time.perf_counter())

    spec = RunSpec(DataSpec(args.data, limit=args.limit or None), method, model=model, params=params, device=args.device, dtype=args.dtype, batch_size=args.batch_size)
    with tempfile.TemporaryDirectory() as d, GpuBusy() as busy:
        store = RunStore(Path(d) / "s.sqlite")  # a fresh store: no embedding is served from a cache
        out = execute(prepare(spec), store, on_progress=on_progress)
        end = time.perf_counter()
        if out.status != "done":
            raise SystemExit(f"{method}: {out.status} {out.error}")
        preds = [(p.idx, p.pred, p.scores, p.raw) for p in store.predictions(out.run_id)]
    return out.report.timing.predict_s, preds, busy.share(marks.get("start", 0.0), end)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--repeats", type=int, default=2, help="runs of each setting, alternated")
    ap.add_argument("--embedding-model", default="all-MiniLM-L6-v2")
    ap.add_argument("--chat-model", help="a chat model folder or name (SmolLM2-135M-Instruct from get-models); none: local-chat is skipped")
    ap.add_argument("--only", nargs="*", help="case labels to run")
    args = ap.parse_args()
    from workbench.models import resolve_model

    tok_dir = resolve_model(args.embedding_model).location
    shaped = Path(tempfile.mkdtemp())
    very = {"labels": ["A very negative movie review", "A very positive movie review"]}
    cases = [
        ("embed-zeroshot", "embed-zeroshot", lambda: args.embedding_model, very),
        ("classifier (roberta-base shape)", "classifier", lambda: build_shaped("roberta-base-3class", shaped, tok_dir, None), {}),
        ("nli-zeroshot (bart-large shape)", "nli-zeroshot", lambda: build_shaped("bart-large-mnli", shaped, tok_dir, None), {}),
        ("seq2seq score (flan-t5-small shape)", "seq2seq", lambda: build_shaped("flan-t5-small", shaped, tok_dir, None), {"mode": "score"}),
    ]
    if args.chat_model:
        cases.append(("local-chat score (" + Path(args.chat_model).name + ")", "local-chat", lambda: args.chat_model, {"mode": "score"}))
    print("baseline: the plain loop (WORKBENCH_PREFETCH=0); ratio = plain time / prefetch time (>1: prefetch faster)")
    for label, method, model, params in cases:
        if args.only and not any(o in label for o in args.only):
            continue
        where = model()
        times: dict[bool, list[float]] = {False: [], True: []}
        busy: dict[bool, list[float]] = {False: [], True: []}
        first: dict[bool, list] = {}
        run_once(method, where, params, args, False)  # warm-up: model loaded, caches filled
        for _ in range(args.repeats):
            for prefetch in (False, True):
                seconds, preds, share = run_once(method, where, params, args, prefetch)
                times[prefetch].append(seconds)
                if share is not None:
                    busy[prefetch].append(share)
                first.setdefault(prefetch, preds)
        same = first[False] == first[True]
        plain, ahead = statistics.median(times[False]), statistics.median(times[True])
        gpu = f"  GPU busy {statistics.mean(busy[False]):.0%} -> {statistics.mean(busy[True]):.0%}" if busy[True] else ""
        print(f"{label:<40} plain {plain:7.2f}s  prefetch {ahead:7.2f}s  ratio {plain / ahead:5.2f}x  predictions identical: {same}{gpu}", flush=True)


if __name__ == "__main__":
    main()
