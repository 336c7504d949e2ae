import os

# No test may reach the network: the hub is unreachable here, and CI has no internet.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RT_DIR = REPO.parent / "shared" / "data" / "rotten_tomatoes"


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path, monkeypatch):
    """Every test gets its own store unless it names one (models in memory belong to an engine,
    so no test sees another's)."""
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "store.sqlite"))


@pytest.fixture
def rt_dir():
    if not (RT_DIR / "test.jsonl").is_file():
        pytest.skip(f"real data not found at {RT_DIR}")
    return RT_DIR


@pytest.fixture
def label_words(monkeypatch):
    """The label-words test double (fake_methods.LabelWordMethod) registered as 'label-words'."""
    from fake_methods import LabelWordMethod
    from workbench.methods import METHODS

    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)
    return LabelWordMethod


def write_jsonl(path: Path, rows) -> Path:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run the slow full-split reproductions (minutes each)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


FLAG = __import__("re").compile(r"(?<![\w-])--[a-z][a-z-]*|(?<![\w-])-p [A-Za-z_]+=")
"""A command-line flag (``--text-column``, ``-p max_iter=``) in a message."""


def cli_says(err, field: str | None = None) -> str:
    """The line ``workbench eval`` prints for an engine error (its flag in brackets at the end),
    after checking that the engine's own text names no flag: the front ends add that. ``err`` is
    a WorkbenchError, or a stored error text with its ``field`` (a RunOutcome's)."""
    from workbench.cli_fields import cli_message

    assert not FLAG.search(str(err)), f"the engine's message names a flag: {err}"
    return cli_message(err, field)


def pytest_terminal_summary(terminalreporter):
    """Say which tests did not run for want of the real data or models (skipped, not passed), so a
    green run without ../shared is not mistaken for a full one."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons: dict[str, int] = {}
    for report in skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if "slow" not in reason:
            reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.write_sep("-", "tests that did not run (not passed)")
        for reason, n in sorted(reasons.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{n:4d} skipped: {reason}")
