"""Generate mode's class probabilities (workbench/methods/first_token.py): read at the first
answer position that starts a class word, the parsed answer keeping the label."""

import numpy as np
import torch

from conftest import write_jsonl
from tiny_models import tiny_chat_lm, tiny_t5
from workbench.data import DataSpec
from workbench.methods.first_token import GENERATE_SCORE_RULE, class_first_tokens, first_token_scores
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore


class WordTokenizer:
    """Each space-separated word is one token: 'pos' 1, 'Pos' 2, 'neg' 3, 'Neg' 4, 'n' 5."""

    vocab = {"pos": 1, "Pos": 2, "neg": 3, "Neg": 4, "n": 5}

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [self.vocab.get(w, 9) for w in text.split()]}


def test_first_tokens_per_class_and_shared_ones_dropped():
    assert class_first_tokens(WordTokenizer(), ["neg", "pos"]) == [[3, 4], [1, 2]]
    assert class_first_tokens(WordTokenizer(), ["n", "n"]) == [[], []]  # one token for both: no evidence


def test_scores_are_read_where_the_answer_first_gives_a_class_word():
    vocab = 10
    logits = [torch.zeros(2, vocab) for _ in range(3)]
    logits[1][0, 1] = np.log(6.0)  # row 0 at step 1: 'pos' six times as likely as any other token
    generated = np.array([[9, 1, 9], [9, 9, 9]])  # row 0: "<other> pos ..."; row 1: no class word at all
    scores = first_token_scores(logits, generated, [[3, 4], [1, 2]])
    # At step 1 of row 0: pos 6 + Pos 1 against neg 1 + Neg 1 (every other token 1)
    assert np.allclose(scores[0], [2 / 9, 7 / 9]) and scores[1] is None


def test_generate_mode_runs_give_scores_for_their_valid_answers(tmp_path):
    words = ["good film", "bad film", "great", "awful", "negative", "positive"]
    write_jsonl(tmp_path / "d" / "train.jsonl", [{"text": t, "label": "pos" if i % 2 else "neg"} for i, t in enumerate(words)])
    write_jsonl(tmp_path / "d" / "test.jsonl", [{"text": t, "label": "neg" if i % 2 else "pos"} for i, t in enumerate(words)])
    for model in (tiny_t5(tmp_path / "t5", words), tiny_chat_lm(tmp_path / "lm", words)):
        spec = RunSpec(DataSpec(str(tmp_path / "d")), "seq2seq" if "t5" in str(model) else "local-chat", model=str(model), params={"mode": "generate", "max_new_tokens": 4}, device="cpu", dtype="float32")
        store = RunStore(tmp_path / "s.sqlite")
        out = execute(prepare(spec), store)
        assert out.status == "done" and out.report.score_rule == GENERATE_SCORE_RULE
        for p in store.predictions(out.run_id):
            if p.pred is None:
                assert p.scores is None  # no label, no confidence
            elif p.scores is not None:
                assert abs(sum(p.scores) - 1) < 1e-6 and len(p.scores) == 2
