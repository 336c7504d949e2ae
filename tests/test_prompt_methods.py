"""seq2seq, local-chat and nli-zeroshot with tiny random models built here: batched, padded runs
must give what the model gives one text at a time, parsed or scored by the documented rules."""

import json

import numpy as np
import pytest
import torch

from conftest import write_jsonl
from tiny_models import tiny_chat_lm, tiny_nli, tiny_t5
from workbench.answers import AnswerParser
from workbench.data import DataSpec
from workbench.errors import ConfigError
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

TEXTS = [
    "a wonderful film with great acting and a brilliant cast",
    "boring plot",
    "not very good but the cast was fine",
    "a brilliant mess",
    "awful music , dull script , terrible acting , i hated it",
]
LABELS = [1, 0, 1, 1, 0]
TRAIN = [("loved it", 1), ("hated it", 0), ("great music", 1), ("dull mess", 0), ("fine cast", 1), ("bad plot", 0)]
VARIANTS = {"negative": ["negative", "Negative"], "positive": ["positive", "Positive"]}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    words = TEXTS + [t for t, _ in TRAIN]
    return {"t5": tiny_t5(root / "t5", words), "lm": tiny_chat_lm(root / "lm", words), "nli": tiny_nli(root / "nli", words)}


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in zip(TEXTS, LABELS)])
    write_jsonl(d / "train.jsonl", [{"text": t, "label": y} for t, y in TRAIN])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    return str(d)


def run(data, method, model, tmp_path, **params):
    """A float32 run (the references below are float32; ``auto`` picks bfloat16 on a bf16 CPU)."""
    store = RunStore(tmp_path / "s.sqlite")
    out = execute(prepare(RunSpec(DataSpec(data), method, model=str(model), params=params, batch_size=2, dtype="float32")), store)
    assert out.status == "done", out.error
    # batches must work as batches: the runner's one-at-a-time fallback would hide a batching bug
    assert not any("one at a time" in n for n in out.report.notes), out.report.notes
    return out, store.predictions(out.run_id)


def probs_from(loglik_by_word):
    """Per class: probabilities of its variants summed, normalised over the classes."""
    per_class = np.array([np.logaddexp.reduce(loglik_by_word[w]) for w in ("negative", "positive")])
    p = np.exp(per_class - per_class.max())
    return p / p.sum()


def causal_probs(model, tok, prompt):
    """Class probabilities from the answer variants' likelihoods after one prompt alone."""
    lik = {}
    for word, variants in VARIANTS.items():
        lik[word] = []
        for v in variants:
            ids = tok(v, add_special_tokens=False)["input_ids"]
            with torch.no_grad():
                logp = torch.log_softmax(model(torch.tensor([prompt + ids])).logits[0], -1)
            lik[word].append(sum(logp[len(prompt) - 1 + j, t].item() for j, t in enumerate(ids)))
    return probs_from(lik)


def chat_prompt_ids(tok, text, template):
    rendered = tok.apply_chat_template([{"role": "user", "content": template.replace("{text}", text)}], tokenize=False, add_generation_prompt=True)
    return tok(rendered, add_special_tokens=False)["input_ids"]


def test_local_chat_score_matches_unbatched_likelihoods(models, data, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out, preds = run(data, "local-chat", models["lm"], tmp_path, mode="score")
    tok = AutoTokenizer.from_pretrained(models["lm"])
    model = AutoModelForCausalLM.from_pretrained(models["lm"]).eval()
    template = out.report.params["prompt"]
    for p in preds:
        expected = causal_probs(model, tok, chat_prompt_ids(tok, p.text, template))
        assert np.allclose(p.scores, expected, atol=1e-4)
        assert p.pred == int(np.argmax(expected))
    assert out.report.invalid == 0  # score mode is never invalid
    assert out.report.details["mode"] == "score" and "negative, positive" in out.report.details["scoring"]


def test_local_chat_generate_parses_what_the_model_says_alone(models, data, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out, preds = run(data, "local-chat", models["lm"], tmp_path, mode="generate", max_new_tokens=4, verbalizer={"acting": "pos", "mess": "neg"})
    tok = AutoTokenizer.from_pretrained(models["lm"])
    model = AutoModelForCausalLM.from_pretrained(models["lm"]).eval()
    parser = AnswerParser.build(["neg", "pos"], verbalizer={"acting": "pos", "mess": "neg"})
    for p in preds:
        prompt = chat_prompt_ids(tok, p.text, out.report.params["prompt"])
        with torch.no_grad():
            gen = model.generate(torch.tensor([prompt]), max_new_tokens=4, do_sample=False, pad_token_id=0)
        answer = tok.decode(gen[0, len(prompt) :], skip_special_tokens=True).strip()
        assert p.raw == answer
        assert p.pred == parser.parse(answer)  # None (invalid) when no answer word: never guessed
    assert out.report.invalid == sum(p.pred is None for p in preds)
    assert "first answer word found" in out.report.details["parse_rule"]


def test_local_chat_cuts_a_text_too_long_for_the_model_and_says_so(data, tmp_path):
    """A model with 48 positions: a 100-word review is cut to what fits beside the prompt and the
    answer (its start kept), scored like that cut text alone, and counted in the report."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    words = TEXTS + ["word"]
    lm = tiny_chat_lm(tmp_path / "lm48", words, positions=48)
    long_text = " ".join(["boring"] * 100)
    d = tmp_path / "long"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in zip(TEXTS + [long_text], LABELS + [0])])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    out, preds = run(str(d), "local-chat", lm, tmp_path, mode="score", max_new_tokens=4)
    assert out.report.truncated == 1 and any("1 text was longer than the model reads: " in n for n in out.report.notes)
    tok = AutoTokenizer.from_pretrained(lm)
    template = out.report.params["prompt"]
    room = 48 - 4 - len(chat_prompt_ids(tok, "", template))
    cut = " ".join(["boring"] * room)
    prompt = chat_prompt_ids(tok, cut, template)
    assert len(prompt) == 48 - 4
    model = AutoModelForCausalLM.from_pretrained(lm).eval()
    (scored,) = [p for p in preds if p.text == long_text]
    assert scored.error is None and np.allclose(scored.scores, causal_probs(model, tok, prompt), atol=1e-4)


def test_few_shot_examples_come_from_train_balanced_and_change_the_prompt(models, data, tmp_path):
    zero, zero_preds = run(data, "local-chat", models["lm"], tmp_path)
    few, few_preds = run(data, "local-chat", models["lm"], tmp_path, few_shot=4, few_shot_seed=3)
    assert few.run_id != zero.run_id
    assert "4 from train (seed 3; neg 2, pos 2; rows" in few.report.details["few_shot"]
    assert zero.report.details["few_shot"] == "none (zero-shot)"
    assert [p.scores for p in few_preds] != [p.scores for p in zero_preds]


def test_seq2seq_score_matches_unbatched_likelihoods(models, data, tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    out, preds = run(data, "seq2seq", models["t5"], tmp_path)
    assert out.report.details["mode"] == "score"  # the default
    tok = AutoTokenizer.from_pretrained(models["t5"])
    model = AutoModelForSeq2SeqLM.from_pretrained(models["t5"]).eval()
    for p in preds:
        enc = tok(out.report.params["prompt"].replace("{text}", p.text), return_tensors="pt")
        assert np.allclose(p.scores, t5_probs(model, tok, enc), atol=1e-4)


def t5_probs(model, tok, enc):
    """Class probabilities from the answer variants' likelihoods, one prompt alone."""
    lik = {}
    for word, variants in VARIANTS.items():
        lik[word] = []
        for v in variants:
            target = tok(v, return_tensors="pt")["input_ids"]  # ends with </s>
            with torch.no_grad():
                loss = model(**enc, labels=target).loss.item()  # mean negative log-likelihood
            lik[word].append(-loss * target.shape[1])
    return probs_from(lik)


def test_seq2seq_cuts_a_long_text_and_keeps_the_prompt_after_it(models, tmp_path):
    """A text longer than the model reads (256 tokens) is cut, not the prompt's end: the question
    after the text stays, and the scores are those of the cut text's prompt alone."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    long_text = " ".join(["boring"] * 300)
    d = tmp_path / "long"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in zip(TEXTS + [long_text], LABELS + [0])])
    (d / "labels.json").write_text(json.dumps(["neg", "pos"]))
    template = "Review: {text} positive or negative?"
    out, preds = run(str(d), "seq2seq", models["t5"], tmp_path, prompt=template)
    assert out.report.truncated == 1
    tok = AutoTokenizer.from_pretrained(models["t5"])
    room = 256 - len(tok(template.replace("{text}", ""))["input_ids"])
    enc = tok(template.replace("{text}", " ".join(["boring"] * room)), return_tensors="pt")
    assert enc["input_ids"].shape[1] == 256 and tok.decode(enc["input_ids"][0][-6:]) == "boring positive or negative? </s>"
    (scored,) = [p for p in preds if p.text == long_text]
    model = AutoModelForSeq2SeqLM.from_pretrained(models["t5"]).eval()
    assert np.allclose(scored.scores, t5_probs(model, tok, enc), atol=1e-4)


def test_seq2seq_generate_matches_unbatched_generate(models, data, tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    out, preds = run(data, "seq2seq", models["t5"], tmp_path, mode="generate", max_new_tokens=3, prompt="Review: [DOCUMENT] positive or negative?")
    tok = AutoTokenizer.from_pretrained(models["t5"])
    model = AutoModelForSeq2SeqLM.from_pretrained(models["t5"]).eval()
    parser = AnswerParser.build(["neg", "pos"])
    for p in preds:
        enc = tok(f"Review: {p.text} positive or negative?", return_tensors="pt")
        with torch.no_grad():
            answer = tok.decode(model.generate(**enc, max_new_tokens=3, do_sample=False)[0], skip_special_tokens=True)
        assert p.raw == answer and p.pred == parser.parse(answer)


def test_nli_zeroshot_scores_are_entailment_softmax_over_hypotheses(models, data, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out, preds = run(data, "nli-zeroshot", models["nli"], tmp_path, labels=["a bad film", "a good film"], hypothesis="It is {}.")
    tok = AutoTokenizer.from_pretrained(models["nli"])
    model = AutoModelForSequenceClassification.from_pretrained(models["nli"]).eval()
    entail = model.config.label2id["entailment"]
    for p in preds:
        with torch.no_grad():
            logits = [model(**tok(p.text, f"It is {t}.", return_tensors="pt")).logits[0, entail].item() for t in ("a bad film", "a good film")]
        expected = np.exp(logits) / np.exp(logits).sum()
        assert np.allclose(p.scores, expected, atol=1e-4) and p.pred == int(np.argmax(expected))
    assert out.report.details["hypotheses"] == "It is a bad film. | It is a good film."


@pytest.mark.parametrize(
    "method, params, message",
    [
        ("seq2seq", {"prompt": "Is this positive?"}, r"\{text\} or \[DOCUMENT\]"),
        ("local-chat", {"mode": "guess"}, "generate or score"),
        ("local-chat", {"labels": ["negative", " "]}, "empty"),
        ("chat", {"few_shot": -1}, "negative"),
        ("nli-zeroshot", {"hypothesis": "no slot"}, "exactly one"),
    ],
)
def test_unusable_settings_are_refused_before_any_model_loads(data, method, params, message):
    with pytest.raises(ConfigError, match=message):
        prepare(RunSpec(DataSpec(data), method, params=params))


def test_a_causal_model_without_chat_template_is_a_clear_error(tmp_path, data):
    model = tiny_chat_lm(tmp_path / "plain", chat_template=None)
    out = execute(prepare(RunSpec(DataSpec(data), "local-chat", model=str(model))), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "failed" and "no chat template" in out.error


def test_cutting_texts_measures_a_huge_text_on_its_start(models):
    """cut_texts keeps short texts as they are and cuts a 1 MB text after exactly ``limit``
    tokens, at the end of the last kept word."""
    from transformers import AutoTokenizer

    from workbench.truncation import cut_texts

    tok = AutoTokenizer.from_pretrained(models["t5"])
    huge = " ".join(["boring plot"] * 50_000)  # 1 MB, 100k tokens
    short, cut = cut_texts(tok, ["a brilliant mess", huge], 7)
    assert short == "a brilliant mess" and cut == "boring plot boring plot boring plot boring"
