"""Prompt templates and few-shot examples, shared by every method that prompts a model.

A template holds the text to classify as ``{text}`` or, as in the lesson, ``[DOCUMENT]``. It is
filled by plain replacement, not ``str.format``, so braces in a template or a review are literal.

Few-shot rule (shown in the report): ``k`` examples are drawn from the train split with a fixed
seed, balanced across labels (``k // n_classes`` each, the remainder to the first classes in label
order, fewer where a class has fewer rows), then shuffled with the same seed so no label comes in a
block. Each example is the template filled with the example's text, answered by its class's
answer word (see answers.py). Chat models get them as alternating user/assistant turns before the
real question; a plain text-to-text model gets them as ``prompt\\nanswer`` blocks separated by a
blank line, before the real prompt.

Few-shot strategies (the ``few_shot_strategy`` parameter of every prompt method):

* ``random`` (default): the rule above, one set of examples for every text.
* ``knn``: per evaluated text, the ``k`` train examples whose sentence embeddings (``few_shot_model``,
  all-MiniLM-L6-v2 by default) have the highest cosine similarity to the text's, as autolabel's
  semantic selection and DSPy's KNNFewShot do; in order of similarity, the most similar last, right
  before the question. Ties go to the earlier train row. Labels are not balanced.
* ``label-diverse``: one set for every text: the labels take turns (label order, round-robin,
  each label's quota as in ``random``), and within a label the examples are picked by greedy
  farthest-point on the embeddings: the first at random (seeded), then each next the row whose
  highest cosine similarity to the label's rows picked so far is lowest (ties: the earlier row).
  Every label is covered when ``k`` is at least the number of labels and each has train rows.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Sequence

from .errors import ConfigError, param

PLACEHOLDERS = ("{text}", "[DOCUMENT]")

STRATEGIES = ("random", "knn", "label-diverse")
"""The few-shot strategies, the first the default (see the module's docstring)."""


def check_template(template: str | None, what: str = "prompt") -> str:
    """``template`` when it holds a place for the text; ``what`` is the parameter it comes from."""
    what = what.lstrip("-")  # "--prompt" from a caller written when messages named flags
    field = param(what.replace("-", "_"))
    if template is not None and not isinstance(template, str):
        raise ConfigError(f"the {what} template is {type(template).__name__} {template!r:.60}", expected="a string", field=field)
    if not template or not str(template).strip():
        raise ConfigError(f"the {what} template is empty", expected="a prompt holding {text} or [DOCUMENT] where the text goes", field=field)
    if not any(p in template for p in PLACEHOLDERS):
        raise ConfigError(
            f"the {what} template has no place for the text: {template[:80]!r}",
            expected="{text} or [DOCUMENT] where the text to classify goes",
            fix='e.g. "Is the following sentence positive or negative? {text}"',
            field=field,
        )
    return template


_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))


def render(template: str, text: str) -> str:
    """``template`` with each of its placeholders replaced by ``text``, in one pass: a text that
    itself holds ``{text}`` or ``[DOCUMENT]`` is put in literally, once (replacing the placeholders
    one after the other would fill the text's own placeholder with the text again)."""
    return _PLACEHOLDER.sub(lambda _: text, template)


@dataclass(frozen=True)
class FewShot:
    """Chosen examples: (text, label) pairs in prompt order, and their rows in the train split."""

    examples: tuple[tuple[str, int], ...] = ()
    rows: tuple[int, ...] = ()

    def describe(self, label_names: Sequence[str], seed: int) -> str:
        if not self.examples:
            return "none (zero-shot)"
        counts = {n: sum(1 for _, y in self.examples if y == i) for i, n in enumerate(label_names)}
        per = ", ".join(f"{n} {c}" for n, c in counts.items())
        return f"{len(self.examples)} from train (seed {seed}; {per}; rows {', '.join(map(str, self.rows))}), as in prompts.py"


def check_strategy(strategy: object) -> str:
    if strategy not in STRATEGIES:
        raise ConfigError(f"few_shot_strategy={strategy!r} is not a few-shot strategy", expected=" or ".join(STRATEGIES), field=param("few_shot_strategy"))
    return str(strategy)


def require_train(texts: Sequence[str] | None, labels: Sequence[int] | None, k: int) -> None:
    if not texts or labels is None:
        raise ConfigError(f"few_shot={k} needs a train split to draw examples from", fix="name a train split, or use few_shot=0", field=param("few_shot"))


def _quota(k: int, n_classes: int) -> list[int]:
    return [k // n_classes + (1 if c < k % n_classes else 0) for c in range(n_classes)]


def choose_few_shot(texts: Sequence[str] | None, labels: Sequence[int] | None, k: int, n_classes: int, seed: int) -> FewShot:
    if k <= 0:
        return FewShot()
    require_train(texts, labels, k)
    assert texts is not None and labels is not None
    rng = random.Random(seed)
    by_class = [[i for i, y in enumerate(labels) if y == c] for c in range(n_classes)]
    quota = _quota(k, n_classes)
    rows: list[int] = []
    for c in range(n_classes):
        rows += rng.sample(by_class[c], min(quota[c], len(by_class[c])))
    rng.shuffle(rows)
    return FewShot(tuple((texts[i], labels[i]) for i in rows), tuple(rows))


def shots_of(texts: Sequence[str], labels: Sequence[int], rows: Sequence[int]) -> FewShot:
    return FewShot(tuple((texts[i], labels[i]) for i in rows), tuple(int(i) for i in rows))


def _unit(x):
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)


def nearest_rows(queries, train, k: int) -> list[list[int]]:
    """Per query embedding, the ``k`` train rows of highest cosine similarity, the most similar
    last; ties go to the earlier row."""
    import numpy as np

    sims = _unit(queries) @ _unit(train).T
    k = min(k, sims.shape[1])
    out = []
    for row in sims:
        order = np.argsort(-row, kind="stable")[:k]  # most similar first, earlier row on a tie
        out.append([int(i) for i in order[::-1]])
    return out


def diverse_rows(emb, labels: Sequence[int], k: int, n_classes: int, seed: int) -> list[int]:
    """``k`` rows, the labels in turn, mutually dissimilar within each label (greedy farthest-point
    from a seeded random start; see the module's docstring)."""
    import numpy as np

    unit = _unit(emb)
    rng = random.Random(seed)
    picked: list[list[int]] = []
    for c, quota in enumerate(_quota(k, n_classes)):
        rows = [i for i, y in enumerate(labels) if y == c]
        chosen: list[int] = []
        if rows and quota:
            chosen.append(rng.choice(rows))
            closest = unit[rows] @ unit[chosen[0]]  # each row's highest similarity to the chosen
            while len(chosen) < min(quota, len(rows)):
                free = np.array([r not in chosen for r in rows])
                j = int(np.argmin(np.where(free, closest, np.inf)))  # earlier row on a tie
                chosen.append(rows[j])
                closest = np.maximum(closest, unit[rows] @ unit[rows[j]])
        picked.append(chosen)
    order: list[int] = []
    for turn in range(max((len(p) for p in picked), default=0)):
        order += [p[turn] for p in picked if turn < len(p)]
    return order


def chat_messages(template: str, text: str, system: str | None, shots: FewShot, answer_words: Sequence[str]) -> list[dict[str, str]]:
    """The messages for one text: optional system, few-shot turns, then the question."""
    messages = [{"role": "system", "content": system}] if system else []
    for shot_text, label in shots.examples:
        messages.append({"role": "user", "content": render(template, shot_text)})
        messages.append({"role": "assistant", "content": answer_words[label]})
    messages.append({"role": "user", "content": render(template, text)})
    return messages


def plain_prompt(template: str, text: str, shots: FewShot, answer_words: Sequence[str]) -> str:
    """One string for a text-to-text model: few-shot blocks, then the question."""
    blocks = [f"{render(template, t)}\n{answer_words[y]}" for t, y in shots.examples]
    return "\n\n".join(blocks + [render(template, text)])
