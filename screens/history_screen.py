"""History: every run in the store with its key figures and what sets it apart (the engine's
``describe_run``: parameters away from the method's defaults, dtype), sortable and filtered by any
text (``/``); open one's report, take its configuration, resume one that did not finish, or mark
two and compare them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from .base import WorkbenchScreen
from .crash import reporting_failures
from .format import Plain, SortCell, figure, when
from .messages import RunsListed, RunsListFailed

if TYPE_CHECKING:
    from workbench.store import StoredRun

SORTS = (("when", "newest"), ("acc", "accuracy"), ("f1", "macro F1"), ("invalid", "invalid"), ("n", "size"),
         ("method", "method"), ("model", "model"), ("data", "data"), ("split", "split"), ("status", "status"))  # fmt: skip
MARKS = ("A", "B")
COLUMNS = (("mark", " "), ("run", "run"), ("status", "status"), ("acc", "accuracy"), ("f1", "macro F1"), ("split", "split"),
           ("method", "method"), ("what", "what sets it apart"), ("model", "model"), ("data", "data"), ("invalid", "invalid"), ("n", "n"),
           ("when", "when"))  # fmt: skip
"""The status, the figures and the split (a sweep's validation runs apart from its test runs) first,
so they show in 80 columns; the rest scrolls sideways."""
WHAT_WIDTH = 34
"""Characters of a run's description shown in its column (the whole of it is in the filter)."""


def abbreviated(text: str, width: int = WHAT_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def search_text(run: StoredRun, description: str) -> str:
    """What ``/`` matches a run on: its id, status, method, model, data, description and the full
    values of its parameters (a label text, a prompt), case-folded."""
    import json

    params = json.dumps(run.config.params or {}, ensure_ascii=False, default=str)
    parts = (run.run_id, run.shown_status, run.method, run.model or "", run.dataset, run.split, description, params)
    return " ".join(parts).casefold()


def short_source(source: str) -> str:
    """A data source as the table shows it: a folder or file by its own name (its whole path is
    in the detail below the table), a hub name as it is."""
    from pathlib import PurePath

    return PurePath(source).name or source if "/" in source or "\\" in source else source


def run_detail(run: StoredRun, description: str) -> Text:
    """The highlighted run whole, under the table: data path, model, and every parameter it set
    (label texts and prompts in full: the table's column cuts them)."""
    lines = [f"{run.run_id[:12]} · {run.method} · {run.model or '-'} · {run.dataset} [{run.split}]"]
    for name, value in (run.config.params or {}).items():
        if value in (None, {}, []):
            continue
        shown = " | ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        lines.append(f"  {name}: {shown}")
    if len(lines) == 1 and description:
        lines.append(f"  {description}")
    return Text("\n".join(lines))


class RunsTable(DataTable):
    """The runs, one a row; enter opens the highlighted run's report."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open"),
        Binding("home", "scroll_top", "First run", show=False),  # a table's own home/end scroll sideways
        Binding("end", "scroll_bottom", "Last run", show=False),
    ]


class HistoryScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("space", "mark", "Mark A/B"),
        Binding("c", "compare", "Compare"),
        Binding("s", "next_sort", "Sort"),
        Binding("o", "reverse", "Reverse"),
        Binding("p", "prompt", "Prompt"),
        Binding("u", "resume", "Resume"),
        Binding("e", "retry_errors", "Retry errors"),
        Binding("v", "review", "Review labels", tooltip="review the highlighted run's suspect labels and write a corrected copy of its data"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "back", "Back/clear filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, StoredRun] = {}
        self.marked: list[str] = []
        self.sort_index = 0
        self.descending = True
        self.ready = False
        """True once the runs have been read from the store (in a worker) and shown."""
        self.descriptions: dict[str, str] = {}
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("", id="history-status")
        yield Input(placeholder="filter: any text of a run (data, method, model, a label text); escape clears", id="history-filter", compact=True)
        yield RunsTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="run-detail")
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
        from workbench.describe import describe_run

        self.runs = {r.run_id: r for r in message.runs}
        self.descriptions = {r.run_id: describe_run(r) for r in message.runs}
        self.marked = [m for m in self.marked if m in self.runs]
        self.show_rows()
        self.ready = True

    def shown_runs(self) -> list[str]:
        """The runs the filter lets through (all without one), in store order."""
        words = self.filter_text.casefold().split()
        return [rid for rid, r in self.runs.items() if all(w in search_text(r, self.descriptions.get(rid, "")) for w in words)]

    def show_rows(self) -> None:
        table = self.query_one("#runs", DataTable)
        current = self.current_run()
        table.clear()
        for run_id in self.shown_runs():
            r = self.runs[run_id]
            rep = r.report
            status = self.status_text(r)  # 'interrupted': 'running' with no live process, it died
            accuracy, f1, invalid = (rep.accuracy, rep.f1_macro, rep.invalid) if rep else (None, None, None)
            cells = {
                "mark": self.mark_cell(run_id),
                "run": Text(run_id[:12]),
                "acc": SortCell(accuracy, figure(accuracy)),
                "f1": SortCell(f1, figure(f1)),
                "invalid": SortCell(invalid, str(invalid) if invalid is not None else "-"),
                "method": SortCell(r.method, r.method, "left"),
                "what": SortCell(self.descriptions.get(run_id, ""), abbreviated(self.descriptions.get(run_id, "")) or "-", "left"),
                "model": SortCell(r.model or "", r.model or "-", "left"),
                "split": SortCell(r.split, r.split, "left"),
                "data": SortCell(r.dataset, short_source(r.dataset), "left"),
                "n": SortCell(r.n, str(r.n)),
                "when": SortCell(r.created_at, when(r.created_at), "left"),
                "status": SortCell(status, status, "left"),
            }
            table.add_row(*(cells[key] for key, _ in COLUMNS), key=run_id)
        self.apply_sort()
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))

    @on(DataTable.RowHighlighted, "#runs")
    def run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        run = self.runs.get(str(event.row_key.value))
        if run is not None:
            self.query_one("#run-detail", Static).update(run_detail(run, self.descriptions.get(run.run_id, "")))

    def mark_cell(self, run_id: str) -> Text:
        return Text(MARKS[self.marked.index(run_id)] if run_id in self.marked else " ", style="bold reverse" if run_id in self.marked else "")

    def apply_sort(self) -> None:
        key, label = SORTS[self.sort_index]
        self.query_one("#runs", DataTable).sort(key, key=SortCell.sort_key(self.descending), reverse=self.descending)
        order = "descending" if self.descending else "ascending"
        marked = " ".join(f"{m}={rid[:12]}" for m, rid in zip(MARKS, self.marked)) or "none"
        table = self.query_one("#runs", DataTable)
        shown = f"{table.row_count} of {len(self.runs)} runs match '{self.filter_text}'" if self.filter_text else f"{len(self.runs)} runs"
        self.query_one("#history-status", Static).update(f"{shown} · sorted by {label} ({order}) · marked: {marked}")

    def current_run(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if not self.runs or table.row_count == 0 or table.cursor_row < 0:
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
            self.notify(f"run {run_id[:12]} is {run.shown_status or run.status}" + (f": {run.error}" if run.error else "") + "; no report", severity="warning")
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
        for rid in self.shown_runs():
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
        a, b = pair
        self.app.open_compare(a, b, by_age=len(self.marked) < 2)  # two marked: A and B as marked

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

    def action_review(self) -> None:
        run_id = self.current_run()
        if run_id is not None:
            self.app.open_review(run_id)

    def action_resume(self) -> None:
        run = self.ended_run("resume is for a run whose process ended")
        if run is None:
            return
        if run.status == "done" and run.report:
            self.notify(f"run {run.run_id[:12]} is complete: nothing to resume")
            self.app.open_report(run.run_id)
            return
        self.app.resume_run(run.run_id)

    def ended_run(self, otherwise: str) -> StoredRun | None:
        """The highlighted run as the store has it now, to take up again; None (said, with
        ``otherwise``) while a live process computes it, and when it is gone."""
        run_id = self.current_run()
        run = self.fresh_run(run_id) if run_id is not None else None
        if run is not None and run.shown_status == "running":  # the store's word: a live process computes it now
            self.notify(f"run {run.run_id[:12]} is running in a live process; {otherwise}", severity="warning")
            return None
        return run

    def fresh_run(self, run_id: str) -> StoredRun | None:
        """The run as the store has it now (its status may have changed since the list was read:
        a process killed, a run finished), with its row's status brought up to date."""
        run = self.app.engine.find(run_id)
        if run is None:
            self.notify(f"run {run_id[:12]} is no longer in the store", severity="warning")
            return None
        self.runs[run_id] = run
        table = self.query_one("#runs", DataTable)
        status = self.status_text(run)
        table.update_cell(run_id, "status", SortCell(status, status, "left"))
        return run

    @staticmethod
    def status_text(run: StoredRun) -> str:
        """The store's status to show ('interrupted' for a run whose process died), with how far
        an unfinished run got."""
        status = run.shown_status
        return status if run.status == "done" else f"{status} {run.progress}"

    def action_retry_errors(self) -> None:
        """Take the highlighted run up again (finished or not), asking again for the examples
        that got no answer (connection refused, 5xx, 429 after retries); its answers are kept."""
        run = self.ended_run("retry its errors once it has ended")
        if run is None:
            return
        run_id = run.run_id
        errors = self.app.engine.count_errors(run_id)
        if not errors:
            self.notify(f"run {run_id[:12]} has no errors to retry" + ("" if self.runs[run_id].status == "done" else ": u resumes it"))
            return
        self.notify(f"asking again for the {errors} examples of run {run_id[:12]} that got no answer")
        self.app.resume_run(run_id, retry_errors=True)

    def action_filter(self) -> None:
        box = self.query_one("#history-filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#history-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.show_rows()

    @on(Input.Submitted, "#history-filter")
    def filter_submitted(self) -> None:
        self.query_one("#runs", DataTable).focus()  # the filter stays; the keys go to the table

    def action_back(self) -> None:
        """Escape: clears the filter when one is open, else goes back."""
        box = self.query_one("#history-filter", Input)
        if box.has_class("-shown"):
            box.remove_class("-shown")
            box.value = ""
            self.filter_text = ""
            self.show_rows()
            self.query_one("#runs", DataTable).focus()
            return
        self.app.pop_screen()
