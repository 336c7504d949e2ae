"""Learning curve: run a curve (engine.curve, in a thread worker) and show it as it fills: the
plot of the metric's mean against examples per class with the min-max spread over the seeds
(workbench.curve.curve_plot, drawn to the widget's size in the theme's colours) and the summary
table (method, per class, seeds done, mean, sd, min, max). c cancels between batches (finished
points are kept), r runs it again (stored points are found, not run), w writes it as an HTML page
(workbench/export/curve_page.py) into the current folder. Every point is an ordinary stored run:
the history lists them."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from workbench.safe_text import visible

from .base import LongWorkScreen
from .crash import reporting_failures
from .format import Plain, figure
from .messages import CurveFailed, CurveFinished, CurvePointDone, Exported, ExportFailed, RunProgress

if TYPE_CHECKING:
    from workbench.curve import Curve, CurvePoint
    from workbench.curve_config import CurveConfig
    from workbench.methods import ProgressEvent

COLUMNS = ("method", "per class", "seeds", "mean", "sd", "min", "max")
PALETTE = ((0, 120, 215), (215, 60, 60), (40, 160, 80), (150, 90, 210), (210, 130, 30), (30, 160, 170))
"""One colour per method's line, in turn (the first is replaced by the theme's primary)."""


class CurvePlot(Static):
    """The curve drawn with plotext to this widget's size, redrawn as points arrive."""

    def __init__(self, screen: "CurveScreen", **kwargs):
        super().__init__("", **kwargs)
        self.owner = screen

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self.redraw(), init=False)

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        from workbench.curve import curve_plot

        from .confusion import theme_colors

        curve = self.owner.curve
        if self.size.width < 30 or self.size.height < 8:
            return
        if not any(p.value is not None for p in curve.points):
            self.update("the plot appears with the first point")
            return
        colors = (theme_colors(self.app)[1], *PALETTE[1:])
        self.update(Text.from_ansi(curve_plot(curve, self.size.width, self.size.height, colors)))  # names shown through visible() there


class CurveScreen(LongWorkScreen):
    BINDINGS = [
        Binding("c", "cancel", "Cancel"),
        Binding("r", "run_again", "Run again"),
        Binding("w", "export", "Export", tooltip="write the curve as one HTML page (table and chart) into the current folder"),
        Binding("escape", "cancel_or_back", "Back"),
    ]
    PHASE_ID = "curve-phase"
    PREPARING = "preparing …"

    def __init__(self, config: "CurveConfig"):
        from workbench.curve import Curve

        super().__init__()
        self.config = config
        self.curve = Curve(config.metric)
        self.cancel_event = threading.Event()
        self.running = False
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="curve-box"):
            yield Plain(f"learning curve: {self.config.describe()}", id="curve-title")
            yield Plain(self.PREPARING, id=self.PHASE_ID)
            yield ProgressBar(id="curve-progress", show_eta=False)
            yield CurvePlot(self, id="curve-plot")
            yield DataTable(id="curve-table", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="curve-error", classes="error-line")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "learning curve"
        table = self.query_one("#curve-table", DataTable)
        for name in COLUMNS:
            table.add_column(self.config.metric if name == "mean" else name, key=name)
        c = self.config
        self.total = len(c.methods) * sum(1 if s == 0 else len(c.seeds) for s in c.sizes)
        self.start()

    def on_unmount(self) -> None:
        self.cancel_event.set()  # leaving the screen (or quitting) stops the curve at its next batch

    # ------------------------------------------------------------ the worker

    def start(self) -> None:
        from workbench.curve import Curve

        self.cancel_event = threading.Event()
        self.running = True
        self.curve = Curve(self.config.metric)
        self.refresh_view()
        self.query_one("#curve-error", Static).update("")
        self.refresh_bindings()
        self.run_curve(self.cancel_event)

    @work(thread=True, exclusive=True, exit_on_error=False, group="curve")
    def run_curve(self, cancel_event: threading.Event) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()

        def on_progress(event: ProgressEvent) -> None:
            if worker.is_cancelled:
                cancel_event.set()
            self.post_message(RunProgress(event))

        def on_point(point: CurvePoint) -> None:
            self.post_message(CurvePointDone(replace(point)))

        with reporting_failures(self, CurveFailed):
            self.post_message(CurveFinished(self.app.engine.curve(self.config, on_point=on_point, on_progress=on_progress, cancel_event=cancel_event)))

    # ------------------------------------------------------------ messages

    @on(RunProgress)
    def progress(self, message: RunProgress) -> None:
        if not self.running:
            return
        ev = message.event
        done = len(self.curve.points)
        self.query_one("#curve-progress", ProgressBar).update(total=self.total, progress=done)
        self.query_one("#curve-phase", Static).update(f"{done} of {self.total} points · {ev.label} {ev.done}/{ev.total}")

    @on(CurvePointDone)
    def point_done(self, message: CurvePointDone) -> None:
        self.curve.points.append(message.point)
        self.query_one("#curve-progress", ProgressBar).update(total=self.total, progress=len(self.curve.points))
        self.query_one("#curve-phase", Static).update(f"{len(self.curve.points)} of {self.total} points")
        self.refresh_view()

    @on(CurveFinished)
    def finished(self, message: CurveFinished) -> None:
        self.running = False
        self.curve = message.curve
        self.refresh_view()
        statuses = [p.status for p in self.curve.points]
        phase = self.query_one("#curve-phase", Static)
        if "cancelled" in statuses:
            phase.update(f"cancelled: {statuses.count('done')} of {self.total} points kept; r runs the curve again and continues")
        else:
            failed = [p for p in self.curve.points if p.status != "done"]
            phase.update(f"done: {self.total} points" + (f", {len(failed)} not done (first: {failed[0].status}: {failed[0].error or '-'})" if failed else ""))
            self.query_one("#curve-progress", ProgressBar).update(total=1, progress=1)
        self.refresh_bindings()

    @on(CurveFailed)
    def failed(self, message: CurveFailed) -> None:
        self.running = False
        self.query_one("#curve-phase", Static).update("stopped")
        self.query_one("#curve-error", Static).update(f"{message.error}\n\nescape: back")
        self.notify(message.error, title="learning curve stopped", severity="error")
        self.refresh_bindings()

    # ------------------------------------------------------------ the view

    def refresh_view(self) -> None:
        table = self.query_one("#curve-table", DataTable)
        table.clear()
        for r in self.curve.summary():
            size = "all" if r["per_class"] == 0 else str(r["per_class"])
            cells = [r["method"], size, str(r["n"]), figure(r["mean"]), figure(r["sd"]), figure(r["min"]), figure(r["max"])]
            table.add_row(Text(visible(cells[0])), *(Text(c, justify="right") for c in cells[1:]))
        self.query_one(CurvePlot).redraw()

    # ------------------------------------------------------------ actions

    def action_export(self) -> None:
        if not any(p.value is not None for p in self.curve.points):
            self.notify("nothing to export yet: no point has finished", severity="warning")
            return
        curve = replace(self.curve, points=[replace(p) for p in self.curve.points])
        self.run_worker(lambda: self.write_export(curve), thread=True, exclusive=True, group="export", exit_on_error=False)

    def write_export(self, curve: "Curve") -> None:
        from workbench.export import write_export
        from workbench.export.curve_page import export_curve

        c = self.config
        with reporting_failures(self, ExportFailed):
            page = export_curve(curve, "html", title=f"learning curve: {c.name}", description=f"{c.data.source} ({c.data.test_split}): {c.describe()}")
            self.post_message(Exported(write_export(page, None)))

    def on_exported(self, message: Exported) -> None:
        self.notify(f"wrote {message.path}", title="HTML export", timeout=10, markup=False)

    def on_export_failed(self, message: ExportFailed) -> None:
        self.notify(f"cannot export: {message.error}", severity="error", timeout=10, markup=False)
