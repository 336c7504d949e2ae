"""The report's Slices tab: the run's figures per value of a column of its data (the engine's
slices, workbench/slices.py): n, accuracy and macro F1 with 95% intervals, invalid count, a note
under 30 rows, and the weakest slice named. The column is picked from those the run's rows have
(``length``, the token-length quartiles, always); figures are computed in a worker from the stored
predictions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Select, Static

from workbench.slices import LENGTH, available_columns

from .crash import reporting_failures
from .format import Plain
from .messages import SlicesComputed, SlicesFailed

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

    def __init__(self, report: Report, predictions: list[StoredPrediction], **kwargs):
        super().__init__(**kwargs)
        self.report = report
        self.columns = available_columns(predictions)
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
        for key, label in (("value", "value"), ("n", "n"), ("acc", "accuracy"), ("acc-ci", "95% CI"), ("f1", "macro F1"), ("f1-ci", "95% CI"), ("invalid", "invalid"), ("note", "")):
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
            report = self.app.engine.with_slices(self.report, [column])
            self.post_message(SlicesComputed(column, report))

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
