"""The base of every workbench screen: ``self.app`` typed as the WorkbenchApp (for the type
checker only: at run time it is Textual's own ``app``), so screens reach ``self.app.engine`` and
``self.app.session`` with their types instead of through an untyped App."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import events, on
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

if TYPE_CHECKING:
    from .app import WorkbenchApp

ResultType = TypeVar("ResultType")

KEYS_BINDINGS = [
    Binding("question_mark", "app.keys('?')", "Keys", key_display="?"),
    Binding("f1", "app.keys('f1')", "Keys", key_display="f1"),
]
"""First in every screen's footer (a narrow one cuts the end off): the key that lists all the keys.
``?`` types into a text field, so while one has the focus the footer offers f1 instead (the app's
check_action picks which shows)."""


PALETTE_MIN_WIDTH = 100
"""Below this width the footer leaves out its ctrl+p entry: the keys fill the line, and Textual
drew the entry over their end ("^p paletter"); ctrl+p still opens the palette, and ? lists it."""


class WorkbenchScreen(Screen[ResultType]):
    BINDINGS = [*KEYS_BINDINGS]

    @on(events.Resize)
    def fit_footer(self, event: events.Resize) -> None:
        for footer in self.query(Footer):
            footer.show_command_palette = event.size.width >= PALETTE_MIN_WIDTH

    if TYPE_CHECKING:
        app: WorkbenchApp


class LongWorkScreen(WorkbenchScreen[None]):
    """A screen over one long piece of engine work run in a thread worker (a sweep, a learning
    curve): c cancels it between batches (what finished is kept), r starts it again once it has
    ended (the engine finds what is stored and continues), escape cancels it or, when nothing
    runs, goes back. A subclass names its phase line and what it says while preparing, and
    defines :meth:`start` (which sets ``running`` and a new ``cancel_event``)."""

    PHASE_ID: ClassVar[str]
    """The id of the line that says what the work is doing."""
    PREPARING: ClassVar[str]
    """What that line says when the work starts again."""
    DISABLED_WHILE_RUNNING: ClassVar[tuple[str, ...]] = ("run_again",)

    cancel_event: threading.Event
    running: bool

    def start(self) -> None:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cancel" and not self.running:
            return None  # shown disabled while nothing runs
        if action in self.DISABLED_WHILE_RUNNING and self.running:
            return None
        return True

    def action_cancel(self) -> None:
        if self.running and not self.cancel_event.is_set():
            self.cancel_event.set()
            self.query_one(f"#{self.PHASE_ID}", Static).update("cancelling: finishing the current batch …")

    def action_cancel_or_back(self) -> None:
        if self.running:
            self.action_cancel()
        else:
            self.app.pop_screen()

    def action_run_again(self) -> None:
        if not self.running:
            self.query_one(f"#{self.PHASE_ID}", Static).update(self.PREPARING)
            self.start()
