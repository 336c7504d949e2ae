"""How a test or benchmark starts a run it will interrupt as a user at a terminal would."""

import signal


def ctrl_c_as_in_a_terminal() -> None:
    """A ``preexec_fn``: the child's SIGINT as a terminal's foreground process has it. A process
    started in the background by a non-interactive shell (``pytest ... &``, nohup, some CI
    runners) ignores SIGINT, its children inherit that, and Python then installs no
    KeyboardInterrupt: a SIGINT sent to try Ctrl-C would be ignored, as the shell meant."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
