"""A modal file picker over DirectoryTree: choose a data file, or a folder of split files. The
path field above the tree takes a typed path (relative to the folder shown: ``../shared``);
backspace on the tree, or ``..`` typed, goes up a folder."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Footer, Input, Static

from .base import KEYS_BINDINGS
from .format import Plain, PlainLabel


class FilePickerScreen(ModalScreen[str | None]):
    """Returns the chosen path, or None when cancelled."""

    BINDINGS = [
        *KEYS_BINDINGS,
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "choose_highlighted", "Use highlighted"),
        Binding("backspace", "parent", "Parent folder"),
        Binding("ctrl+l", "focus_path", "Type a path"),
    ]

    def __init__(self, start: Path):
        super().__init__()
        start = start.expanduser()
        while not start.is_dir() and start != start.parent:
            start = start.parent
        self.start = start if start.is_dir() else Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield PlainLabel(
                "enter: pick a data file, or a folder of split files · ctrl+s: the folder highlighted · backspace: up · ctrl+l: type a path", id="picker-title"
            )
            yield Input(str(self.start), id="picker-path", compact=True)
            yield DirectoryTree(self.start, id="picker-tree")
            yield Plain(id="picker-error", classes="error-line")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    def _tree(self) -> DirectoryTree:
        return self.query_one(DirectoryTree)

    def _set_root(self, path: Path) -> None:
        self._tree().path = path
        self.query_one("#picker-path", Input).value = str(path)

    @on(DirectoryTree.FileSelected)
    def file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(str(event.path))

    @on(DirectoryTree.DirectorySelected)
    def folder_selected(self, event: DirectoryTree.DirectorySelected) -> None:
        """Enter on a folder of split files picks it (the data is the folder); on any other folder
        it opens, as in every tree."""
        from workbench.data import has_split

        if any(has_split(str(event.path), split) for split in ("test", "validation", "train")):
            self.dismiss(str(event.path))

    @on(Input.Submitted, "#picker-path")
    def path_typed(self, event: Input.Submitted) -> None:
        typed = Path(event.value.strip() or ".").expanduser()
        path = (typed if typed.is_absolute() else Path(self._tree().path) / typed).resolve()
        self.query_one("#picker-error", Static).update("")
        if path.is_file():
            self.dismiss(str(path))
        elif path.is_dir():
            self._set_root(path)
            self._tree().focus()
        else:
            self.query_one("#picker-error", Static).update(f"no file or folder at {path}")

    def action_choose_highlighted(self) -> None:
        node = self._tree().cursor_node
        path = node.data.path if node is not None and node.data is not None else Path(self._tree().path)
        self.dismiss(str(path))

    def action_focus_path(self) -> None:
        box = self.query_one("#picker-path", Input)
        box.focus()
        box.select_all()

    def action_parent(self) -> None:
        self._set_root(Path(self._tree().path).resolve().parent)

    def action_cancel(self) -> None:
        self.dismiss(None)
