"""Run: prepare and execute the configuration in a thread worker, with live progress (phase,
examples done, speed, elapsed and ETA, device, running accuracy) and cancel. A finished or
cancelled run with predictions opens its report; a refusal or failure is shown in place."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import get_current_worker

if TYPE_CHECKING:  # the engine's types; the modules load in the workers
    from textual.notifications import SeverityLevel

    from workbench.methods import ProgressEvent
    from workbench.spec import PreparedRun

from workbench.progress import Phase

from .base import WorkbenchScreen
from .crash import reporting_failures
from .fields import tui_message
from .format import Plain, model_name, seconds
from .messages import RunFailed, RunFinished, RunProgress, RunStarted

PHASE_NAMES = {
    Phase.LOADING_MODEL: "loading the model", Phase.ENCODING_TRAIN: "encoding the train split (fit)",
    Phase.ENCODING_LABEL_TEXTS: "encoding the label texts", Phase.FITTING: "fitting the classifier",
}  # fmt: skip
"""The run screen's words for a phase where they differ from the engine's (``ProgressEvent.label``)."""


def counted(ev) -> bool:
    """Whether a progress event counts examples (shown as a bar, a rate and an ETA); a step with no
    count (loading the model: 0 of 1, then 1 of 1) is shown as going on, never as 0% or 100%."""
    return ev.phase is Phase.PREDICTING or (ev.total or 0) > 1


def eta_text(ev, rate: float, eval_total: int | None) -> str:
    """The time left of the whole run, not of the phase showing. Encoding the train split comes
    before predicting the evaluated split, which encodes as many texts again with the same model
    (an embedding method's prediction is its encoding): the run's ETA counts both at this phase's
    rate. Another phase says what it knows: its own time left and what comes after it."""
    if rate <= 0 or not ev.total:
        return "ETA -"
    left = (ev.total - ev.done) / rate
    if ev.phase == "predicting":
        return f"ETA {seconds(left)}"
    if ev.phase == "encoding train" and eval_total:
        return f"ETA {seconds(left + eval_total / rate)} (the whole run, at this rate)"
    then = f", then {eval_total} examples to predict" if eval_total else ""
    return f"this phase {seconds(left)}{then}"


def device_label(prep) -> str:
    """Where a prepared run runs and in which precision: "cpu float32", "cuda bfloat16"; just
    "api" for a method that runs no local model."""
    return prep.device if prep.dtype is None else f"{prep.device} {prep.dtype}"


class RunScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("c", "cancel", "Cancel"),
        Binding("escape", "cancel_or_back", "Back (cancels the run)"),
    ]

    LEAVE_WINDOW_S = 5.0
    """Seconds within which a second escape confirms leaving a run that is still going."""

    def __init__(self, spec, rerun: bool = False, resume: str | None = None, retry_errors: bool = False, compare_with: str | None = None):
        """``resume``: the id of a stored unfinished run to continue (``spec`` is its configuration);
        ``retry_errors``: ask again for its examples whose outcome is an error too;
        ``compare_with``: a run to compare the finished one with (as A), instead of its report."""
        super().__init__()
        self.compare_with = compare_with
        self.retry_errors = retry_errors
        self.spec = spec
        self.rerun = rerun
        self.resume = resume
        self.first_done: dict[str, int] = {}
        """Examples already done when each phase first reported: a resumed run starts part done."""
        self.cancel_event = threading.Event()
        self.started = time.monotonic()
        self.finished = False
        self.device = "…"
        self.eval_total: int | None = None
        """The evaluated split's size, once the run is prepared (the predicting phase's count)."""
        self.phases: list[str] = []
        self.last_event: ProgressEvent | None = None
        self.leave_asked_at: float | None = None
        """When escape asked to confirm leaving the unfinished run (None: not asked)."""

    def compose(self) -> ComposeResult:
        spec = self.spec
        yield Header()
        with Vertical(id="run-box"):
            yield Plain(f"{spec.method} · {model_name(spec)} · {spec.data.source} [{spec.data.split}]", id="run-title")
            yield Plain("preparing: loading the data, checking the configuration, picking the device …", id="run-phase")
            yield ProgressBar(id="run-progress", show_eta=False)
            yield Plain("", id="run-stats")
            yield Plain("", id="run-phases")
            yield Plain("", id="run-error", classes="error-line")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "run"
        self.worker = self.run_in_thread()
        self.set_interval(0.5, self.tick)

    def on_unmount(self) -> None:
        self.cancel_event.set()  # leaving the screen (or quitting) stops the run at its next batch

    # ------------------------------------------------------------ the worker

    @work(thread=True, exclusive=True, exit_on_error=False, group="run")
    def run_in_thread(self) -> None:
        worker = get_current_worker()

        def on_progress(event: ProgressEvent) -> None:
            if worker.is_cancelled:
                self.cancel_event.set()  # the worker's cancel is the engine's cancel event
            self.post_message(RunProgress(event))

        def started(prep: PreparedRun) -> None:
            self.post_message(RunStarted(prep.run_id, len(prep.dataset.eval), device_label(prep)))

        engine = self.app.engine
        with reporting_failures(self, RunFailed):  # a WorkbenchError is the user's to fix; anything else a crash file
            if self.resume:
                trust = self.spec.trust_remote_code
                outcome = engine.resume(
                    self.resume, on_progress=on_progress, cancel_event=self.cancel_event, on_prepared=started, trust_remote_code=trust,
                    retry_errors=self.retry_errors,
                )  # fmt: skip
            else:
                prep = engine.prepare(self.spec)
                started(prep)
                outcome = engine.execute(prep, on_progress=on_progress, cancel_event=self.cancel_event, rerun=self.rerun)
            self.post_message(RunFinished(outcome))

    # ------------------------------------------------------------ progress

    @on(RunStarted)
    def run_started(self, message: RunStarted) -> None:
        """The run is prepared: its device and dtype are resolved (``prepare`` picked them)."""
        self.device = message.device or "…"
        self.eval_total = message.total
        self.query_one("#run-title", Static).update(
            f"run {message.run_id[:12]} · {self.spec.method} · {model_name(self.spec)} · {self.spec.data.source} [{self.spec.data.split}, n={message.total}]"
        )
        if not self.phases:
            self.query_one("#run-phase", Static).update("starting …")
        if self.last_event is None:  # no progress yet: the device line alone, as soon as it is known
            self.query_one("#run-stats", Static).update(f"device {self.device}")

    @on(RunProgress)
    def run_progress(self, message: RunProgress) -> None:
        ev = message.event
        phase = PHASE_NAMES.get(ev.phase, ev.label)
        self.first_done.setdefault(ev.label, ev.done)
        if not self.phases or self.phases[-1] != phase:
            self.phases.append(phase)
        bar = self.query_one("#run-progress", ProgressBar)
        if counted(ev):
            self.query_one("#run-phase", Static).update(f"phase: {phase}")
            bar.update(total=ev.total, progress=ev.done)
        else:
            self.query_one("#run-phase", Static).update(f"phase: {phase} …")
            bar.update(total=None)  # indeterminate: it moves, with no percentage
        self.last_event = ev
        self.query_one("#run-stats", Static).update(self.stats_line(ev))
        done = " → ".join(self.phases)
        self.query_one("#run-phases", Static).update(f"phases: {done}")

    def stats_line(self, ev) -> str:
        """Two lines: counts, speed and times; then device and running accuracy."""
        first = []
        if counted(ev):
            rate = (ev.done - self.first_done.get(ev.label, 0)) / ev.elapsed_s if ev.elapsed_s > 0 else 0.0
            unit = "steps" if ev.loss is not None else "examples"
            first += [f"{ev.done} / {ev.total} {unit}", f"{rate:.1f} {unit}/s", eta_text(ev, rate, self.eval_total)]
        first.append(f"elapsed {seconds(time.monotonic() - self.started)}")
        second = [f"device {self.device}"]
        if ev.loss is not None:
            second.append(f"training loss {ev.loss:.4f}")
        if ev.correct is not None and ev.done:
            second.append(f"accuracy so far {ev.correct / ev.done:.4f} ({ev.correct} of {ev.done} right)")
        return "  ·  ".join(first) + "\n" + "  ·  ".join(second)

    def tick(self) -> None:
        """Twice a second: the elapsed time moves even while a phase reports nothing."""
        if not self.finished:
            if self.leave_asked_at is not None and time.monotonic() - self.leave_asked_at > self.LEAVE_WINDOW_S:
                self.leave_asked_at = None  # the question lapsed: the run goes on
                self.query_one("#run-error", Static).update("")
            self.sub_title = f"run · {seconds(time.monotonic() - self.started)}"
            if self.last_event is not None:
                self.query_one("#run-stats", Static).update(self.stats_line(self.last_event))

    # ------------------------------------------------------------ the end

    @on(RunFinished)
    def run_finished(self, message: RunFinished) -> None:
        self.finished = True
        outcome = message.outcome
        if outcome.status == "failed" or outcome.report is None:
            why = tui_message(outcome.error, outcome.error_field) if outcome.error else f"the run was {outcome.status} before any prediction finished: nothing to report"
            self.show_error(why, "error" if outcome.status == "failed" else "warning")
            return
        notice = None
        if outcome.reused:
            notice = "an identical run is stored: showing it (shift+r on the report recomputes)"
        elif outcome.status == "cancelled":
            notice = f"cancelled: the report covers the {outcome.report.n} examples that finished; u on the history (h) resumes it"
        elif self.resume:
            notice = "resumed: the predictions kept from the earlier attempt were not computed again"
            retried = [n for n in outcome.report.notes if n.startswith("retried ")]
            if retried:
                notice += f"; {retried[0]}"
        for said in outcome.report.warnings:  # the run may not measure what it seems to: said as it ends
            self.app.notify(said, title="warning", severity="warning", timeout=12)
        if self.compare_with is not None and outcome.status == "done":
            from .compare_screen import CompareScreen

            self.app.session.note_run(outcome.run_id)
            self.app.switch_screen(CompareScreen(self.compare_with, outcome.run_id))
            return
        self.app.open_report(outcome.run_id, replace=True, notice=notice)

    @on(RunFailed)
    def run_failed(self, message: RunFailed) -> None:
        self.finished = True
        self.show_error(message.error)

    def show_error(self, error: str, severity: SeverityLevel = "error") -> None:
        self.query_one("#run-error", Static).update(f"{error}\n\nescape: back")
        self.query_one("#run-phase", Static).update("stopped")
        self.notify(error, title="run stopped", severity=severity)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cancel" and self.finished:
            return None  # shown disabled once the run is over
        return True

    def action_cancel(self) -> None:
        if not self.finished and not self.cancel_event.is_set():
            self.cancel_event.set()
            self.query_one("#run-phase", Static).update("cancelling: finishing the current batch …")

    def action_cancel_or_back(self) -> None:
        """Back when the run is over; while it goes on, leaving would cancel it (no run goes on
        without its screen), so the first escape says so and a second one within a few seconds
        cancels it and goes back (its finished predictions are kept: u on the history resumes it)."""
        if self.finished:
            self.app.pop_screen()
            return
        now = time.monotonic()
        if self.leave_asked_at is not None and now - self.leave_asked_at <= self.LEAVE_WINDOW_S:
            self.cancel_event.set()
            self.notify("run cancelled: its finished predictions are kept (u on the history resumes it)", severity="warning")
            self.app.pop_screen()
            return
        self.leave_asked_at = now
        self.notify(
            "leaving cancels the run (it does not go on without this screen): escape again within "
            f"{self.LEAVE_WINDOW_S:.0f}s cancels it and goes back; c cancels and shows the report of what finished; else it goes on",
            title="the run is still going", severity="warning", timeout=self.LEAVE_WINDOW_S,
        )  # fmt: skip
        self.query_one("#run-error", Static).update("escape again: cancel the run and go back · c: cancel and see the report")
