"""The Slices tabs: a run's figures per value of a column of its data (the engine's slices,
workbench/slices.py): n, accuracy and macro F1 with 95% intervals, invalid count, a note under 30
rows, and the weakest slice named (the report screen); or two runs' figures per slice and their
deltas (the compare screen). The column is picked from those the run's rows have (``length``, the
token-length quartiles, always); figures are computed in a worker from the stored predictions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Select, Static

from workbench.slices import LENGTH, available_columns

from .crash import reporting_failures
from .format import Plain, signed
from .messages import SliceDeltasComputed, SlicesComputed, SlicesFailed

if TYPE_CHECKING:
    from workbench.results import Report
    from workbench.store import StoredPrediction

    from .app import WorkbenchApp


def _interval(pair: tuple[float, float] | None) -> str:
    return f"[{pair[0]:.3f}, {pair[1]:.3f}]" if pair else ""


class SlicesView(Vertical):
    """A column picker, the slice table and the weakest-slice line."""

    if TYPE_CHECKING:
        app: WorkbenchApp

    def __init__(self, report: Report, predictions: list[StoredPrediction], compare_with: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.report = report
        self.columns = available_columns(predictions)
        self.compare_with = compare_with
        """Run B's id: the table shows both runs' figures per slice and B - A (the compare screen)."""
        self.shown: str | None = None
        """The column whose figures the table shows (None until the first are computed)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="slices-bar"):
            yield Plain("slice by ", id="slices-label")
            yield Select([(c, c) for c in self.columns], value=LENGTH, allow_blank=False, compact=True, id="slice-column")
        yield Plain("computing …", id="slices-status")
        yield DataTable(id="slices", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#slices", DataTable)
        heads: tuple[tuple[str, str], ...]
        if self.compare_with:
            heads = (("value", "value"), ("n", "n"), ("acc-a", "acc A"), ("acc-b", "acc B"), ("acc-d", "B - A"), ("f1-a", "F1 A"), ("f1-b", "F1 B"), ("f1-d", "B - A"), ("note", ""))
        else:
            heads = (("value", "value"), ("n", "n"), ("acc", "accuracy"), ("acc-ci", "95% CI"), ("f1", "macro F1"), ("f1-ci", "95% CI"), ("invalid", "invalid"), ("note", ""))
        for key, label in heads:
            table.add_column(label, key=key)
        self.compute(LENGTH)

    @on(Select.Changed, "#slice-column")
    def column_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.shown:
            self.query_one("#slices-status", Static).update(f"computing the slices by {event.value} …")
            self.compute(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="slices")
    def compute(self, column: str) -> None:
        with reporting_failures(self, SlicesFailed):
            if self.compare_with:
                deltas = self.app.engine.compare_slices(self.report.run_id, self.compare_with, [column])
                self.post_message(SliceDeltasComputed(column, deltas[column]))
            else:
                self.post_message(SlicesComputed(column, self.app.engine.with_slices(self.report, [column])))

    @on(SliceDeltasComputed)
    def deltas_computed(self, message: SliceDeltasComputed) -> None:
        message.stop()
        self.shown = message.column
        table = self.query_one("#slices", DataTable)
        table.clear()
        for d in message.deltas:
            table.add_row(
                Text(d.value), str(d.a.n), f"{d.a.accuracy:.4f}", f"{d.b.accuracy:.4f}", signed(d.accuracy_delta),
                f"{d.a.f1_macro:.4f}", f"{d.b.f1_macro:.4f}", signed(d.f1_delta), Text("n < 30", style="dim") if d.a.small else "",
            )  # fmt: skip
        worst = min(message.deltas, key=lambda d: d.accuracy_delta, default=None)
        status = f"{len(message.deltas)} slices of {message.column} over the examples both runs predicted (A's rows decide the slice)"
        if worst is not None and worst.accuracy_delta < 0:
            status += f"; B loses most on {worst.value} ({worst.accuracy_delta:+.4f})"
        self.query_one("#slices-status", Static).update(Text(status))

    @on(SlicesComputed)
    def computed(self, message: SlicesComputed) -> None:
        message.stop()
        self.shown = message.column
        figures = message.report.slices.get(message.column, [])
        table = self.query_one("#slices", DataTable)
        table.clear()
        for s in figures:
            table.add_row(
                Text(s.value), str(s.n), f"{s.accuracy:.4f}", _interval(s.ci95.accuracy), f"{s.f1_macro:.4f}", _interval(s.ci95.f1_macro),
                str(s.invalid), Text("n < 30: wide interval", style="dim") if s.small else "",
            )  # fmt: skip
        weakest = message.report.weakest_slice()
        status = f"{len(figures)} slices of {message.column}, n adds up to {sum(s.n for s in figures)}"
        if weakest:
            status += f"; weakest: {weakest[1].value} (accuracy {weakest[1].accuracy:.4f}, n={weakest[1].n})"
        self.query_one("#slices-status", Static).update(Text(status))

    @on(SlicesFailed)
    def failed(self, message: SlicesFailed) -> None:
        message.stop()
        self.query_one("#slices-status", Static).update(Text(f"cannot compute the slices: {message.error}"))
