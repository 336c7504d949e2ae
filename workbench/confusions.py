"""A report with many classes, made readable: the ranked list of its top confusions (which gold
class is taken for which, how often, and what share of that gold class), short labels for the
columns of its matrix with a legend, and the per-class orders the front ends offer. The CLI
(workbench/report.py) and the TUI (screens/) lay these out; the rules are here only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import Report

MANY_CLASSES = 12
"""Beyond this many classes a report shows its top confusions and draws its matrix with short
labels and a legend: a column per class named in full no longer fits a terminal."""

TOP_CONFUSIONS = 10
"""How many confusions the report lists by default."""

INVALID = "invalid"


def many_classes(report: "Report") -> bool:
    return len(report.labels) > MANY_CLASSES


@dataclass(frozen=True)
class Confusion:
    """Gold class ``gold`` predicted as ``pred`` (None: an invalid answer) ``count`` times, which
    is ``share`` of the gold class's examples."""

    gold: int
    pred: int | None
    count: int
    share: float


def top_confusions(report: "Report", k: int = TOP_CONFUSIONS) -> list[Confusion]:
    """The ``k`` most frequent off-diagonal cells of the matrix (invalid answers of a gold class
    counted as one cell of their own), most frequent first; ties by the larger share of the gold
    class, then gold and predicted order. Empty cells are never listed."""
    invalid = report.invalid_by_gold or [0] * len(report.confusion_matrix)
    cells: list[Confusion] = []
    for g, row in enumerate(report.confusion_matrix):
        total = sum(row) + (invalid[g] if g < len(invalid) else 0)
        for p, count in enumerate(row):
            if p != g and count:
                cells.append(Confusion(g, p, count, count / total))
        if g < len(invalid) and invalid[g]:
            cells.append(Confusion(g, None, invalid[g], invalid[g] / total))
    cells.sort(key=lambda c: (-c.count, -c.share, c.gold, len(report.labels) if c.pred is None else c.pred))
    return cells[: max(k, 0)]


def short_labels(labels: list[str]) -> list[str]:
    """Short names for the matrix's columns: the class's number, from 1 (a legend gives the names)."""
    return [str(i + 1) for i in range(len(labels))]


def class_order(report: "Report", by: str) -> list[int]:
    """Positions of the report's classes in the order ``by``: "label" (the data's order), "f1"
    (lowest first: the classes to look at), "support" (largest first). Ties keep the label order."""
    pcs = [report.per_class.get(name) for name in report.labels]
    positions = list(range(len(report.labels)))
    if by == "f1":
        return sorted(positions, key=lambda i: pcs[i].f1 if pcs[i] else 0.0)  # type: ignore[union-attr]
    if by == "support":
        return sorted(positions, key=lambda i: -(pcs[i].support if pcs[i] else 0))  # type: ignore[union-attr]
    if by != "label":
        raise ValueError(f"unknown class order {by!r}: label, f1 or support")
    return positions


CLASS_ORDERS = ("label", "f1", "support")
"""The per-class orders, in the order a key cycles through them."""


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def fit_names(names: list[str], width: int) -> list[str]:
    """Each name cut to ``width`` characters, and still told apart: names that would be cut to the
    same string (balance_not_updated_after_bank_transfer and ..._cheque_or_cash_deposit) keep
    their start and their end around the ellipsis, and any still alike get their position."""
    cut = [fit(n, width) for n in names]
    counts: dict[str, int] = {}
    for c in cut:
        counts[c] = counts.get(c, 0) + 1
    taken = {c for c in cut if counts[c] == 1}
    out = list(cut)
    for i, name in enumerate(names):
        if counts[cut[i]] == 1 or width < 5:
            continue
        head = (width - 1) // 2
        out[i] = name[:head] + "…" + name[-(width - 1 - head):]
    seen: dict[str, int] = {}
    for c in out:
        seen[c] = seen.get(c, 0) + 1
    for i, c in enumerate(out):
        if seen[c] > 1 or (counts[cut[i]] > 1 and c in taken):  # alike even so: the position says which
            tag = f"#{i + 1}"
            out[i] = names[i][: max(0, width - len(tag) - 1)] + "…" + tag
    return out


def legend_lines(labels: list[str], width: int, entry_max: int | None = None) -> list[str]:
    """'number name' for each class, in as many columns as ``width`` holds (names cut to fit it,
    or to ``entry_max`` characters an entry)."""
    short = short_labels(labels)
    num_w = max((len(s) for s in short), default=1)
    entry_w = min(num_w + 1 + max((len(n) for n in labels), default=0), width, entry_max or width)
    per_line = max(1, (width + 2) // (entry_w + 2))
    names = fit_names(labels, max(1, entry_w - num_w - 1))
    entries = [f"{s.rjust(num_w)} {name}".ljust(entry_w) for s, name in zip(short, names)]
    n_lines = -(-len(entries) // per_line)
    return ["  ".join(entries[r + c * n_lines] for c in range(per_line) if r + c * n_lines < len(entries)).rstrip() for r in range(n_lines)]
