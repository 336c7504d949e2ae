"""Sweep: run the variants built in the session (engine.sweep, in a thread worker) and show the
leaderboard as it fills: each variant's metric on the selection split with its 95% interval, the
difference to the baseline, the time and the status; then the test confirmation of the best and
the baseline with McNemar's test. Sortable; enter opens a variant's report; c cancels (what
finished is kept) and r runs the same sweep again, which continues (the engine reuses finished
runs and resumes unfinished ones)."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static
from textual.worker import get_current_worker

from workbench.results import note_line
from workbench.safe_text import visible

from .base import LongWorkScreen
from .crash import reporting_failures
from .format import Plain, SortCell, figure, one_line, seconds, signed
from .messages import RunProgress, SweepFailed, SweepFinished, SweepPlanned, SweepVariantDone

if TYPE_CHECKING:
    from workbench.methods import ProgressEvent
    from workbench.sweep import SweepPlan
    from workbench.sweep_config import SweepConfig
    from workbench.sweep_results import SweepResult, VariantResult

COLUMNS = (("variant", "variant"), ("metric", "metric"), ("ci", "95% interval"), ("diff", "vs baseline"), ("time", "time"),
           ("status", "status"), ("params", "parameters"))  # fmt: skip
SORTS = (("metric", "metric"), ("order", "variant order"), ("time", "time"), ("status", "status"))


class Leaderboard(DataTable):
    """The variants, one a row; enter opens the highlighted variant's report."""

    BINDINGS = [Binding("enter", "select_cursor", "Open")]


def params_text(params: dict[str, Any]) -> str:
    """What a variant sets, on one line: ``labels=a negative review|a positive review``."""
    if not params:
        return "(the defaults)"
    parts = []
    for k, v in params.items():
        shown = "|".join(map(str, v)) if isinstance(v, (list, tuple)) else ",".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else str(v)
        parts.append(f"{k}={shown}")
    return one_line("  ".join(parts), 80)


class SweepScreen(LongWorkScreen):
    BINDINGS = [
        Binding("s", "next_sort", "Sort"),
        Binding("o", "reverse", "Reverse"),
        Binding("c", "cancel", "Cancel"),
        Binding("r", "run_again", "Run again"),
        Binding("m", "compare", "Compare test"),
        Binding("x", "clear", "Clear"),
        Binding("escape", "cancel_or_back", "Back"),
    ]
    PHASE_ID = "sweep-phase"
    PREPARING = "preparing: checking every variant before any runs …"
    DISABLED_WHILE_RUNNING = ("run_again", "clear")

    show_times: ClassVar[bool] = True
    """False: the time column shows '-' for runs computed now (a snapshot test's stable picture)."""

    def __init__(self, config: "SweepConfig"):
        super().__init__()
        self.config = config
        self.results: dict[str, VariantResult] = {}
        self.result: SweepResult | None = None
        self.cancel_event = threading.Event()
        self.running = False
        self.finished_runs = 0
        self.sort_index = 0
        self.descending = True
        self.select_name = ""
        self.confirmed = False
        """The user agreed to the size of a sweep past the engine's LARGE_SWEEP (asked on mount)."""

    def compose(self) -> ComposeResult:
        c = self.config
        yield Header()
        with Vertical(id="sweep-box"):
            yield Plain(f"sweep of {len(c.variants)} variants · metric {c.metric} · baseline {c.baseline}", id="sweep-title")
            yield Plain(self.PREPARING, id=self.PHASE_ID)
            yield ProgressBar(id="sweep-progress", show_eta=False)
            yield Leaderboard(id="leaderboard", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="variant-detail")
            yield Plain("", id="sweep-test")
            yield Plain("", id="sweep-error", classes="error-line")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "sweep"
        table = self.query_one("#leaderboard", DataTable)
        for key, label in COLUMNS:
            table.add_column(self.config.metric if key == "metric" else label, key=key)
        for i, v in enumerate(self.config.variants):
            table.add_row(*self.cells(v.name, i, None), key=v.name)
        table.focus()
        note = self.config.size_note()  # the engine's rule; this screen only asks
        if note is None:
            self.start()
            return
        from .confirm import ConfirmScreen

        self.query_one("#sweep-phase", Static).update(f"waiting: {note}")
        self.app.push_screen(ConfirmScreen("a large sweep", f"{note}.\n\ny: run it · n: go back"), self.size_answered)

    def size_answered(self, yes: bool | None) -> None:
        if yes:
            self.confirmed = True
            self.start()
        else:
            note = self.config.size_note() or ""
            self.query_one("#sweep-phase", Static).update(f"not started: {note}; r runs it, escape goes back")

    @on(DataTable.RowHighlighted, "#leaderboard")
    def variant_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted variant's settings whole (the table cuts them to a column)."""
        variant = next((v for v in self.config.variants if v.name == event.row_key.value), None)
        if variant is not None:
            whole = "\n".join(f"  {k}: {' | '.join(map(str, v)) if isinstance(v, (list, tuple)) else v}" for k, v in variant.own.items())
            self.query_one("#variant-detail", Static).update(f"{variant.name}: " + ("\n" + whole if whole else "(the defaults)"))

    def on_unmount(self) -> None:
        self.cancel_event.set()  # leaving the screen (or quitting) stops the sweep at its next batch

    # ------------------------------------------------------------ the worker

    def start(self) -> None:
        self.cancel_event = threading.Event()
        self.running = True
        self.finished_runs = 0
        self.result = None
        self.results.clear()  # every row fills again as the engine reuses, resumes or runs it
        self.refresh_rows()
        self.query_one("#sweep-error", Static).update("")
        self.query_one("#sweep-test", Static).update("")
        self.refresh_bindings()
        self.run_sweep(self.cancel_event)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sweep")
    def run_sweep(self, cancel_event: threading.Event) -> None:
        worker = get_current_worker()

        def on_progress(event: ProgressEvent) -> None:
            if worker.is_cancelled:
                cancel_event.set()  # the worker's cancel is the engine's cancel event
            self.post_message(RunProgress(event))

        def on_variant(vr: VariantResult, res: SweepResult) -> None:
            self.post_message(SweepVariantDone(replace(vr, params=dict(vr.params))))  # a copy: the engine fills its own on

        def on_plan(plan: SweepPlan) -> None:
            self.post_message(SweepPlanned(plan))

        with reporting_failures(self, SweepFailed):
            result = self.app.engine.sweep(
                self.config, on_variant=on_variant, on_progress=on_progress, cancel_event=cancel_event,
                on_plan=on_plan, confirmed=self.confirmed,
            )  # fmt: skip
            self.post_message(SweepFinished(result))

    # ------------------------------------------------------------ messages

    @on(SweepPlanned)
    def planned(self, message: SweepPlanned) -> None:
        plan = message.plan
        ev = plan.preps[self.config.baseline].dataset.eval
        self.select_name = ev.name
        c = self.config
        title = f"sweep of {len(c.variants)} variants on {ev.name} (n={len(ev)}) · metric {c.metric} · baseline {c.baseline}"
        self.query_one("#sweep-title", Static).update("\n".join([title] + [note_line(n) for n in plan.notes]))
        self.query_one("#sweep-phase", Static).update(f"running the variants on {ev.name} …")

    @on(RunProgress)
    def progress(self, message: RunProgress) -> None:
        ev = message.event
        if not self.running:
            return
        self.query_one("#sweep-progress", ProgressBar).update(total=ev.total, progress=ev.done)
        n = len(self.config.variants)
        where = (
            f"{min(self.finished_runs, n)} of {n} variants finished · {ev.label} {ev.done}/{ev.total}"
            if self.finished_runs < n
            else f"confirming the best and the baseline on {self.config.data.test_split} · {ev.label} {ev.done}/{ev.total}"
        )
        self.query_one("#sweep-phase", Static).update(where)

    @on(SweepVariantDone)
    def variant_done(self, message: SweepVariantDone) -> None:
        vr = message.variant
        self.finished_runs += 1
        if vr.test is not None or vr.test_run_id is not None:
            return  # a test confirmation run: shown at the end
        self.results[vr.name] = vr
        self.refresh_rows()

    @on(SweepFinished)
    def finished(self, message: SweepFinished) -> None:
        self.running = False
        res = self.result = message.result
        for vr in res.variants:
            self.results[vr.name] = vr
        self.refresh_rows()
        bar = self.query_one("#sweep-progress", ProgressBar)
        phase = self.query_one("#sweep-phase", Static)
        if res.status == "done":
            bar.update(total=1, progress=1)
            best = res.result(res.best) if res.best else None
            value = best.value(res.metric) if best else None
            phase.update(f"done: best on {res.select_split} is {res.best} ({res.metric} {figure(value)})")
        elif res.status == "cancelled":
            phase.update("cancelled: finished runs are kept; r runs the sweep again and continues where it stopped")
        else:
            phase.update("failed: " + "; ".join(res.notes[-1:]))
        self.query_one("#sweep-test", Static).update(self.test_text(res))
        self.refresh_bindings()

    @on(SweepFailed)
    def failed(self, message: SweepFailed) -> None:
        self.running = False
        self.query_one("#sweep-phase", Static).update("stopped")
        self.query_one("#sweep-error", Static).update(f"{message.error}\n\nescape: back")
        self.notify(message.error, title="sweep stopped", severity="error")
        self.refresh_bindings()

    # ------------------------------------------------------------ the leaderboard

    def cells(self, name: str, index: int, vr: "VariantResult | None") -> list:
        c = self.config
        base = self.results.get(c.baseline)
        base_value = base.value(c.metric) if base else None
        value = vr.value(c.metric) if vr else None
        tags = [t for t, on_ in (("baseline", name == c.baseline), ("best", self.result is not None and self.result.best == name)) if on_]
        label = Text(visible(name) + "".join(f" · {t}" for t in tags), style="bold" if "best" in tags else "")
        from workbench.sweep_results import metric_interval

        ci = metric_interval(vr.select, c.metric) if vr and value is not None else None
        if vr is None or vr.status == "pending":
            time_text, time_value = "-", None
        elif vr.reused:
            time_text, time_value = "cached", 0.0
        else:
            time_text, time_value = (seconds(vr.elapsed_s) if self.show_times else "-"), vr.elapsed_s
        status: str = vr.status if vr else "pending"
        if vr is not None and vr.select is not None and vr.status == "cancelled":
            status = f"cancelled {vr.select.n} done"
        if vr is not None and vr.error:
            status = f"{status}: {one_line(vr.error, 60)}"
        params = dict(c.variants[index].own)
        return [
            SortCell(name, label, "left"),
            SortCell(value, figure(value)),
            Text(f"[{ci[0]:.4f}, {ci[1]:.4f}]" if ci else "-", justify="right"),
            SortCell(None if value is None or base_value is None else value - base_value,
                     signed(value - base_value) if value is not None and base_value is not None else "-"),  # fmt: skip
            SortCell(time_value, time_text),
            SortCell(status, status, "left"),
            Text(params_text(params)),
        ]

    def refresh_rows(self) -> None:
        table = self.query_one("#leaderboard", DataTable)
        for i, v in enumerate(self.config.variants):
            for (key, _), cell in zip(COLUMNS, self.cells(v.name, i, self.results.get(v.name))):
                table.update_cell(v.name, key, cell, update_width=True)
        self.apply_sort()

    def apply_sort(self) -> None:
        key, label = SORTS[self.sort_index]
        table = self.query_one("#leaderboard", DataTable)
        if key == "order":
            order = {v.name: i for i, v in enumerate(self.config.variants)}
            table.sort("variant", key=lambda cell: order[cell.value], reverse=self.descending)
        else:
            table.sort(key, key=SortCell.sort_key(self.descending), reverse=self.descending)
        done = sum(1 for v in self.results.values() if v.status != "pending")
        direction = "desc" if self.descending else "asc"
        label = self.config.metric if key == "metric" else label
        self.sub_title = f"sweep · {done}/{len(self.config.variants)} done · by {label} ({direction})"

    def test_text(self, res: "SweepResult") -> str:
        """The test confirmation of the best and the baseline, with McNemar's test."""
        from workbench.metric_registry import companion, metric
        from workbench.sweep_results import comparison_lines

        if res.best is None:
            return ""
        shown, other = metric(res.metric), metric(companion(res.metric))
        lines = [f"test confirmation on {res.test_split}:"]
        for name in dict.fromkeys([res.baseline, res.best]):
            t = res.result(name).test
            if t is not None:
                tag = "baseline" if name == res.baseline else "best"
                lines.append(f"  {name} ({tag}): {shown.name} {figure(shown.value(t))} · {other.name} {figure(other.value(t))} · n={t.n}")
        if res.test_comparison is not None:
            lines += [f"  {line}" for line in comparison_lines(res.test_comparison)]
        return "\n".join(lines)

    # ------------------------------------------------------------ actions

    @on(DataTable.RowSelected, "#leaderboard")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        name = event.row_key.value
        vr = self.results.get(name) if name is not None else None
        if vr is None or vr.select is None:
            self.notify(f"variant {name} has no report yet ({vr.status if vr else 'pending'})", severity="warning")
            return
        self.app.open_report(vr.run_id)

    def action_next_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.descending = SORTS[self.sort_index][0] == "metric"  # the best first; the others from the top
        self.apply_sort()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.apply_sort()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "compare" and not (self.result is not None and self.result.test_comparison is not None and self.result.test_comparison.tested):
            return None
        return super().check_action(action, parameters)

    def action_run_again(self) -> None:
        if not self.running:
            self.confirmed = True  # r on a sweep not started for its size is the user's yes
        super().action_run_again()

    def action_compare(self) -> None:
        res = self.result
        if res is None or res.best is None:
            return
        a, b = res.result(res.baseline).test_run_id, res.result(res.best).test_run_id
        if a and b and a != b:
            self.app.open_compare(a, b)

    def action_clear(self) -> None:
        """Forget the variants built in this session (a new sweep starts from the next added)."""
        if not self.running:
            self.app.session.clear_variants()
            self.notify("the session's variants are cleared: ctrl+s on prompt/labels adds new ones")
