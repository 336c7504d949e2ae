"""The command line's fine-tuning commands: ``workbench models`` (the kept fine-tuned models) and
``workbench curve`` (a learning curve: methods x examples per class x seeds)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parsers(sub: Any) -> list[argparse.ArgumentParser]:
    mo = sub.add_parser("models", help="list the fine-tuned models kept as artifacts, with size and the runs that used them")
    cu = sub.add_parser("curve", help="learning curve: methods that fit, on seeded per-class samples of the train split, mean and spread per size")
    cu.add_argument("--data", required=True, help="a local data folder of split files")
    cu.add_argument("--split", default="test", help="split to evaluate [test]")
    cu.add_argument("--train-split", default="train", help="split the samples are drawn from [train]")
    cu.add_argument("--text-column", default="text")
    cu.add_argument("--label-column", default="label")
    cu.add_argument("--limit", type=int, help="evaluate a seeded random sample of N examples")
    cu.add_argument("--method", action="append", required=True, metavar="NAME[:MODEL]", help="a method that fits, optionally with its model (repeatable): embed-logreg:all-MiniLM-L6-v2")
    cu.add_argument("--model", help="the model of methods given without one (default: each method's)")
    cu.add_argument("--per-class", nargs="+", type=int, default=[8, 16, 32, 64], metavar="N", help="train examples per class; 0: the whole train split [8 16 32 64]")
    cu.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], metavar="S", help="seeds of the samples (and of methods with a seed parameter) [0 1 2]")
    cu.add_argument("-p", "--param", action="append", default=[], metavar="[METHOD.]NAME=VALUE", help="a method parameter (repeatable); METHOD. limits it to one method")
    cu.add_argument("--metric", default="accuracy", choices=("accuracy", "f1_macro"), help="[accuracy]")
    cu.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps [auto]")
    cu.add_argument("--dtype", default="auto")
    cu.add_argument("--json", metavar="PATH", help="also write the curve (summary and every point) as JSON")
    cu.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    return [mo, cu]


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def cmd_models(args) -> int:
    from .artifacts import list_artifacts
    from .engine import Engine

    engine = Engine(args.store)
    found = list_artifacts(engine.store)
    if not found:
        print("no fine-tuned models kept (a setfit or finetune run keeps one)")
        return 0
    for art, runs in found:
        p = art.identity.get("params", {})
        settings = " ".join(f"{k}={v}" for k, v in sorted(p.items()) if v is not None)
        fit = f"trained in {art.fit_s:.1f}s" if art.fit_s is not None else ""
        print(f"{art.key[:12]}  {art.method:<9} {_size(art.size):>9}  {fit}  base {art.base_model[:23]}  {settings}")
        print(f"    {art.path}{'' if art.path.is_dir() else '  (missing)'}")
        print(f"    used by {len(runs)} run{'s' if len(runs) != 1 else ''}" + (": " + " ".join(r[:12] for r in runs) if runs else ""))
    return 0


def _methods(args) -> list[tuple[str, str | None, dict[str, Any]]]:
    from .errors import ConfigError, param

    out: list[tuple[str, str | None, dict[str, Any]]] = []
    for item in args.method:
        name, _, model = item.partition(":")
        out.append((name, model or args.model, {}))
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"parameter {item!r} given", expected="NAME=VALUE or METHOD.NAME=VALUE", field=param(key))
        target, dot, pname = key.rpartition(".")
        for name, _, params in out:
            if not dot or target == name:
                params[pname] = value
    return out


def cmd_curve(args) -> int:
    from .cli_output import ProgressPrinter
    from .curve import curve_plot, curve_table, run_curve
    from .data import DataSpec
    from .engine import Engine
    from .spec import RunSpec

    engine = Engine(args.store)
    data = DataSpec(source=args.data, split=args.split, train_split=args.train_split, text_column=args.text_column, label_column=args.label_column, limit=args.limit)
    base = RunSpec(data=data, device=args.device, dtype=args.dtype)
    progress = None if args.quiet or not sys.stderr.isatty() else ProgressPrinter()

    def shown(point) -> None:
        if progress:
            progress.close()
        size = "all" if point.per_class == 0 else point.per_class
        value = f"{args.metric} {point.value:.4f}" if point.value is not None else point.status + (f": {point.error[:150]}" if point.error else "")
        when = "stored" if point.reused else (f"fit {point.fit_s:.1f}s" if point.fit_s is not None else "")
        print(f"  {point.method:<16} per class {size!s:>4}  seed {point.seed}  {value}  {when}  run {(point.run_id or '-')[:12]}", flush=True)

    print(f"learning curve on {args.data} ({args.split}): {', '.join(args.method)} x per class {args.per_class} x seeds {args.seeds}", flush=True)
    curve = run_curve(engine, base, _methods(args), args.per_class, args.seeds, metric=args.metric, on_point=shown, on_progress=progress)
    print()
    print(curve_table(curve))
    print()
    print(curve_plot(curve))
    if args.json:
        from .cli_output import write_json

        write_json(args.json, curve.to_json(), "curve")
    return 0 if all(p.status == "done" for p in curve.points) else 1
