"""Report: the metrics with bootstrap intervals, the per-class table, the confusion matrix (plotext
drawing and a selectable table), the browser of misclassified and invalid examples, filtered
by the selected matrix cell, sorted by confidence or filtered to suspect labels, and the
confidence figures (screens/confidence_view.py). The per-class table is ordered by class, F1 or
support (o); with many classes the engine's top confusions are listed (enter: their examples).
From here one key goes back to the prompt/labels with this run's configuration, runs it again,
compares it with the previous run, or tries it on a text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from workbench.confusions import CLASS_ORDERS, many_classes

from .confidence_view import ConfidenceView
from .confusion import ConfusionPlot, ConfusionTable, TopConfusions
from .crash import reporting_failures
from .example_browser import ExampleBrowser
from .exporting import ExportingScreen
from .format import Plain
from .messages import ReportReadFailed, RunRead, SuspectsFailed, SuspectsFound
from .report_tables import details_text, fill_metrics, fill_per_class, head_line
from .slices_view import SlicesView

if TYPE_CHECKING:
    from workbench.results import Report
    from workbench.selective import ConfidenceCurve
    from workbench.store import StoredPrediction, StoredRun
    from workbench.suspects import Suspects


class ReportBody(Vertical):
    """The tabs of a report: metrics, per-class figures and details; the confusion matrix and the
    browser of its examples; the confidence figures and plots."""

    def __init__(self, report: Report, predictions: list[StoredPrediction], curve: ConfidenceCurve | None = None, **kwargs):
        super().__init__(**kwargs)
        self.report = report
        self.predictions = predictions
        self.curve = curve
        self.class_order = "label"
        """The per-class table's order (workbench/confusions.py CLASS_ORDERS; the o key)."""

    def compose(self) -> ComposeResult:
        report = self.report
        many = many_classes(report)  # top confusions listed; the matrix numbered, with a legend
        self.set_class(many, "-many")
        with TabbedContent(initial="tab-metrics", id="report-tabs"):
            with TabPane("Metrics (m)", id="tab-metrics"):
                with VerticalScroll(id="metrics-scroll"):
                    with Horizontal(id="metrics-row"):
                        yield DataTable(id="metrics", cursor_type="row")
                        yield DataTable(id="per-class", cursor_type="row")
                    if many:
                        yield Plain("top confusions (enter: their examples)", id="top-title")
                        yield TopConfusions(id="top-confusions")
                    yield Plain(details_text(report), id="report-details")
                    yield ConfusionPlot(report, id="metrics-plot")
            with TabPane("Confusion & errors (e)", id="tab-errors"):
                with Horizontal(id="confusion-row"):
                    yield ConfusionTable(id="confusion")
                    if not many:  # beside a table of many columns it would have no room
                        yield ConfusionPlot(report, id="confusion-plot")
                yield ExampleBrowser(report.labels, self.predictions, id="example-browser")
            with TabPane("Confidence (k)", id="tab-confidence"):
                yield ConfidenceView(report, self.curve, id="confidence")
            with TabPane("Slices (l)", id="tab-slices"):
                yield SlicesView(report, self.predictions, id="slices-view")

    def on_mount(self) -> None:
        fill_metrics(self.query_one("#metrics", DataTable), self.report)
        fill_per_class(self.query_one("#per-class", DataTable), self.report)
        self.query_one(ConfusionTable).show(self.report)
        for top in self.query(TopConfusions):
            top.show(self.report)

    def next_class_order(self) -> str:
        """The per-class table in the next order (label, F1, support); returns it."""
        self.class_order = CLASS_ORDERS[(CLASS_ORDERS.index(self.class_order) + 1) % len(CLASS_ORDERS)]
        fill_per_class(self.query_one("#per-class", DataTable), self.report, self.class_order)
        return self.class_order


class ReportScreen(ExportingScreen):
    BINDINGS = [
        Binding("p", "prompt", "Prompt"),
        Binding("r", "run_again", "Rerun"),
        Binding("c", "compare", "Compare"),
        Binding("h", "history", "History"),
        Binding("t", "try_it", "Try"),
        Binding("m", "show_tab('tab-metrics')", "Metrics", show=False),
        Binding("e", "show_tab('tab-errors')", "Errors", show=False),
        Binding("k", "show_tab('tab-confidence')", "Confidence", show=False),
        Binding("l", "show_tab('tab-slices')", "Slices", show=False),
        Binding("a", "all_errors", "All errors", show=False),
        Binding("s", "sort_confidence", "Sort", tooltip="errors by confidence, most confident first"),
        Binding("u", "suspects", "Suspect", tooltip="only the suspect labels (found on first use)"),
        Binding("v", "review", "Review", tooltip="review the suspect labels one by one and write a corrected copy of the data"),
        Binding("o", "class_order", "Order", tooltip="the per-class table by class, by F1 (lowest first), by support"),
        Binding("escape", "back", "Back"),
        Binding("w", "export", "Export", tooltip="write this report as one HTML page into the current folder"),  # after Back: at 80 columns the footer keeps Back
    ]

    def __init__(self, run_id: str, notice: str | None = None):
        super().__init__()
        self.run_id = run_id
        self.notice = notice
        self.run: StoredRun | None = None
        self.ready = False
        """True once the run is read from the store (off the UI thread) and shown."""
        self.finding_suspects = False
        self.suspects: Suspects | None = None
        """The suspect labels once found (``u``), handed to the review queue (``v``)."""

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
            engine = self.app.engine
            run = engine.find(self.run_id)
            predictions = engine.predictions(self.run_id) if run and run.report else []
            curve = engine.confidence_curve(predictions, len(run.report.labels)) if run and run.report and run.report.calibration else None
            self.post_message(RunRead(run, predictions, curve))

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
            widgets.append(ReportBody(report, message.predictions, message.curve, id="report-body"))
            await self.mount_all(widgets, after=head)
            for scroll in self.query("#metrics-scroll"):  # none when the app closed while it mounted
                scroll.focus()
        self.run = run  # the actions below act on a shown report only
        self.ready = True

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "-narrow")  # the per-class table goes under the metrics
        self.set_class(self.size.height < 32, "-short")  # the matrix and the detail leave the error list rows

    @on(ConfusionTable.CellChosen)
    def cell_chosen(self, message: ConfusionTable.CellChosen) -> None:
        self.query_one(TabbedContent).active = "tab-errors"  # chosen among the top confusions too
        self.query_one(ExampleBrowser).show_cell((message.gold, message.pred))
        self.query_one("#examples", DataTable).focus()

    @on(TabbedContent.TabActivated, "#report-tabs")
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-metrics":
            self.query_one("#metrics-scroll").focus()  # End, PageDown: the matrix below the tables
        elif event.pane.id == "tab-errors":
            self.query_one(ConfusionTable).focus()
        elif event.pane.id == "tab-confidence":
            self.query_one(ConfidenceView).focus()
        elif event.pane.id == "tab-slices":
            self.query_one("#slice-column").focus()
        self.refresh_bindings()  # the error browser's keys show on its tab only

    # ------------------------------------------------------------ suspect labels

    @work(thread=True, exclusive=True, exit_on_error=False, group="suspects")
    def find_suspects(self) -> None:
        """The suspect labels of the run's data, found in a worker (it may read the data and
        encode texts: seconds)."""
        with reporting_failures(self, SuspectsFailed):
            self.post_message(SuspectsFound(self.app.engine.suspects(self.run_id)))

    @on(SuspectsFound)
    def suspects_found(self, message: SuspectsFound) -> None:
        self.finding_suspects = False
        self.suspects = message.suspects
        rows = {s.row: s for s in message.suspects.suspects if s.evaluated}  # by the file row each names
        browser = self.query_one(ExampleBrowser)
        browser.show_suspects(rows, only=True)
        if not rows:
            self.notify("no suspect labels in the evaluated split" + "".join(f"; {n}" for n in message.suspects.notes[:1]), severity="information")

    @on(SuspectsFailed)
    def suspects_failed(self, message: SuspectsFailed) -> None:
        self.finding_suspects = False
        self.query_one("#examples-filter", Static).update(f"cannot find suspect labels: {message.error}")

    # ------------------------------------------------------------ actions

    def _use_config(self) -> bool:
        return bool(self.run and self.run.report) and self.app.use_config_of(self.run_id)

    def action_show_tab(self, tab: str) -> None:
        if self.run and self.run.report:
            self.query_one(TabbedContent).active = tab

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("sort_confidence", "suspects"):  # the error browser's keys, on its tab
            return bool(self.run and self.run.report) and self.query_one(TabbedContent).active == "tab-errors"
        if action == "class_order":  # the per-class table's, on the metrics tab
            return bool(self.run and self.run.report) and self.query_one(TabbedContent).active == "tab-metrics"
        return True

    def action_class_order(self) -> None:
        self.query_one(ReportBody).next_class_order()  # the table's first column names the order

    def action_sort_confidence(self) -> None:
        browser = self.query_one(ExampleBrowser)
        browser.sort_by_confidence(not browser.by_confidence)

    def action_suspects(self) -> None:
        """Filter the errors to suspect labels (found on first use), or back to all of them."""
        browser = self.query_one(ExampleBrowser)
        if browser.suspects is not None:
            browser.show_suspects(browser.suspects, only=not browser.only_suspects)
        elif not self.finding_suspects:
            self.finding_suspects = True
            self.query_one("#examples-filter", Static).update("finding suspect labels …")
            self.find_suspects()

    def action_review(self) -> None:
        """The review queue of the run's suspect labels (those ``u`` found, else found there)."""
        if self.run and self.run.report:
            self.app.open_review(self.run_id, self.suspects)

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

    def export_refs(self) -> tuple[str, str | None] | None:
        return (self.run_id, None) if self.run and self.run.report else None

    def action_back(self) -> None:
        self.app.pop_screen()
