"""The method contract, checked on every registered method (in the spirit of scikit-learn's
``check_estimator``): a method added in one file with ``@register`` is picked up here with no
other edit. Each built-in method runs on a tiny model built here (or the packaged MiniLM, or a
local OpenAI-compatible test server); a method with no recipe below runs with its own default
model, which is right for one that needs none (see workbench/methods/majority.py)."""

from __future__ import annotations

import json

import pytest

from fake_openai import FakeOpenAI
from tiny_models import tiny_local_models, tiny_sentence_transformer
from workbench.methods import METHODS, Method, MethodConfig, Param, Prediction, Preview, RunContext, resolve_params
from workbench.methods.base import check_scores
from workbench.models import NO_MODEL, resolve_model
from workbench.store import RunStore

LABELS = ["neg", "pos"]
TRAIN = [("loved it", 1), ("hated it", 0), ("great music", 1), ("dull mess", 0), ("fine cast", 1), ("bad plot", 0)]
TEXTS = ["a good film with great acting", "a bad film", "awful plot , dull script", "great music", "nothing to say"]
WORDS = TEXTS + [t for t, _ in TRAIN]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("contract-models")
    return {**tiny_local_models(root, WORDS), "st": tiny_sentence_transformer(root / "st", WORDS)}


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI(delay=0.0) as s:
        yield s


def recipe(name: str, tiny, server) -> tuple[str | None, dict, list[dict]]:
    """(model, parameters, parameter variants also checked) for a method; unknown methods get
    their default model and parameters."""
    minilm = "all-MiniLM-L6-v2"
    knn = {"few_shot": 2, "few_shot_strategy": "knn"}  # per-text examples: batch order must not matter
    prompts = [{"mode": "score"}, {"mode": "generate", "max_new_tokens": 3}, {"mode": "score", "few_shot": 2}, {"mode": "score", **knn}]
    recipes: dict[str, tuple[str | None, dict, list[dict]]] = {
        "classifier": (str(tiny["classifier"]), {"label_map": {"negative": "neg", "positive": "pos"}}, []),
        "embed-logreg": (minilm, {}, []),
        "embed-centroid": (minilm, {}, []),
        "embed-zeroshot": (minilm, {"labels": ["a bad film", "a good film"]}, []),
        "nli-zeroshot": (str(tiny["nli"]), {}, []),
        "seq2seq": (str(tiny["t5"]), {}, prompts),
        "local-chat": (str(tiny["lm"]), {}, prompts),
        # scores from the fake server's logprobs by default; logprobs=0 gives none and says so
        "chat": ("gpt-4o-mini", {"base_url": server.url, "timeout": 5.0, "max_retries": 0}, [{"few_shot": 2}, knn, {"logprobs": 0}]),
        # fine-tuning: a tiny sentence-transformer body, a tiny BERT (its head replaced)
        "setfit": (str(tiny.get("st", "")), {"num_iterations": 1, "batch_size": 4}, [{"per_class": 2}]),
        "finetune": (str(tiny["classifier"]), {"batch_size": 2}, [{"freeze_layers": 1, "epochs": 2}]),
    }
    return recipes.get(name, (None, {}, []))


def build(cls: type[Method], model: str | None, params: dict) -> Method:
    name = model or cls.default_model
    ref = resolve_model(name) if name else NO_MODEL
    return cls(MethodConfig(ref, list(LABELS), resolve_params(cls, params)))


def context() -> RunContext:
    return RunContext(device="cpu", dtype="float32", batch_size=2)


def learned(method: Method) -> dict:
    """The object's attributes, by identity: predict must change none of them."""
    return {k: id(v) for k, v in vars(method).items()}


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-contract-test-key")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def test_the_registry_holds_every_builtin_method_and_the_example():
    assert list(METHODS)[:8] == [
        "classifier", "embed-logreg", "embed-centroid", "embed-zeroshot", "nli-zeroshot", "seq2seq", "local-chat", "chat",
    ]  # fmt: skip  # the lesson's order, then modules found by name
    assert "majority" in METHODS


def test_the_registry_refuses_what_breaks_the_contract():
    class NotAMethod:
        name = "not-a-method"

    with pytest.raises(TypeError, match="not a workbench.methods.Method subclass"):
        METHODS.register(NotAMethod)  # type: ignore[type-var]

    class Misnamed(METHODS["majority"]):  # type: ignore[misc]
        name = "misnamed"

    with pytest.raises(TypeError, match="registered as 'other'"):
        METHODS["other"] = Misnamed
    assert "other" not in METHODS


@pytest.mark.parametrize("name", list(METHODS))
def test_declaration(name):
    cls = METHODS[name]
    assert issubclass(cls, Method) and cls.name == name
    assert cls.description and "\n" not in cls.description
    assert all(isinstance(p, Param) for p in cls.params)
    assert len({p.name for p in cls.params}) == len(cls.params), "parameter names must be unique"
    defaults = resolve_params(cls, {})
    assert set(defaults) >= {p.name for p in cls.params}
    assert isinstance(cls.uses_train(defaults), bool)
    assert cls.auto_batch_size(defaults, "cpu") >= 1 and cls.auto_batch_size(defaults, "cuda:0") >= 1
    method = cls(MethodConfig(None, list(LABELS), defaults))
    assert not [k for k in vars(method) if k.endswith("_")], "__init__ stores parameters only: learned state comes from load/fit"


def needs_library(name: str) -> None:
    """Skip a method whose optional library (an extra) is not installed."""
    if name == "setfit":
        pytest.importorskip("setfit", reason="the [finetune] extra is not installed")


@pytest.mark.parametrize("name", list(METHODS))
def test_method_keeps_the_contract(name, tiny, server, tmp_path):
    cls = METHODS[name]
    needs_library(name)
    model, params, variants = recipe(name, tiny, server)
    for extra in [{}] + variants:
        check_one(cls, model, {**params, **extra})


def check_one(cls: type[Method], model: str | None, params: dict) -> None:
    what = f"{cls.name} {json.dumps(params, default=str)}"
    method = build(cls, model, params)
    method.validate()
    texts = method.label_texts()
    assert texts is None or (len(texts) == len(LABELS) and all(isinstance(t, str) and t for t in texts)), what
    preview = method.preview("a good film")
    assert isinstance(preview, Preview) and "a good film" in (preview.prompt or preview.text), what

    ctx = context()
    method.load(ctx)
    uses = cls.uses_train(method.config.params)
    train_texts, train_labels = ([t for t, _ in TRAIN], [y for _, y in TRAIN]) if uses else (None, None)
    assert method.fit(train_texts, train_labels, ctx) is method, f"{what}: fit must return self"
    limit = method.token_limit()
    assert limit is None or (len(limit) == 2 and limit[1] >= 1), what
    in_all = method.model_token_limit()  # what the model reads in all: the text's share and more
    assert in_all is None or (limit is not None and in_all >= limit[1]) or limit is None, what

    before = learned(method)
    first = method.predict(TEXTS, ctx)
    assert learned(method) == before, f"{what}: predict changed the method object (per-run state belongs in ctx.run_state)"
    assert len(first) == len(TEXTS) and all(isinstance(p, Prediction) for p in first), what
    for text, p in zip(TEXTS, first):
        if p.label is None:
            assert p.raw is not None or p.error, f"{what}: an invalid prediction for {text!r} must say why (raw or error)"
        else:
            assert 0 <= p.label < len(LABELS), what
        assert check_scores(p, len(LABELS)) is None, f"{what}: {check_scores(p, len(LABELS))}"
    rule = method.scores_rule(ctx)
    if rule.startswith("none"):  # a method that cannot give probabilities says why, and gives none
        assert all(p.scores is None for p in first), what
    else:
        assert all(p.scores is not None for p in first if p.label is not None), f"{what}: scores missing but scores_rule() does not say why"
    assert isinstance(method.details(ctx), dict)

    # Per batch, in order: the same texts one at a time and reversed give the same predictions.
    second_ctx = context()
    alone = [method.predict([t], second_ctx)[0] for t in reversed(TEXTS)][::-1]
    assert [p.label for p in alone] == [p.label for p in first], what
    for a, b in zip(alone, first):
        assert (a.scores is None) == (b.scores is None), what
        if a.scores is not None and b.scores is not None:
            assert a.scores == pytest.approx(b.scores, abs=1e-4), what


def test_an_api_method_counts_each_run_on_its_own(server, tmp_path):
    """The chat method is cached between runs; its request counts belong to one run each."""
    cls = METHODS["chat"]
    model, params, _ = recipe("chat", {"classifier": "", "t5": "", "lm": "", "nli": ""}, server)
    method = build(cls, model, params)
    method.load(context())
    method.fit(None, None, context())
    first, second = context(), context()
    method.predict(TEXTS, first)
    method.predict(TEXTS[:2], second)
    assert method.details(first)["requests"].startswith(f"{len(TEXTS)} answered")
    assert method.details(second)["requests"].startswith("2 answered")


@pytest.mark.parametrize("name", [n for n in METHODS if METHODS[n].uses_train(resolve_params(METHODS[n], {}))])
def test_a_fit_is_idempotent_for_the_same_key(name, tiny, server, tmp_path):
    """Two fresh objects fitted on the same train split with the same parameters predict the same;
    a method that trains a model keeps it as an artifact and the second fit loads it (no training
    phase) instead of training again."""
    cls = METHODS[name]
    needs_library(name)
    model, params, _ = recipe(name, tiny, server)
    store = RunStore(tmp_path / "store.sqlite")
    outcomes = []
    for _ in range(2):
        method = build(cls, model, params)
        phases: list[str] = []
        ctx = RunContext(device="cpu", dtype="float32", batch_size=2, cache=store, on_progress=lambda ev: phases.append(ev.phase))
        method.load(ctx)
        method.fit([t for t, _ in TRAIN], [y for _, y in TRAIN], ctx)
        outcomes.append((method.predict(TEXTS, ctx), phases, method.details(ctx)))
    (first, _, details), (second, phases, again) = outcomes
    assert [p.label for p in first] == [p.label for p in second], name
    for a, b in zip(first, second):
        assert a.scores == pytest.approx(b.scores, abs=1e-6), name
    if "artifact_key" in details:
        assert again["artifact_key"] == details["artifact_key"] and again["artifact"] == details["artifact"], name
        assert "training" not in phases and again["trained"].startswith("loaded"), f"{name}: the second fit trained again"
        from workbench.artifacts import list_artifacts

        assert [a.key for a, _ in list_artifacts(store)] == [details["artifact_key"]], name
    store.close()
