"""Text from data or configuration, made safe to show in a terminal.

A label name, a text, a variant name or an error message that holds ESC, CSI, OSC, BEL, backspace or
a carriage return would, printed raw, move the cursor, clear the screen or retitle the window; one
holding a newline would break a table's row. Every front end (the CLI's output, the TUI's widgets)
shows such text through :func:`visible`, so that rule lives here once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["VisibleStream", "visible", "visible_lines", "visible_output"]

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Bidirectional controls: they reorder what a reader sees ("Trojan source")."""

_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_UNSAFE_KEEP_NEWLINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")


def _shown(match: re.Match[str]) -> str:
    c = match.group()
    code = ord(c)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode's control pictures: ESC -> ␛, newline -> ␊, tab -> ␉ (one column each)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"  # C1 (CSI 0x9b ...), separators, bidi


def visible(text: Any, keep_newlines: bool = False) -> str:
    """``text`` with every control character shown as a visible sign: C0 (ESC, BEL, backspace,
    carriage return, tab, newline unless ``keep_newlines``) as its Unicode control picture (␛ ␇ ␈
    ␍ ␉ ␊), DEL as ␡, C1 (the one-byte CSI, OSC ...), line separators and bidirectional controls as
    ``\\x9b`` / ``\\u202e``. Rich markup is not touched: a widget shows the result as plain text."""
    s = "" if text is None else str(text)
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    return pattern.sub(_shown, s) if pattern.search(s) else s


def visible_lines(text: Any) -> str:
    """:func:`visible` that keeps newlines (a multi-line message or report)."""
    return visible(text, keep_newlines=True)


class VisibleStream:
    """A text stream that writes everything through :func:`visible_lines`: the CLI's standard
    output and error while a command runs, so no print of a label, a text or a message can carry a
    control character to the terminal. ``raw_stream`` is the stream under it (a progress bar's
    carriage returns are its own, not data's)."""

    def __init__(self, stream: Any):
        self.raw_stream = stream

    def write(self, text: str) -> int:
        self.raw_stream.write(visible_lines(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding ...
        return getattr(self.raw_stream, name)


@contextmanager
def visible_output() -> Iterator[None]:
    """Standard output and error as :class:`VisibleStream` for the duration."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(sys.stdout), VisibleStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
