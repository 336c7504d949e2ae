"""The chat method end to end against an OpenAI-compatible server on 127.0.0.1 (real sockets, the
real openai client): answers, retries, the response cache, concurrency, errors, and the key."""

import json

import pytest

from conftest import cli_says, write_jsonl
from fake_openai import FakeOpenAI
from workbench.cli import main
from workbench.data import DataSpec
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

KEY = "sk-test-PLANTED-123"
FAST = {"timeout": 0.5, "max_retries": 2}
CLEAN = [("a good film", 1), ("a bad film", 0), ("great acting", 1), ("awful plot", 0), ("good music", 1), ("bad script", 0)]
SCRIPTED = [
    ("a good film", 1),
    ("awful plot", 0),
    ("RATE good one", 1),  # 429 with Retry-After: 1, then answered
    ("SLOWONCE bad", 0),  # times out once, then answered
    ("FAIL500 good", 1),  # 500 every time: given up after max_retries
    ("BADJSON bad", 0),  # malformed body
    ("nothing to say", 1),  # answered, but with no label word
]


@pytest.fixture
def server():
    with FakeOpenAI() as s:
        yield s


@pytest.fixture(autouse=True)
def planted_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def dataset(tmp_path, rows, name="data"):
    d = tmp_path / name
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in rows])
    write_jsonl(d / "train.jsonl", [{"text": t, "label": y} for t, y in CLEAN])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    return str(d)


def run(data, server, store, *, batch_size=16, rerun=False, **params):
    spec = RunSpec(DataSpec(data), "chat", params={"base_url": server.url, **FAST, **params}, batch_size=batch_size)
    return execute(prepare(spec), store, rerun=rerun)


def test_answers_retries_and_errors_are_accounted(tmp_path, server):
    store = RunStore(tmp_path / "s.sqlite")
    # logprobs=0: the answer text alone decides (with logprobs an unparsed answer gets the most
    # likely class: test_chat_logprobs.py)
    out = run(dataset(tmp_path, SCRIPTED), server, store, concurrency=4, logprobs=0)
    assert out.status == "done", out.error
    preds = {p.text: p for p in store.predictions(out.run_id)}
    assert preds["a good film"].pred == 1 and preds["a good film"].raw == "Positive."
    assert preds["awful plot"].pred == 0
    assert preds["RATE good one"].pred == 1 and server.tries("RATE good one") == 2
    gap = server.times_of("RATE good one")[1] - server.times_of("RATE good one")[0]
    assert 0.95 <= gap < 3  # Retry-After: 1 honoured (the SDK's own first backoff is at most 0.5 s)
    assert preds["SLOWONCE bad"].pred == 0 and server.tries("SLOWONCE bad") == 2
    assert server.tries("FAIL500 good") == 1 + FAST["max_retries"]  # bounded, then given up
    assert preds["FAIL500 good"].pred is None and "InternalServerError" in preds["FAIL500 good"].error
    assert preds["BADJSON bad"].pred is None and preds["BADJSON bad"].error
    nothing = preds["nothing to say"]
    assert nothing.pred is None and nothing.raw == "I cannot tell" and nothing.error is None  # invalid, not guessed
    report = out.report
    assert report.invalid == 3 and report.n == len(SCRIPTED)
    assert report.accuracy == pytest.approx(4 / 7)  # invalid counts as wrong
    details = report.details
    assert details["requests"].startswith("5 answered, 0 from the cache") and "2 failed" in details["requests"]
    assert details["tokens"].startswith("prompt ") and not details["tokens"].startswith("prompt 0,")
    assert details["cost"].startswith("$") and "0.15/0.6" in details["cost"]  # gpt-4o-mini is priced


def test_responses_are_cached_under_everything_they_depend_on(tmp_path, server):
    store, data = RunStore(tmp_path / "s.sqlite"), dataset(tmp_path, CLEAN)
    first = run(data, server, store)
    assert first.status == "done" and server.requests == len(CLEAN) and first.report.accuracy == 1.0
    server.reset_counts()
    again = run(data, server, store, rerun=True)
    assert server.requests == 0  # the unchanged configuration costs no calls
    assert again.report.accuracy == 1.0 and again.report.details["requests"].startswith(f"0 answered, {len(CLEAN)} from the cache")
    for changed in ({"prompt": "Review: {text}\nPositive or negative?"}, {"temperature": 0.5}, {"system": "Be terse."}, {"max_new_tokens": 3}):
        server.reset_counts()
        assert run(data, server, store, **changed).status == "done"
        assert server.requests == len(CLEAN), changed  # a changed request never reuses an answer
    server.reset_counts()
    with FakeOpenAI() as other:  # another server is another cache entry too
        assert run(data, other, store).status == "done" and other.requests == len(CLEAN)


def test_concurrency_is_limited_and_used(tmp_path):
    rows = [(f"good film number {i}", 1) for i in range(12)]
    with FakeOpenAI(delay=0.2) as server:
        out = run(dataset(tmp_path, rows), server, RunStore(tmp_path / "s.sqlite"), concurrency=3)
    assert out.status == "done" and out.report.accuracy == 1.0
    assert 1 < server.max_in_flight <= 3


def test_few_shot_turns_go_before_the_question(tmp_path, server):
    out = run(dataset(tmp_path, CLEAN[:2]), server, RunStore(tmp_path / "s.sqlite"), few_shot=2, system="Be terse.")
    assert out.status == "done"
    roles = [m["role"] for m in server.bodies[0]["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    answers = sorted(m["content"] for m in server.bodies[0]["messages"] if m["role"] == "assistant")
    assert answers == ["negative", "positive"]  # balanced, answered with the label words
    assert server.bodies[0]["temperature"] == 0.0


def test_an_invalid_key_stops_the_run_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    with FakeOpenAI(key="sk-right") as server:
        out = run(dataset(tmp_path, CLEAN), server, RunStore(tmp_path / "s.sqlite"), concurrency=2)
    assert out.status == "failed" and "refused the API key (401: Incorrect API key provided: [api key])" in out.error
    assert server.requests == 1  # the first request goes alone: no retries, nothing else sent


def test_a_missing_key_says_how_to_set_one(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    spec = RunSpec(DataSpec(dataset(tmp_path, CLEAN)), "chat")
    out = execute(prepare(spec), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "failed" and "set OPENAI_API_KEY or name a file holding the key" in out.error
    assert out.error_field == "param:api_key_file" and cli_says(out.error, out.error_field).endswith("[--api-key-file]")


def test_key_file_is_used_and_no_server_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    (tmp_path / "key").write_text("sk-from-file\n")
    with FakeOpenAI(key="sk-from-file") as server:
        out = run(dataset(tmp_path, CLEAN), server, RunStore(tmp_path / "s.sqlite"), api_key_file=str(tmp_path / "key"))
        url = server.url
    assert out.status == "done" and out.report.accuracy == 1.0
    gone = execute(prepare(RunSpec(DataSpec(dataset(tmp_path, CLEAN)), "chat", params={"base_url": url, **FAST, "max_retries": 0})), RunStore(tmp_path / "t.sqlite"))
    assert gone.status == "failed" and "cannot connect to" in gone.error


def test_cli_estimate_then_run_twice_and_the_key_is_never_written(tmp_path, server, capfd):
    store, data, report = tmp_path / "cli.sqlite", dataset(tmp_path, CLEAN), tmp_path / "report.json"
    base = ["--store", str(store), "eval", "--data", data, "--method", "chat", "--base-url", server.url, "--concurrency", "2", "-q"]
    assert main(base + ["--estimate"]) == 0
    estimate = capfd.readouterr().out
    assert f"calls {len(CLEAN)}" in estimate and "rough rule" in estimate and "cost: $" in estimate
    assert server.requests == 0  # estimating calls nothing
    assert main(base + ["--json", str(report)]) == 0
    first = capfd.readouterr()
    assert server.requests == len(CLEAN) and "accuracy    1.0000" in first.out
    server.reset_counts()
    assert main(base + ["--rerun"]) == 0
    second = capfd.readouterr()
    assert server.requests == 0 and f"0 answered, {len(CLEAN)} from the cache" in second.out
    assert main(base + ["--estimate"]) == 0
    assert f"already cached {len(CLEAN)}  calls 0" in capfd.readouterr().out
    assert f"Bearer {KEY}" in server.auth_seen  # the key was used ...
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("cli.sqlite*"))
    for where, content in (("store", stored), ("report", report.read_bytes()), ("output", (first.out + first.err + second.out + second.err).encode())):
        assert KEY.encode() not in content, where  # ... and written nowhere


def test_the_server_from_the_environment_is_part_of_the_run(tmp_path, monkeypatch):
    data = dataset(tmp_path, CLEAN)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    a = prepare(RunSpec(DataSpec(data), "chat"))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:10/v1")
    b = prepare(RunSpec(DataSpec(data), "chat"))
    assert a.params["base_url"] == "http://127.0.0.1:9/v1" and a.run_id != b.run_id
