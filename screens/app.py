"""The workbench app: holds the run store and the session, and moves between screens.

Screens stack on the setup screen: setup -> prompt/labels -> run -> report, with history,
compare and try-it pushed on top of whatever is showing. Heavy libraries are imported only
inside workers, so the first screen paints at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from .key_order import OrderedKeysApp
from .session import Session, default_spec

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from workbench.engine import Engine
    from workbench.spec import RunSpec
    from workbench.store import RunStore


SWEEP_NAME = "tui"
"""The name the sweeps built in the UI are recorded under (the store's sweeps table)."""
SWEEP_METRIC = "f1_macro"


class WorkbenchApp(OrderedKeysApp):
    """``engine`` (or a store to make one over) and ``initial_spec`` are injectable for tests."""

    CSS_PATH = "workbench.tcss"
    TITLE = "workbench"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=False),
        Binding("question_mark,f1", "keys", "Keys", key_display="?", show=False),  # shown by each screen, first
    ]

    def __init__(self, engine: "Engine | RunStore", initial_spec: "RunSpec | None" = None):
        from workbench.engine import Engine  # light: the engine imports its parts lazily

        super().__init__()
        self.engine = engine if isinstance(engine, Engine) else Engine(engine)
        # where the user left off (the dataset, method, model and label texts of last time), else the offline starter
        self.session = Session(initial_spec or self.engine.last_setup() or default_spec())

    def notify(self, message: str, *, title: str = "", severity: "SeverityLevel" = "information", timeout: float | None = None, markup: bool = True) -> None:
        """Every notification as plain text with its control characters shown: a message often
        names data (a label, a file, a server's error) and must neither carry an escape sequence
        to the terminal nor be read as markup."""
        from workbench.safe_text import visible, visible_lines

        super().notify(visible_lines(message), title=visible(title), severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        from .setup_screen import SetupScreen

        self.push_screen(SetupScreen())

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """The palette's screenshot: into the Downloads folder when there is one, else the folder
        the app was started from (Textual's default, Downloads, fails where it does not exist)."""
        from pathlib import Path

        downloads = Path.home() / "Downloads"
        super().action_screenshot(filename, path or str(downloads if downloads.is_dir() else Path.cwd()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers ``?`` for the keys list, or f1 while a text field has the focus (there
        ``?`` is typed); the app's own binding keeps both keys working everywhere else."""
        if action == "keys" and parameters:  # a screen's footer entry (base.KEYS_BINDINGS)
            return self.typing() == (parameters == ("f1",))
        return True

    def typing(self) -> bool:
        """Whether the focused widget takes typed text (so a printable key is not a command)."""
        from textual.widgets import Input, TextArea

        return isinstance(self.focused, (Input, TextArea))

    def action_keys(self, via: str = "?") -> None:
        """``?`` or f1: every key of the screen showing (the footer has room for some only)."""
        from .keys_screen import KeysScreen

        if not isinstance(self.screen, KeysScreen):
            self.push_screen(KeysScreen(self.screen))

    # ------------------------------------------------------------ navigation

    def back_to_setup(self) -> None:
        """Pop everything above the setup screen."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def open_prompt(self) -> None:
        """The prompt/labels screen with the current configuration, directly above setup."""
        from .prompt_screen import PromptScreen

        self.back_to_setup()
        self.push_screen(PromptScreen())

    def start_run(self, rerun: bool = False) -> None:
        from .run_screen import RunScreen

        self.engine.remember_setup(self.session.spec)  # with the label texts or prompt as run
        self.push_screen(RunScreen(self.session.spec, rerun=rerun))

    def resume_run(self, run_id: str, retry_errors: bool = False) -> None:
        """Continue a stored unfinished run on the run screen (the engine's resume: only the
        missing examples are predicted); ``retry_errors``: those whose outcome is an error too."""
        from .run_screen import RunScreen

        run = self.engine.find(run_id)
        try:
            spec = run.config.spec() if run and run.config.has_spec else None
        except (TypeError, ValueError):
            spec = None
        if spec is None:
            self.notify(f"run {run_id[:12]} has no stored configuration to resume from", severity="error")
            return
        # A model's own code runs only if the box is ticked now, never because the stored run had it.
        from dataclasses import replace

        spec = replace(spec, trust_remote_code=self.session.spec.trust_remote_code)
        self.push_screen(RunScreen(spec, resume=run_id, retry_errors=retry_errors))

    def open_report(self, run_id: str, *, replace: bool = False, notice: str | None = None) -> None:
        from .report_screen import ReportScreen

        self.session.note_run(run_id)
        screen = ReportScreen(run_id, notice=notice)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_review(self, run_id: str, suspects=None) -> None:
        """The review queue of a run's suspect labels (``suspects``: already found, else found there)."""
        from .review_screen import ReviewScreen

        self.push_screen(ReviewScreen(run_id, suspects))

    def open_history(self) -> None:
        from .history_screen import HistoryScreen

        self.push_screen(HistoryScreen())

    def open_sweep(self) -> None:
        """The sweep screen over the variants built in this session and the current data and
        run settings; the engine builds and checks the sweep (a refusal is a notice here)."""
        from workbench.errors import WorkbenchError
        from workbench.sweep_config import sweep_from_spec

        from .fields import tui_message
        from .sweep_screen import SweepScreen

        self.say_dropped_variants()
        if not self.session.variants:
            self.notify("add variants first: ctrl+s on prompt/labels adds the current texts and parameters", severity="warning")
            return
        try:
            config = sweep_from_spec(self.session.spec, self.session.variants, name=SWEEP_NAME, metric=SWEEP_METRIC)
        except WorkbenchError as e:
            self.notify(tui_message(e), title="sweep refused", severity="error")
            return
        self.push_screen(SweepScreen(config))

    def open_curve(self, config=None) -> None:
        """The learning curve screen: ``config`` (a CurveConfig), else a curve of the current
        setup (its method, model and parameters over its data, the engine's default sizes and
        seeds); the engine checks it (a method that does not fit is a notice here)."""
        from workbench.curve_config import curve_from_spec
        from workbench.errors import WorkbenchError

        from .curve_screen import CurveScreen
        from .fields import tui_message

        if config is None:
            try:
                config = curve_from_spec(self.session.spec, name="tui")
            except WorkbenchError as e:
                self.notify(tui_message(e), title="learning curve refused", severity="error")
                return
        self.push_screen(CurveScreen(config))

    def get_system_commands(self, screen):
        """The command palette's own entries, and the learning curve of the current setup."""
        from textual.app import SystemCommand

        yield from super().get_system_commands(screen)
        yield SystemCommand("Learning curve", "run the current method on 8, 16, 32, 64 examples per class x seeds 0, 1, 2 and plot it", self.action_curve)

    def action_curve(self) -> None:
        """The palette's learning curve: the setup screen's edits are taken first, as its key does."""
        from .setup_screen import SetupScreen

        if isinstance(self.screen, SetupScreen):
            self.screen.action_curve()
        else:
            self.open_curve()

    def say_dropped_variants(self) -> None:
        """Once: that the sweep being built was dropped because the data changed."""
        if self.session.dropped_note:
            self.notify(self.session.dropped_note, severity="warning")
            self.session.dropped_note = ""

    def open_compare(self, run_a: str, run_b: str, *, by_age: bool = True) -> None:
        """Compare two stored runs; ``by_age``: the older one (by ``created_at``) is A, whichever
        way they were named (the report's "compare with the previous run" names the run used just
        before in this session, which may be newer). False keeps them as given (two marked runs)."""
        from .compare_screen import CompareScreen

        if by_age:
            a, b = self.engine.find(run_a), self.engine.find(run_b)
            if a is not None and b is not None and b.created_at < a.created_at:
                run_a, run_b = run_b, run_a
        self.push_screen(CompareScreen(run_a, run_b))

    def open_try(self) -> None:
        from .try_screen import TryScreen

        self.push_screen(TryScreen(self.session.spec))

    def use_config_of(self, run_id: str) -> bool:
        """Make a stored run's configuration the current one; False (and a notice) if it cannot."""
        run = self.engine.find(run_id)
        try:
            if not run:
                raise ValueError("it has no stored configuration")
            self.session.spec = run.config.spec()  # ValueError when it has none
        except (TypeError, ValueError) as e:
            self.notify(f"cannot reuse the configuration of run {run_id[:12]} ({e})", severity="error")
            return False
        return True


def run(store_path: str | None = None) -> None:
    """Open the app on the run store at ``store_path`` (None: $WORKBENCH_STORE or the default)."""
    import sys

    from workbench.engine import Engine
    from workbench.errors import WorkbenchError

    try:
        engine = Engine(store_path)
    except WorkbenchError as e:
        from workbench.cli_fields import cli_message  # still on the command line: name the flag

        print(f"error: {cli_message(e)}", file=sys.stderr)
        raise SystemExit(2) from None
    WorkbenchApp(engine).run()
