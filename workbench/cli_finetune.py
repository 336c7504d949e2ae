"""The command line's fine-tuning commands: ``workbench models`` (the kept fine-tuned models) and
``workbench curve`` (a learning curve: methods x examples per class x seeds)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .curve import ALL, DEFAULT_SEEDS, DEFAULT_SIZES
from .metric_registry import selectable

if TYPE_CHECKING:
    from .curve_config import CurveConfig
    from .engine import Engine


def _size_arg(value: str) -> int:
    if value == "all":
        return ALL
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number or 'all'") from None


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
    cu.add_argument("--per-class", nargs="+", type=_size_arg, default=list(DEFAULT_SIZES), metavar="N", help="train examples per class; 0 or all: the whole train split [8 16 32 64]")
    cu.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS), metavar="S", help="seeds of the samples (and of methods with a seed parameter) [0 1 2]")
    cu.add_argument("-p", "--param", action="append", default=[], metavar="[METHOD.]NAME=VALUE", help="a method parameter (repeatable); METHOD. limits it to one method")
    cu.add_argument("--metric", default="accuracy", choices=selectable(), help="[accuracy]")
    cu.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps [auto]")
    cu.add_argument("--dtype", default="auto")
    cu.add_argument("--json", metavar="PATH", help="also write the curve (summary and every point) as JSON")
    cu.add_argument("--export", metavar="PATH", help="also write the curve as PATH.html (table and chart), PATH.md or PATH.csv (the table)")
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
    from .curve_config import CurveConfig, CurveMethod
    from .engine import Engine
    from .sweep_config import DataSettings

    data = DataSettings(source=args.data, test_split=args.split, train_split=args.train_split, text_column=args.text_column, label_column=args.label_column, limit=args.limit)
    methods = tuple(CurveMethod(name, model, params) for name, model, params in _methods(args))
    base = {"dtype": args.dtype, **({"device": args.device} if args.device else {})}
    config = CurveConfig("curve", data, methods, tuple(args.per_class), tuple(args.seeds), args.metric, base)
    return show_curve(Engine(args.store), config, args, "workbench curve")


def show_curve(engine: "Engine", config: "CurveConfig", args, again: str) -> int:
    """Run a curve and print it as ``workbench curve`` does (a line per point, the table, the
    plot); write ``args.json`` and ``args.export`` when given. ``again``: the command that
    continues it after a cancel. Shared by ``workbench curve`` and ``workbench sweep`` on a file
    with ``[curve]``."""
    from .cli_output import ProgressPrinter
    from .curve import curve_plot, curve_table
    from .safe_text import visible, visible_lines

    progress = None if args.quiet or not sys.stderr.isatty() else ProgressPrinter()
    export_fmt = None
    if getattr(args, "export", None):
        from .export.curve_page import curve_format

        export_fmt = curve_format(args.export)  # refused before anything runs

    def shown(point) -> None:
        if progress:
            progress.close()
        size = "all" if point.per_class == ALL else point.per_class
        value = f"{config.metric} {point.value:.4f}" if point.value is not None else point.status + (f": {point.error[:150]}" if point.error else "")
        when = "stored" if point.reused else (f"fit {point.fit_s:.1f}s" if point.fit_s is not None else "")
        print(visible(f"  {point.line or point.method:<16} per class {size!s:>4}  seed {point.seed}  {value}  {when}  run {(point.run_id or '-')[:12]}"), flush=True)

    print(visible(f"learning curve on {config.data.source} ({config.data.test_split}): {config.describe()}"), flush=True)
    curve = engine.curve(config, on_point=shown, on_progress=progress)
    if progress:
        progress.close()
    if args.json:
        from .cli_output import write_json

        write_json(args.json, curve.to_json(), "curve")
    if export_fmt is not None:
        from .export import write_export
        from .export.curve_page import export_curve

        title = f"learning curve: {config.name}" if config.name != "curve" else "learning curve"
        written = write_export(export_curve(curve, export_fmt, title=title, description=f"{config.data.source} ({config.data.test_split}): {config.describe()}"), args.export)
        print(visible(f"wrote {written}"), flush=True)
    print()
    print(visible_lines(curve_table(curve)))
    print()
    print(visible_lines(curve_plot(curve)))
    if any(p.status == "cancelled" for p in curve.points):
        print(f"\ncurve cancelled: finished points are kept; run `{again}` again to continue")
        return 130
    return 0 if all(p.status == "done" for p in curve.points) else 1
