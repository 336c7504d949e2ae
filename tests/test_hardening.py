"""Issue-12 items kept together by subject: prompts fill their placeholders once, a prompt that
leaves no room for the text is refused with the numbers, trust_remote_code is never taken from
the store on resume, credentials in a server URL's path or query are refused, an over-long answer
is stored cut, a non-UTF-8 key file gets a clean error, and the store's folder is private."""

import os
import stat
import pytest

from conftest import write_jsonl
from workbench.errors import ConfigError
from workbench.prompts import chat_messages, plain_prompt, render
from workbench.prompts import FewShot


def test_a_text_holding_a_placeholder_is_sent_literally_once():
    review = "great film [DOCUMENT] end {text} more"
    for template in ("Review: {text}", "Review: [DOCUMENT]", "{text} / [DOCUMENT]"):
        filled = render(template, review)
        assert filled.count("great film") == template.count("{text}") + template.count("[DOCUMENT]")
    assert render("Review: {text}", review) == "Review: great film [DOCUMENT] end {text} more"
    assert chat_messages("Q: {text}", review, None, FewShot(), ["neg", "pos"])[-1]["content"] == "Q: " + review
    assert plain_prompt("Q: [DOCUMENT]", review, FewShot(), ["neg", "pos"]) == "Q: " + review


def test_a_prompt_with_no_room_for_the_text_is_refused_with_the_numbers():
    from workbench.truncation import MIN_TEXT_TOKENS, limit_for

    tok = object()
    assert limit_for(tok, 512, 500) == (tok, 12)
    with pytest.raises(ConfigError, match=r"takes 510 of the model's 512 tokens, leaving 2; expected at least 8 tokens"):
        limit_for(tok, 512, 510)
    with pytest.raises(ConfigError, match="leaving 0"):
        limit_for(tok, 512, 10_000)
    assert limit_for(tok, 512, 512 - MIN_TEXT_TOKENS) == (tok, MIN_TEXT_TOKENS)


def test_a_huge_few_shot_fails_the_run_before_any_prediction(tmp_path):
    from tiny_models import tiny_t5
    from workbench.data import DataSpec
    from workbench.engine import Engine
    from workbench.spec import RunSpec

    texts = [f"a good film number {i}" for i in range(40)] + [f"a bad film number {i}" for i in range(40)]
    model = tiny_t5(tmp_path / "t5", texts)
    d = tmp_path / "d"
    rows = [{"text": t, "label": int("good" in t)} for t in texts]
    write_jsonl(d / "test.jsonl", rows[:6])
    write_jsonl(d / "train.jsonl", rows)
    engine = Engine(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec(str(d)), "seq2seq", model=str(model), params={"few_shot": 1_000_000_000}, dtype="float32")
    out = engine.execute(engine.prepare(spec))
    assert out.status == "failed" and "the prompt leaves no room for the text" in out.error
    assert engine.store.count_predictions(out.run_id) == 0


def test_resume_never_takes_trust_remote_code_from_the_store(tmp_path):
    from workbench.resume import prepare_resume
    from workbench.runner import _config, prepare
    from workbench.spec import RunSpec
    from workbench.data import DataSpec

    rows = [{"text": "a good film", "label": 1}, {"text": "a bad film", "label": 0}]
    write_jsonl(tmp_path / "d" / "test.jsonl", rows)
    write_jsonl(tmp_path / "d" / "train.jsonl", rows)
    (tmp_path / "d" / "labels.json").write_text('["neg", "pos"]')
    prep = prepare(RunSpec(DataSpec(str(tmp_path / "d")), "majority", trust_remote_code=True))
    from workbench.store import RunStore

    store = RunStore(tmp_path / "s.sqlite")
    store.start_run(prep.run_id, method="majority", model=None, dataset="d", split="test", n=2, config=_config(prep))
    run = store.find(prep.run_id)
    assert run.config.spec().trust_remote_code is True
    assert prepare_resume(run).spec.trust_remote_code is False
    assert prepare_resume(run, trust_remote_code=True).spec.trust_remote_code is True


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/v1?pass=hunter2",
        "http://localhost:8000/v1?pwd=x",
        "http://localhost:8000/v1/sk-abcdef0123456789abcdef",
        "http://proxy.example/9f3c2a7b41d64e0a8b5c3d2e1f0a9b8c7d6e5f4a/v1",
        "http://user:pw@localhost:8000/v1",
        "http://localhost:8000/v1?api_key=abc",
    ],
)
def test_credentials_anywhere_in_the_server_url_are_refused(url):
    from workbench.methods.chat import _refuse_credentials_in_url

    with pytest.raises(ConfigError, match="carries credentials") as err:
        _refuse_credentials_in_url(url)
    assert "hunter2" not in str(err.value) and "sk-abcdef" not in str(err.value)


@pytest.mark.parametrize("url", ["http://localhost:8000/v1", "https://api.openai.com/v1", "https://x.openai.azure.com/openai/deployments/gpt-4o-mini-2024-07-18"])
def test_ordinary_server_urls_pass(url):
    from workbench.methods.chat import _refuse_credentials_in_url

    _refuse_credentials_in_url(url)


def test_a_non_utf8_key_file_is_a_clean_error(tmp_path):
    from workbench.chat_api import read_api_key

    key = tmp_path / "key"
    key.write_bytes(b"sk-\xff\xfe-secret")
    with pytest.raises(ConfigError, match="is not UTF-8 text") as err:
        read_api_key(str(key), "https://api.openai.com/v1")
    assert "secret" not in str(err.value)


def test_an_over_long_answer_is_stored_cut(tmp_path, monkeypatch):
    from workbench.chat_api import MAX_ANSWER_CHARS, ChatClient

    class Choice:
        finish_reason = "stop"

        class message:  # noqa: N801
            content = "positive " + "x" * (3 * MAX_ANSWER_CHARS)

    class Response:
        choices = [Choice()]
        usage = None

    client = ChatClient(base_url="http://localhost:1/v1", api_key="EMPTY", model="m", sampling={}, timeout=1, max_retries=0, cache=None)
    monkeypatch.setattr(client, "_create", lambda messages: Response())
    answer = client.complete([{"role": "user", "content": "hi"}]).text
    assert len(answer) == MAX_ANSWER_CHARS and answer.startswith("positive") and client.usage.cut == 1


def test_the_store_folder_is_created_private_whatever_the_umask(tmp_path):
    from workbench.store import RunStore

    old = os.umask(0o022)
    try:
        RunStore(tmp_path / "new" / "nested" / "s.sqlite").close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new" / "nested").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "nested" / "s.sqlite").stat().st_mode) == 0o600


def test_a_chat_run_on_a_local_model_folder_is_refused(tmp_path):
    from workbench.data import DataSpec
    from workbench.runner import prepare
    from workbench.spec import RunSpec

    with pytest.raises(ConfigError, match="is a local model folder") as err:
        prepare(RunSpec(DataSpec("sample"), "chat", model="all-MiniLM-L6-v2", params={"base_url": "http://127.0.0.1:9/v1"}))
    assert err.value.field == "model"


@pytest.mark.parametrize("prices", [[-0.15, 0.6], [0.15, float("nan")], [0.15, float("inf")], ["0.1", "-1"]])
def test_a_negative_or_nan_price_is_refused_before_any_request(tmp_path, monkeypatch, prices):
    """A negative price would subtract from the cost, NaN make it NaN: refused naming the price
    file, when a chat run is prepared (not once its paid requests are made)."""
    import json

    from workbench.data import DataSpec
    from workbench.pricing import price_table
    from workbench.runner import prepare
    from workbench.spec import RunSpec

    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"my-model": prices}))  # Python's json writes NaN and Infinity
    with pytest.raises(ConfigError, match=r"gives model 'my-model' the prices .*expected two prices of 0 or more") as e:
        price_table(str(path))
    assert e.value.field == "param:price_file"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    data = write_jsonl(tmp_path / "d" / "test.jsonl", [{"text": "good", "label": "pos"}, {"text": "bad", "label": "neg"}]).parent
    with pytest.raises(ConfigError, match="gives model 'my-model'"):
        prepare(RunSpec(DataSpec(str(data)), "chat", model="my-model", params={"base_url": "http://127.0.0.1:9/v1", "price_file": str(path)}))
    monkeypatch.setenv("WORKBENCH_PRICES", str(path))  # the same rule for the table named by the environment
    with pytest.raises(ConfigError, match="gives model 'my-model'"):
        price_table()
