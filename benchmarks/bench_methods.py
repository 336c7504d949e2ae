"""Times the lesson's own calls against the workbench's path, in one run on one machine, and
prints ratios (the baseline is named on each line), accuracies (they must agree), peak memory and
achieved FLOP/s as a share of this machine's measured matrix-multiply peak.

    python benchmarks/bench_methods.py [--data DIR] [--model all-MiniLM-L6-v2] [--classifier DIR] [--limit N]
                                       [--device auto|cpu|cuda] [--dtype auto|float32|bfloat16] [--chat N] [--repeat N]

Each side runs in its own subprocess so peak memory is its own and no cache carries over.
Timings are never asserted anywhere: machines are shared and noisy; compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "rotten_tomatoes"


def _child(task: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    cmd = [sys.executable, __file__, "--child", task, "--data", str(args.data), "--model", args.model, "--limit", str(args.limit)]
    cmd += ["--device", args.device, "--dtype", args.dtype, "--chat", str(args.chat), "--repeat", "1"]
    if args.batch_size:
        cmd += ["--batch-size", str(args.batch_size)]
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


def _matmul_peak_gflops(device: str, dtype: str) -> float:
    import torch

    n = 8192 if device.startswith("cuda") else 2048
    dt = getattr(torch, dtype)
    a, b = torch.randn(n, n, device=device, dtype=dt), torch.randn(n, n, device=device, dtype=dt)
    a @ b
    best = 0.0
    for _ in range(5):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t = time.perf_counter()
        a @ b
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
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

        # The lesson's load: its own device choice (CUDA when there is one), float32.
        model = SentenceTransformer(ref.location, device="cpu" if args.device == "cpu" else None)
        t = time.perf_counter()
        emb = model.encode(test_x)  # the lesson's call, with its defaults
        secs = time.perf_counter() - t
        labels = model.encode(["A very negative movie review", "A very positive movie review"])
        acc = float((np.argmax(cosine_similarity(emb, labels), 1) == np.array(test_y)).mean())
        return {"seconds": secs, "accuracy": acc, "peak_mb": _peak_mb(), "flops": _encoder_flops(ref.location, test_x), "dtype": "float32", "device": str(model.device), "peak_gflops": _matmul_peak_gflops(str(model.device), "float32")}
    if task in ("workbench-encode", "workbench-classifier"):
        import tempfile

        from workbench.data import DataSpec
        from workbench.runner import execute, prepare
        from workbench.spec import RunSpec
        from workbench.store import RunStore

        data_dir = Path(tempfile.mkdtemp())  # the same rows as the lesson side
        (data_dir / "test.jsonl").write_text("".join(json.dumps({"text": x, "label": y}) + "\n" for x, y in zip(test_x, test_y)), encoding="utf-8")
        (data_dir / "labels.json").write_text('["neg", "pos"]')
        if task == "workbench-encode":
            spec = RunSpec(DataSpec(str(data_dir)), "embed-zeroshot", model=args.model, params={"labels": ["A very negative movie review", "A very positive movie review"]}, device=args.device, dtype=args.dtype, batch_size=args.batch_size)
        else:
            spec = RunSpec(DataSpec(str(data_dir)), "classifier", model=args.classifier, device=args.device, dtype=args.dtype, batch_size=args.batch_size)
        prep = prepare(spec)
        with tempfile.TemporaryDirectory() as d:
            out = execute(prep, RunStore(Path(d) / "s.sqlite"), rerun=True)
        secs = out.report.timing.predict_s + out.report.timing.fit_s
        flops = _encoder_flops(ref.location if task == "workbench-encode" else args.classifier, test_x)
        mem = _peak_mb()  # before the matmul probe's own buffers
        peak = _matmul_peak_gflops(out.report.device, out.report.dtype)
        return {"seconds": secs, "accuracy": out.report.accuracy, "peak_mb": mem, "flops": flops, "dtype": out.report.dtype, "device": out.report.device, "peak_gflops": peak}
    if task == "lesson-classifier":
        import numpy as np
        from transformers import pipeline
        from transformers.pipelines.pt_utils import KeyDataset

        import torch

        device = "cuda:0" if torch.cuda.is_available() and args.device != "cpu" else "cpu"  # as the lesson
        pipe = pipeline("text-classification", model=args.classifier, top_k=None, device=device)
        names = [pipe.model.config.id2label[i] for i in range(len(pipe.model.config.id2label))]
        try:
            from datasets import Dataset

            data = Dataset.from_dict({"text": test_x, "label": test_y})
        except ImportError:  # KeyDataset only indexes rows: a list of dicts serves where datasets is missing
            data = [{"text": x, "label": y} for x, y in zip(test_x, test_y)]
        t = time.perf_counter()
        preds = []
        for output in pipe(KeyDataset(data, "text")):  # the lesson's loop, default batch size
            scores = {o["label"]: o["score"] for o in output}
            preds.append(int(np.argmax([scores[n] for n in names])))  # NEGATIVE, POSITIVE in id order
        secs = time.perf_counter() - t
        acc = float((np.array(preds) == np.array(test_y)).mean())
        return {"seconds": secs, "accuracy": acc, "peak_mb": _peak_mb(), "flops": _encoder_flops(args.classifier, test_x), "dtype": "float32", "device": device, "peak_gflops": _matmul_peak_gflops(device, "float32")}
    if task in ("sequential-chat", "workbench-chat"):
        # The fake server answers from a keyword, planted here so both sides can be right.
        texts = [("good. " if y else "bad. ") + x for x, y in zip(test_x, test_y)][: args.chat]
        return _chat(task, args, texts, test_y[: args.chat])
    if task == "iterate":
        return _iterate(args)
    if task == "peak":
        import torch

        from workbench.precision import resolve_dtype

        device = "cuda" if torch.cuda.is_available() and args.device != "cpu" else "cpu"
        dtype = resolve_dtype(args.dtype, device)
        peaks = {"fp32": _matmul_peak_gflops(device, "float32"), "device": device}
        if dtype != "float32":
            peaks[dtype] = _matmul_peak_gflops(device, dtype)
        return peaks
    raise SystemExit(f"unknown task {task}")


def _iterate(args: argparse.Namespace) -> dict:
    """The TUI's loop in one process: a zero-shot run, then the label texts edited and run again;
    timed from the edited spec to the report's text, with the model loaded and the cache warm."""
    import tempfile

    from workbench.data import DataSpec
    from workbench.report import report_text
    from workbench.runner import execute, prepare
    from workbench.spec import RunSpec
    from workbench.store import RunStore

    store = RunStore(Path(tempfile.mkdtemp()) / "s.sqlite")
    edits = [["A very negative movie review", "A very positive movie review"], ["A negative review", "A positive review"], ["Negative.", "Positive."]]
    times, accs = [], []
    for labels in edits:
        spec = RunSpec(DataSpec(str(args.data)), "embed-zeroshot", model=args.model, params={"labels": labels}, device=args.device, dtype=args.dtype)
        t = time.perf_counter()
        out = execute(prepare(spec), store)
        report_text(out.report)
        times.append(time.perf_counter() - t)
        accs.append(out.report.accuracy)
    return {"first_s": times[0], "edit_s": times[1:], "accuracy": accs}


def _chat(task: str, args: argparse.Namespace, texts: list[str], labels: list[int]) -> dict:
    """The lesson's loop (one chat call after another) against the workbench's chat method, both
    on the test suite's fake OpenAI-compatible server answering every request after 200 ms."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from fake_openai import FakeOpenAI  # noqa: E402

    with FakeOpenAI(delay=0.2) as server:  # answers by keywords: accuracy is not the point here
        if task == "sequential-chat":
            import openai

            client = openai.OpenAI(base_url=server.url, api_key="EMPTY")
            t = time.perf_counter()
            preds = []
            for text in texts:
                msg = [{"role": "user", "content": f"Return 1 for positive and 0 for negative. {text}"}]
                answer = client.chat.completions.create(model="gpt-4o-mini", messages=msg, temperature=0).choices[0].message.content
                preds.append(0 if answer == "negative" else 1)  # the lesson's parsing
            secs = time.perf_counter() - t
            acc = sum(p == y for p, y in zip(preds, labels)) / len(labels)
            return {"seconds": secs, "accuracy": acc, "peak_mb": _peak_mb()}
        import tempfile

        from workbench.data import DataSpec
        from workbench.runner import execute, prepare
        from workbench.spec import RunSpec
        from workbench.store import RunStore

        data_dir = Path(tempfile.mkdtemp())
        (data_dir / "test.jsonl").write_text("".join(json.dumps({"text": x, "label": y}) + "\n" for x, y in zip(texts, labels)), encoding="utf-8")
        (data_dir / "labels.json").write_text('["negative", "positive"]')
        prep = prepare(RunSpec(DataSpec(str(data_dir)), "chat", params={"base_url": server.url}))
        with tempfile.TemporaryDirectory() as d:
            out = execute(prep, RunStore(Path(d) / "s.sqlite"), rerun=True)
        return {"seconds": out.report.timing.predict_s, "accuracy": out.report.accuracy, "peak_mb": _peak_mb()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--classifier", help="a text-classification model folder with NEGATIVE/POSITIVE labels (e.g. from shared/tools/finetune-sentiment)")
    ap.add_argument("--limit", type=int, default=0, help="first N/2 and last N/2 test rows (0: all)")
    ap.add_argument("--device", default="auto", help="workbench side's device [auto]; the lesson side picks as the lesson does")
    ap.add_argument("--dtype", default="auto", help="workbench side's dtype [auto]")
    ap.add_argument("--batch-size", type=int, help="workbench side's batch size [its automatic one]")
    ap.add_argument("--chat", type=int, default=0, help="also time N chat calls, sequential (the lesson) vs workbench, against a local server answering in 200 ms")
    ap.add_argument("--repeat", type=int, default=1, help="time each lesson/workbench pair N times, alternating, and print the median ratio")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args)))
        return
    peaks = _child("peak", args)
    print("matmul peak on " + peaks.pop("device") + ": " + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in peaks.items()), flush=True)
    pairs = [("encode", "lesson-encode", "workbench-encode")]
    if args.classifier:
        pairs.append(("classifier", "lesson-classifier", "workbench-classifier"))
    if args.chat:
        pairs.append((f"chat ({args.chat} examples, server answers in 200 ms)", "sequential-chat", "workbench-chat"))
    for name, base, ours in pairs:
        ratios = []
        for _ in range(args.repeat):  # lesson, workbench, lesson, ...: a burst of load hits both sides
            b, w = _child(base, args), _child(ours, args)
            ratios.append(b["seconds"] / w["seconds"])
            line = f"{name}: lesson {b['seconds']:.2f}s (acc {b['accuracy']:.4f}, peak {b['peak_mb']:.0f} MB) | workbench {w['seconds']:.2f}s (acc {w['accuracy']:.4f}, peak {w['peak_mb']:.0f} MB) | speed-up vs lesson x{ratios[-1]:.2f}"
            if w.get("flops"):
                # each side's FLOP/s against the matmul peak its own process measured right after it
                share = lambda r: r["flops"] / r["seconds"] / 1e9 / r["peak_gflops"]  # noqa: E731
                line += f" | FLOP/s share of the {b['dtype']}/{w['dtype']} matmul peak measured after each: lesson {share(b):.0%}, workbench {share(w):.0%} ({w['device']} {w['dtype']})"
            print(line, flush=True)
        if args.repeat > 1:
            print(f"{name}: median speed-up vs lesson over {args.repeat} alternating pairs x{statistics.median(ratios):.2f} "
                  f"(min x{min(ratios):.2f}, max x{max(ratios):.2f})", flush=True)  # fmt: skip
    it = _child("iterate", args)
    print(f"iterate (embed-zeroshot, label texts edited, same process): first run {it['first_s']:.2f}s, "
          f"after each edit {', '.join(f'{s:.3f}s' for s in it['edit_s'])} from the edited spec to the report's text "
          f"(accuracies {', '.join(f'{a:.4f}' for a in it['accuracy'])})", flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "workbench", "--help"], capture_output=True, check=True)
    print(f"workbench --help: {time.perf_counter() - t:.3f}s")


if __name__ == "__main__":
    main()
