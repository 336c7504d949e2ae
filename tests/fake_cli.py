"""``python tests/fake_cli.py ARGS...``: the workbench command line with the test doubles of
fake_methods.py registered, for tests that need the CLI in a process of its own (kill it, run
two at once)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_methods import KeywordMethod  # noqa: E402

from workbench.cli import main  # noqa: E402
from workbench.methods import METHODS  # noqa: E402



class Keyword(KeywordMethod):
    runs_locally = False  # no device to pick: these processes start without importing torch


METHODS["keyword"] = Keyword
sys.exit(main(sys.argv[1:]))
