"""What the command line's commands share for output: ``--json`` (a file, or ``-`` for standard
output alone) and the progress bars on standard error. A module of its own so that the command
modules beside cli.py (cli_finetune.py) use them without importing cli.py, which imports them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .errors import WorkbenchError

json_stdout_: Any = None
"""Where ``--json -`` writes: the real standard output, while everything else printed goes to
standard error (:func:`_json_to_stdout`)."""


def json_to_stdout(command, args) -> int:
    """Run ``command`` with its printed text sent to standard error, so that standard output holds
    the JSON only (``--json -``: ``workbench show RUN --json - | jq .accuracy``)."""
    import contextlib

    global json_stdout_
    json_stdout_ = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return command(args)
    finally:
        json_stdout_ = None


def write_json(json_path: str, data: Any, what: str) -> None:
    """``--json PATH``: ``data`` as indented JSON, or a one-line error naming ``what`` it held;
    ``--json -``: to standard output (the command's text then goes to standard error)."""
    if json_path == "-":
        out = json_stdout_ or sys.stdout
        out.write(json.dumps(finite(data), indent=2, allow_nan=False) + "\n")
        out.flush()
        return
    path = Path(json_path).expanduser()
    try:
        path.write_text(json.dumps(finite(data), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    except OSError as e:
        raise WorkbenchError(f"cannot write {what} to {path} ({e.strerror})", fix="pick a writable path for --json") from None


def finite(data: Any) -> Any:
    """``data`` with every NaN or infinity as null: JSON has no such numbers, and a file with a
    bare NaN is one that other tools cannot read."""
    if isinstance(data, float):
        return data if data == data and data not in (float("inf"), float("-inf")) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(v) for v in data]
    return data


class ProgressPrinter:
    """One tqdm bar per phase on stderr."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._phase: str | None = None

    def __call__(self, ev) -> None:
        from tqdm import tqdm

        if ev.label != self._phase:
            self.close()
            self._phase = ev.label
            # initial: a resumed run starts part done, and its speed counts only what it does now
            unit = "step" if ev.phase == "training" else "ex" if (ev.total or 0) > 1 else ""
            self._bar = tqdm(total=ev.total, initial=ev.done, desc=ev.label, unit=unit, leave=False, file=getattr(sys.stderr, "raw_stream", sys.stderr))
        self._bar.n = ev.done
        if ev.correct is not None and ev.done:
            self._bar.set_postfix_str(f"acc {ev.correct / ev.done:.3f}", refresh=False)
        if ev.loss is not None:
            self._bar.set_postfix_str(f"loss {ev.loss:.4f}", refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
