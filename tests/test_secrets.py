"""The API key never leaves the request: a planted key is looked for in every artefact a chat run
makes (the store and its -wal/-shm, a JSON report, the CLI's output, errors, log records at DEBUG,
the terminal UI's screen), including when the server echoes it back in an error body. Also: the
store is created readable by its owner only, and no code path unpickles anything."""

import html
import json
import logging
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from tui_helpers import static_text, wait_for, wait_for_screen

from conftest import REPO, write_jsonl
from fake_openai import FakeOpenAI
from workbench.cli import main
from workbench.data import DataSpec
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

KEY = "sk-PLANTED-abc123"
MASK = "[api key]"
ROWS = [
    ("a good film with a great cast and a moving story", 1),
    ("a bad film with an awful script and no story at all", 0),
    ("good [echo500]", 1),  # the server's 500 body repeats the Authorization header it got
]
FAST = {"timeout": 2.0, "max_retries": 0}


@pytest.fixture(autouse=True)
def planted_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def all_logs(caplog):
    """Every log record of every logger, at DEBUG (the SDK's and the HTTP clients' included)."""
    caplog.set_level(logging.DEBUG)
    for name in ("openai", "httpx", "httpcore", "httpx2", "httpcore2"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def dataset(tmp_path: Path) -> str:
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in ROWS])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    return str(d)


def log_text(caplog) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)


def store_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_the_key_is_in_no_artefact_of_a_run(tmp_path, capfd, all_logs):
    store_path, report = tmp_path / "cli.sqlite", tmp_path / "report.json"
    with FakeOpenAI(key=KEY) as server:
        base = ["--store", str(store_path), "eval", "--data", dataset(tmp_path), "--method", "chat", "--base-url", server.url, "-p", "max_retries=0", "-q"]
        assert main(base + ["--json", str(report)]) == 0
        assert f"Bearer {KEY}" in server.auth_seen  # the key was sent ...
    with FakeOpenAI(key="sk-another-key-000") as wrong:  # ... and a 401 body that echoes it back
        assert main(["--store", str(store_path), "eval", "--data", dataset(tmp_path), "--method", "chat", "--base-url", wrong.url, "-q"]) == 2
    run_id = json.loads(report.read_text())["run_id"]
    assert main(["--store", str(store_path), "show", run_id[:12]]) == 0
    out = capfd.readouterr()
    assert "Traceback" not in out.err
    assert f"refused the API key (401: Incorrect API key provided: {MASK})" in out.err  # the echo, masked
    stored = {p.text: p for p in RunStore(store_path).predictions(run_id)}
    assert stored["good [echo500]"].error == f"InternalServerError: HTTP 500: upstream failed for Authorization: Bearer {MASK} (1 try)"
    assert any(r.name.startswith("openai") for r in all_logs.records)  # the SDK's debug records were captured
    artefacts = {
        "store (+wal/shm)": store_bytes(store_path),
        "json report": report.read_bytes(),
        "stdout": out.out.encode(),
        "stderr": out.err.encode(),
        "log records": log_text(all_logs).encode(),
    }
    for where, content in artefacts.items():
        assert KEY.encode() not in content, where


def test_the_key_is_in_no_error_nor_stored_byte_while_the_store_is_open(tmp_path, all_logs):
    """The -wal file holds the newest pages until a checkpoint: read it while the store is open."""
    store = RunStore(tmp_path / "s.sqlite")
    with FakeOpenAI(key=KEY) as server:
        done = execute(prepare(RunSpec(DataSpec(dataset(tmp_path)), "chat", params={"base_url": server.url, **FAST})), store)
    with FakeOpenAI(key="sk-another-key-000") as wrong:
        failed = execute(prepare(RunSpec(DataSpec(dataset(tmp_path)), "chat", params={"base_url": wrong.url, **FAST})), store)
    assert done.status == "done" and failed.status == "failed"
    assert (tmp_path / "s.sqlite-wal").stat().st_size > 0
    errors = [failed.error] + [p.error or "" for p in store.predictions(done.run_id)]
    assert MASK in failed.error and any(MASK in e for e in errors[1:])  # both echoes were seen, and masked
    assert KEY not in "\n".join(errors) and KEY not in json.dumps(done.report.to_json())
    assert KEY.encode() not in store_bytes(tmp_path / "s.sqlite")
    assert KEY not in log_text(all_logs)


def test_store_files_are_readable_by_their_owner_only(tmp_path):
    old = os.umask(0o022)  # a common umask, under which new files are world-readable
    try:
        store = RunStore(tmp_path / "s.sqlite")
        with FakeOpenAI() as server:
            out = execute(prepare(RunSpec(DataSpec(dataset(tmp_path)), "chat", params={"base_url": server.url, **FAST})), store)
        assert out.status == "done"
        files = sorted(tmp_path.glob("s.sqlite*"))
        names = {p.name for p in files}
        assert {"s.sqlite", "s.sqlite-wal", "s.sqlite-shm"} <= names  # answers are cached in them
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        assert set(modes.values()) == {0o600}, {n: oct(m) for n, m in modes.items()}
    finally:
        os.umask(old)


UNPICKLING = re.compile(r"\bpickle\b|\bjoblib\b|\bdill\b|torch\.load\(|allow_pickle\s*=\s*True|weights_only\s*=\s*False|\bshelve\b")


def test_no_code_unpickles_anything():
    """Cached data is JSON and raw float arrays; models load through safetensors or, for .bin
    weights, transformers' torch.load(weights_only=True). Pickle would run code from a file."""
    sources = [p for d in ("workbench", "screens") for p in (REPO / d).rglob("*.py")]
    assert len(sources) > 10
    found = [f"{p.relative_to(REPO)}:{n}" for p in sources for n, line in enumerate(p.read_text().splitlines(), 1) if UNPICKLING.search(line)]
    assert found == []


# ---------------------------------------------------------------- the terminal UI


def screen_text(app) -> str:
    """Everything the app draws, as text: the SVG export, entities and no-break spaces undone."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def test_the_tui_never_shows_the_key(tmp_path):
    from screens.app import WorkbenchApp
    from screens.report_screen import ReportScreen
    from screens.run_screen import RunScreen
    from screens.session import default_spec
    from screens.setup_screen import SetupScreen

    store = RunStore()
    with FakeOpenAI(key=KEY) as server:
        spec = replace(default_spec(), data=DataSpec(dataset(tmp_path)), method="chat", model="gpt-4o-mini", params={"base_url": server.url, **FAST}, batch_size=4)
        app = WorkbenchApp(store, spec)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_screen(pilot, SetupScreen)
            await pilot.press("ctrl+r")
            report = await wait_for_screen(pilot, ReportScreen)
            assert store.find(report.run_id).report.invalid == 1
            await pilot.press("e")
            await wait_for(pilot, lambda: "error:" in static_text(report, "#example-detail"), what="the failed example")
            detail = static_text(report, "#example-detail")
            assert f"Bearer {MASK}" in detail and KEY not in detail
            assert KEY not in screen_text(app)
    with FakeOpenAI(key="sk-another-key-000") as wrong:
        app = WorkbenchApp(store, replace(spec, params={"base_url": wrong.url, **FAST}))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_screen(pilot, SetupScreen)
            await pilot.press("ctrl+r")
            run = await wait_for_screen(pilot, RunScreen)
            await wait_for(pilot, lambda: static_text(run, "#run-error") != "", what="the error")
            await pilot.pause(0.2)  # the notification toast too
            assert f"refused the API key (401: Incorrect API key provided: {MASK})" in static_text(run, "#run-error")
            shown = screen_text(app)
            assert "refused the API key" in shown and KEY not in shown


@pytest.mark.parametrize("url", ["http://user:sk-PLANTED-url@127.0.0.1:9/v1", "http://127.0.0.1:9/v1?api-key=sk-PLANTED-url"])
def test_a_server_url_with_credentials_is_refused_without_repeating_them(tmp_path, capsys, url):
    from workbench.cli import main

    store = tmp_path / "s.sqlite"
    assert main(["eval", "--store", str(store), "--data", "sample", "--method", "chat", "--base-url", url]) == 2
    err = capsys.readouterr().err
    assert "carries credentials" in err and "sk-PLANTED-url" not in err
    assert b"sk-PLANTED-url" not in b"".join(p.read_bytes() for p in tmp_path.glob("s.sqlite*"))


def test_the_key_files_path_is_no_part_of_the_run_identity(tmp_path):
    """Where the key is read from cannot change a result: two runs that differ in the key file
    alone are one run (the second is the first, reused: nothing asked again), and a run with the
    key in the environment is that run too; the path is still kept with the run, to run it with."""
    first_file, second_file = tmp_path / "a.key", tmp_path / "elsewhere" / "b.key"
    second_file.parent.mkdir()
    for f in (first_file, second_file):
        f.write_text(KEY + "\n")
    store = RunStore(tmp_path / "s.sqlite")
    with FakeOpenAI(key=KEY) as server:

        def spec(key_file):
            params = {"base_url": server.url, **FAST, **({"api_key_file": str(key_file)} if key_file else {})}
            return RunSpec(DataSpec(dataset(tmp_path)), "chat", params=params)

        first = prepare(spec(first_file))
        assert first.run_id == prepare(spec(second_file)).run_id == prepare(spec(None)).run_id
        assert first.params["api_key_file"] == str(first_file) and first.identity["params"]["api_key_file"] is None
        done = execute(first, store)
        asked = server.requests
        again = execute(prepare(spec(second_file)), store)
    assert done.status == "done" and again.reused and again.run_id == done.run_id and server.requests == asked
    assert store.find(done.run_id).config.params["api_key_file"] == str(first_file)
