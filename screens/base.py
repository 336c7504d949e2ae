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


class WorkbenchScreen(Screen[ResultType]):
    BINDINGS = [Binding("question_mark,f1", "app.keys", "Keys", key_display="?")]
    """First in every screen's footer (a narrow one cuts the end off): ``?`` lists all the keys."""

    if TYPE_CHECKING:
        app: WorkbenchApp
