"""The chat method's class probabilities from the server's logprobs (the first answer token's
alternatives), end to end against tests/fake_openai.py: the scores and the label rule, a server
without logprobs, the run identity and the response cache."""

import json
from math import exp

import pytest
from conftest import write_jsonl
from fake_openai import TOP_LOGPROBS, FakeOpenAI

from workbench.data import DataSpec
from workbench.errors import ConfigError
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

FAST = {"timeout": 2.0, "max_retries": 1}
# The fake answers "Positive." to good/great, "negative" to bad/awful, "I cannot tell" otherwise.
ROWS = [("a good film", 1), ("a bad film", 0), ("great acting", 1), ("nothing to say", 1)]


@pytest.fixture
def server():
    with FakeOpenAI(delay=0.0) as s:
        yield s


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-logprobs-test")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def dataset(tmp_path, rows=ROWS) -> str:
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in rows])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    return str(d)


def spec(data, url, **params) -> RunSpec:
    return RunSpec(DataSpec(data), "chat", params={"base_url": url, **FAST, **params})


def run(data, url, store, *, rerun=False, **params):
    out = execute(prepare(spec(data, url, **params)), store, rerun=rerun)
    assert out.status == "done", out.error
    return out, {p.text: p for p in store.predictions(out.run_id)}


def expected(answer: str, k: int = 5) -> list[float]:
    """[neg, pos] by the rule, worked out by hand from the fake's alternatives."""
    words = {"neg": 0, "negative": 0, "pos": 1, "positive": 1}
    mass = [0.0, 0.0]
    for token, logprob in TOP_LOGPROBS[answer][:k]:
        t = token.strip().lower()
        owners = {c for w, c in words.items() if t and w.startswith(t)}
        if len(owners) == 1:
            mass[owners.pop()] += exp(logprob)
    return [m / sum(mass) for m in mass]


def test_scores_come_from_the_first_tokens_alternatives(tmp_path, server):
    out, preds = run(dataset(tmp_path), server.url, RunStore(tmp_path / "s.sqlite"))
    assert all(b["logprobs"] is True and b["top_logprobs"] == 5 for b in server.bodies)
    good, bad = preds["a good film"], preds["a bad film"]
    assert good.pred == 1 and good.scores == pytest.approx(expected("Positive.")) and good.scores[1] > 0.9
    assert bad.pred == 0 and bad.scores == pytest.approx(expected("negative")) and bad.scores[0] > 0.8
    for p in preds.values():
        assert p.scores is not None and sum(p.scores) == pytest.approx(1.0, abs=1e-6)
    report = out.report
    assert report.score_rule.startswith("from the answer's first token, asked for with its top 5 alternatives")
    assert "parsed answer text" in report.score_rule
    assert report.calibration is not None and report.selective is not None  # the scores reach the report
    assert report.details["logprobs"].startswith("4 answers scored from their first token, 0 with no class word")
    assert "logprobs=True, top_logprobs=5" in report.details["sampling"]


def test_an_answer_that_does_not_parse_gets_the_most_likely_class_and_is_counted(tmp_path, server):
    out, preds = run(dataset(tmp_path), server.url, RunStore(tmp_path / "s.sqlite"))
    nothing = preds["nothing to say"]
    assert nothing.raw == "I cannot tell" and nothing.error is None  # the answer text is kept
    assert nothing.scores == pytest.approx(expected("I cannot tell")) and nothing.pred == 0  # " negative" leads "positive"
    assert out.report.invalid == 0 and out.report.details["labels_from_logprobs"] == 1
    assert out.report.accuracy == pytest.approx(3 / 4)  # gold pos: the label from logprobs is wrong here


def test_the_parsed_label_wins_over_the_most_likely_class(tmp_path):
    """The text decides wherever it parses, so every accuracy figure is the one without logprobs."""
    leaning = {"negative": [("positive", -0.1), ("negative", -2.5)]}  # the model said negative, leaning positive
    with FakeOpenAI(delay=0.0, alternatives=leaning) as server:
        _, preds = run(dataset(tmp_path, [("a bad film", 0)]), server.url, RunStore(tmp_path / "s.sqlite"))
    bad = preds["a bad film"]
    assert bad.pred == 0 and bad.scores[1] > bad.scores[0]


def test_no_class_word_among_the_alternatives_gives_no_scores_for_that_answer(tmp_path, server):
    # top_logprobs=1: "I cannot tell" comes with "I" alone, which starts no answer word
    out, preds = run(dataset(tmp_path), server.url, RunStore(tmp_path / "s.sqlite"), logprobs=1)
    assert preds["a good film"].scores == [0.0, 1.0] and preds["a bad film"].scores == [1.0, 0.0]
    nothing = preds["nothing to say"]
    assert nothing.pred is None and nothing.scores is None and nothing.raw == "I cannot tell"  # still invalid
    assert out.report.invalid == 1 and out.report.details["labels_from_logprobs"] == 0
    assert out.report.details["logprobs"].startswith("3 answers scored from their first token, 1 with no class word")
    assert not out.report.score_rule.startswith("none")


def test_a_server_without_logprobs_gives_no_scores_and_the_report_says_so(tmp_path):
    with FakeOpenAI(delay=0.0, logprobs=False) as server:
        out, preds = run(dataset(tmp_path), server.url, RunStore(tmp_path / "s.sqlite"))
        assert all(b.get("logprobs") is True for b in server.bodies)  # asked for, and ignored
    assert all(p.scores is None for p in preds.values())
    assert preds["a good film"].pred == 1 and preds["nothing to say"].pred is None  # the text alone decides
    assert out.report.score_rule.startswith("none: the server returned no logprobs for any of the 4 answers")
    assert out.report.details["logprobs"].endswith("4 with no logprobs from the server")
    assert out.report.calibration is None


def test_logprobs_0_sends_no_logprobs_fields_and_gives_no_scores(tmp_path, server):
    out, preds = run(dataset(tmp_path), server.url, RunStore(tmp_path / "s.sqlite"), logprobs=0)
    assert server.bodies and all("logprobs" not in b and "top_logprobs" not in b for b in server.bodies)
    assert all(p.scores is None for p in preds.values()) and preds["nothing to say"].pred is None
    assert out.report.score_rule.startswith("none: logprobs is 0")
    assert "logprobs" not in out.report.details and "labels_from_logprobs" not in out.report.details


def test_logprobs_on_and_off_are_different_runs_and_different_cache_entries(tmp_path, server):
    data, store = dataset(tmp_path), RunStore(tmp_path / "s.sqlite")
    ids = {k: prepare(spec(data, server.url, logprobs=k)).run_id for k in (0, 5, 3)}
    assert len(set(ids.values())) == 3
    run(data, server.url, store, logprobs=0)
    assert server.requests == len(ROWS)
    for k in (5, 3):  # neither reuses an answer cached without (or with other) alternatives
        server.reset_counts()
        _, preds = run(data, server.url, store, logprobs=k)
        assert server.requests == len(ROWS) and preds["a good film"].scores is not None, k


def test_a_cached_rerun_gives_identical_scores(tmp_path, server):
    data, store = dataset(tmp_path), RunStore(tmp_path / "s.sqlite")
    first, before = run(data, server.url, store)
    server.reset_counts()
    again, after = run(data, server.url, store, rerun=True)
    assert server.requests == 0 and again.report.details["requests"].startswith(f"0 answered, {len(ROWS)} from the cache")
    assert {t: (p.pred, p.scores, p.raw) for t, p in after.items()} == {t: (p.pred, p.scores, p.raw) for t, p in before.items()}
    assert again.report.details["labels_from_logprobs"] == first.report.details["labels_from_logprobs"] == 1
    assert again.report.score_rule == first.report.score_rule


def test_a_cached_answer_without_alternatives_still_reads(tmp_path, server):
    """An entry kept before the alternatives were (or by a server that sent none): no scores."""
    data, store = dataset(tmp_path), RunStore(tmp_path / "s.sqlite")
    run(data, server.url, store)
    with store._reading() as db:
        keys = [k for (k,) in db.execute("SELECT key FROM responses")]
    for k in keys:
        record = store.get_response(k)
        del record["top_logprobs"]
        store.put_response(k, record)
    server.reset_counts()
    out, preds = run(data, server.url, store, rerun=True)
    assert server.requests == 0 and all(p.scores is None for p in preds.values())
    assert preds["a good film"].pred == 1 and preds["nothing to say"].pred is None
    assert out.report.score_rule.startswith("none: the server returned no logprobs")


@pytest.mark.parametrize("value", [-1, 21])
def test_logprobs_out_of_range_is_refused_before_any_request(tmp_path, server, value):
    with pytest.raises(ConfigError) as err:
        prepare(spec(dataset(tmp_path), server.url, logprobs=value))
    assert err.value.field == "param:logprobs" and "0 (no class probabilities) to 20" in str(err.value)
    assert "--" not in str(err.value) and server.requests == 0


def test_a_server_that_refuses_logprobs_names_the_parameter(tmp_path):
    with FakeOpenAI(delay=0.0, reject_logprobs=True) as server:
        out = execute(prepare(spec(dataset(tmp_path), server.url)), RunStore(tmp_path / "s.sqlite"))
        assert server.requests == 1  # the first request goes alone: no more are sent
    assert out.status == "failed" and out.error_field == "param:logprobs" and "set logprobs to 0" in out.error
    with FakeOpenAI(delay=0.0, reject_logprobs=True) as server:  # and at 0 that server works
        _, preds = run(dataset(tmp_path), server.url, RunStore(tmp_path / "t.sqlite"), logprobs=0)
    assert preds["a good film"].pred == 1
