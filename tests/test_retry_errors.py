"""--retry-errors: a run whose examples got no answer during an outage (5xx, 429 after the retries)
asks again for those, and only those: never for a stored answer nor for an invalid one (an answer
that names no label). On a finished run (eval and resume) and on an unfinished one, from the
command line and the history screen."""

import json
import sqlite3

import pytest
from conftest import write_jsonl
from fake_openai import FakeOpenAI

from workbench.cli import main
from workbench.store import RunStore

CLEAN = [
    ("a good film with a great cast and a moving story, really", 1),
    ("a bad film with an awful script and no story at all here", 0),
]
OUTAGE = [("good [500x3]", 1), ("bad [503x3]", 0)]  # fail every try of the first attempt, answer the next
DOWN = [("good [500]", 1)]  # fails every attempt: still an error after the retry
INVALID = [("so-so, who knows", 0)]  # answered 'I cannot tell': invalid, never asked again
ROWS = CLEAN + OUTAGE + DOWN + INVALID
# logprobs=0: the invalid answer stays invalid (with logprobs it would get the most likely class)
PARAMS = {"timeout": 2.0, "max_retries": 2, "concurrency": 4, "logprobs": 0}


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def data(tmp_path) -> str:
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in ROWS])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    return str(d)


def eval_argv(tmp_path, url, *extra) -> list[str]:
    params = [a for k, v in PARAMS.items() for a in ("-p", f"{k}={v}")]
    return ["--store", str(tmp_path / "s.sqlite"), "eval", "--data", data(tmp_path), "--method", "chat", "--base-url", url, "--batch-size", "16", "-q", *params, *extra]


def by_text(store, run_id):
    return {p.text: p for p in store.predictions(run_id)}


def first_run(tmp_path, server, capsys):
    assert main(eval_argv(tmp_path, server.url, "--json", str(tmp_path / "first.json"))) == 0
    capsys.readouterr()
    run_id = json.loads((tmp_path / "first.json").read_text())["run_id"]
    store = RunStore(tmp_path / "s.sqlite")
    preds = by_text(store, run_id)
    assert all(preds[t].error for t, _ in OUTAGE + DOWN)  # the outage: no answer for them
    assert preds[INVALID[0][0]].error is None and preds[INVALID[0][0]].raw.startswith("I cannot tell") and preds[INVALID[0][0]].pred is None
    assert store.count_errors(run_id) == 3
    server.before = {t: server.tries(t) for t, _ in ROWS}  # the fault tags count attempts over the server's life
    server.requests_before = server.requests
    return run_id, store


def asked(server) -> set[str]:
    """The texts requested since the first run."""
    return {t for t, _ in ROWS if server.tries(t) > server.before[t]}


def check_recovered(store, run_id, report_json):
    preds = by_text(store, run_id)
    assert [preds[t].pred for t, _ in OUTAGE] == [1, 0] and all(preds[t].error is None for t, _ in OUTAGE)
    assert preds[DOWN[0][0]].error and store.count_errors(run_id) == 1
    assert "retried 3 stored errors: 2 answered now, 1 still errors" in report_json["notes"]
    assert report_json["invalid"] == 2 and report_json["n"] == len(ROWS)
    assert store.find(run_id).status == "done"


def test_eval_retry_errors_asks_again_only_for_the_errors_of_a_finished_run(tmp_path, capsys):
    with FakeOpenAI() as server:
        run_id, store = first_run(tmp_path, server, capsys)
        # without the flag: the stored run is shown, nothing asked
        assert main(eval_argv(tmp_path, server.url)) == 0 and server.requests == server.requests_before
        assert main(eval_argv(tmp_path, server.url, "--retry-errors", "--json", str(tmp_path / "r.json"))) == 0
        assert asked(server) == {t for t, _ in OUTAGE + DOWN}  # never the answers nor the invalid answer
    out = capsys.readouterr().out
    assert "retried 3 stored errors: 2 answered now, 1 still errors" in out
    check_recovered(store, run_id, json.loads((tmp_path / "r.json").read_text()))


def test_resume_retry_errors_on_a_finished_run(tmp_path, capsys):
    with FakeOpenAI() as server:
        run_id, store = first_run(tmp_path, server, capsys)
        assert main(["--store", str(tmp_path / "s.sqlite"), "resume", run_id[:12], "-q"]) == 0  # complete: shown, nothing asked
        assert server.requests == server.requests_before
        assert main(["--store", str(tmp_path / "s.sqlite"), "resume", run_id[:12], "--retry-errors", "-q", "--json", str(tmp_path / "r.json")]) == 0
        assert asked(server) == {t for t, _ in OUTAGE + DOWN}
    out = capsys.readouterr().out
    assert "3 errors asked again" in out
    check_recovered(store, run_id, json.loads((tmp_path / "r.json").read_text()))


def test_resume_retry_errors_on_an_unfinished_run_asks_for_the_missing_and_the_errors(tmp_path, capsys):
    with FakeOpenAI() as server:
        run_id, store = first_run(tmp_path, server, capsys)
        with sqlite3.connect(tmp_path / "s.sqlite") as db:  # as if it had been cancelled before its last examples
            db.execute("DELETE FROM predictions WHERE run_id = ? AND text = ?", (run_id, CLEAN[1][0]))
            db.execute("UPDATE runs SET status = 'cancelled', report = NULL WHERE run_id = ?", (run_id,))
        assert main(["--store", str(tmp_path / "s.sqlite"), "resume", run_id[:12], "--retry-errors", "-q", "--json", str(tmp_path / "r.json")]) == 0
        assert asked(server) == {t for t, _ in OUTAGE + DOWN}  # the missing answer came from the response cache
    assert by_text(store, run_id)[CLEAN[1][0]].pred == 0
    check_recovered(store, run_id, json.loads((tmp_path / "r.json").read_text()))


async def test_e_on_the_history_retries_the_errors(tmp_path, monkeypatch, capsys):
    from tui_helpers import no_device_picking, open_history, static_text, wait_for_screen

    from screens.app import WorkbenchApp
    from screens.report_screen import ReportScreen

    no_device_picking(monkeypatch)
    with FakeOpenAI() as server:
        run_id, store = first_run(tmp_path, server, capsys)
        app = WorkbenchApp(store)
        async with app.run_test(size=(100, 30)) as pilot:
            await open_history(pilot)
            await pilot.press("e")
            report = await wait_for_screen(pilot, ReportScreen, timeout=60)
            assert "retried 3 stored errors: 2 answered now, 1 still errors" in static_text(report, "#report-notice")
        assert asked(server) == {t for t, _ in OUTAGE + DOWN}
    check_recovered(store, run_id, store.find(run_id).report.to_json())


def test_retry_errors_on_a_finished_run_without_errors_shows_it(tmp_path, monkeypatch, capsys):
    from fake_methods import KeywordMethod

    from workbench.methods import METHODS

    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    d = write_jsonl(tmp_path / "k" / "test.jsonl", [{"text": "good one", "label": 1}, {"text": "bad one", "label": 0}, {"text": "meh", "label": 0}]).parent
    args = ["--store", str(tmp_path / "s.sqlite"), "eval", "--data", str(d), "--method", "keyword", "-q"]
    assert main(args) == 0
    KeywordMethod.batches_seen = 0
    capsys.readouterr()
    assert main([*args, "--retry-errors"]) == 0  # the invalid answer ('meh') is not an error: nothing to ask
    assert "an identical run is stored" in capsys.readouterr().out and KeywordMethod.batches_seen == 0
