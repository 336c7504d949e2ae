"""Compare two runs (A, then B): metric deltas (the calibration figures, ECE, Brier, log-loss and
AURC, among them, where a run has scores), McNemar's test on the paired predictions, the two
confusion matrices side by side, the examples that flipped either way, and the configuration
diff (label texts, prompt, model, ...). The comparison runs in a worker (scipy is imported)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Label, Static, TabbedContent, TabPane

if TYPE_CHECKING:
    from workbench.store import StoredRun

from .base import WorkbenchScreen
from .confusion import ConfusionPlot
from .crash import reporting_failures
from .format import Plain, PlainLabel, SortCell, figure, label_name, one_line, signed
from .messages import ComparisonFailed, ComparisonReady
from .slices_view import SlicesView

MAX_FLIPS = 2000


def mcnemar_text(comparison) -> str:
    test = comparison.mcnemar
    lines = [f"paired examples: {comparison.paired}"]
    if test is None:
        lines.append("McNemar: not computed (no examples in both runs)")
    else:
        lines.append(f"right only in A: {test.a_only}   right only in B: {test.b_only}")
        lines.append(f"McNemar ({test.method}): statistic {test.statistic:.3f}, p = {test.p_value:.4g}")
        lines.append("the difference is significant at 5%" if test.p_value < 0.05 else "no significant difference at 5%")
    lines += [f"note: {n}" for n in comparison.notes]
    return "\n".join(lines)


def setting_text(value) -> str:
    """A configuration value as shown in the diff; None is the method's default."""
    return "(default)" if value is None else repr(value)


class CompareScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("s", "show_tab('tab-summary')", "Summary", show=False),
        Binding("f", "show_tab('tab-flips')", "Flips", show=False),
        Binding("d", "show_tab('tab-config')", "Config", show=False),
        Binding("l", "show_tab('tab-slices')", "Slices", show=False),
        Binding("x", "swap", "Swap"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, run_a: str, run_b: str):
        super().__init__()
        self.run_a, self.run_b = run_a, run_b
        self.a: StoredRun | None = None
        self.b: StoredRun | None = None
        self.diff: list = []

    def compose(self) -> ComposeResult:
        engine = self.app.engine  # two rows by key: quick enough to read while composing
        self.a, self.b = engine.find(self.run_a), engine.find(self.run_b)
        yield Header()
        yield Plain(self.head_text(), id="compare-head")
        with TabbedContent(initial="tab-summary", id="compare-tabs"):
            with TabPane("Summary (s)", id="tab-summary"):
                with Horizontal(id="compare-summary-row"):
                    yield DataTable(id="deltas", cursor_type="row")
                    yield Plain("comparing …", id="mcnemar")
                with Horizontal(id="compare-plots"):
                    yield ConfusionPlot(None, title="A", id="plot-a")
                    yield ConfusionPlot(None, title="B", id="plot-b")
            with TabPane("Flips (f)", id="tab-flips"):
                yield PlainLabel("", id="flips-r2w-title", classes="flips-title")
                yield DataTable(id="flips-r2w", classes="flips", cursor_type="row")
                yield PlainLabel("", id="flips-w2r-title", classes="flips-title")
                yield DataTable(id="flips-w2r", classes="flips", cursor_type="row")
            with TabPane("Config diff (d)", id="tab-config"):
                with Vertical():
                    yield DataTable(id="config-diff", cursor_type="row")
                    yield Plain("", id="config-detail")
            if self.a and self.b and self.a.report and self.b.report:
                with TabPane("Slices (l)", id="tab-slices"):
                    yield SlicesView(self.a.report, engine.predictions(self.a.run_id), compare_with=self.b.run_id, id="slices-view")
        yield Footer(compact=True)

    def head_text(self) -> str:
        def line(tag: str, run) -> str:
            if run is None:
                return f"{tag}: (not in the store)"
            return f"{tag}: {run.run_id[:12]} · {run.method} · {run.model or '-'} · {run.dataset} [{run.split}] · {run.status}"

        return line("A", self.a) + "\n" + line("B", self.b)

    def on_mount(self) -> None:
        self.sub_title = "compare"
        if not (self.a and self.b and self.a.report and self.b.report):
            self.query_one("#mcnemar", Static).update("both runs need a report to be compared")
            return
        self.query_one("#plot-a", ConfusionPlot).show(self.a.report)
        self.query_one("#plot-b", ConfusionPlot).show(self.b.report)
        self.compare()

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare")
    def compare(self) -> None:
        with reporting_failures(self, ComparisonFailed):  # shown in place; the screen stays usable
            self.post_message(ComparisonReady(self.app.engine.compare(self.run_a, self.run_b)))

    @on(ComparisonFailed)
    def comparison_failed(self, message: ComparisonFailed) -> None:
        self.query_one("#mcnemar", Static).update(Content.styled(f"cannot compare: {message.error}", "$error"))

    @on(ComparisonReady)
    def comparison_ready(self, message: ComparisonReady) -> None:
        c = message.comparison
        self.fill_deltas(c)
        self.query_one("#mcnemar", Static).update(mcnemar_text(c))
        labels = self.a.report.labels if self.a and self.a.report else []
        self.fill_flips("#flips-r2w", f"right in A, wrong in B: {len(c.right_to_wrong)}", c.right_to_wrong, labels)
        self.fill_flips("#flips-w2r", f"wrong in A, right in B: {len(c.wrong_to_right)}", c.wrong_to_right, labels)
        self.fill_config(c.config_diff)

    def fill_deltas(self, c) -> None:
        table = self.query_one("#deltas", DataTable)
        table.clear(columns=True)
        for key, label in (("metric", "metric"), ("a", "A"), ("b", "B"), ("delta", "B − A")):
            table.add_column(Text(label, justify="left" if key == "metric" else "right"), key=key)
        for metric, (va, vb, delta) in c.rows():  # the metric registry says how to show each and which way is better
            digits = metric.digits
            better = metric.improved(delta)
            style = "" if better is None else "green" if better else "red"
            shown = "-" if delta is None else signed(delta, digits)
            table.add_row(metric.label, SortCell(va, figure(va, digits)), SortCell(vb, figure(vb, digits)),
                          SortCell(delta, Text(shown, style=style, justify="right")), key=metric.name)  # fmt: skip

    def fill_flips(self, selector: str, title: str, flips, labels) -> None:
        if len(flips) > MAX_FLIPS:
            title += f" (the first {MAX_FLIPS} shown)"
            flips = flips[:MAX_FLIPS]
        self.query_one(f"{selector}-title", Label).update(title)
        table = self.query_one(selector, DataTable)
        table.clear(columns=True)
        for key in ("row", "gold", "A", "B", "text"):
            table.add_column(key, key=key)
        for f in flips:
            table.add_row(SortCell(f.idx, f.name or str(f.idx)), Text(label_name(labels, f.gold)), Text(label_name(labels, f.pred_a)),
                          Text(label_name(labels, f.pred_b)), Text(one_line(f.text, 80)), key=str(f.idx))  # fmt: skip

    def fill_config(self, diff) -> None:
        self.diff = list(diff)  # the engine leaves out names that repeat another's change
        table = self.query_one("#config-diff", DataTable)
        table.clear(columns=True)
        for key in ("setting", "A", "B"):
            table.add_column(key, key=key)
        for name, va, vb in self.diff:
            table.add_row(Text(name), Text(one_line(setting_text(va), 40)), Text(one_line(setting_text(vb), 40)), key=name)
        if not self.diff:
            self.query_one("#config-detail", Static).update("the two configurations are the same")

    @on(DataTable.RowHighlighted, "#config-diff")
    def config_row(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.diff):
            name, va, vb = self.diff[event.cursor_row]
            self.query_one("#config-detail", Static).update(Text(f"{name}\nA: {setting_text(va)}\nB: {setting_text(vb)}"))

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_swap(self) -> None:
        self.app.switch_screen(CompareScreen(self.run_b, self.run_a))

    def action_back(self) -> None:
        self.app.pop_screen()
