"""The one place a worker's unexpected failure is handled: its traceback goes to a crash file in
the user's state folder (with any API key in the environment masked), and the screen is told one
line that names the file. A WorkbenchError is not a crash: it is the user's to fix, and is shown as
the engine words it (see messages.error_line)."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.message import Message
from textual.message_pump import MessagePump

from .messages import error_line

SECRET_VARIABLES = ("OPENAI_API_KEY",)
"""Environment variables whose values never reach a crash file."""


def crash_folder() -> Path:
    """Where crash files go: $WORKBENCH_STATE, else the platform's user state folder."""
    env = os.environ.get("WORKBENCH_STATE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("workbench", appauthor=False))


def masked(text: str) -> str:
    """``text`` with the values of SECRET_VARIABLES masked."""
    for name in SECRET_VARIABLES:
        secret = os.environ.get(name, "").strip()
        if len(secret) >= 8:
            text = text.replace(secret, "[api key]")
    return text


def write_crash_file(exc: BaseException, where: str) -> Path | None:
    """The traceback of ``exc`` (raised in ``where``) written to a new file, readable by its
    owner only; None when it cannot be written (the error is still shown)."""
    text = masked(f"workbench crash in {where} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n\n" + "".join(traceback.format_exception(exc)))
    try:
        folder = crash_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return path
    except OSError:
        return None


def failure_line(exc: BaseException, where: str) -> str:
    """One line for the screen: a WorkbenchError as the engine words it; anything else as an
    internal error whose traceback is kept in a crash file, named here."""
    from workbench.errors import WorkbenchError

    if isinstance(exc, WorkbenchError):
        return error_line(exc)
    path = write_crash_file(exc, where)
    first = masked((str(exc).strip().splitlines() or [""])[0][:200])
    kept = f"the traceback is in {path}" if path else "the traceback could not be written"
    return f"internal error: {type(exc).__name__}: {first} ({kept}; please report it)"


@contextmanager
def reporting_failures(owner: MessagePump, failed: Callable[[str, str | None], Message]) -> Iterator[None]:
    """Run a worker's body; if it raises, post ``failed(line, field)`` to ``owner`` instead (see
    failure_line; ``field`` is the error's field, None for a crash). The worker then ends
    normally: a failure is shown in place, never raised."""
    try:
        yield
    except Exception as e:  # the one handler of worker failures; a WorkbenchError is no crash
        owner.post_message(failed(failure_line(e, type(owner).__name__), getattr(e, "field", None)))
