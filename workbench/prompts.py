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
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Sequence

from .errors import ConfigError, param

PLACEHOLDERS = ("{text}", "[DOCUMENT]")


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


def choose_few_shot(texts: Sequence[str] | None, labels: Sequence[int] | None, k: int, n_classes: int, seed: int) -> FewShot:
    if k <= 0:
        return FewShot()
    if not texts or labels is None:
        raise ConfigError(f"few_shot={k} needs a train split to draw examples from", fix="name a train split, or use few_shot=0", field=param("few_shot"))
    rng = random.Random(seed)
    by_class = [[i for i, y in enumerate(labels) if y == c] for c in range(n_classes)]
    quota = [k // n_classes + (1 if c < k % n_classes else 0) for c in range(n_classes)]
    rows: list[int] = []
    for c in range(n_classes):
        rows += rng.sample(by_class[c], min(quota[c], len(by_class[c])))
    rng.shuffle(rows)
    return FewShot(tuple((texts[i], labels[i]) for i in rows), tuple(rows))


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
