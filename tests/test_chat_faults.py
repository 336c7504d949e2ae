"""The chat method against a misbehaving OpenAI-compatible server (tests/fake_openai.py: real
sockets on 127.0.0.1, the real openai client): one case per fault, each asserting what the run
ended as, what was stored for the example, the report's invalid and failed counts, and how many
HTTP requests it cost."""

import json
import logging
import re
import socket
import threading
import time

import pytest

from conftest import cli_says, write_jsonl
from fake_openai import FakeOpenAI
from workbench.data import DataSpec
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

KEY = "sk-PLANTED-abc123"
TIMEOUT, RETRIES = 0.5, 2  # the timeout well above the fake's 0.05 s answers, even on a loaded machine
TRIES = 1 + RETRIES
# Longer than any faulty text, so the run's first request (the longest text, sent alone) is clean
# and the faulty example goes through the concurrent path, as most examples of a real run do.
CLEAN = [
    ("a good film with a great cast and a moving story", 1),
    ("a bad film with an awful script and no story at all", 0),
    ("great acting, good music, a good film all round, really", 1),
]


@pytest.fixture(autouse=True)
def planted_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def dataset(tmp_path, rows) -> str:
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in rows])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    return str(d)


def run(tmp_path, server_url, rows, *, cancel_event=None, batch_size=16, model=None, **params):
    spec = RunSpec(
        DataSpec(dataset(tmp_path, rows)), "chat", model=model, batch_size=batch_size,
        params={"base_url": server_url, "timeout": TIMEOUT, "max_retries": RETRIES, "concurrency": 4, **params},
    )  # fmt: skip
    store = RunStore(tmp_path / "s.sqlite")
    return execute(prepare(spec), store, cancel_event=cancel_event), store


def failed_count(report) -> int:
    return int(re.search(r"(\d+) failed", report.details["requests"]).group(1))


# (case, faulty text, its gold, expected label, HTTP requests for it, error holds, raw holds)
RECOVERED = [
    ("429 with Retry-After", "good [429rax1]", 1, 1, 2, None, "Positive."),
    ("429 without Retry-After", "good [429x1]", 1, 1, 2, None, "Positive."),
    ("500 once", "good [500x1]", 1, 1, 2, None, "Positive."),
    ("502 twice", "good [502x2]", 1, 1, 3, None, "Positive."),
    ("503 once", "bad [503x1]", 0, 0, 2, None, "negative"),
    ("timeout once", "bad [slowx1]", 0, 0, 2, None, "negative"),
]
GIVEN_UP = [
    ("500 always", "good [500]", 1, None, TRIES, f"InternalServerError: HTTP 500: fault 500 ({TRIES} tries)", None),
    ("502 always", "good [502]", 1, None, TRIES, f"InternalServerError: HTTP 502: fault 502 ({TRIES} tries)", None),
    ("503 always", "good [503]", 1, None, TRIES, f"InternalServerError: HTTP 503: fault 503 ({TRIES} tries)", None),
    ("429 always", "good [429]", 1, None, TRIES, f"RateLimitError: HTTP 429: fault 429 ({TRIES} tries)", None),
    # A Retry-After longer than the SDK waits: not retried, so one try (not 1 + max_retries), and said.
    ("429 Retry-After too long", "good [429long]", 1, None, 1, "RateLimitError: HTTP 429: fault 429long (1 try; the server asked to wait 3600 s", None),
    ("timeout always", "bad [slow]", 0, None, TRIES, f"APITimeoutError: no answer within the {TIMEOUT:g} s timeout ({TRIES} tries)", None),
    ("truncated body", "bad [truncated]", 0, None, TRIES, "APIConnectionError: Connection error. peer closed connection without sending complete message body", None),
    ("malformed JSON", "bad [badjson]", 0, None, 1, "BadResponse: the server's answer is not JSON (HTTP 200): <html>502 Bad Gateway</html>", None),
    ("empty choices", "bad [nochoices]", 0, None, 1, 'BadResponse: the server\'s answer has no choices: {"id": "chatcmpl-test"', None),
    ("content filter", "bad [filtered]", 0, None, 1, None, "[withheld by the server's content filter]"),
    ("no text at the token limit", "bad [length]", 0, None, 1, None, "[no answer text: finish_reason length]"),
]  # fmt: skip


@pytest.mark.parametrize("case, text, gold, label, requests, error, raw", RECOVERED + GIVEN_UP, ids=[c[0] for c in RECOVERED + GIVEN_UP])
def test_one_fault_among_clean_examples(tmp_path, case, text, gold, label, requests, error, raw):
    with FakeOpenAI(slow=1.5) as server:
        out, store = run(tmp_path, server.url, CLEAN + [(text, gold)])
        tries, times = server.tries(text), server.times_of(text)
    assert out.status == "done", out.error  # one example's trouble never ends the run
    preds = {p.text: p for p in store.predictions(out.run_id)}
    p = preds[text]
    assert (p.pred, tries) == (label, requests)
    assert (error is None and p.error is None) or (error is not None and p.error.startswith(error)), p.error
    assert (raw is None and p.raw is None) or (raw is not None and p.raw.startswith(raw)), p.raw
    assert all(preds[t].pred == y and preds[t].error is None for t, y in CLEAN)  # the others are fine
    assert server.requests == len(CLEAN) + requests, dict(server.attempts)
    report = out.report
    assert report.n == len(CLEAN) + 1 and report.invalid == (label is None)
    assert failed_count(report) == (error is not None)  # a content-filtered answer is an answer
    if case == "429 with Retry-After":
        assert 0.95 <= times[1] - times[0] < 2.0  # Retry-After: 1 honoured by the SDK
    if case in ("429 without Retry-After", "500 once"):
        assert 0.3 <= times[1] - times[0] < 0.95  # the SDK's own backoff: 0.5 s less up to 25% jitter


def test_a_content_filtered_answer_is_cached_as_filtered(tmp_path):
    """finish_reason is kept with the cached answer, so a re-run shows the same invalid reason."""
    rows = CLEAN + [("bad [filtered]", 0)]
    with FakeOpenAI() as server:
        run(tmp_path, server.url, rows)
        server.reset_counts()
        spec = RunSpec(DataSpec(dataset(tmp_path, rows)), "chat", params={"base_url": server.url, "timeout": TIMEOUT, "max_retries": RETRIES, "concurrency": 4}, batch_size=16)
        store = RunStore(tmp_path / "s.sqlite")
        again = execute(prepare(spec), store, rerun=True)
        assert server.requests == 0
    p = {p.text: p for p in store.predictions(again.run_id)}["bad [filtered]"]
    assert p.pred is None and p.raw == "[withheld by the server's content filter]"


def test_an_invalid_key_stops_at_once_with_the_echoed_key_masked(tmp_path):
    with FakeOpenAI(key="sk-the-right-one-999") as server:
        out, store = run(tmp_path, server.url, CLEAN * 4, concurrency=8)
    assert out.status == "failed" and out.report is None
    assert out.error.startswith(f"the server at {server.url} refused the API key (401: Incorrect API key provided: [api key])")
    assert "check OPENAI_API_KEY" in out.error and KEY not in out.error
    assert server.requests == 1  # no retry, and nothing sent alongside it
    assert store.find(out.run_id).status == "failed"


def test_an_unknown_model_stops_at_once_naming_it(tmp_path):
    with FakeOpenAI(models={"gpt-4o-mini"}) as server:
        out, _ = run(tmp_path, server.url, CLEAN * 4, model="gpt-nonexistent")
    assert out.status == "failed"
    assert out.error.startswith(f"model 'gpt-nonexistent' not found at {server.url} (404: The model `gpt-nonexistent` does not exist")
    assert "check the model and the server's base URL" in out.error
    assert out.error_field == "model" and cli_says(out.error, out.error_field).endswith("[--model]")
    assert server.requests == 1


def test_a_refused_parameter_stops_at_once(tmp_path):
    with FakeOpenAI(reject_temperature=True) as server:
        out, _ = run(tmp_path, server.url, CLEAN * 4)
    assert out.status == "failed" and server.requests == 1
    assert "refuses temperature for model 'gpt-4o-mini' (400: Unsupported value: 'temperature'" in out.error
    assert "temperature 1" in out.error
    assert out.error_field == "param:temperature" and cli_says(out.error, out.error_field).endswith("[-p temperature=VALUE]")


def test_max_completion_tokens_is_sent_when_the_server_wants_it(tmp_path):
    with FakeOpenAI(reject_max_tokens=True) as server:
        out, _ = run(tmp_path, server.url, [(f"{t} {i}", y) for i in range(2) for t, y in CLEAN], max_new_tokens=5)
        bodies = list(server.bodies)
    assert out.status == "done" and out.report.accuracy == 1.0
    assert server.requests == len(CLEAN) * 2 + 1  # one refused, then every request under the new name
    assert "max_tokens" in bodies[0] and all(b["max_completion_tokens"] == 5 and "max_tokens" not in b for b in bodies[1:])
    assert "sent as max_completion_tokens" in out.report.details["sampling"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_trickling_server_is_held_to_the_timeout_in_all(tmp_path):
    """One byte every 0.1 s (status line and headers too): each read is quick, and the request
    still ends at ``timeout`` in all, then is retried as the SDK does, then is that example's error."""
    text = "bad [trickle]"
    t = time.monotonic()
    with FakeOpenAI(trickle=0.1) as server:  # about 30 s for the whole answer
        out, store = run(tmp_path, server.url, CLEAN + [(text, 0)], max_retries=1)
        tries = server.tries(text)
    elapsed = time.monotonic() - t
    assert out.status == "done", out.error
    p = {p.text: p for p in store.predictions(out.run_id)}[text]
    assert p.pred is None and p.error.startswith(f"APITimeoutError: no answer within the {TIMEOUT:g} s timeout (2 tries)"), p.error
    assert tries == 2
    assert elapsed < 2 * TIMEOUT + 1.0 + 3  # two deadlines and the SDK's backoff (under 1 s), not 2 x 30 s


def test_nothing_listening_stops_after_one_example(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="openai")
    url = f"http://127.0.0.1:{free_port()}/v1"
    out, _ = run(tmp_path, url, CLEAN * 10)
    assert out.status == "failed"
    assert out.error.startswith(f"cannot connect to {url} (APIConnectionError: Connection error.")
    assert "Connection refused" in out.error and f"({TRIES} tries)" in out.error and out.error_field == "param:base_url"
    assert cli_says(out.error, out.error_field).endswith("check the server address and that the server is running [--base-url]")
    sent = [r for r in caplog.records if r.name.startswith("openai") and r.getMessage().startswith("Sending HTTP Request")]
    assert len(sent) == TRIES  # the first example's tries only, not 30 examples' worth


def test_a_server_that_never_answers_is_given_up_on_quickly(tmp_path):
    rows = [(f"[hang] review {i}", i % 2) for i in range(40)]
    t = time.monotonic()
    with FakeOpenAI() as server:
        out, store = run(tmp_path, server.url, rows, max_retries=1)
        requests = server.requests
    elapsed = time.monotonic() - t
    assert out.status == "failed"
    assert f"answered none of the first 3 requests (last: APITimeoutError: no answer within the {TIMEOUT:g} s timeout (2 tries))" in out.error
    assert requests == 3 * 2  # three examples, one at a time, each tried twice
    assert elapsed < 3 * (2 * TIMEOUT + 0.5) + 2  # timeouts plus the SDK's backoff, not 40 examples' worth
    assert store.predictions(out.run_id) == []


def test_a_server_failing_everything_is_given_up_on(tmp_path):
    rows = [(f"good [500] review {i}", 1) for i in range(20)]
    with FakeOpenAI() as server:
        out, _ = run(tmp_path, server.url, rows, max_retries=0)
    assert out.status == "failed" and server.requests == 3
    assert "answered none of the first 3 requests (last: InternalServerError: HTTP 500: fault 500 (1 try))" in out.error


def test_a_server_that_dies_mid_run_stops_it_keeping_what_finished(tmp_path):
    """A batch in which every request failed, after the server had answered: stop, not 1000 x tries."""
    rows = CLEAN[:2] + [(f"good [503] {i}", 1) for i in range(6)]
    with FakeOpenAI() as server:
        out, store = run(tmp_path, server.url, rows, batch_size=2, max_retries=0)
    assert out.status == "failed" and "every one of 2 requests to" in out.error and "HTTP 503" in out.error
    assert server.requests == 2 + 2  # the first batch, then one batch of failures
    assert sorted(p.text for p in store.predictions(out.run_id)) == sorted(t for t, _ in CLEAN[:2])


@pytest.mark.parametrize("after", [1, 5], ids=["during the first request", "during concurrent requests"])
def test_cancel_during_slow_responses_returns_promptly(tmp_path, after):
    rows = [(f"a good film, number {i}", 1) for i in range(24)]
    cancel = threading.Event()
    result = {}
    with FakeOpenAI(delay=1.2) as server:
        worker = threading.Thread(target=lambda: result.update(out=run(tmp_path, server.url, rows, cancel_event=cancel, timeout=30, batch_size=12)[0]))
        worker.start()
        deadline = time.monotonic() + 30
        while server.requests < after:  # a bounded wait on the server's own count
            assert time.monotonic() < deadline, f"the server saw {server.requests} requests, not {after}"
            time.sleep(0.01)
        cancel.set()
        t = time.monotonic()
        worker.join(5)
        waited = time.monotonic() - t
    assert not worker.is_alive() and waited < 0.6  # not the 1.2 s the requests in flight take
    assert result["out"].status == "cancelled"


@pytest.mark.parametrize("fault", ["negusage", "nanusage"])
def test_token_counts_that_are_no_counts_are_unknown_not_subtracted(tmp_path, fault):
    """A server's negative or NaN usage is no count of tokens: the answer is kept, its tokens
    counted as unknown (never subtracted from the others'), and the cost said to be a lower bound."""
    with FakeOpenAI() as server:
        out, _ = run(tmp_path, server.url, CLEAN + [(f"good [{fault}]", 1)], model="gpt-4o-mini")
    assert out.status == "done", out.error
    tokens = out.report.details["tokens"]
    prompt, completion = (int(n) for n in re.match(r"prompt (-?\d+), completion (-?\d+)", tokens).groups())
    assert completion == 2 * len(CLEAN) and prompt > 0  # the three clean answers' counts, nothing taken off
    assert "1 answers came with no valid token counts" in tokens
    assert out.report.details["cost"].startswith("at least $")
