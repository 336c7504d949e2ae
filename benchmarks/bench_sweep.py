"""How fast a sweep is (a benchmark, not a test).

1. Twenty label-text variants (``--propose 20``) for embed-zeroshot with all-MiniLM-L6-v2 on the
   Rotten Tomatoes validation split, after the first encode: every variant re-scores the texts
   from the store's embedding cache, so the twenty should take seconds (target: under 10 s).
2. The six-variant sweep of benchmarks/sweep_rt.toml with its test confirmation, against two
   single runs (validation and test) started separately, each as its own `workbench` process on
   a fresh store: the ratio is what a whole sweep costs over evaluating one setup.

    python benchmarks/bench_sweep.py [--data DIR] [--device cpu] [--dtype float32]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "rotten_tomatoes"
MODEL = "all-MiniLM-L6-v2"


def twenty_variants(data: str, device: str | None, dtype: str, tmp: Path) -> None:
    from workbench.engine import Engine
    from workbench.sweep_config import parse_sweep

    base = {"method": "embed-zeroshot", "model": MODEL, "dtype": dtype, **({"device": device} if device else {})}
    raw = {"data": {"source": data}, "sweep": {"metric": "f1_macro", "baseline": "plain"}, "base": base}
    engine = Engine(tmp / "twenty.sqlite")
    t = time.perf_counter()
    warm = parse_sweep({**raw, "variants": [{"name": "plain", "labels": ["A negative review", "A positive review"]}]})
    engine.sweep(warm)  # model loaded, validation and test encoded once (into the store's cache)
    first = time.perf_counter() - t
    cfg = parse_sweep({**raw, "variants": [{"name": "plain", "labels": ["A negative review", "A positive review"]}]}, propose=20)
    marks: dict[str, float] = {}
    t = time.perf_counter()
    res = engine.sweep(cfg, on_plan=lambda p: marks.setdefault("planned", time.perf_counter()),
                       on_variant=lambda vr, r: marks.__setitem__("selected", time.perf_counter()) if vr.test is None else None)  # fmt: skip
    total = time.perf_counter() - t
    fresh = [v for v in res.variants if not v.reused]
    n = len(fresh)
    print(f"first sweep (model load, validation + test encoded): {first:.1f} s")
    print(f"20 proposed label-text variants on {res.select_split}: {marks['selected'] - marks['planned']:.2f} s for {n} new runs "
          f"({(marks['selected'] - marks['planned']) / max(n, 1):.3f} s each), target < 10 s")  # fmt: skip
    print(f"  + checking every variant first (prepare x21): {marks['planned'] - t:.2f} s; whole sweep with the test confirmation: {total:.2f} s")
    print(f"  best: {res.best} f1_macro {res.result(res.best).value('f1_macro'):.4f}; baseline plain {res.result('plain').value('f1_macro'):.4f}")


def six_against_two(data: str, device: str | None, dtype: str, tmp: Path) -> None:
    toml = tmp / "six.toml"
    text = (HERE / "sweep_rt.toml").read_text(encoding="utf-8").replace('"../../shared/data/rotten_tomatoes"', repr(data).replace("'", '"'))
    if device:
        text = text.replace("[base]\n", f'[base]\ndevice = "{device}"\n')
    toml.write_text(text, encoding="utf-8")
    py = [sys.executable, "-m", "workbench"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    def timed(cmd: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t

    sweep = timed(py + ["sweep", str(toml), "--store", str(tmp / "six.sqlite"), "-q"])
    single = [MODEL, "--method", "embed-zeroshot", "--dtype", dtype, "--labels", "A negative review", "A positive review", "-q"]
    single = ["--model"] + single + (["--device", device] if device else [])
    val = timed(py + ["eval", "--data", data, "--split", "validation", "--store", str(tmp / "v.sqlite")] + single)
    test = timed(py + ["eval", "--data", data, "--split", "test", "--store", str(tmp / "t.sqlite")] + single)
    print(f"6-variant sweep with test confirmation (one process, fresh store): {sweep:.1f} s")
    print(f"two single runs started separately: validation {val:.1f} s + test {test:.1f} s = {val + test:.1f} s")
    print(f"ratio sweep / two single runs: {sweep / (val + test):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--device", default=None)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--only", choices=("twenty", "six"))
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "six":
            twenty_variants(args.data, args.device, args.dtype, Path(tmp))
        if args.only != "twenty":
            six_against_two(args.data, args.device, args.dtype, Path(tmp))


if __name__ == "__main__":
    main()
