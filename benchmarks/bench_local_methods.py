"""Throughput of every local method on a full split, on one device, through the engine (the path
the CLI and the TUI take), with how busy the GPU was while predicting.

    python benchmarks/bench_local_methods.py --data DIR [--device cuda] [--dtype auto]
        [--embedding-model all-MiniLM-L6-v2] [--tokenizer DIR] [--chat-tokenizer DIR] [--only NAME ...]

Models that cannot be had offline (a sentiment classifier, Flan-T5, BART-MNLI, SmolLM2 on a machine
without it) are built with random weights in the real architecture and size: their accuracy means
nothing, their speed is the real model's. The sentence-embedding methods use the real model.
'GPU busy' is NVML's utilisation (share of time a kernel ran), sampled every 20 ms while the
predicting phase ran: well under 100% means the GPU waits on the code feeding it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

SHAPES = {
    "roberta-base-3class": "a twitter-roberta-base-sentiment-sized classifier (125M, 3 classes)",
    "flan-t5-small": "a flan-t5-small-sized encoder-decoder (77M)",
    "bart-large-mnli": "a bart-large-mnli-sized NLI model (407M)",
    "smollm2-135m": "a SmolLM2-135M-Instruct-sized chat model",
}


def build_shaped(name: str, folder: Path, tokenizer_dir: str, chat_dir: str | None) -> str:
    """A random-weight model of the named shape, saved with a tokenizer, for timing only."""
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(0)
    out = folder / name
    tok = AutoTokenizer.from_pretrained(chat_dir if name == "smollm2-135m" else tokenizer_dir)
    if name == "roberta-base-3class":
        from transformers import RobertaConfig, RobertaForSequenceClassification

        labels = {0: "negative", 1: "neutral", 2: "positive"}
        cfg = RobertaConfig(max_position_embeddings=514, pad_token_id=tok.pad_token_id, id2label=labels, label2id={v: k for k, v in labels.items()})
        model = RobertaForSequenceClassification(cfg)
    elif name == "flan-t5-small":
        from transformers import T5Config, T5ForConditionalGeneration

        cfg = T5Config(
            vocab_size=32128, d_model=512, d_kv=64, d_ff=1024, num_layers=8, num_decoder_layers=8, num_heads=6,
            feed_forward_proj="gated-gelu", tie_word_embeddings=False, pad_token_id=tok.pad_token_id,
            eos_token_id=tok.sep_token_id, decoder_start_token_id=tok.pad_token_id,
        )  # fmt: skip
        model = T5ForConditionalGeneration(cfg)
    elif name == "bart-large-mnli":
        from transformers import BartConfig, BartForSequenceClassification

        labels = {0: "contradiction", 1: "neutral", 2: "entailment"}
        cfg = BartConfig(
            vocab_size=50265, d_model=1024, encoder_layers=12, decoder_layers=12, encoder_attention_heads=16,
            decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096, pad_token_id=tok.pad_token_id,
            eos_token_id=tok.sep_token_id, bos_token_id=tok.cls_token_id, decoder_start_token_id=tok.sep_token_id,
            id2label=labels, label2id={v: k for k, v in labels.items()},
        )  # fmt: skip
        model = BartForSequenceClassification(cfg)
    elif name == "smollm2-135m":
        from transformers import AutoConfig, LlamaForCausalLM

        model = LlamaForCausalLM(AutoConfig.from_pretrained(chat_dir))
    else:
        raise SystemExit(f"unknown shape {name}")
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return str(out)


class GpuBusy:
    """Samples NVML's GPU utilisation in a thread; ``share(t0, t1)`` averages a time window."""

    def __init__(self, device_index: int = 0):
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        try:
            import pynvml

            pynvml.nvmlInit()
            self._h = pynvml.nvmlDeviceGetHandleByIndex(device_index)
            self._nvml = pynvml
        except Exception:
            self._nvml = None

    def __enter__(self):
        if self._nvml is not None:
            threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), self._nvml.nvmlDeviceGetUtilizationRates(self._h).gpu))
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()

    def share(self, t0: float, t1: float) -> float | None:
        window = [u for t, u in self.samples if t0 <= t <= t1]
        return sum(window) / len(window) / 100 if window else None


def run_one(label: str, method: str, model: str, args, params: dict | None = None, dtype: str | None = None) -> dict:
    from workbench.data import DataSpec
    from workbench.runner import execute, prepare
    from workbench.spec import RunSpec
    from workbench.store import RunStore

    marks: dict[str, float] = {}

    def on_progress(ev):
        if ev.phase == "predicting":
            marks.setdefault("start", time.perf_counter())
            if ev.total and ev.done >= ev.total:
                marks["end"] = time.perf_counter()

    spec = RunSpec(DataSpec(args.data, limit=args.limit or None), method, model=model, params=params or {}, device=args.device, dtype=dtype or args.dtype, batch_size=args.batch_size)
    prep = prepare(spec)
    with tempfile.TemporaryDirectory() as d, GpuBusy() as busy:
        out = execute(prep, RunStore(Path(d) / "s.sqlite"), on_progress=on_progress, rerun=True)
    r = out.report
    if out.status != "done":
        raise SystemExit(f"{label}: {out.status} {out.error}")
    share = busy.share(marks.get("start", 0), marks.get("end", time.perf_counter()))
    row = {
        "method": label, "device": r.device, "dtype": r.dtype, "batch": r.batch_size, "n": r.n,
        "load_s": round(r.timing.load_s, 2), "fit_s": round(r.timing.fit_s, 2), "predict_s": round(r.timing.predict_s, 2),
        "examples_per_s": round(r.timing.examples_per_s, 1), "accuracy": round(r.accuracy, 4), "invalid": r.invalid,
        "gpu_busy": None if share is None else round(share, 2),
    }  # fmt: skip
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--batch-size", type=int, help="override the automatic batch size")
    ap.add_argument("--embedding-model", default="all-MiniLM-L6-v2")
    ap.add_argument("--tokenizer", help="a WordPiece/BPE tokenizer folder for the T5, BART and RoBERTa shapes [the embedding model's]")
    ap.add_argument("--chat-tokenizer", help="SmolLM2's folder (config + tokenizer; weights not needed)")
    ap.add_argument("--only", nargs="*", help="method labels to run")
    args = ap.parse_args()
    from workbench.models import resolve_model

    emb = resolve_model(args.embedding_model).location
    tok_dir = args.tokenizer or emb
    shaped = Path(tempfile.mkdtemp())
    very = {"labels": ["A very negative movie review", "A very positive movie review"]}
    cases = [
        ("embed-logreg", "embed-logreg", lambda: args.embedding_model, None),
        ("embed-centroid", "embed-centroid", lambda: args.embedding_model, None),
        ("embed-zeroshot", "embed-zeroshot", lambda: args.embedding_model, very),
        ("embed-zeroshot fp32", "embed-zeroshot", lambda: args.embedding_model, very),
        ("classifier (roberta-base shape)", "classifier", lambda: build_shaped("roberta-base-3class", shaped, tok_dir, None), None),
        ("nli-zeroshot (bart-large shape)", "nli-zeroshot", lambda: build_shaped("bart-large-mnli", shaped, tok_dir, None), None),
        ("seq2seq score (flan-t5-small shape)", "seq2seq", lambda: build_shaped("flan-t5-small", shaped, tok_dir, None), {"mode": "score"}),
        ("seq2seq generate (flan-t5-small shape)", "seq2seq", lambda: str(shaped / "flan-t5-small"), {"mode": "generate"}),
    ]
    if args.chat_tokenizer:
        cases += [
            ("local-chat score (SmolLM2-135M shape)", "local-chat", lambda: build_shaped("smollm2-135m", shaped, tok_dir, args.chat_tokenizer), {"mode": "score"}),
            ("local-chat generate (SmolLM2-135M shape)", "local-chat", lambda: str(shaped / "smollm2-135m"), {"mode": "generate"}),
        ]
    for label, method, model, params in cases:
        if args.only and not any(o in label for o in args.only):
            continue
        run_one(label, method, model(), args, params, dtype="float32" if label.endswith("fp32") else None)


if __name__ == "__main__":
    main()
