"""The project's own error type: what was expected, what was found, how to fix it."""

from __future__ import annotations


class WorkbenchError(Exception):
    """A fatal problem the user can fix. Its message is one line meant for the terminal.

    Build it from three parts so every message says the same things in the same order:
    ``WorkbenchError("split 'test' not found", expected="...", fix="...")``.
    """

    def __init__(self, found: str, *, expected: str | None = None, fix: str | None = None):
        self.found = found
        self.expected = expected
        self.fix = fix
        parts = [found]
        if expected:
            parts.append(f"expected {expected}")
        if fix:
            parts.append(fix)
        # One line whatever the parts quote (a template, a label with a newline in it).
        super().__init__("; ".join(parts).replace("\r", "\\r").replace("\n", "\\n"))


class DataError(WorkbenchError):
    """The dataset, a split, a column or a label is missing or malformed."""


class ConfigError(WorkbenchError):
    """A method, model, parameter, label map or template is not usable as given."""


class ServerError(WorkbenchError):
    """An API server keeps failing (no answer, errors for every request): the run stops rather
    than spend every example's retries on it."""


class StoreError(WorkbenchError):
    """The run store cannot be opened, or a run named by the user is not in it."""


class Cancelled(Exception):
    """Raised inside a run when the user asked it to stop; finished predictions are kept."""
