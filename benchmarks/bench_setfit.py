"""The workbench's ``setfit`` method against the setfit library's own training on the same sample,
seed and settings (Rotten Tomatoes test), then a second workbench run with ``--limit 200`` that
must load the kept artifact instead of training (its fit time against the first's).

    python benchmarks/bench_setfit.py [--data DIR] [--model all-MiniLM-L6-v2] [--per-class 16] [--seed 0]
                                      [--num-iterations 20] [--store PATH]

The library side: ``SetFitModel.from_pretrained`` + ``setfit.Trainer`` with TrainingArguments of
the same batch size, iterations, epochs, body learning rate and seed, trained on the rows the
workbench samples (``methods.training.sample_per_class``), accuracy over the whole test split.
Timings are never asserted: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "rotten_tomatoes"


def _load(data: Path, split: str) -> tuple[list[str], list[int]]:
    rows = [json.loads(line) for line in open(data / f"{split}.jsonl", encoding="utf-8")]
    return [r["text"] for r in rows], [int(r["label"]) for r in rows]


def library_side(args) -> tuple[float, float]:
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    from workbench.methods.training import sample_per_class
    from workbench.models import resolve_model

    x, y = _load(args.data, "train")
    rows = sample_per_class(y, args.per_class, args.seed)
    test_x, test_y = _load(args.data, "test")
    t = time.perf_counter()
    model = SetFitModel.from_pretrained(resolve_model(args.model).location, device="cpu")
    with tempfile.TemporaryDirectory() as out:
        targs = TrainingArguments(
            output_dir=out, batch_size=16, num_iterations=args.num_iterations, num_epochs=1, body_learning_rate=2e-5,
            seed=args.seed, report_to="none", save_strategy="no", show_progress_bar=False,
        )  # fmt: skip
        Trainer(model=model, args=targs, train_dataset=Dataset.from_dict({"text": [x[i] for i in rows], "label": [y[i] for i in rows]})).train()
    fit_s = time.perf_counter() - t
    pred = model.predict(test_x, batch_size=32, as_numpy=True, show_progress_bar=False)
    return sum(int(p) == g for p, g in zip(pred, test_y)) / len(test_y), fit_s


def workbench_side(args, limit: int | None):
    from workbench.data import DataSpec
    from workbench.engine import Engine
    from workbench.runner import RunSpec

    params = {"per_class": args.per_class, "seed": args.seed, "num_iterations": args.num_iterations}
    spec = RunSpec(data=DataSpec(source=str(args.data), limit=limit), method="setfit", model=args.model, params=params, device="cpu", dtype="float32")
    engine = Engine(args.store)
    outcome = engine.execute(engine.prepare(spec))
    assert outcome.report is not None, outcome.error
    return outcome.report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--per-class", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-iterations", type=int, default=20)
    ap.add_argument("--store", default=None, help="run store (default: a fresh one in a temporary folder)")
    ap.add_argument("--skip-library", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    tmp = tempfile.TemporaryDirectory()
    args.store = args.store or str(Path(tmp.name) / "store.sqlite")
    settings = f"per_class={args.per_class} seed={args.seed} num_iterations={args.num_iterations} batch 16, 1 epoch, lr 2e-5, {args.model}"
    print(f"SetFit on {args.data.name} test, {settings}; cpu threads {__import__('torch').get_num_threads()}", flush=True)
    first = workbench_side(args, None)
    d = first.to_json() if hasattr(first, "to_json") else dict(first)
    print(f"workbench setfit:         accuracy {d['accuracy']:.4f}  f1_macro {d['f1_macro']:.4f}  fit {d['timing']['fit_s']:.1f}s  artifact {d['details'].get('artifact')}", flush=True)
    if not args.skip_library:
        acc, fit_s = library_side(args)
        print(f"setfit library (same sample, seed, settings): accuracy {acc:.4f}  fit {fit_s:.1f}s  difference {d['accuracy'] - acc:+.4f}", flush=True)
    second = workbench_side(args, 200)
    s = second.to_json() if hasattr(second, "to_json") else dict(second)
    ratio = s["timing"]["fit_s"] / d["timing"]["fit_s"] if d["timing"]["fit_s"] else float("nan")
    print(f"workbench --limit 200:    accuracy {s['accuracy']:.4f}  fit {s['timing']['fit_s']:.2f}s ({ratio:.3f} of the first)  {s['details'].get('trained')}", flush=True)


if __name__ == "__main__":
    main()
