"""The base of every workbench screen: ``self.app`` typed as the WorkbenchApp (for the type
checker only: at run time it is Textual's own ``app``), so screens reach ``self.app.engine`` and
``self.app.session`` with their types instead of through an untyped App."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual import events, on
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

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
