"""Turning a generative model's free-text answer into a label, or into *invalid* - never a guess.

The rule, shown in every report of a prompt method:

1. Every class has answer words: its label name, its label text (``--labels``; by default the
   name with the abbreviations neg/pos/neu spelled out, so 'neg' also answers to 'negative'), and
   any verbalizers the user gave (``--verbalizer 1=pos 0=neg``).
2. The answer and the words are normalised alike: case folded, every run of characters other than
   letters and digits becomes one space (so case and punctuation never matter).
3. The answer is read left to right; at the first position where some answer word starts (as
   whole words), that word's class is the label. When several words start there, the longest wins
   ("very negative" over "very").
4. No answer word anywhere: the prediction is invalid, and the raw answer is kept for the report.

The lesson's ``0 if text == "negative" else 1`` counted every unparseable answer as positive;
here it is an error you can see.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from .errors import ConfigError, param
from .pairs import parse_pairs

FIELD_LABELS = param("labels")
FIELD_VERBALIZER = param("verbalizer")

SPELLED_OUT = {"neg": "negative", "pos": "positive", "neu": "neutral"}
"""Abbreviated label names (the Hub's rotten_tomatoes says neg/pos) and the words a model answers."""


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+|_+", " ", str(text).casefold()).split())


def default_label_texts(label_names: Sequence[str]) -> list[str]:
    """Label names, with neg/pos/neu spelled out: what a prompt asks for and a model answers."""
    return [SPELLED_OUT.get(normalise(n), str(n)) for n in label_names]


SENTIMENT = frozenset(("negative", "positive", "neutral"))
"""Spelled-out names that are sentiments: their zero-shot label text is the lesson's "A ... review"."""


def descriptive_label_texts(label_names: Sequence[str]) -> list[str]:
    """The zero-shot label texts used when none are given: phrases, not bare names, as the lesson
    writes them ("A negative review" / "A positive review" for neg/pos); any other name with its
    underscores as spaces ("card_arrival" -> "card arrival"). A bare "neg" embeds close to nothing
    a review says: the built-in sample scores at chance with it."""
    out = []
    for name in default_label_texts(label_names):
        words = " ".join(str(name).replace("_", " ").split())
        out.append(f"A {words.casefold()} review" if words.casefold() in SENTIMENT else words)
    return out


def parse_verbalizer(value: Mapping[str, str] | Sequence[str] | str | None) -> dict[str, str]:
    """``{"1": "pos"}``, ``["1=pos", "0=neg"]`` or ``"1=pos,0=neg"`` -> ``{"1": "pos", "0": "neg"}``."""
    if not value:
        return {}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, (str, list, tuple)):
        raise ConfigError(f"verbalizer {value!r} is not a list of WORD=LABEL items", expected="e.g. 1=pos 0=neg", field=FIELD_VERBALIZER)
    return parse_pairs(value, "verbalizer item {!r}", field=FIELD_VERBALIZER, expected="WORD=LABEL, e.g. 1=pos 0=neg", key_words="word", value_words="label", need_value=True)


@dataclass(frozen=True)
class AnswerParser:
    """The answer words of every class (index = label) and the rule above."""

    words: tuple[tuple[str, ...], ...]
    """Per class, its answer words in normalised form, most specific (the prompt's word) first."""

    @classmethod
    def build(cls, label_names: Sequence[str], label_texts: Sequence[str] | None = None, verbalizer: Mapping[str, str] | None = None) -> "AnswerParser":
        texts = label_texts if label_texts else default_label_texts(label_names)
        check_label_texts(label_names, texts)  # before list(): a string is no list of texts
        texts = list(texts)
        index = {normalise(n): i for i, n in enumerate(label_names)}
        extra: list[list[str]] = [[] for _ in label_names]
        for word, label in (verbalizer or {}).items():
            i = index.get(normalise(label))
            if i is None:
                raise ConfigError(f"verbalizer {word}={label}: '{label}' is not a label", expected="one of " + ", ".join(label_names), field=FIELD_VERBALIZER)
            extra[i].append(word)
        words = []
        for i, name in enumerate(label_names):
            found: list[str] = []
            for w in extra[i] + [texts[i], name]:
                n = normalise(w)
                if n and n not in found:
                    found.append(n)
            if not found:
                raise ConfigError(f"label '{name}' has no answer word (only punctuation)", fix="give it a label text", field=FIELD_LABELS)
            words.append(tuple(found))
        owner: dict[str, int] = {}
        for i, ws in enumerate(words):
            for w in ws:
                if owner.setdefault(w, i) != i:
                    raise ConfigError(
                        f"the answer word '{w}' belongs to both {label_names[owner[w]]} and {label_names[i]}",
                        fix="give each class its own label text and verbalizers",
                        field=FIELD_LABELS,
                    )
        return cls(tuple(words))

    def answer_word(self, label: int) -> str:
        """The word a few-shot example answers with, and score mode compares: the first verbalizer,
        else the label text."""
        return self.words[label][0]

    def parse(self, answer: str | None) -> int | None:
        text = normalise(answer or "")
        if not text:
            return None
        padded = f" {text} "
        best: tuple[int, int, int] | None = None  # (position, -length, label)
        for label, ws in enumerate(self.words):
            for w in ws:
                pos = padded.find(f" {w} ")
                if pos >= 0 and (best is None or (pos, -len(w)) < best[:2]):
                    best = (pos, -len(w), label)
        return None if best is None else best[2]

    def describe(self, label_names: Sequence[str]) -> str:
        classes = "; ".join(f"{n}: {' | '.join(ws)}" for n, ws in zip(label_names, self.words))
        return f"first answer word found, case and punctuation ignored ({classes}); no word found = invalid"


FIRST_TOKEN_RULE = (
    "each class's probability is the summed probability of the answer's first-token alternatives "
    "(the server's top_logprobs) that start one of its answer words (case, spaces and punctuation "
    "aside; a token that starts words of two classes counts for neither), renormalised over the classes"
)


def first_token_probabilities(top_logprobs: Sequence[Sequence], words: Sequence[Sequence[str]]) -> list[float] | None:
    """Class probabilities from the first answer token's alternatives (``[token, logprob]`` pairs)
    by FIRST_TOKEN_RULE; ``words``: each class's answer words, normalised (AnswerParser.words).
    None when no alternative starts any class's word (or their probabilities underflow to 0).

    A token is matched by prefix, not equality: a model's tokenizer may split "negative" into
    "neg" + "ative", and only the first piece is among the first token's alternatives."""
    mass = [0.0] * len(words)
    for token, logprob in top_logprobs:
        t = normalise(token)
        if not t:  # a space or a quote: starts every word and so tells nothing
            continue
        owners = {c for c, ws in enumerate(words) if any(w.startswith(t) for w in ws)}
        if len(owners) == 1:
            mass[owners.pop()] += math.exp(min(float(logprob), 0.0))  # a log-probability above 0 is a server's error
    total = sum(mass)
    if not total > 0:
        return None
    return [m / total for m in mass]


def some_names(names: Sequence[str], most: int = 6) -> str:
    """Names for a message, the first ``most`` of many: 77 class names would fill a screen."""
    shown = ", ".join(map(str, names[:most]))
    return shown if len(names) <= most else f"{shown}, … {len(names) - most} more"


def check_each_label_text(label_names: Sequence[str], texts: Sequence[str]) -> None:
    """What refuses a label text on its own, whatever the others are: an empty one (the UI runs it
    as each text is edited; :func:`check_label_texts` runs it with the rest)."""
    empty = [label_names[i] for i, t in enumerate(texts) if not str(t).strip()]
    if empty:
        raise ConfigError(f"the label text for {some_names(empty)} is empty", fix="give every class a label text", field=FIELD_LABELS)


def check_label_texts(label_names: Sequence[str], texts: Sequence[str]) -> None:
    if isinstance(texts, str) or not isinstance(texts, Sequence):  # one string would count as one text per character
        raise ConfigError(f"label texts {str(texts)[:80]!r} are not a list", expected="one text per class, in label order", field=FIELD_LABELS)
    if len(texts) != len(label_names):
        raise ConfigError(
            f"labels gave {len(texts)} texts for {len(label_names)} classes ({some_names(label_names)})",
            expected="one text per class, in that order",
            field=FIELD_LABELS,
        )
    check_each_label_text(label_names, texts)
    seen = [normalise(t) for t in texts]
    if len(set(seen)) != len(seen):
        raise ConfigError(f"two classes have the same label text ({', '.join(map(str, texts))})", fix="give every class its own label text", field=FIELD_LABELS)
