"""The base of every workbench screen: ``self.app`` typed as the WorkbenchApp (for the type
checker only: at run time it is Textual's own ``app``), so screens reach ``self.app.engine`` and
``self.app.session`` with their types instead of through an untyped App."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.binding import Binding
from textual.screen import Screen

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


class WorkbenchScreen(Screen[ResultType]):
    BINDINGS = [*KEYS_BINDINGS]

    if TYPE_CHECKING:
        app: WorkbenchApp
