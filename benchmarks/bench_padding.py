"""Tokens a model computes, padding included, when a split is cut into batches ordered by
characters (the baseline: what `SentenceTransformer.encode` and a plain longest-first sort do)
against batches ordered by the model's own token counts (the workbench). Counts, not timings:
the same on every machine, and a batch's forward time grows with them.

    python benchmarks/bench_padding.py [--data DIR] [--batch-size 32] [MODEL ...]

MODEL: names the workbench resolves (default: the models installed by shared/tools/get-models
that are present, and all-MiniLM-L6-v2).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "rotten_tomatoes"
DEFAULT_MODELS = ["all-MiniLM-L6-v2", "all-mpnet-base-v2", "SmolLM2-135M-Instruct"]


def padded_tokens(lengths: list[int], order: list[int], batch: int) -> int:
    """Tokens computed when ``order`` is cut into batches of ``batch``, each padded to its longest."""
    total = 0
    for start in range(0, len(order), batch):
        part = [lengths[i] for i in order[start : start + batch]]
        total += max(part) * len(part)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--split", default="test")
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    from workbench.models import models_dir, resolve_model

    texts = [json.loads(line)["text"] for line in open(Path(args.data) / f"{args.split}.jsonl", encoding="utf-8")]
    names = args.models or [m for m in DEFAULT_MODELS if m == "all-MiniLM-L6-v2" or (models_dir() / m / "config.json").is_file()]
    print(f"{len(texts)} texts of {args.data} [{args.split}], batches of {args.batch_size}")
    for name in names:
        tok = AutoTokenizer.from_pretrained(resolve_model(name).location)
        lengths = [len(ids) for ids in tok(texts, truncation=True, max_length=512)["input_ids"]]  # as the model reads them
        real = sum(lengths)
        by_chars = padded_tokens(lengths, sorted(range(len(texts)), key=lambda i: -len(texts[i])), args.batch_size)
        by_tokens = padded_tokens(lengths, sorted(range(len(texts)), key=lambda i: -lengths[i]), args.batch_size)
        print(
            f"{name}: {real} tokens; computed with padding: by characters {by_chars} (+{by_chars / real - 1:.1%}), "
            f"by tokens {by_tokens} (+{by_tokens / real - 1:.1%}); baseline / workbench x{by_chars / by_tokens:.2f}"
        )


if __name__ == "__main__":
    main()
