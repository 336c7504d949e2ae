"""Times the lesson's own calls against the workbench's path, in one run on one machine, and
prints ratios (the baseline is named on each line), accuracies (they must agree), peak memory and
achieved FLOP/s as a share of this machine's measured matrix-multiply peak.

    python benchmarks/bench_methods.py [--data DIR] [--model all-MiniLM-L6-v2] [--classifier DIR] [--limit N]

Each side runs in its own subprocess so peak memory is its own and no cache carries over.
Timings are never asserted anywhere: machines are shared and noisy; compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "rotten_tomatoes"


def _child(task: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    cmd = [sys.executable, __file__, "--child", task, "--data", str(args.data), "--model", args.model, "--limit", str(args.limit)]
    if args.classifier:
        cmd += ["--classifier", args.classifier]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{task} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load(args, split):
    rows = [json.loads(line) for line in open(Path(args.data) / f"{split}.jsonl", encoding="utf-8")]
    if args.limit:
        rows = rows[: args.limit // 2] + rows[-(args.limit - args.limit // 2) :]
    return [r["text"] for r in rows], [int(r["label"]) for r in rows]


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _matmul_peak_gflops() -> float:
    import torch

    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * 2048**3 / (time.perf_counter() - t) / 1e9)
    return best


def _encoder_flops(model_path: str, texts: list[str]) -> float:
    """2 x (non-embedding parameters) per token, plus attention's 4 x layers x hidden x L per token."""
    from transformers import AutoConfig, AutoTokenizer

    cfg = AutoConfig.from_pretrained(model_path)
    tok = AutoTokenizer.from_pretrained(model_path)
    lengths = [len(ids) for ids in tok(texts, truncation=True, max_length=512)["input_ids"]]
    h, layers, inter = cfg.hidden_size, cfg.num_hidden_layers, cfg.intermediate_size
    per_token_params = layers * (4 * h * h + 2 * h * inter)
    return sum(2 * per_token_params * n + 4 * layers * h * n * n for n in lengths)


def child(task: str, args: argparse.Namespace) -> dict:
    from workbench.models import resolve_model

    test_x, test_y = _load(args, "test")
    ref = resolve_model(args.model)
    if task == "lesson-encode":
        import numpy as np
        from sentence_transformers import SentenceTransformer
        from sklearn.metrics.pairwise import cosine_similarity

        model = SentenceTransformer(ref.location)
        t = time.perf_counter()
        emb = model.encode(test_x)  # the lesson's call, with its defaults
        secs = time.perf_counter() - t
        labels = model.encode(["A very negative movie review", "A very positive movie review"])
        acc = float((np.argmax(cosine_similarity(emb, labels), 1) == np.array(test_y)).mean())
        return {"seconds": secs, "accuracy": acc, "peak_mb": _peak_mb(), "flops": _encoder_flops(ref.location, test_x)}
    if task in ("workbench-encode", "workbench-classifier"):
        import tempfile

        from workbench.data import DataSpec
        from workbench.runner import RunSpec, execute, prepare
        from workbench.store import RunStore

        data_dir = Path(tempfile.mkdtemp())  # the same rows as the lesson side
        (data_dir / "test.jsonl").write_text("".join(json.dumps({"text": x, "label": y}) + "\n" for x, y in zip(test_x, test_y)), encoding="utf-8")
        (data_dir / "labels.json").write_text('["neg", "pos"]')
        if task == "workbench-encode":
            spec = RunSpec(DataSpec(str(data_dir)), "embed-zeroshot", model=args.model, params={"labels": ["A very negative movie review", "A very positive movie review"]})
        else:
            spec = RunSpec(DataSpec(str(data_dir)), "classifier", model=args.classifier)
        prep = prepare(spec)
        with tempfile.TemporaryDirectory() as d:
            out = execute(prep, RunStore(Path(d) / "s.sqlite"), rerun=True)
        secs = out.report["timing"]["predict_s"] + out.report["timing"]["fit_s"]
        return {"seconds": secs, "accuracy": out.report["accuracy"], "peak_mb": _peak_mb(), "flops": _encoder_flops(ref.location, test_x) if task == "workbench-encode" else 0}
    if task == "lesson-classifier":
        import numpy as np
        from datasets import Dataset
        from transformers import pipeline
        from transformers.pipelines.pt_utils import KeyDataset

        pipe = pipeline("text-classification", model=args.classifier, top_k=None, device="cpu")
        data = Dataset.from_dict({"text": test_x, "label": test_y})
        t = time.perf_counter()
        preds = []
        for output in pipe(KeyDataset(data, "text")):  # the lesson's loop, default batch size
            scores = {o["label"]: o["score"] for o in output}
            preds.append(int(np.argmax([scores["NEGATIVE"], scores["POSITIVE"]])))
        secs = time.perf_counter() - t
        return {"seconds": secs, "accuracy": float((np.array(preds) == np.array(test_y)).mean()), "peak_mb": _peak_mb(), "flops": 0}
    if task == "peak":
        return {"gflops": _matmul_peak_gflops()}
    raise SystemExit(f"unknown task {task}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--classifier", help="a text-classification model folder with NEGATIVE/POSITIVE labels (e.g. from shared/tools/finetune-sentiment)")
    ap.add_argument("--limit", type=int, default=0, help="first N/2 and last N/2 test rows (0: all)")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args)))
        return
    peak = _child("peak", args)["gflops"]
    print(f"machine fp32 matmul peak: {peak:.1f} GFLOP/s")
    pairs = [("encode", "lesson-encode", "workbench-encode")]
    if args.classifier:
        pairs.append(("classifier", "lesson-classifier", "workbench-classifier"))
    for name, base, ours in pairs:
        b, w = _child(base, args), _child(ours, args)
        line = f"{name}: lesson {b['seconds']:.2f}s (acc {b['accuracy']:.4f}, peak {b['peak_mb']:.0f} MB) | workbench {w['seconds']:.2f}s (acc {w['accuracy']:.4f}, peak {w['peak_mb']:.0f} MB) | speed-up vs lesson x{b['seconds'] / w['seconds']:.2f}"
        if w["flops"]:
            line += f" | FLOP/s share of peak: lesson {b['flops'] / b['seconds'] / 1e9 / peak:.0%}, workbench {w['flops'] / w['seconds'] / 1e9 / peak:.0%}"
        print(line, flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "workbench", "--help"], capture_output=True, check=True)
    print(f"workbench --help: {time.perf_counter() - t:.3f}s")


if __name__ == "__main__":
    main()
