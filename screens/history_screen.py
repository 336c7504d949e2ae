"""History: every run in the store with its key figures, sortable; open one's report, take its
configuration, resume one that did not finish, or mark two and compare them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from .base import WorkbenchScreen
from .crash import reporting_failures
from .format import Plain, SortCell, figure, when
from .messages import RunsListed, RunsListFailed

if TYPE_CHECKING:
    from workbench.store import StoredRun

SORTS = (("when", "newest"), ("acc", "accuracy"), ("f1", "macro F1"), ("invalid", "invalid"), ("n", "size"),
         ("method", "method"), ("model", "model"), ("data", "data"), ("status", "status"))  # fmt: skip
MARKS = ("A", "B")
COLUMNS = (("mark", " "), ("run", "run"), ("acc", "accuracy"), ("f1", "macro F1"), ("invalid", "invalid"), ("method", "method"),
           ("model", "model"), ("data", "data [split]"), ("n", "n"), ("when", "when"), ("status", "status"))  # fmt: skip


class RunsTable(DataTable):
    """The runs, one a row; enter opens the highlighted run's report."""

    BINDINGS = [Binding("enter", "select_cursor", "Open")]


class HistoryScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("space", "mark", "Mark A/B"),
        Binding("c", "compare", "Compare"),
        Binding("s", "next_sort", "Sort"),
        Binding("o", "reverse", "Reverse"),
        Binding("p", "prompt", "Prompt"),
        Binding("u", "resume", "Resume"),
        Binding("e", "retry_errors", "Retry errors"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, StoredRun] = {}
        self.marked: list[str] = []
        self.sort_index = 0
        self.descending = True
        self.ready = False
        """True once the runs have been read from the store (in a worker) and shown."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("", id="history-status")
        yield RunsTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "history"
        table = self.query_one("#runs", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the stored runs in a worker (a store of thousands must not hold up the keys)."""
        self.list_runs()

    @work(thread=True, exclusive=True, exit_on_error=False, group="history-read")
    def list_runs(self) -> None:
        with reporting_failures(self, RunsListFailed):
            self.post_message(RunsListed(self.app.engine.runs()))

    @on(RunsListFailed)
    def runs_list_failed(self, message: RunsListFailed) -> None:
        self.notify(f"cannot read the runs: {message.error}", severity="error")
        self.ready = True

    @on(RunsListed)
    def runs_listed(self, message: RunsListed) -> None:
        table = self.query_one("#runs", DataTable)
        table.clear()
        self.runs = {r.run_id: r for r in message.runs}
        self.marked = [m for m in self.marked if m in self.runs]
        for run_id, r in self.runs.items():
            rep = r.report
            status = r.shown_status  # 'interrupted': 'running' with no live process, it died
            if r.status != "done":  # how far it got
                status = f"{status} {r.progress}"
            accuracy, f1, invalid = (rep.accuracy, rep.f1_macro, rep.invalid) if rep else (None, None, None)
            cells = {
                "mark": self.mark_cell(run_id),
                "run": Text(run_id[:12]),
                "acc": SortCell(accuracy, figure(accuracy)),
                "f1": SortCell(f1, figure(f1)),
                "invalid": SortCell(invalid, str(invalid) if invalid is not None else "-"),
                "method": SortCell(r.method, r.method, "left"),
                "model": SortCell(r.model or "", r.model or "-", "left"),
                "data": SortCell(f"{r.dataset}:{r.split}", f"{r.dataset} [{r.split}]", "left"),
                "n": SortCell(r.n, str(r.n)),
                "when": SortCell(r.created_at, when(r.created_at), "left"),
                "status": SortCell(status, status, "left"),
            }
            table.add_row(*(cells[key] for key, _ in COLUMNS), key=run_id)
        self.apply_sort()
        self.ready = True

    def mark_cell(self, run_id: str) -> Text:
        return Text(MARKS[self.marked.index(run_id)] if run_id in self.marked else " ", style="bold reverse" if run_id in self.marked else "")

    def apply_sort(self) -> None:
        key, label = SORTS[self.sort_index]
        self.query_one("#runs", DataTable).sort(key, key=SortCell.sort_key(self.descending), reverse=self.descending)
        order = "descending" if self.descending else "ascending"
        marked = " ".join(f"{m}={rid[:12]}" for m, rid in zip(MARKS, self.marked)) or "none"
        self.query_one("#history-status", Static).update(f"{len(self.runs)} runs · sorted by {label} ({order}) · marked: {marked}")

    def current_run(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if not self.runs or table.cursor_row < 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # ------------------------------------------------------------ actions

    @on(DataTable.RowSelected, "#runs")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_run(event.row_key.value)

    def open_run(self, run_id: str) -> None:
        run = self.runs[run_id]
        if not run.report:
            self.notify(f"run {run_id[:12]} is {run.status}" + (f": {run.error}" if run.error else "") + "; no report", severity="warning")
            return
        self.app.open_report(run_id)

    def action_mark(self) -> None:
        run_id = self.current_run()
        if run_id is None:
            return
        if run_id in self.marked:
            self.marked.remove(run_id)
        else:
            self.marked = (self.marked + [run_id])[-2:]
        table = self.query_one("#runs", DataTable)
        for rid in self.runs:
            table.update_cell(rid, "mark", self.mark_cell(rid))
        self.apply_sort()

    def action_compare(self) -> None:
        pair = list(self.marked)
        current = self.current_run()
        if len(pair) < 2 and current and current not in pair:
            pair.append(current)
        if len(pair) < 2:
            self.notify("mark two runs with space (or mark one and move to the other), then c", severity="warning")
            return
        missing = [r[:12] for r in pair if not self.runs[r].report]
        if missing:
            self.notify(f"run {', '.join(missing)} has no report to compare", severity="warning")
            return
        a, b = pair if len(self.marked) == 2 else sorted(pair, key=lambda r: self.runs[r].created_at)
        self.app.open_compare(a, b)

    def action_next_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.apply_sort()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.apply_sort()

    def action_prompt(self) -> None:
        run_id = self.current_run()
        if run_id and self.app.use_config_of(run_id):
            self.app.open_prompt()

    def action_resume(self) -> None:
        run_id = self.current_run()
        if run_id is None:
            return
        run = self.runs[run_id]
        if run.status == "done" and run.report:
            self.notify(f"run {run_id[:12]} is complete: nothing to resume")
            self.app.open_report(run_id)
            return
        if self.app.engine.is_live(run_id):
            self.notify(f"run {run_id[:12]} is still running; resume is for a run whose process ended", severity="warning")
            return
        self.app.resume_run(run_id)

    def action_retry_errors(self) -> None:
        """Take the highlighted run up again (finished or not), asking again for the examples
        that got no answer (connection refused, 5xx, 429 after retries); its answers are kept."""
        run_id = self.current_run()
        if run_id is None:
            return
        if self.app.engine.is_live(run_id):
            self.notify(f"run {run_id[:12]} is still running; retry its errors once it has ended", severity="warning")
            return
        errors = self.app.engine.count_errors(run_id)
        if not errors:
            self.notify(f"run {run_id[:12]} has no errors to retry" + ("" if self.runs[run_id].status == "done" else ": u resumes it"))
            return
        self.notify(f"asking again for the {errors} examples of run {run_id[:12]} that got no answer")
        self.app.resume_run(run_id, retry_errors=True)

    def action_back(self) -> None:
        self.app.pop_screen()
