"""Small formatting helpers shared by the screens (numbers, durations, table cells)."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import JustifyMethod

from rich.text import Text
from textual.content import Content
from textual.widgets import Label, Static

from workbench.safe_text import visible, visible_lines


def seconds(value: float | None) -> str:
    """1.2s, 340ms, 2m05s; '-' when unknown."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f}ms"
    if value < 60:
        return f"{value:.1f}s"
    minutes, secs = divmod(int(round(value)), 60)
    return f"{minutes}m{secs:02d}s"


def figure(value: Any, digits: int = 4) -> str:
    return "-" if value is None else f"{float(value):.{digits}f}"


def signed(value: float, digits: int = 4) -> str:
    return f"{value:+.{digits}f}"


def when(timestamp: float | None) -> str:
    return "-" if not timestamp else _dt.datetime.fromtimestamp(timestamp).strftime("%m-%d %H:%M")


def one_line(text: Any, width: int | None = None) -> str:
    """A text on one line (newlines shown as ⏎), cut to ``width`` with an ellipsis."""
    flat = visible(" ⏎ ".join(str(text).splitlines())) if text is not None else ""
    if width is not None and len(flat) > width:
        return flat[: max(0, width - 1)] + "…"
    return flat


def model_name(spec) -> str:
    """The model a spec runs: the one named, else its method's default."""
    if spec.model:
        return spec.model
    from workbench.methods import METHODS

    cls = METHODS.get(spec.method)
    return (cls.default_model if cls is not None else None) or "default model"


def label_name(labels: list[str], index: int | None) -> str:
    if index is None:
        return "invalid"
    return visible(labels[index]) if 0 <= index < len(labels) else str(index)


class SortCell:
    """A DataTable cell that shows ``text`` and sorts by ``value`` (None sorts last)."""

    def __init__(self, value: Any, text: str | Text, justify: JustifyMethod = "right"):
        self.value = value
        self.text = shown(text) if isinstance(text, Text) else Text(visible(text), justify=justify)

    def __rich__(self) -> Text:
        return self.text

    @staticmethod
    def sort_key(reverse: bool = False):
        """A key for ``DataTable.sort`` that keeps unknown values last in either order."""

        def key(cell: Any) -> tuple:
            value = cell.value if isinstance(cell, SortCell) else cell
            if isinstance(value, str):
                value = value.casefold()
            missing = value is None
            return (missing != reverse, value if not missing else 0)

        return key


def shown(content: Any) -> Any:
    """``content`` (a str, a rich Text or a textual Content) safe for the terminal: its control
    characters made visible by the engine's one rule (workbench/safe_text.py), newlines kept. A
    styled text that holds none is returned as it is; one that does keeps its text, not its spans."""
    if isinstance(content, str):
        return visible_lines(content)
    if isinstance(content, Text):
        safe = visible_lines(content.plain)
        return content if safe == content.plain else Text(safe, style=content.style, justify=content.justify)
    if isinstance(content, Content):
        safe = visible_lines(content.plain)
        return content if safe == content.plain else Content(safe)
    return content


class PlainStatic(Static):
    """A Static without markup whose every content, at first and on update, goes through
    :func:`shown`: '[test]' or '[DOCUMENT]' stay visible, an escape sequence is shown, not obeyed."""

    def __init__(self, content: Any = "", **kwargs):
        super().__init__(shown(content), markup=False, **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(shown(content), layout=layout)


class PlainLabelWidget(Label):
    """PlainStatic's rule for a Label."""

    def __init__(self, content: Any = "", **kwargs):
        super().__init__(shown(content), markup=False, **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(shown(content), layout=layout)


def Plain(content: Any = "", **kwargs) -> Any:
    """A Static that shows its text as is (see PlainStatic)."""
    return PlainStatic(content, **kwargs)


def PlainLabel(content: Any = "", **kwargs) -> Any:
    return PlainLabelWidget(content, **kwargs)
