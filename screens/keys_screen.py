"""The ``?`` overlay: every key of the screen underneath, the footer's and those it leaves out
(tab switching, keys that act only in some tabs, the widgets' own keys), read from the bindings
themselves so it cannot fall behind them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Tabs

from .format import Plain, PlainLabel


def _place(node: DOMNode, screen: Screen) -> str:
    if node is screen:
        return "this screen"
    if isinstance(node, Tabs):
        return "on the tabs"
    if node is screen.app:
        return "everywhere"
    return f"in {getattr(node, 'KEYS_PLACE', None) or node.id or type(node).__name__}"


def screen_keys(screen: Screen) -> list[tuple[str, str, str]]:
    """(key, what it does, where it acts) for every binding of ``screen``: its own, those of the
    widgets on it that are this project's (or tabs), and the app's."""
    nodes: list[DOMNode] = [screen]
    nodes += [w for w in screen.walk_children() if type(w).__module__.startswith("screens.") or isinstance(w, Tabs)]
    nodes.append(screen.app)
    rows: dict[tuple[str, str, str], tuple[int, list[str]]] = {}
    seen: set[tuple[str, str]] = set()
    for node in nodes:
        for _, binding in node._bindings:
            if not binding.description or (binding.key, binding.description) in seen:
                continue
            seen.add((binding.key, binding.description))
            textuals = binding.action.startswith(("app.", "screen.")) and node is not screen.app  # focus moves, copy
            # one row per action: ``?`` and f1 both list the keys (the footer shows one of them)
            action = binding.action.partition("(")[0]
            row = rows.setdefault((action, binding.description, _place(node, screen)), (int(textuals), []))
            row[1].append(screen.app.get_key_display(binding))
    ordered = sorted(rows.items(), key=lambda item: item[1][0])  # the screen's own keys first, Textual's everyday ones last (stable)
    return [(" ".join(keys), what, where) for (_, what, where), (_, keys) in ordered]


class KeysScreen(ModalScreen[None]):
    """Lists the keys of ``screen``; escape, ``?`` or q closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, screen: Screen):
        super().__init__()
        self.keys = screen_keys(screen)
        self.title_text = f"keys of the {getattr(screen, 'sub_title', '') or type(screen).__name__} screen"

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _, _ in self.keys), default=4)
        lines: list = []
        for key, what, where in self.keys:
            lines += [(f"{key:>{width}}", "bold $accent"), f"  {what}", (f"  ({where})", "dim"), "\n"]
        with VerticalScroll(id="keys-box"):
            yield PlainLabel(self.title_text, id="keys-title")
            yield Plain(Content.assemble(*lines[:-1]), id="keys-list")
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)
