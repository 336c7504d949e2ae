"""Runs to export, made through the engine with a test double: 77 banking-style classes
(tests/many_classes.py's names) with probabilities, heavy confusions and one invalid answer, and
a small run whose labels and texts carry HTML, Markdown and CSV metacharacters."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from many_classes import CARD_ARRIVAL, CARD_DELIVERY, LOST_CARD, LOST_PHONE, NAMES

from workbench.methods import Method, Prediction


def _words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", name.lower())


class NameWords(Method):
    """Each class scores the words of its name found in the text; the scores are a softmax of
    three times those counts (probabilities), the prediction their argmax; no word found at all is
    an invalid answer."""

    name = "name-words"
    description = "test double: class names are keywords, softmax scores"
    default_model = "name-words-model"

    def __init__(self, config):
        self.config = config

    def load(self, ctx):
        pass

    def fit(self, texts, labels, ctx):
        self.words_ = [_words(n) for n in self.config.label_names]
        return self

    def predict(self, texts, ctx):
        out = []
        for text in texts:
            tokens = _words(text)
            hits = [sum(tokens.count(w) for w in words) for words in self.words_]
            if not any(hits):
                out.append(Prediction(None, None, raw="no class word in the text"))
                continue
            exp = [math.exp(3.0 * h) for h in hits]
            total = sum(exp)
            scores = [e / total for e in exp]
            out.append(Prediction(scores.index(max(scores)), scores))
        return out

    def scores_rule(self, ctx=None):
        return "softmax of 3 x the class name's words found in the text"


def banking_rows() -> list[dict]:
    """10 texts a class, with an id column and a channel column; class c's text names class c but
    for: card_arrival named as card_delivery_estimate 6 times, lost_or_stolen_card as
    lost_or_stolen_phone 4 times, class c (c % 5 == 1) as class c + 1 once, and one text of class
    0 that names no class."""
    rows = []
    for c, name in enumerate(NAMES):
        for i in range(10):
            said = c
            if c == CARD_ARRIVAL and i < 6:
                said = CARD_DELIVERY
            elif c == LOST_CARD and i < 4:
                said = LOST_PHONE
            elif c % 5 == 1 and i == 9:
                said = (c + 1) % len(NAMES)
            text = "hello, nothing here" if c == 0 and i == 0 else f"question {i}: {' '.join(_words(NAMES[said]))}"
            rows.append({"id": f"q{c:02d}-{i}", "text": text, "label": name, "channel": ["app", "web"][i % 2]})
    return rows


def write_split(folder: Path, rows: list[dict], labels: list[str], split: str = "test") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    (folder / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    return folder


def run_name_words(engine, folder: Path, split: str = "test", id_column: str | None = None):
    """A finished run of NameWords on ``folder`` (registered for the call); returns its outcome."""
    from workbench.data import DataSpec
    from workbench.methods import METHODS
    from workbench.spec import RunSpec

    before = METHODS.get("name-words")
    METHODS["name-words"] = NameWords
    try:
        outcome = engine.execute(engine.prepare(RunSpec(DataSpec(str(folder), split, id_column=id_column), "name-words", model="name-words-model")))
    finally:
        if before is None:
            METHODS.pop("name-words", None)
        else:
            METHODS["name-words"] = before
    assert outcome.status == "done", outcome.error
    return outcome


def banking_run(engine, tmp_path: Path):
    return run_name_words(engine, write_split(tmp_path / "banking", banking_rows(), NAMES), id_column="id")


NASTY_LABELS = ["<i>neg</i>", "a|b & \"q\""]
NASTY_TEXTS = [
    "</td></table><script>alert('x')</script> i neg",  # names class 0
    "pipes | and\nnew lines | a b q",  # names class 1
    "=SUM(A1) , \"quoted\" i neg",  # class 0
    "plain | a b\nsecond line",  # class 1
]
NASTY_GOLD = (1, 1, 1, 0)
"""So that three of the texts are confusions (their texts shown as examples)."""


def nasty_run(engine, tmp_path: Path):
    rows = [{"text": t, "label": NASTY_LABELS[g]} for t, g in zip(NASTY_TEXTS, NASTY_GOLD)]
    return run_name_words(engine, write_split(tmp_path / "nasty", rows, NASTY_LABELS))
