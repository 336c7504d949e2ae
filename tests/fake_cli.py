"""``python tests/fake_cli.py ARGS...``: the workbench command line with the test doubles of
fake_methods.py registered, for tests that need the CLI in a process of its own (kill it, run
two at once)."""

import sys
from pathlib import Path

# The tests folder for fake_methods, and the checkout this file is in before it: run as a script,
# the workbench would otherwise come from wherever the environment installed it.
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from fake_methods import KeywordMethod  # noqa: E402

from workbench.cli import main  # noqa: E402
from workbench.methods import METHODS  # noqa: E402


class Keyword(KeywordMethod):
    runs_locally = False  # no device to pick: these processes start without importing torch


METHODS["keyword"] = Keyword
sys.exit(main(sys.argv[1:]))
