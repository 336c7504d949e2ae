"""The review queue of a run's suspect labels (``Engine.review_queue``, workbench/review.py): one
row at a time with its text, gold, suggested label, suspicion score and the top classes of the
evidence and of the run; a accepts the suggestion, k keeps the gold, l picks another label, s
skips, z undoes. Each decision is saved in the store as it is made; w writes the corrected copy
(``Engine.relabel``) and r re-runs the run's configuration on it and opens the comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from .base import WorkbenchScreen
from .crash import reporting_failures
from .format import Plain

if TYPE_CHECKING:
    from workbench.relabel import Relabelled
    from workbench.review import ReviewQueue
    from workbench.suspects import Suspects


@dataclass
class QueueReady(Message):
    queue: "ReviewQueue"
    run_top: dict[tuple[str, int], list[tuple[str, float]]]
    """The run's own top classes of each evaluated suspect row, by (split, row)."""


@dataclass
class QueueFailed(Message):
    error: str
    field: str | None = None


@dataclass
class CopyWritten(Message):
    result: "Relabelled"
    then_run: bool


@dataclass
class CopyFailed(Message):
    error: str
    field: str | None = None


def top_text(top) -> str:
    return " · ".join(f"{name} {p:.2f}" for name, p in top) or "-"


class LabelPicker(ModalScreen[str | None]):
    """Another label for the row: typed letters filter the list (many classes), enter picks."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, labels: list[str], gold: str):
        super().__init__()
        self.labels = labels
        self.gold = gold

    def compose(self) -> ComposeResult:
        with Vertical(id="label-picker"):
            yield Plain("pick the label (type to filter, enter: pick, escape: cancel)")
            yield Input(placeholder="filter", id="label-filter")
            yield OptionList(*self._options(""), id="label-options")

    def _options(self, typed: str) -> list[Option]:
        wanted = typed.strip().casefold()
        return [Option(name + ("  (gold)" if name == self.gold else ""), id=name) for name in self.labels if wanted in name.casefold()]

    @on(Input.Changed, "#label-filter")
    def filter(self, event: Input.Changed) -> None:
        options = self.query_one("#label-options", OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted, "#label-filter")
    def submit(self) -> None:
        options = self.query_one("#label-options", OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#label-options")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event) -> None:  # arrows move the list while typing in the filter
        options = self.query_one("#label-options", OptionList)
        if event.key in ("down", "up") and self.focused is self.query_one("#label-filter", Input):
            options.action_cursor_down() if event.key == "down" else options.action_cursor_up()
            event.stop()


class ReviewScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("a", "accept", "Accept"),
        Binding("k", "keep", "Keep gold"),
        Binding("l", "pick", "Label…"),
        Binding("s", "skip", "Skip"),
        Binding("z", "undo", "Undo"),
        Binding("w", "write", "Write", tooltip="write the corrected copy of the data (never in place) with its audit file"),
        Binding("r", "rerun", "Re-run+compare", tooltip="write the corrected copy, run this configuration on it, compare with this run"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, run_id: str, suspects: "Suspects | None" = None):
        super().__init__()
        self.run_id = run_id
        self.suspects = suspects
        self.queue: ReviewQueue | None = None
        self.run_top: dict[tuple[str, int], list[tuple[str, float]]] = {}
        self.written: Relabelled | None = None
        self.written_at = -1
        """The number of decisions stored when the copy was written (a later one makes it stale)."""
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-box"):
            yield Plain(f"finding the suspect labels of run {self.run_id[:12]} …", id="review-head")
            yield Plain("", id="review-labels")
            with VerticalScroll(id="review-text-box"):
                yield Plain("", id="review-text")
            yield Plain("", id="review-evidence")
            yield Plain("", id="review-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "review labels"
        self.load_queue()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def load_queue(self) -> None:
        """The suspects (found now unless the report found them) and the stored decisions."""
        with reporting_failures(self, QueueFailed):
            engine = self.app.engine
            queue = engine.review_queue(self.run_id, self.suspects)
            run = engine.run(queue.run_id)
            labels = run.report.labels if run.report else []
            top: dict[tuple[str, int], list[tuple[str, float]]] = {}
            wanted = {(s.split, s.row) for s in queue.items if s.evaluated}
            split = next((s.split for s in queue.items if s.evaluated), "")
            for p in engine.predictions(queue.run_id) if wanted else []:
                scores = p.scores
                if p.row is not None and (split, p.row) in wanted and scores is not None:
                    order = sorted(range(len(scores)), key=lambda c: -scores[c])[:3]
                    top[(split, p.row)] = [(labels[c], float(scores[c])) for c in order]
            self.post_message(QueueReady(queue, top))

    @on(QueueReady)
    def queue_ready(self, message: QueueReady) -> None:
        self.queue, self.run_top = message.queue, message.run_top
        self.show_current()

    @on(QueueFailed)
    def queue_failed(self, message: QueueFailed) -> None:
        head = self.query_one("#review-head", Static)
        head.update(f"cannot review run {self.run_id[:12]}: {message.error}; escape: back")
        head.add_class("error-line")

    # ------------------------------------------------------------ showing

    def show_current(self) -> None:
        q = self.queue
        if q is None:
            return
        s = q.current()
        head = f"review · run {q.run_id[:12]} · {q.progress()}"
        if s is None:
            self.query_one("#review-head", Static).update(f"{head} · every suspect decided")
            self.query_one("#review-labels", Static).update(f"{q.changes_decided()} labels to change: w writes the corrected copy, r writes it, re-runs and compares; z undoes")
            self.query_one("#review-text", Static).update("")
            self.query_one("#review-evidence", Static).update("")
            return
        where = f"{s.split} row {s.row}" + (f" (id {s.id})" if s.id is not None else "")
        seen = q.decision_of(s)
        again = " · skipped before" if seen is not None else ""
        self.query_one("#review-head", Static).update(f"{head} · {where} · score {s.score:.3f}{again}")
        run = self.run_top.get((s.split, s.row))
        run_part = f"   run: {top_text(run)}" + (f" (predicted {s.predicted})" if s.predicted else "") if run else ""
        self.query_one("#review-labels", Static).update(f"gold: {s.gold}   suggested: {s.suggested}\nevidence: {top_text(s.top)}{run_part}")
        self.query_one("#review-text", Static).update(s.text)
        self.query_one("#review-evidence", Static).update(f"evidence for '{s.split}': {q.evidence.get(s.split, '-')}")

    def status(self, text: str) -> None:
        self.query_one("#review-status", Static).update(text)

    # ------------------------------------------------------------ deciding

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("accept", "keep", "pick", "skip"):
            return self.queue is not None and self.queue.current() is not None and not self.busy
        if action in ("undo", "write", "rerun"):
            return self.queue is not None and not self.busy
        return True

    def _decided(self, what: str) -> None:
        self.status(what)
        self.show_current()
        self.refresh_bindings()

    def action_accept(self) -> None:
        assert self.queue is not None
        r = self.queue.accept()
        self._decided(f"{r.split} row {r.row}: accepted {r.label}")

    def action_keep(self) -> None:
        assert self.queue is not None
        r = self.queue.keep()
        self._decided(f"{r.split} row {r.row}: kept {r.label}")

    def action_skip(self) -> None:
        assert self.queue is not None
        r = self.queue.skip()
        self._decided(f"{r.split} row {r.row}: skipped (it comes back at the end)")

    def action_pick(self) -> None:
        q = self.queue
        assert q is not None
        s = q.current()
        if s is None:
            return
        run = self.app.engine.find(q.run_id)
        labels = list(run.report.labels) if run and run.report else sorted({s.gold, s.suggested})

        def chosen(label: str | None) -> None:
            if label is not None and self.queue is not None and self.queue.current() is not None:
                r = self.queue.choose(label)
                self._decided(f"{r.split} row {r.row}: {r.decided} {r.label}")

        self.app.push_screen(LabelPicker(labels, s.gold), chosen)

    def action_undo(self) -> None:
        assert self.queue is not None
        s = self.queue.undo()
        self._decided(f"undone: {s.split} row {s.row} is to decide again" if s is not None else "nothing to undo")

    # ------------------------------------------------------------ writing, re-running

    def action_write(self) -> None:
        self.write_copy(then_run=False)

    def action_rerun(self) -> None:
        q = self.queue
        if q is not None and self.written is not None and self.written_at == len(q.done):
            self.start_rerun(self.written)
            return
        self.write_copy(then_run=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-write")
    def write_copy(self, then_run: bool) -> None:
        from workbench.relabel import default_out

        q = self.queue
        if q is None:
            return
        self.busy = True
        with reporting_failures(self, CopyFailed):
            engine = self.app.engine
            result = engine.relabel(q.run_id, q.decisions(), default_out(engine.run(q.run_id)))
            self.post_message(CopyWritten(result, then_run))
            return
        self.busy = False

    @on(CopyWritten)
    def copy_written(self, message: CopyWritten) -> None:
        self.busy = False
        self.written, self.written_at = message.result, len(self.queue.done) if self.queue else -1
        r = message.result
        self.status(f"wrote {r.out}: {len(r.changes)} labels changed, audit in relabel-audit.jsonl" + ("; re-running on it …" if message.then_run else "; r re-runs on it and compares"))
        self.refresh_bindings()
        if message.then_run:
            self.start_rerun(r)

    @on(CopyFailed)
    def copy_failed(self, message: CopyFailed) -> None:
        self.busy = False
        self.status(f"cannot write the corrected copy: {message.error}")
        self.refresh_bindings()

    def start_rerun(self, result: "Relabelled") -> None:
        from .run_screen import RunScreen

        run = self.app.engine.find(self.queue.run_id if self.queue else self.run_id)
        if run is None or not run.config.has_spec:
            self.status("the run has no stored configuration to run again")
            return
        self.app.push_screen(RunScreen(result.rerun_spec(run.config.spec()), compare_with=run.run_id))
