"""Setup: the dataset (the offline sample, a Hugging Face name, or a local path with a file
picker), its splits and columns, the method (with its description), the model (its default and
recently used ones), device, batch size, precision, and whether a model folder's own code may run
(off unless ticked). Loading the data shows its size and label balance."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from workbench.data import DataSpec
from workbench.errors import ConfigError
from workbench.precision import DTYPES, check_dtype

from .base import WorkbenchScreen
from .crash import reporting_failures
from .data_summary import summary_content
from .format import Plain, PlainLabel
from .messages import DatasetFailed, DatasetLoaded
from .session import recent_models

if TYPE_CHECKING:
    from workbench.spec import RunSpec

SOURCE_KINDS = [("built-in sample (offline)", "sample"), ("Hugging Face dataset", "hub"), ("local folder or file", "local")]
SOURCE_PLACEHOLDER = {"sample": "sample", "hub": "e.g. rotten_tomatoes", "local": "path to a folder of splits or a file (ctrl+o)"}
DTYPE_HINT = "auto: bfloat16 on CUDA and on CPUs with bfloat16 instructions, else float32"
DEVICES_HINT = "e.g. cuda:0,cuda:1 · all · cpu,cpu"  # one worker process per device
TRUST_NOTICE = "Models load with trust_remote_code off: no Python code from a model folder runs. Tick only for models whose authors you trust."
AUTOLOAD_PAUSE_S = 0.6
"""Seconds the dataset fields rest before a local path that exists is loaded."""
TRUST_ON_NOTICE = "trust_remote_code on: Python code in the model's folder runs when it loads. Tick only for models whose authors you trust."


def source_kind(source: str) -> str:
    if source in ("sample", "builtin:sample"):
        return "sample"
    if source.startswith((".", "/", "~")) or Path(source).expanduser().exists():
        return "local"
    return "hub"


class TickBox(Checkbox):
    """A checkbox whose state shows by its shape, not its colour alone: blank when off, X when on
    (Textual's draws the X either way, which reads as ticked on a terminal with few colours)."""

    BUTTON_INNER = " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = "X" if self.value else " "
        super().watch_value()


def _row(label: str, *widgets, id: str | None = None) -> Horizontal:
    return Horizontal(PlainLabel(label, classes="field-label"), *widgets, classes="form-row", id=id)


def _inline(text: str) -> Label:
    return PlainLabel(text, classes="inline-label")


class SetupScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("ctrl+r", "run", "Run"),
        Binding("ctrl+n", "prompt", "Prompt"),
        Binding("ctrl+l", "load_data", "Load"),
        Binding("ctrl+o", "pick_file", "Files"),
        Binding("ctrl+t", "try_it", "Try"),
        Binding("ctrl+b", "history", "History"),
        Binding("ctrl+g", "curve", "Learning curve", show=False),  # in the keys list (?) and the command palette
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._method: str | None = None
        self._kind: str | None = None
        self._shown_spec = None
        self._summary_data: DataSpec | None = None
        """The data whose summary (or error) is shown; None: none is."""
        self._loading_data: DataSpec | None = None
        """The data being loaded now (its summary is coming)."""
        self._autoload: Timer | None = None

    def compose(self) -> ComposeResult:
        from workbench.methods import METHODS

        methods = [(name, name) for name in METHODS]  # the description is the line under it (once, whole)
        yield Header()
        with VerticalScroll(id="setup-form", can_focus=False):  # Tab goes between the fields, never to their frame
            yield _row("Dataset", Select(SOURCE_KINDS, id="source-kind", allow_blank=False, compact=True))
            yield _row("Name or path", Input(id="source", compact=True), Button("Browse…", id="browse", compact=True))
            yield _row(
                "Splits",
                _inline("eval"), Input(id="split", compact=True, classes="short"),
                _inline("train"), Input(id="train-split", compact=True, classes="short"),
                _inline("limit"), Input(id="limit", type="integer", placeholder="all", compact=True, classes="short"),
            )  # fmt: skip
            yield _row(
                "Columns",
                _inline("text"), Input(id="text-column", compact=True, classes="short"),
                _inline("label"), Input(id="label-column", compact=True, classes="short"),
                _inline("id"), Input(id="id-column", placeholder="row number", compact=True, classes="short"),
            )  # fmt: skip
            yield _row("Method", Select(methods, id="method", allow_blank=False, compact=True))
            yield _row("", Plain(id="method-description"))
            yield _row("Model", Input(id="model", compact=True), Select([], id="recent-models", prompt="recent models", compact=True))
            yield _row(
                "Running",
                _inline("device"), Input(id="device", placeholder="auto", compact=True, classes="short"),
                _inline("batch"), Input(id="batch-size", type="integer", placeholder="auto", compact=True, classes="short"),
                _inline("precision"), Select([(d, d) for d in DTYPES], id="dtype", allow_blank=False, compact=True),
            )  # fmt: skip
            yield _row("", Plain(DTYPE_HINT, id="dtype-hint"))
            yield _row("Devices", Input(id="devices", placeholder="one (the device above)", compact=True), Plain(DEVICES_HINT, id="devices-hint"))
            yield _row("Model code", TickBox("trust remote code", id="trust-remote-code", compact=True), Plain(TRUST_NOTICE, id="trust-notice"))
            yield Plain(id="setup-error", classes="error-line")
            yield Plain("no data loaded yet (ctrl+l loads it)", id="data-summary")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "setup"
        self.load_form(self.app.session.spec)
        self.query_one("#source-kind", Select).focus()

    def on_screen_resume(self) -> None:
        if self.app.session.spec is not self._shown_spec:
            self.load_form(self.app.session.spec)

    # ------------------------------------------------------------ form <-> spec

    def load_form(self, spec) -> None:
        self._shown_spec = spec
        self._method = spec.method
        kind = source_kind(spec.data.source)
        self.query_one("#source-kind", Select).value = kind
        self._apply_source_kind(kind, spec.data.source)
        values = {
            "#split": spec.data.split, "#train-split": spec.data.train_split or "", "#limit": "" if spec.data.limit is None else str(spec.data.limit),
            "#text-column": spec.data.text_column, "#label-column": spec.data.label_column,
            "#id-column": spec.data.id_column or "",
            "#device": spec.device or "", "#batch-size": "" if spec.batch_size is None else str(spec.batch_size),
            "#devices": spec.devices or "",
        }  # fmt: skip
        for selector, value in values.items():
            self.query_one(selector, Input).value = value
        try:
            dtype = check_dtype(spec.dtype)  # a stored run's spec may spell it bf16, fp32 ...
        except ConfigError:
            dtype = "auto"
        self.query_one("#dtype", Select).value = dtype
        self.query_one("#trust-remote-code", Checkbox).value = bool(spec.trust_remote_code)
        self.query_one("#method", Select).value = spec.method
        self._show_method(spec.method, spec.model)
        if kind != "hub":
            self.action_load_data()

    def form_spec(self):
        """The configuration in the form; raises ValueError with what to fix."""
        from workbench.methods import METHODS

        def text(selector: str) -> str:
            return self.query_one(selector, Input).value.strip()

        source = text("#source") or ("sample" if self.query_one("#source-kind", Select).value == "sample" else "")
        if not source:
            raise ValueError("name a dataset (a Hugging Face name or a local path)")
        limit, batch = text("#limit"), text("#batch-size")
        method = str(self.query_one("#method", Select).value)
        known = {p.name for p in METHODS[method].params}
        spec = self.app.session.spec
        data = DataSpec(
            source=source, split=text("#split") or "test", train_split=text("#train-split") or None,
            text_column=text("#text-column") or "text", label_column=text("#label-column") or "label", id_column=text("#id-column") or None,
            limit=int(limit) if limit else None, seed=spec.data.seed, skip_empty=spec.data.skip_empty, encoding=spec.data.encoding,
        )  # fmt: skip
        if data.limit is not None and data.limit < 1:
            raise ValueError("limit must be 1 or more (empty: all examples)")
        if batch and int(batch) < 1:
            raise ValueError("batch size must be 1 or more")
        params = {k: v for k, v in spec.params.items() if k in known}
        return replace(spec, data=data, method=method, model=text("#model") or None, params=params,
                       device=text("#device") or None, batch_size=int(batch) if batch else None, devices=text("#devices") or None,
                       dtype=str(self.query_one("#dtype", Select).value), trust_remote_code=self.query_one("#trust-remote-code", Checkbox).value)  # fmt: skip

    def commit(self) -> bool:
        """Make the form the session's configuration; False (error shown) when it is not valid."""
        error = self.query_one("#setup-error", Static)
        try:
            spec = self.form_spec()
        except ValueError as e:
            error.update(f"refused: {e}")
            return False
        error.update("")
        self.app.session.spec = self._shown_spec = spec
        return True

    # ------------------------------------------------------------ source and method

    def _apply_source_kind(self, kind: str, source: str | None = None) -> None:
        self._kind = kind
        box = self.query_one("#source", Input)
        box.placeholder = SOURCE_PLACEHOLDER[kind]
        if source is not None:
            box.value = source
        elif kind == "sample":
            box.value = "sample"
        elif box.value == "sample":
            box.value = ""
        box.disabled = kind == "sample"
        self.query_one("#browse", Button).disabled = kind != "local"

    def _show_method(self, method: str, model: str | None) -> None:
        from workbench.methods import METHODS, reads_train

        cls = METHODS[method]
        fits = " (fits on the train split)" if reads_train(cls, {}) and "train" not in cls.description else ""
        default = cls.default_model
        # the default named: the starter's packaged MiniLM is a choice, not the method's default (the CLI's)
        own = f" · default model {default.rsplit('/', 1)[-1]}" if default else ""
        self.query_one("#method-description", Static).update(f"{cls.description}{fits}{own}")
        self.query_one("#model", Input).value = model or default or ""
        options = [(f"{default} (default)", default)] if default else []
        options += [(m, m) for m in recent_models(self.app.engine, method) if m != default]
        self.query_one("#recent-models", Select).set_options(options)

    @on(Select.Changed, "#source-kind")
    def source_kind_changed(self, event: Select.Changed) -> None:
        if event.value != event.select.value or event.value == self._kind:
            return  # stale, or already applied by load_form
        self._apply_source_kind(str(event.value))
        if event.value == "sample":
            self.action_load_data()
        elif event.value == "local" and not self.query_one("#source", Input).value:
            self.action_pick_file()

    @on(Select.Changed, "#method")
    def method_changed(self, event: Select.Changed) -> None:
        from workbench.methods import METHODS

        new = str(event.value)
        if new == self._method or event.value != event.select.value:
            return
        old_default = METHODS[self._method].default_model if self._method else None
        typed = self.query_one("#model", Input).value.strip()
        keep = typed if typed and typed != old_default else None
        self._method = new
        self._show_method(new, keep)
        self.action_load_data()

    @on(Select.Changed, "#recent-models")
    def recent_model_chosen(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.query_one("#model", Input).value = str(event.value)

    @on(Checkbox.Changed, "#trust-remote-code")
    def trust_changed(self, event: Checkbox.Changed) -> None:
        notice = self.query_one("#trust-notice", Static)
        notice.update(TRUST_ON_NOTICE if event.value else TRUST_NOTICE)
        notice.set_class(event.value, "-on")

    @on(Input.Submitted, "#source, #split, #train-split, #limit, #text-column, #label-column, #id-column")
    def data_fields_submitted(self) -> None:
        self.action_load_data()

    @on(Input.Changed, "#source, #split, #train-split, #limit, #text-column, #label-column, #id-column")
    def data_fields_changed(self) -> None:
        """The summary follows the form: once a data field no longer matches the data it shows,
        it clears; a local path that exists (or the sample) loads after a short pause in typing."""
        data = self.form_data()
        if data is not None and data in (self._summary_data, self._loading_data):
            return
        if self._autoload is not None:
            self._autoload.stop()
            self._autoload = None
        self._summary_data = None
        summary = self.query_one("#data-summary", Static)
        if data is None:
            summary.update("no data named yet")
            return
        if source_kind(data.source) == "hub" or not self._loadable(data.source):
            summary.update(f"{data.source} is not loaded yet (enter or ctrl+l loads it)")
            return
        summary.update(f"loading {data.source} …")
        self._autoload = self.set_timer(AUTOLOAD_PAUSE_S, self._load_if_unchanged)

    @staticmethod
    def _loadable(source: str) -> bool:
        return source_kind(source) == "sample" or Path(source).expanduser().exists()

    def _load_if_unchanged(self) -> None:
        self._autoload = None
        data = self.form_data()
        if data is not None and data not in (self._summary_data, self._loading_data) and self._loadable(data.source):
            self.action_load_data()

    def form_data(self) -> DataSpec | None:
        """The data the form names now; None while it names none (or a field is not valid)."""
        try:
            return self.form_spec().data
        except ValueError:
            return None

    @on(Button.Pressed, "#browse")
    def browse_pressed(self) -> None:
        self.action_pick_file()

    # ------------------------------------------------------------ data loading

    def action_load_data(self) -> None:
        if not self.commit():
            return
        spec = self.app.session.spec
        self._summary_data, self._loading_data = None, spec.data
        self.query_one("#data-summary", Static).update(f"loading {spec.data.source} …")
        self.load_data(spec)

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup-data")
    def load_data(self, spec: RunSpec) -> None:
        """The data a run of ``spec`` reads (the train split where the method, with the spec's
        parameters as a run resolves them, fits on one: the engine's rule)."""
        data = spec.data
        with reporting_failures(self, lambda error, field: DatasetFailed(error, data, field)):
            self.post_message(DatasetLoaded(self.app.engine.load_data_for(spec), data))

    @on(DatasetLoaded)
    def dataset_loaded(self, message: DatasetLoaded) -> None:
        if message.data == self._loading_data and message.data == self.form_data():
            self._summary_data, self._loading_data = message.data, None
            self.query_one("#data-summary", Static).update(summary_content(message.dataset.summary()))
            self.mark_field(None)
            # data that loads is where the next launch opens (best effort: a read-only store keeps nothing)
            self.app.engine.remember_setup(self.app.session.spec)

    @on(DatasetFailed)
    def dataset_failed(self, message: DatasetFailed) -> None:
        if message.data == self._loading_data and message.data == self.form_data():
            self._summary_data, self._loading_data = message.data, None
            self.query_one("#data-summary", Static).update(f"{message.data.source} is not loaded (the error is above)")
            self.query_one("#setup-error", Static).update(f"data: {message.error}")
            self.mark_field(message.field, focus=True)

    def mark_field(self, field: str | None, focus: bool = False) -> None:
        """Show the widget of an error's field as refused (and put the cursor in it); None: clear."""
        from .fields import setup_widget

        for widget in self.query("#setup-form .-invalid"):
            widget.remove_class("-invalid")
        selector = setup_widget(field)
        if selector is None:
            return
        widget = self.query_one(selector)
        widget.add_class("-invalid")
        if focus and widget.focusable:
            widget.focus()

    def action_pick_file(self) -> None:
        from .file_picker import FilePickerScreen

        current = self.query_one("#source", Input).value.strip()
        start = Path(current).expanduser() if current and source_kind(current) == "local" else Path.cwd()
        self.app.push_screen(FilePickerScreen(start), self._file_picked)

    def _file_picked(self, path: str | None) -> None:
        self.call_after_refresh(self._focus_source)
        if not path:
            return
        self.query_one("#source-kind", Select).value = "local"
        self._apply_source_kind("local", path)
        self.action_load_data()

    def _focus_source(self) -> None:
        """Back from the file picker: the cursor in the path field (where a path is typed)."""
        box = self.query_one("#source", Input)
        if not box.disabled:
            box.focus()

    # ------------------------------------------------------------ leaving

    def action_run(self) -> None:
        if self.commit():
            self.app.start_run()

    def action_prompt(self) -> None:
        if self.commit():
            self.app.open_prompt()

    def action_try_it(self) -> None:
        if self.commit():
            self.app.open_try()

    def action_curve(self) -> None:
        """A learning curve of the current setup (the app's open_curve)."""
        if self.commit():
            self.app.open_curve()

    def action_history(self) -> None:
        self.commit()
        self.app.open_history()
