"""Report: the metrics with bootstrap intervals, the per-class table, the confusion matrix (plotext
drawing and a selectable table), and the browser of misclassified and invalid examples, filtered
by the selected matrix cell. From here one key goes back to the prompt/labels with this run's
configuration, runs it again, compares it with the previous run, or tries it on a text."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, TabbedContent, TabPane

from .confusion import ConfusionPlot, ConfusionTable
from .example_browser import ExampleBrowser
from .format import Plain
from .report_tables import details_text, fill_metrics, fill_per_class, head_line


class ReportScreen(Screen):
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
        self.run = None

    def compose(self) -> ComposeResult:
        self.run = self.app.store.find(self.run_id)
        report = self.run.report if self.run else None
        yield Header()
        if report is None:
            status = self.run.status if self.run else "missing"
            yield Plain(f"run {self.run_id[:12]} has no report ({status}); escape: back", id="report-head", classes="error-line")
            yield Footer(compact=True)
            return
        yield Plain(head_line(report), id="report-head")
        if self.notice:
            yield Plain(self.notice, id="report-notice")
        predictions = self.app.store.predictions(self.run_id)
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
                yield ExampleBrowser(report.labels, predictions, id="example-browser")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "report"
        report = self.run.report if self.run else None
        if report is None:
            return
        fill_metrics(self.query_one("#metrics", DataTable), report)
        fill_per_class(self.query_one("#per-class", DataTable), report)
        self.query_one(ConfusionTable).show(report)

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
        previous = self.app.session.previous_run(self.app.store, self.run_id)
        if previous is None:
            self.notify("no earlier run to compare with", severity="warning")
            return
        self.app.open_compare(previous, self.run_id)

    def action_history(self) -> None:
        self.app.open_history()

    def action_back(self) -> None:
        self.app.pop_screen()
