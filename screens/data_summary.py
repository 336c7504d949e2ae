"""The dataset summary shown on the setup screen: sizes and label balance, from
``Dataset.summary()``. Theme colours through Textual's Content ($accent follows the theme)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content

if TYPE_CHECKING:
    from workbench.data import DataSummary

BAR_WIDTH = 20


def summary_content(summary: DataSummary) -> Content:
    labels = summary.labels
    ev, tr = summary.eval, summary.train
    parts: list[Any] = [(str(summary.source), "bold"), f"  eval '{ev.split}': {ev.n} examples"]
    if tr:
        parts.append(f"  ·  train '{tr.split}': {tr.n} examples")
    parts.append(f"  ·  {len(labels)} classes")
    width = max([len(n) for n in labels] + [5])
    top = max(ev.counts) if ev.counts else 0
    for i, name in enumerate(labels):
        count = ev.counts[i]
        share = count / ev.n if ev.n else 0.0
        bar = "█" * (round(BAR_WIDTH * count / top) if top else 0)
        parts += ["\n", (f"{name:<{width}} ", "bold"), f"{count:>6} ({share:6.1%}) ", (f"{bar:<{BAR_WIDTH}}", "$accent")]
        if tr and tr.n:
            tcount = tr.counts[i]
            parts.append(f"  train {tcount} ({tcount / tr.n:.1%})")
    return Content.assemble(*parts)
