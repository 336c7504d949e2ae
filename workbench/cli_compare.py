"""``workbench compare A B``: two stored runs side by side, as the TUI's Compare screen shows them
(workbench/compare.py): metric deltas, how many gold labels differ, McNemar's test, notes and the
configuration diff."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub) -> argparse.ArgumentParser:
    cp = sub.add_parser("compare", help="compare two stored runs: metric deltas, gold labels changed, McNemar's test, configuration diff")
    cp.add_argument("run_a", help="run A (a unique id prefix is enough)")
    cp.add_argument("run_b", help="run B, e.g. the run on a corrected copy of A's data")
    cp.add_argument("--json", metavar="PATH", help="also write the comparison as JSON")
    return cp


def as_json(c, run_a: str, run_b: str) -> dict[str, Any]:
    test = c.mcnemar
    return {
        "run_a": run_a, "run_b": run_b, "paired": c.paired, "gold_changed": c.gold_changed,
        "deltas": {m: {"a": a, "b": b, "delta": d} for m, (a, b, d) in c.deltas.items()},
        "confidence": {m: {"a": a, "b": b, "delta": d} for m, (a, b, d) in c.confidence.items()},
        "mcnemar": None if test is None else {"a_only": test.a_only, "b_only": test.b_only, "statistic": test.statistic, "p_value": test.p_value, "method": test.method,
                                              "gold": "run B's" if c.gold_changed else "the shared gold"},
        "right_to_wrong": len(c.right_to_wrong), "wrong_to_right": len(c.wrong_to_right),
        "config_diff": [{"setting": k, "a": a, "b": b} for k, a, b in c.config_diff], "notes": list(c.notes),
    }  # fmt: skip


def run(args, engine, write_json) -> int:
    a, b = engine.run(args.run_a), engine.run(args.run_b)
    c = engine.compare(a.run_id, b.run_id)
    print(f"A {a.run_id[:12]}  {a.method}  {a.dataset} [{a.split}]")
    print(f"B {b.run_id[:12]}  {b.method}  {b.dataset} [{b.split}]")
    print(f"paired examples {c.paired}   gold labels changed {c.gold_changed}")
    print(f"\n{'metric':<16}{'A':>9}{'B':>9}{'B - A':>9}")
    for m, (va, vb, d) in c.deltas.items():
        print(f"{m:<16}{va:>9.4f}{vb:>9.4f}{d:>+9.4f}")
    for m, (va, vb, d) in c.confidence.items():
        if va is not None and vb is not None and d is not None:
            print(f"{m:<16}{va:>9.4f}{vb:>9.4f}{d:>+9.4f}")
    if c.mcnemar is not None:
        t = c.mcnemar
        against = "run B's gold" if c.gold_changed else "the shared gold"
        print(f"\nMcNemar ({t.method}, against {against}): right only in A {t.a_only}, right only in B {t.b_only}, statistic {t.statistic:.3f}, p = {t.p_value:.4g}")
    for note in c.notes:
        print(f"note: {note}")
    if c.config_diff:
        print("\nconfiguration diff:")
        for k, va, vb in c.config_diff[:20]:
            print(f"  {k}: {va!r} -> {vb!r}")
    if args.json:
        write_json(args.json, as_json(c, a.run_id, b.run_id), "the comparison")
    return 0
