"""Report: the metrics with bootstrap intervals, the per-class table, the confusion matrix (plotext
drawing and a selectable table), and the browser of misclassified and invalid examples, filtered
by the selected matrix cell. From here one key goes back to the prompt/labels with this run's
configuration, runs it again, compares it with the previous run, or tries it on a text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from .base import WorkbenchScreen
from .confusion import ConfusionPlot, ConfusionTable
from .crash import reporting_failures
from .example_browser import ExampleBrowser
from .format import Plain
from .messages import ReportReadFailed, RunRead
from .report_tables import details_text, fill_metrics, fill_per_class, head_line

if TYPE_CHECKING:
    from workbench.results import Report
    from workbench.store import StoredPrediction, StoredRun


class ReportBody(Vertical):
    """The tabs of a report: metrics, per-class figures and details; the confusion matrix and the
    browser of its examples."""

    def __init__(self, report: Report, predictions: list[StoredPrediction], **kwargs):
        super().__init__(**kwargs)
        self.report = report
        self.predictions = predictions

    def compose(self) -> ComposeResult:
        report = self.report
        with TabbedContent(initial="tab-metrics", id="report-tabs"):
            with TabPane("Metrics (m)", id="tab-metrics"):
                with VerticalScroll(id="metrics-scroll"):
                    with Horizontal(id="metrics-row"):
                        yield DataTable(id="metrics", cursor_type="row")
                        yield DataTable(id="per-class", cursor_type="row")
                    yield Plain(details_text(report), id="report-details")
                    yield ConfusionPlot(report, id="metrics-plot")
            with TabPane("Confusion & errors (e)", id="tab-errors"):
                with Horizontal(id="confusion-row"):
                    yield ConfusionTable(id="confusion")
                    yield ConfusionPlot(report, id="confusion-plot")
                yield ExampleBrowser(report.labels, self.predictions, id="example-browser")

    def on_mount(self) -> None:
        fill_metrics(self.query_one("#metrics", DataTable), self.report)
        fill_per_class(self.query_one("#per-class", DataTable), self.report)
        self.query_one(ConfusionTable).show(self.report)


class ReportScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("p", "prompt", "Prompt"),
        Binding("r", "run_again", "Rerun"),
        Binding("c", "compare", "Compare"),
        Binding("h", "history", "History"),
        Binding("t", "try_it", "Try"),
        Binding("m", "show_tab('tab-metrics')", "Metrics", show=False),
        Binding("e", "show_tab('tab-errors')", "Errors", show=False),
        Binding("a", "all_errors", "All errors", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, run_id: str, notice: str | None = None):
        super().__init__()
        self.run_id = run_id
        self.notice = notice
        self.run: StoredRun | None = None
        self.ready = False
        """True once the run is read from the store (off the UI thread) and shown."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain(f"reading run {self.run_id[:12]} …", id="report-head")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "report"
        self.load_run()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report-read")
    def load_run(self) -> None:
        """The run and its predictions, read in a worker: a large run must not hold up the keys."""
        with reporting_failures(self, ReportReadFailed):
            run = self.app.engine.find(self.run_id)
            predictions = self.app.engine.predictions(self.run_id) if run and run.report else []
            self.post_message(RunRead(run, predictions))

    @on(ReportReadFailed)
    def read_failed(self, message: ReportReadFailed) -> None:
        head = self.query_one("#report-head", Static)
        head.update(f"cannot read run {self.run_id[:12]}: {message.error}; escape: back")
        head.add_class("error-line")
        self.ready = True

    @on(RunRead)
    async def run_read(self, message: RunRead) -> None:
        run = message.run
        report = run.report if run else None
        head = self.query_one("#report-head", Static)
        if report is None:
            status = run.status if run else "missing"
            head.update(f"run {self.run_id[:12]} has no report ({status}); escape: back")
            head.add_class("error-line")
        else:
            head.update(head_line(report))
            widgets: list[Widget] = [Plain(self.notice, id="report-notice")] if self.notice else []
            widgets.append(ReportBody(report, message.predictions, id="report-body"))
            await self.mount_all(widgets, after=head)
        self.run = run  # the actions below act on a shown report only
        self.ready = True

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")  # the per-class table goes under the metrics

    @on(ConfusionTable.CellChosen)
    def cell_chosen(self, message: ConfusionTable.CellChosen) -> None:
        self.query_one(ExampleBrowser).show_cell((message.gold, message.pred))
        self.query_one("#examples", DataTable).focus()

    @on(TabbedContent.TabActivated, "#report-tabs")
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-errors":
            self.query_one(ConfusionTable).focus()

    # ------------------------------------------------------------ actions

    def _use_config(self) -> bool:
        return bool(self.run and self.run.report) and self.app.use_config_of(self.run_id)

    def action_show_tab(self, tab: str) -> None:
        if self.run and self.run.report:
            self.query_one(TabbedContent).active = tab

    def action_all_errors(self) -> None:
        if self.run and self.run.report:
            self.query_one(ExampleBrowser).show_cell(None)

    def action_prompt(self) -> None:
        if self._use_config():
            self.app.open_prompt()

    def action_run_again(self) -> None:
        if self._use_config():
            self.app.start_run(rerun=True)

    def action_try_it(self) -> None:
        if self._use_config():
            self.app.open_try()

    def action_compare(self) -> None:
        previous = self.app.session.previous_run(self.app.engine, self.run_id)
        if previous is None:
            self.notify("no earlier run to compare with", severity="warning")
            return
        self.app.open_compare(previous, self.run_id)

    def action_history(self) -> None:
        self.app.open_history()

    def action_back(self) -> None:
        self.app.pop_screen()
