"""``workbench relabel RUN ...``: a corrected copy of a run's data from its suspect labels (the
top suggestions accepted) or from a decisions file (workbench/relabel.py does the work)."""

from __future__ import annotations

import argparse
import shlex

from .errors import WorkbenchError


def add_parser(sub) -> argparse.ArgumentParser:
    rl = sub.add_parser("relabel", help="write a corrected copy of a run's data: suspect labels' suggestions accepted, or decisions from a file")
    rl.add_argument("run", help="the evidence run: its suspect labels (workbench suspects RUN) are what is accepted")
    rl.add_argument("--split", metavar="NAME", help="accept suggestions of this split file only (train, test, ...) [every checked split]")
    rl.add_argument("--accept", choices=["suggested"], help="accept the suggested label of the most suspicious rows (with --top or --min-score, else all)")
    which = rl.add_mutually_exclusive_group()
    which.add_argument("--top", type=int, metavar="K", help="the K most suspicious rows")
    which.add_argument("--min-score", type=float, metavar="S", help="the rows whose suspicion score is at least S (0..1)")
    rl.add_argument("--from", dest="decisions", metavar="FILE.jsonl", help='apply decisions from a JSONL file of {"split", "row", "label"} (a team\'s review)')
    rl.add_argument("--out", required=True, metavar="PATH", help="a new folder for the corrected copy (never the input); relabel-audit.jsonl goes in it")
    return rl


def run(args, engine) -> int:
    from .relabel import accept_suggestions, read_decisions

    if bool(args.accept) == bool(args.decisions):
        raise WorkbenchError("relabel needs one source of decisions", expected="--accept suggested (the suspects' suggestions) or --from FILE.jsonl", fix="pass one of them")
    if args.decisions and (args.top is not None or args.min_score is not None or args.split):
        raise WorkbenchError("--top, --min-score and --split choose suggestions to accept; --from applies its file as it is", fix="drop them, or use --accept suggested")
    stored = engine.run(args.run)
    if args.accept:
        suspects = engine.suspects(stored.run_id)
        for split, what in suspects.evidence.items():
            print(f"evidence for '{split}': {what}")
        decisions = accept_suggestions(suspects, split=args.split, top=args.top, min_score=args.min_score)
    else:
        decisions = read_decisions(args.decisions, stored.report.labels if stored.report else [])
    result = engine.relabel(stored.run_id, decisions, args.out)
    by_split: dict[str, int] = {}
    for c in result.changes:
        by_split[c.split] = by_split.get(c.split, 0) + 1
    changed = ", ".join(f"{n} in '{s}'" for s, n in sorted(by_split.items())) or "none"
    print(f"wrote {result.out}: {len(result.changes)} labels changed ({changed}), {result.unchanged} decisions kept the label as it was")
    print(f"rewritten: {', '.join(result.files) or 'no file'}; every other file copied; audit: {result.out / 'relabel-audit.jsonl'}")
    spec = stored.config.spec()
    again = result.rerun_spec(spec)
    cmd = ["workbench", "eval", "--data", again.data.source, "--split", spec.data.split, "--method", spec.method]
    if again.data.train_split:
        cmd += ["--train-split", again.data.train_split]
    if spec.model:
        cmd += ["--model", spec.model]
    print("evaluate it (an ordinary new run): " + " ".join(shlex.quote(c) for c in cmd))
    print(f"then compare the two runs: workbench compare {stored.run_id[:12]} NEW_RUN")
    return 0
