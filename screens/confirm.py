"""A yes/no question over the screen underneath (a sweep past its documented size asks before it
starts): y runs, n or escape declines. The engine keeps the rule; this only asks."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer

from .format import Plain, PlainLabel


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True (y) or False (n, escape)."""

    BINDINGS = [Binding("y", "answer(True)", "Yes, run it"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, title: str, question: str):
        super().__init__()
        self.title_text, self.question = title, question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield PlainLabel(self.title_text, id="confirm-title")
            yield Plain(self.question, id="confirm-question")
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
