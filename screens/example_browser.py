"""The browser of a run's misclassified and invalid examples (text, gold, predicted, scores or
raw answer), filtered to one confusion-matrix cell on request, sorted by confidence (the score of
the predicted label, most confident errors first) and filtered to suspect labels (found by the
engine, ``Engine.suspects``; the report screen asks for them in a worker) on request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from workbench.confusions import fit_names
from workbench.safe_text import visible, visible_lines

from .format import Plain, SortCell, label_name, one_line

if TYPE_CHECKING:
    from workbench.suspects import Suspect

TEXT_WIDTH = 70
MAX_ROWS = 2000
"""Rows put in the table at once; the filter line says when there are more."""


TOP_SCORES = 5
"""Scores the detail line shows (the highest, and the gold class's when it is not among them)."""

NAME_WIDTH = 18
"""The gold and predicted columns' width: names cut to it, still told apart (the detail names
them in full), so the text keeps its room beside 77 long class names."""


def scores_line(labels: list[str], scores: list[float] | None, gold: int | None = None) -> str:
    """Every class's score with a few classes; with more, the TOP_SCORES highest and the gold's."""
    if not scores:
        return ""
    order = list(range(len(scores)))
    if len(scores) > TOP_SCORES:
        order = sorted(order, key=lambda i: -scores[i])[:TOP_SCORES]
        if gold is not None and 0 <= gold < len(scores) and gold not in order:
            order.append(gold)
    shown = "  ".join(f"{label_name(labels, i)} {scores[i]:.3f}" for i in order)
    return shown if len(order) == len(scores) else f"(top {TOP_SCORES} of {len(scores)}) {shown}"


SUSPECT_MARK = "!"
"""Marks a suspect label's row in the list."""


def confidence_of(p) -> float | None:
    """The score of the predicted class; None for an invalid prediction or one without scores."""
    if p.pred is not None and p.scores and 0 <= p.pred < len(p.scores):
        return float(p.scores[p.pred])
    return None


def answer_cell(labels: list[str], p) -> str:
    """The predicted class's score, or what the method said when it gave no class."""
    if p.pred is None:
        return one_line(p.raw or p.error or "", 14)
    confidence = confidence_of(p)
    return "" if confidence is None else f"{confidence:.3f}"


class ExampleBrowser(Vertical):
    def __init__(self, labels: list[str], predictions: list[Any], **kwargs):
        super().__init__(**kwargs)
        self.labels = labels
        self.predictions = predictions
        self.cell: tuple[int, int | None] | None = None
        self.shown: list[Any] = []
        self.by_confidence = False
        """Most confident first (invalid and unscored last); else in example order."""
        self.suspects: dict[int, Suspect] | None = None
        """The evaluated split's suspect labels by the file row they name, once found."""
        self.only_suspects = False

    def compose(self) -> ComposeResult:
        yield Plain("", id="examples-filter")
        table: DataTable[Any] = DataTable(id="examples", cursor_type="row", zebra_stripes=True)
        table.add_column("row", key="idx")
        table.add_column("gold", key="gold")
        table.add_column("predicted", key="pred")
        table.add_column("score", key="answer")  # or the answer that named no class
        table.add_column("text", key="text")
        yield table
        yield Plain("", id="example-detail")

    def on_mount(self) -> None:
        self.show_cell(None)

    def show_cell(self, cell: tuple[int, int | None] | None) -> None:
        """None: every misclassified or invalid example; (gold, pred): that matrix cell (pred None:
        the invalid column)."""
        self.cell = cell
        self.refill()

    def sort_by_confidence(self, on: bool) -> None:
        self.by_confidence = on
        self.refill()

    def show_suspects(self, suspects: dict[int, Suspect] | None, only: bool) -> None:
        """Mark the suspect labels (by the file row they name) and, with ``only``, list only them."""
        self.suspects = suspects
        self.only_suspects = only and suspects is not None
        self.refill()

    def refill(self) -> None:
        cell = self.cell
        if cell is None:
            self.shown = [p for p in self.predictions if p.pred != p.gold]
            what = "misclassified and invalid examples"
        else:
            gold, pred = cell
            self.shown = [p for p in self.predictions if p.gold == gold and p.pred == pred]
            what = f"gold {label_name(self.labels, gold)}, predicted {label_name(self.labels, pred)}"
        suspects = self.suspects or {}
        if self.only_suspects:
            self.shown = [p for p in self.shown if _row(p) in suspects]
            what += ", suspect labels only"
        if self.by_confidence:
            self.shown.sort(key=lambda p: -c if (c := confidence_of(p)) is not None else 1.0)  # stable: ties keep the order
            what += ", most confident first"
        hint = "a: all errors" if cell is not None else "enter on a cell: its examples"
        more = f", the first {MAX_ROWS} shown" if len(self.shown) > MAX_ROWS else ""
        self.query_one("#examples-filter", Static).update(f"{what}: {len(self.shown)}{more}   ({hint})")
        self.shown = self.shown[:MAX_ROWS]
        table = self.query_one("#examples", DataTable)
        table.clear()
        names = fit_names(self.labels, NAME_WIDTH)
        for p in self.shown:
            mark = f"{SUSPECT_MARK} " if _row(p) in suspects else ""
            table.add_row(
                SortCell(_row(p), f"{mark}{p.name}"),
                Text(label_name(names, p.gold)),
                Text(label_name(names, p.pred), style="bold" if p.pred is None else ""),
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
        head = f"{'id' if p.row_id is not None else 'row'} {p.name}  gold {label_name(self.labels, p.gold)}  predicted {label_name(self.labels, p.pred)}"
        if p.scores:
            head += f"  scores: {scores_line(self.labels, p.scores, p.gold)}"
        lines = [head]
        suspect = (self.suspects or {}).get(_row(p))
        if suspect is not None:
            lines.append(f"{SUSPECT_MARK} suspect label: the evidence suggests {visible(suspect.suggested)} ({suspect.score:.3f} against {visible(suspect.gold)})")
        lines.append(visible_lines(p.text))  # before the raw answer: with many classes that lists a figure for each
        if p.raw:
            lines.append(f"raw answer: {one_line(p.raw, 300)}")
        if p.error:
            lines.append(f"error: {one_line(p.error, 300)}")
        detail.update(Text("\n".join(lines)))


def _row(p) -> int:
    """The file row of a stored prediction (its position for a run stored before rows were kept)."""
    return p.row if p.row is not None else p.idx
