"""The browser of a run's misclassified and invalid examples (text, gold, predicted, scores or
raw answer), filtered to one confusion-matrix cell on request."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from .format import Plain, SortCell, label_name, one_line

TEXT_WIDTH = 70
MAX_ROWS = 2000
"""Rows put in the table at once; the filter line says when there are more."""


def scores_line(labels: list[str], scores: list[float] | None) -> str:
    if not scores:
        return ""
    return "  ".join(f"{label_name(labels, i)} {s:.3f}" for i, s in enumerate(scores))


def answer_cell(labels: list[str], p) -> str:
    """The predicted class's score, or what the method said when it gave no class."""
    if p.pred is None:
        return one_line(p.raw or p.error or "", 24)
    if p.scores and 0 <= p.pred < len(p.scores):
        return f"{p.scores[p.pred]:.3f}"
    return ""


class ExampleBrowser(Vertical):
    def __init__(self, labels: list[str], predictions: list[Any], **kwargs):
        super().__init__(**kwargs)
        self.labels = labels
        self.predictions = predictions
        self.cell: tuple[int, int | None] | None = None
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Plain("", id="examples-filter")
        table: DataTable[Any] = DataTable(id="examples", cursor_type="row", zebra_stripes=True)
        table.add_column("#", key="idx")
        table.add_column("gold", key="gold")
        table.add_column("predicted", key="pred")
        table.add_column("score / answer", key="answer")
        table.add_column("text", key="text")
        yield table
        yield Plain("", id="example-detail")

    def on_mount(self) -> None:
        self.show_cell(None)

    def show_cell(self, cell: tuple[int, int | None] | None) -> None:
        """None: every misclassified or invalid example; (gold, pred): that matrix cell (pred None:
        the invalid column)."""
        self.cell = cell
        if cell is None:
            self.shown = [p for p in self.predictions if p.pred != p.gold]
            what = "misclassified and invalid examples"
        else:
            gold, pred = cell
            self.shown = [p for p in self.predictions if p.gold == gold and p.pred == pred]
            what = f"gold {label_name(self.labels, gold)}, predicted {label_name(self.labels, pred)}"
        hint = "a: all errors" if cell is not None else "enter on a cell: its examples"
        more = f", the first {MAX_ROWS} shown" if len(self.shown) > MAX_ROWS else ""
        self.query_one("#examples-filter", Static).update(f"{what}: {len(self.shown)}{more}   ({hint})")
        self.shown = self.shown[:MAX_ROWS]
        table = self.query_one("#examples", DataTable)
        table.clear()
        for p in self.shown:
            table.add_row(
                SortCell(p.idx, str(p.idx)),
                Text(label_name(self.labels, p.gold)),
                Text(label_name(self.labels, p.pred), style="bold" if p.pred is None else ""),
                Text(answer_cell(self.labels, p)),
                Text(one_line(p.text, TEXT_WIDTH)),
                key=str(p.idx),
            )
        self.show_detail(self.shown[0] if self.shown else None)

    @on(DataTable.RowHighlighted, "#examples")
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.shown):
            self.show_detail(self.shown[event.cursor_row])

    def show_detail(self, p) -> None:
        detail = self.query_one("#example-detail", Static)
        if p is None:
            detail.update("no examples in this cell")
            return
        head = f"#{p.idx}  gold {label_name(self.labels, p.gold)}  predicted {label_name(self.labels, p.pred)}"
        if p.scores:
            head += f"  scores: {scores_line(self.labels, p.scores)}"
        lines = [head]
        if p.raw:
            lines.append(f"raw answer: {one_line(p.raw, 300)}")
        if p.error:
            lines.append(f"error: {one_line(p.error, 300)}")
        lines.append(p.text)
        detail.update(Text("\n".join(lines)))
