"""Few-shot strategies of the prompt methods (few_shot_strategy): random stays today's draw, knn
picks each text's nearest train examples by MiniLM embeddings, label-diverse covers every label
with dissimilar examples; the room left for a text allows for the longest knn set; a sweep variant
can name a strategy."""

from __future__ import annotations

import pytest
from conftest import write_jsonl
from tiny_models import tiny_t5

from workbench.engine import Engine
from workbench.errors import ConfigError, param
from workbench.methods import METHODS, MethodConfig, RunContext, resolve_params
from workbench.models import resolve_model
from workbench.prompts import choose_few_shot, plain_prompt
from workbench.sweep_config import parse_sweep

LABELS = ["animals", "finance", "sport"]
TRAIN = [
    ("the cat sat on the mat", 0),
    ("the stock market fell sharply today", 1),
    ("the striker scored a goal in the match", 2),
    ("a puppy chewed my shoe", 0),
    ("the central bank raised interest rates", 1),
    ("the team won the football championship", 2),
    ("the kitten purred on the sofa", 0),
    ("shares of the company rose after earnings", 1),
    ("the tennis player won the final set", 2),
]
WORDS = [t for t, _ in TRAIN] + ["my", "kitten", "sleeps", "rug", "investors", "sold", "bonds", "bank", "goalkeeper", "saved", "penalty"]


@pytest.fixture(scope="module")
def t5(tmp_path_factory):
    return tiny_t5(tmp_path_factory.mktemp("fs-t5") / "t5", WORDS)


def method(t5, labels=LABELS, **params):
    cls = METHODS["seq2seq"]
    return cls(MethodConfig(resolve_model(str(t5)), list(labels), resolve_params(cls, params)))


def fitted(t5, train=TRAIN, labels=LABELS, **params):
    m = method(t5, labels, **params)
    ctx = RunContext(device="cpu", dtype="float32", batch_size=4)
    m.load(ctx)
    return m.fit([t for t, _ in train], [y for _, y in train], ctx), ctx


def test_random_is_the_default_and_draws_the_same_rows_as_before():
    labels = [i % 3 for i in range(30)]
    texts = [f"t{i}" for i in range(30)]
    # rows drawn by the rule before strategies existed (commit 5030b02), for these seeds
    assert choose_few_shot(texts, labels, 4, 3, 0).rows == (18, 1, 27, 14)
    assert choose_few_shot(texts, labels, 5, 3, 3).rows == (24, 29, 7, 9, 16)
    assert choose_few_shot(texts, labels, 7, 3, 11).rows == (27, 29, 21, 11, 22, 25, 24)
    for name in ("seq2seq", "local-chat", "chat"):
        defaults = resolve_params(METHODS[name], {})
        assert defaults["few_shot_strategy"] == "random" and defaults["few_shot_model"] == "all-MiniLM-L6-v2"


def test_random_method_uses_the_seeded_draw_for_every_text(t5):
    m, ctx = fitted(t5, few_shot=3, few_shot_seed=5)
    expected = choose_few_shot([t for t, _ in TRAIN], [y for _, y in TRAIN], 3, 3, 5)
    assert m.shots_ == expected and m.widest_shots_ == expected
    assert m.shots_for(["a", "b"], ctx) == [expected, expected]
    assert m.details()["few_shot"].startswith("random: 3 from train (seed 5;")
    assert not hasattr(m, "embedder_")  # random loads no embedding model


def test_knn_picks_each_texts_nearest_train_examples_most_similar_last(t5):
    m, ctx = fitted(t5, few_shot=3, few_shot_strategy="knn")
    queries = ["my kitten sleeps on the rug", "investors sold bonds after the bank raised rates", "the goalkeeper saved a penalty in the match"]
    sets = m.shots_for(queries, ctx)
    for shots, label in zip(sets, (0, 1, 2)):
        assert len(shots.examples) == 3
        assert {y for _, y in shots.examples} == {label}, shots.examples  # the obvious neighbours
    # in order of similarity, the closest last, next to the question
    import numpy as np

    q, ex = m._embed(queries[:1], ctx), m._embed([t for t, _ in sets[0].examples], ctx)
    sims = (ex / np.linalg.norm(ex, axis=1, keepdims=True)) @ (q[0] / np.linalg.norm(q[0]))
    assert list(sims) == sorted(sims)
    (near,) = m.shots_for(["the kitten purred on the sofa all day"], ctx)
    assert near.examples[-1] == ("the kitten purred on the sofa", 0)
    # one text alone gets what it gets in a batch
    assert m.shots_for([queries[1]], ctx) == [sets[1]]
    assert m.details()["few_shot"] == "knn: 3 nearest train examples per text by all-MiniLM-L6-v2 cosine, the most similar last (next to the question)"


def test_knn_room_for_the_text_allows_for_the_longest_examples(t5):
    long_train = TRAIN + [(" ".join(["the match"] * 40), 2), (" ".join(["the bank"] * 30), 1)]
    m, ctx = fitted(t5, train=long_train, few_shot=2, few_shot_strategy="knn")
    rows = {r for r in m.widest_shots_.rows}
    assert rows == {9, 10}  # the two longest train texts
    tok, room = m.token_limit()
    around = len(m.tokenizer_(plain_prompt(m.template, "", m.widest_shots_, m.answer_words))["input_ids"])
    assert room == m.max_length_ - around - 2 * 2  # two spare tokens per example: joins can merge differently
    text = " ".join(["the match"] * 200)  # its neighbours are the long texts: the prompt still fits, with the text cut
    enc = m._encode([text, "the cat"], ctx)
    lengths = enc["attention_mask"].sum(-1).tolist()
    assert max(lengths) <= m.max_length_
    prompt = tok.decode(enc["input_ids"][0], skip_special_tokens=True)
    assert prompt.endswith(
        "positive or negative? " + tok.decode(tok(" ".join(["the match"] * 200), add_special_tokens=False)["input_ids"][:room], skip_special_tokens=True)
    )


def test_label_diverse_covers_every_label_with_dissimilar_examples(t5):
    train = TRAIN + [("the cat sat on the mat", 0)] * 3  # duplicates never both picked while others remain
    m, ctx = fitted(t5, train=train, few_shot=6, few_shot_strategy="label-diverse", few_shot_seed=1)
    labels = [y for _, y in m.shots_.examples]
    assert labels == [0, 1, 2, 0, 1, 2]  # round-robin over the labels
    texts = [t for t, _ in m.shots_.examples]
    assert len(set(texts)) == 6
    assert m.shots_for(["x", "y"], ctx) == [m.shots_, m.shots_]
    four, _ = fitted(t5, train=train, few_shot=4, few_shot_strategy="label-diverse")
    assert sorted(y for _, y in four.shots_.examples) == [0, 0, 1, 2]
    assert "label-diverse: 6 from train" in m.details()["few_shot"]


def test_a_bad_strategy_is_refused_naming_the_parameter(t5):
    with pytest.raises(ConfigError) as e:
        method(t5, few_shot=2, few_shot_strategy="nearest").validate()
    assert e.value.field == param("few_shot_strategy") and "random or knn or label-diverse" in str(e.value.expected)
    assert "--" not in str(e.value)
    with pytest.raises(ConfigError) as e:
        method(t5, few_shot=2, few_shot_model="").validate()
    assert e.value.field == param("few_shot_model")


def test_a_sweep_variant_with_knn_parses_and_runs(t5, tmp_path):
    rows = [{"text": t, "label": LABELS[y]} for t, y in TRAIN]
    folder = write_jsonl(tmp_path / "d" / "train.jsonl", rows).parent
    write_jsonl(folder / "validation.jsonl", [{"text": "a kitten on the rug", "label": "animals"}, {"text": "the bank sold shares", "label": "finance"}])
    write_jsonl(folder / "test.jsonl", [{"text": "the team scored", "label": "sport"}, {"text": "a puppy", "label": "animals"}])
    raw = {
        "data": {"source": str(folder)},
        "sweep": {"metric": "accuracy", "baseline": "random"},
        "base": {"method": "seq2seq", "model": str(t5), "dtype": "float32", "few_shot": 2, "batch_size": 2},
        "variants": [{"name": "random"}, {"name": "knn", "few_shot_strategy": "knn"}],
    }
    cfg = parse_sweep(raw)
    assert cfg.variant("knn").own == {"few_shot_strategy": "knn"}
    res = Engine(tmp_path / "s.sqlite").sweep(cfg)
    assert res.status == "done" and [v.status for v in res.variants] == ["done", "done"]
    assert res.variants[0].run_id != res.variants[1].run_id
    details = Engine(tmp_path / "s.sqlite").store.find(res.variants[1].run_id).report.details
    assert details["few_shot"].startswith("knn: 2 nearest train examples per text by all-MiniLM-L6-v2 cosine")
    bad = {**raw, "variants": [{"name": "random"}, {"name": "bad", "few_shot_strategy": "nope"}]}
    with pytest.raises(Exception) as e:
        Engine(tmp_path / "s2.sqlite").sweep(parse_sweep(bad))
    assert "few_shot_strategy" in str(e.value)


def test_a_dropped_embedding_model_lets_go_of_fitted_knn_methods():
    import json

    from workbench.caches import Caches
    from workbench.kept import ModelKey

    caches = Caches()
    # fit keys (steps.fit_key) say what else the fitted method holds (Method.holds_models)
    knn = json.dumps({"model": "sha256:t5", "device": "cpu", "params": {"few_shot_strategy": "knn"}, "holds": ["sentence-transformer"]}, sort_keys=True)
    plain = json.dumps({"model": "sha256:t5", "device": "cpu", "params": {"few_shot_strategy": "random"}, "holds": []}, sort_keys=True)
    caches.fitted.get(knn, lambda: "knn method")
    caches.fitted.get(plain, lambda: "random method")
    caches._forget_fitted(ModelKey("sentence-transformer", "/m", "sha256:minilm", "cpu", "float32"))
    assert caches.fitted.keys() == [plain]
