"""Prompt and labels: edit the selected method's label texts, templates and other parameters,
with a live preview of what the model is given for a real example. Only the parameters the
method has get an editor; refused values are explained in place and block the run."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, Static

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from textual.timer import Timer

    from workbench.data import Dataset
    from workbench.live_estimate import SampleEstimate
    from workbench.methods import Prediction
    from workbench.spec import RunSpec

from .base import WorkbenchScreen
from .crash import reporting_failures
from .estimate_line import estimate_content
from .format import Plain, PlainLabel, model_name
from .messages import DatasetFailed, DatasetLoaded, ExampleScored, ExampleScoreFailed, SampleEstimated, SampleEstimateFailed
from .param_editors import ParamEdited, ParamEditor, make_editor
from .preview import preview_content
from .validation import default_label_texts, method_error, method_instance


class PromptScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("ctrl+r", "run", "Run"),
        Binding("ctrl+n", "next_example", "Next example"),
        Binding("ctrl+o", "next_error", "Next error", show=False),  # of the live estimate's sample (ctrl+w: the fields delete a word)
        Binding("ctrl+e", "score_example", "Score example", priority=True),  # over the editors (end of line: the End key)
        Binding("ctrl+t", "try_it", "Try"),
        Binding("ctrl+s", "add_variant", "Add variant"),
        Binding("ctrl+g", "sweep", "Sweep"),
        Binding("ctrl+b", "history", "History"),
        Binding("escape", "back", "Setup"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.dataset: Dataset | None = None
        self.example = 0
        self.valid = False
        self.scored: tuple[Prediction, list[str], int] | None = None
        """The example's last scores (prediction, label names, gold), shown under the preview."""
        self.score_seq = 0
        self._score_timer: Timer | None = None
        self.estimate: SampleEstimate | None = None
        """The live estimate of the accepted parameters on the sample (embedding methods)."""
        self.estimate_seq = 0
        self.estimating = False
        self.estimate_pending = False
        """An edit came while an estimate was computing: estimate it when that one ends."""
        self.estimated_seq = 0
        """The edit the estimate shown answers (below ``estimate_seq``: a newer one is being estimated)."""
        self.baseline: tuple[RunSpec, SampleEstimate | None, str] | None = None
        """What the estimate is measured against: the session's last run of this method on this data,
        else the parameters the screen opened with; its estimate once computed; its name."""

    @property
    def method_cls(self):
        from workbench.methods import METHODS

        return METHODS[self.app.session.spec.method]

    def compose(self) -> ComposeResult:
        spec = self.app.session.spec
        yield Header()
        yield Plain(f"{spec.method} · {model_name(spec)} · {spec.data.source} [{spec.data.split}]", id="prompt-head")
        with VerticalScroll(id="editors", can_focus=False):  # Tab goes between the fields, never to their frame
            yield Plain("loading the data for the label names and examples …", id="editors-status")
        yield Plain("", id="prompt-error", classes="error-line")
        yield Plain("", id="estimate")
        with VerticalScroll(id="preview-box"):
            yield Plain("", id="preview")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show_sweep_note()
        self.load_data(self.app.session.spec.data)

    @work(thread=True, exclusive=True, exit_on_error=False, group="prompt-data")
    def load_data(self, data) -> None:
        with reporting_failures(self, lambda error, field: DatasetFailed(error, data, field)):
            self.post_message(DatasetLoaded(self.app.engine.load_dataset(data, need_train=False), data))

    @on(DatasetFailed)
    def dataset_failed(self, message: DatasetFailed) -> None:
        self.query_one("#editors-status", Static).update(f"cannot load the data: {message.error}\n(escape: back to setup to fix it)")
        self.query_one("#editors-status").add_class("error-line")

    @on(DatasetLoaded)
    async def dataset_loaded(self, message: DatasetLoaded) -> None:
        self.dataset = message.dataset
        await self.build_editors()
        self.refresh_state()

    async def build_editors(self) -> None:
        assert self.dataset is not None  # built when the data has loaded
        spec, names = self.app.session.spec, self.dataset.label_names
        defaults = default_label_texts(self.method_cls, names)
        main = [p for p in self.method_cls.params if p.editor_kind != "line"]  # prompt and labels
        other = [p for p in self.method_cls.params if p.editor_kind == "line"]
        widgets = []
        if main:
            widgets.append(PlainLabel("Prompt and labels", classes="section-title"))
            widgets += [make_editor(p, spec.params.get(p.name), names, defaults) for p in main]
        else:
            widgets.append(PlainLabel(f"{spec.method} has no label texts or templates to edit", classes="section-title"))
        if other:
            widgets.append(PlainLabel("Other parameters (empty: the default)", classes="section-title"))
            widgets += [make_editor(p, spec.params.get(p.name), names, defaults) for p in other]
        widgets.append(Horizontal(PlainLabel("Sweep variant name ", classes="label-name"), self.variant_name_box(), id="variant-name-row"))
        status = self.query_one("#editors-status", Static)
        await self.query_one("#editors", VerticalScroll).mount_all(widgets, before=status)
        await status.remove()
        first = next(iter(self.query("#editors Input, #editors TextArea")), None)
        if first is not None:
            first.focus()

    def editors(self) -> list[ParamEditor]:
        return list(self.query(ParamEditor).results(ParamEditor))

    @on(ParamEdited)
    def param_edited(self) -> None:
        self.refresh_state()

    def refresh_state(self) -> None:
        """Validate every field, store the configuration when all are accepted, redraw the preview."""
        if self.dataset is None:
            return
        params, refused = {}, False
        for editor in self.editors():
            refused |= editor.revalidate() is not None
            try:
                value = editor.value()
            except ValueError:
                continue
            if not editor.is_default(value):
                params[editor.param.name] = value
        problem = None if refused else method_error(self.method_cls, self.dataset.label_names, params)
        self.query_one("#prompt-error", Static).update(f"refused: {problem}" if problem else "")
        was_valid, self.valid = self.valid, not refused and problem is None
        if self.valid != was_valid:
            self.refresh_bindings()  # "Add variant" shows while the fields are accepted
        if self.valid:
            self.app.session.spec = replace(self.app.session.spec, params=params)
        self.scored = None  # an edit (or another example) makes the last scores stale
        self.score_seq += 1  # ... and any answer still on its way
        self.update_preview(params, "a field is refused (see above)" if refused else problem)
        if self.valid and self.method_cls.live_preview:
            self.schedule_scoring()
        if self.method_cls.live_preview and (was_valid != self.valid):
            self.show_estimate()  # refused: no figures of other texts beside the refusal

    def update_preview(self, params: dict, problem: str | None) -> None:
        assert self.dataset is not None  # refresh_state returns before the data has loaded
        ev, names = self.dataset.eval, self.dataset.label_names
        i = self.example % len(ev)
        example = (i, len(ev), ev.texts[i], names[ev.labels[i]])
        preview = None
        if problem is None:
            try:
                preview = method_instance(self.method_cls, names, params).preview(ev.texts[i])
            except WorkbenchError as e:
                problem = str(e)
        self.query_one("#preview", Static).update(preview_content(preview, example, problem, self.scored))

    # ------------------------------------------------------------ the example's scores

    SCORE_DELAY = 0.3
    """Seconds of no typing before the example is scored again (live-preview methods)."""

    def schedule_scoring(self) -> None:
        """Score the example once typing pauses: each key restarts the wait."""
        if self._score_timer is not None:
            self._score_timer.stop()
        self._score_timer = self.set_timer(self.SCORE_DELAY, self.action_score_example)

    def action_score_example(self) -> None:
        if self.dataset is None or not self.valid:
            return
        self.start_estimate()
        ev = self.dataset.eval
        i = self.example % len(ev)
        self.score_seq += 1
        self.score_example(self.app.session.spec, ev.texts[i], ev.labels[i], self.score_seq)

    @work(thread=True, exclusive=True, exit_on_error=False, group="prompt-score")
    def score_example(self, spec: RunSpec, text: str, gold: int, seq: int) -> None:
        """The example classified as a run with these parameters would (the engine's classify:
        the model stays loaded, so an edit costs a few encodings)."""
        with reporting_failures(self, ExampleScoreFailed):
            prep = self.app.engine.prepare(spec)
            prediction = self.app.engine.classify(prep, [text])[0]
            self.post_message(ExampleScored(seq, prediction, prep.dataset.label_names, gold))

    # ------------------------------------------------------------ the live estimate

    def start_estimate(self) -> None:
        """Estimate the accepted parameters on the sample, in a worker (typing goes on meanwhile;
        an answer to an older edit is dropped)."""
        spec = self.app.session.spec
        if self.baseline is None:
            self.baseline = self.baseline_spec(spec)
        self.estimate_seq += 1
        self.show_estimate()
        if self.estimating:  # one at a time: two would encode the same sample side by side
            self.estimate_pending = True
            return
        self.estimating = True
        self.run_estimate(spec, self.baseline, self.estimate_seq)

    def estimate_ended(self) -> None:
        """The worker is free: estimate the latest edit if one came while it computed."""
        self.estimating = False
        if self.estimate_pending:
            self.estimate_pending = False
            if self.valid:
                self.start_estimate()

    def baseline_spec(self, spec: RunSpec) -> tuple[RunSpec, SampleEstimate | None, str]:
        engine, session = self.app.engine, self.app.session
        for run_id in reversed(session.run_ids):
            run = engine.find(run_id)
            try:
                before = run.config.spec() if run and run.config.has_spec else None
            except (TypeError, ValueError):
                before = None
            if before is not None and before.method == spec.method and before.data == spec.data:
                return before, None, f"the last run {run_id[:8]}"
        return spec, None, "the texts this screen opened with"

    @work(thread=True, exit_on_error=False, group="prompt-estimate")
    def run_estimate(self, spec: RunSpec, baseline: tuple[RunSpec, SampleEstimate | None, str], seq: int) -> None:
        with reporting_failures(self, SampleEstimateFailed):
            engine = self.app.engine
            base_spec, base, against = baseline
            if base is None:
                base = engine.estimate_on_sample(base_spec)
            estimate = base if base_spec == spec else engine.estimate_on_sample(spec)
            self.post_message(SampleEstimated(seq, estimate, base, against))

    @on(SampleEstimated)
    def sample_estimated(self, message: SampleEstimated) -> None:
        if self.baseline is not None and self.baseline[1] is None:
            self.baseline = (self.baseline[0], message.baseline, message.against)
        if message.seq == self.estimate_seq:
            self.estimate, self.estimated_seq = message.estimate, message.seq
        self.show_estimate()
        self.estimate_ended()

    @on(SampleEstimateFailed)
    def sample_estimate_failed(self, message: SampleEstimateFailed) -> None:
        self.estimated_seq = self.estimate_seq
        self.query_one("#estimate", Static).update(f"no estimate: {message.error}")
        self.estimate_ended()

    def show_estimate(self) -> None:
        if not self.valid:
            self.query_one("#estimate", Static).update("estimate: none while a field is refused")
            return
        base = self.baseline[1] if self.baseline else None
        against = self.baseline[2] if self.baseline else ""
        busy = self.estimated_seq < self.estimate_seq
        self.query_one("#estimate", Static).update(estimate_content(self.estimate, base, against, busy))

    def action_next_error(self) -> None:
        """The preview steps to the next of the sample's errors (in the evaluated split's order)."""
        if self.dataset is None or self.estimate is None or not self.estimate.errors:
            self.notify("no estimate with errors yet", severity="warning")
            return
        texts = self.dataset.eval.texts
        places = sorted({texts.index(t) for t, _ in self.estimate.errors if t in texts})
        if not places:
            return
        current = self.example % len(texts)
        self.example = next((i for i in places if i > current), places[0])
        self.refresh_state()

    @on(ExampleScored)
    def example_scored(self, message: ExampleScored) -> None:
        if message.seq == self.score_seq and self.valid:  # an answer to the latest edit only
            self.scored = (message.prediction, message.labels, message.gold)
            self.refresh_preview()

    @on(ExampleScoreFailed)
    def example_score_failed(self, message: ExampleScoreFailed) -> None:
        self.notify(f"cannot score the example: {message.error}", severity="error")

    def refresh_preview(self) -> None:
        """Redraw the preview with the accepted parameters (and the last scores)."""
        self.update_preview(dict(self.app.session.spec.params), None)

    # ------------------------------------------------------------ actions

    def action_next_example(self) -> None:
        if self.dataset is not None:
            self.example += 1
            self.refresh_state()

    def _ready(self) -> bool:
        if self.dataset is None:
            self.notify("the data is not loaded yet", severity="warning")
            return False
        if not self.valid:
            self.notify("fix the refused fields first (the reasons are shown in place)", severity="error")
            return False
        return True

    def action_run(self) -> None:
        if self._ready():
            self.app.start_run()

    def action_try_it(self) -> None:
        if self._ready():
            self.app.open_try()

    def show_sweep_note(self) -> None:
        self.app.say_dropped_variants()
        note = self.app.session.sweep_note()
        self.sub_title = "prompt and labels" + (f" · {note}" if note else "")

    def on_screen_resume(self) -> None:
        self.show_sweep_note()  # the sweep screen may have cleared the variants
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """The sweep keys show when they can act: adding while every field is accepted, sweeping
        once a variant is added."""
        if action == "add_variant":
            return self.valid
        if action == "sweep":
            return bool(self.app.session.variants)
        return True

    def variant_name_box(self) -> Input:
        taken = {n for n, _ in self.app.session.variants}
        default = next(f"v{i}" for i in range(len(taken) + 1, 10**6) if f"v{i}" not in taken)
        return Input(id="variant-name", compact=True, placeholder=f"the next variant's name (ctrl+s adds it; empty: {default})")

    def action_add_variant(self) -> None:
        """The current texts and parameters as the next variant of the sweep being built, named
        as the name box says (else v1, v2, ...)."""
        if not self._ready():
            return
        box = self.query_one("#variant-name", Input)
        try:
            name = self.app.session.add_variant(self.app.session.spec.params, box.value.strip() or None)
        except ValueError as e:
            self.notify(str(e), severity="warning")
            return
        box.value = ""
        box.placeholder = self.variant_name_box().placeholder
        baseline = " (the baseline)" if len(self.app.session.variants) == 1 else ""
        self.notify(f"added variant {name}{baseline}; edit the texts and ctrl+s again, ctrl+g runs the sweep")
        self.show_sweep_note()
        self.refresh_bindings()

    def action_sweep(self) -> None:
        if self.dataset is None:
            self.notify("the data is not loaded yet", severity="warning")
            return
        self.app.open_sweep()

    def action_history(self) -> None:
        self.app.open_history()

    def action_back(self) -> None:
        self.app.back_to_setup()
