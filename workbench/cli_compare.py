"""``workbench compare A B``: two stored runs side by side in the terminal (and as JSON): metric and
confidence deltas, McNemar's test on the paired examples, the flipped examples named by their row
(or id), what changed in the configuration, and with ``--slice-by`` the per-slice deltas. What the
TUI's compare screen shows, headless."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .compare import Comparison, Flip
    from .slices import SliceDelta

FLIPS_SHOWN = 10
"""Flipped examples printed per direction (all of them go into --json)."""


def _name(labels: list[str], label: int | None) -> str:
    return "(invalid)" if label is None else labels[label] if 0 <= label < len(labels) else str(label)


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def comparison_lines(run_a: str, run_b: str, comparison: Comparison, labels: list[str], slices: dict[str, list[SliceDelta]]) -> list[str]:
    """The comparison as the terminal shows it."""
    c = comparison
    lines = [f"A {run_a[:12]}  vs  B {run_b[:12]}  ({c.paired} examples in both)"]
    lines += [f"note: {n}" for n in c.notes]
    lines += ["", f"{'figure':<18}{'A':>10}{'B':>10}{'B - A':>10}"]
    for fig, (a, b, d) in c.rows():  # the metric registry's labels and decimals, as the compare screen
        lines.append(f"{fig.label:<18}{_figure(a, f'>10.{fig.digits}f')}{_figure(b, f'>10.{fig.digits}f')}{_figure(d, f'>+10.{fig.digits}f')}")
    if c.mcnemar is not None:
        m = c.mcnemar
        lines += ["", f"McNemar ({m.method}): A right only {m.a_only}, B right only {m.b_only}, p = {m.p_value:.4g}"]
    for title, flips in (("right in A, wrong in B", c.right_to_wrong), ("wrong in A, right in B", c.wrong_to_right)):
        lines += ["", f"{title}: {len(flips)}" + (f" (the first {FLIPS_SHOWN})" if len(flips) > FLIPS_SHOWN else "")]
        lines += [_flip_line(f, labels) for f in flips[:FLIPS_SHOWN]]
    if c.config_diff:
        lines += ["", "configuration: what changed"]
        lines += [f"  {name}: {_one_line(str(a), 50)} -> {_one_line(str(b), 50)}" for name, a, b in c.config_diff]
    for column, deltas in slices.items():
        w = min(40, max(8, *(len(d.value) for d in deltas)))
        lines += ["", f"slices by {column} (A's rows decide the slice)", f"{'value':<{w}}  {'n':>6}  {'acc A':>7}  {'acc B':>7}  {'B - A':>7}  {'F1 A':>7}  {'F1 B':>7}  {'B - A':>7}"]
        for delta in deltas:
            lines.append(
                f"{_one_line(delta.value, w):<{w}}  {delta.a.n:>6}  {delta.a.accuracy:>7.4f}  {delta.b.accuracy:>7.4f}  {delta.accuracy_delta:>+7.4f}"
                f"  {delta.a.f1_macro:>7.4f}  {delta.b.f1_macro:>7.4f}  {delta.f1_delta:>+7.4f}" + ("  n < 30" if delta.a.small else "")
            )
    return lines


def _figure(value: float | None, spec: str) -> str:
    return format(value, spec) if value is not None else f"{'-':>10}"


def _flip_line(f: Flip, labels: list[str]) -> str:
    return f"  row {f.name or f.idx}: gold {_name(labels, f.gold)}, A {_name(labels, f.pred_a)}, B {_name(labels, f.pred_b)}  {_one_line(f.text, 70)}"


def comparison_json(run_a: str, run_b: str, comparison: Comparison, labels: list[str], slices: dict[str, list[SliceDelta]]) -> dict[str, Any]:
    c = comparison

    def flip(f: Flip) -> dict[str, Any]:
        return {"row": f.name or None, "text": f.text, "gold": _name(labels, f.gold), "a": _name(labels, f.pred_a), "b": _name(labels, f.pred_b)}

    return {
        "run_a": run_a,
        "run_b": run_b,
        "paired": c.paired,
        "deltas": {k: {"a": a, "b": b, "delta": d} for k, (a, b, d) in c.deltas.items()},
        "confidence": {k: {"a": a, "b": b, "delta": d} for k, (a, b, d) in c.confidence.items()},
        "mcnemar": None if c.mcnemar is None else {"a_only": c.mcnemar.a_only, "b_only": c.mcnemar.b_only, "statistic": c.mcnemar.statistic, "p_value": c.mcnemar.p_value, "method": c.mcnemar.method},
        "right_to_wrong": [flip(f) for f in c.right_to_wrong],
        "wrong_to_right": [flip(f) for f in c.wrong_to_right],
        "config_diff": [{"setting": k, "a": a, "b": b} for k, a, b in c.config_diff],
        "notes": list(c.notes),
        "slices": {column: [d.to_json() for d in deltas] for column, deltas in slices.items()},
    }
