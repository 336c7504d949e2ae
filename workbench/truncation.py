"""Token lengths of the evaluated texts: the runner orders batches by them (texts of one length
together, little padding), and the report counts the texts longer than the model reads.

A local model reads at most so many tokens of a text (max_seq_length, model_max_length); the
methods truncate longer texts rather than fail, and the report says how many were cut. A method
tells the runner its limit through an optional hook::

    def token_limit(self) -> tuple[tokenizer, int] | None

the tokenizer the model reads with, and how many tokens *of the text* fit: the model's limit less
what the method adds around the text (special tokens, the prompt, the NLI hypothesis). None: the
method does not truncate, or cannot say (an API model). Texts are counted with the tokenizer's own
batched (fast, Rust) encoding, without special tokens, so a whole test split takes milliseconds.

A second optional hook says what the model reads in all, for the report's note ("256 tokens (254
for text)")::

    def model_token_limit(self) -> int | None
"""

from __future__ import annotations

from typing import Any, Sequence

from .errors import WorkbenchError
from .models import RecentCache

NO_LIMIT = 100_000
"""A tokenizer with no limit set reports 1e30 as its model_max_length; anything this large is none."""

CHUNK = 1024
"""Texts encoded per call: bounds the memory of the token ids held at once."""

MIN_TEXT_TOKENS = 8
"""The fewest tokens of the text a prompt must leave room for: with less, every text would be cut
to a few words and the score would measure the prompt, not the method."""


def limit_for(tokenizer: Any, max_length: Any, reserved: int = 0) -> tuple[Any, int] | None:
    """The hook's answer for a model that reads ``max_length`` tokens of which ``reserved`` are not
    the text's; None when there is no tokenizer or no real limit. Raises ConfigError, with the
    numbers, when what surrounds the text leaves it fewer than MIN_TEXT_TOKENS."""
    if tokenizer is None or not isinstance(max_length, int) or not 0 < max_length < NO_LIMIT:
        return None
    room = max_length - reserved
    if room < MIN_TEXT_TOKENS:
        from .errors import ConfigError, param

        raise ConfigError(
            f"the prompt leaves no room for the text: it takes {reserved} of the model's {max_length} tokens, leaving {max(room, 0)}",
            expected=f"at least {MIN_TEXT_TOKENS} tokens for the text",
            fix="shorten the prompt or the system message, or use fewer few-shot examples",
            field=param("prompt"),
        )
    return tokenizer, room


def model_limit(max_length: Any) -> int | None:
    """``max_length`` when it is a real limit (the ``model_token_limit`` hook's answer), else None."""
    return max_length if isinstance(max_length, int) and 0 < max_length < NO_LIMIT else None


def model_tokens(method: Any) -> int | None:
    """What the method's model reads in all (its ``model_token_limit`` hook), None when it cannot say."""
    try:
        return model_limit(method.model_token_limit())
    except Exception:  # a figure for a note: never worth losing a run over
        return None


def special_tokens(tokenizer: Any, pair: bool = False) -> int:
    """How many special tokens ([CLS], [SEP], </s>) the tokenizer adds around one text (or a pair)."""
    try:
        return int(tokenizer.num_special_tokens_to_add(pair=pair))
    except (AttributeError, TypeError, ValueError):
        return 0


def token_lengths(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Each text's length in tokens, special tokens left out."""
    out: list[int] = []
    for start in range(0, len(texts), CHUNK):
        enc = tokenizer(
            list(texts[start : start + CHUNK]), add_special_tokens=False, truncation=False, padding=False,
            return_attention_mask=False, return_token_type_ids=False, verbose=False,
        )  # fmt: skip
        out += [len(ids) for ids in enc["input_ids"]]
    return out


def _head(text: str, limit: int) -> str:
    """The start of ``text`` that certainly holds its first ``limit`` tokens unless it is one huge
    unbroken 'word': far more characters than that, cut at a space (a word boundary for every
    whitespace-splitting tokenizer, so no word's tokens change)."""
    head_chars = 16 * (limit + 16)
    head = text[:head_chars]
    if len(text) > head_chars and (cut := head.rfind(" ")) > 0:
        head = head[:cut]
    return head


def _lengths_up_to(tokenizer: Any, texts: Sequence[str], limit: int) -> list[int]:
    """Token lengths, exact up to ``limit`` and possibly less beyond it. A long text is counted on
    its start (_head): a 1 MB review costs what its first few KB do. Only a start that holds too
    few tokens (one huge unbroken 'word') is counted whole."""
    heads = [_head(t, limit) for t in texts]
    lengths = token_lengths(tokenizer, heads)
    for i, (t, head, n) in enumerate(zip(texts, heads, lengths)):
        if n <= limit and len(head) < len(t):
            lengths[i] = token_lengths(tokenizer, [t])[0]
    return lengths


def cut_texts(tokenizer: Any, texts: Sequence[str], limit: int) -> list[str]:
    """Each text cut after its first ``limit`` tokens, at the character where that token ends: for
    a prompt method, which must keep the template around the text whole (the answer cue after it
    above all), where the tokenizer's own truncation would cut the prompt's end. The texts are
    measured in one batched call; only those over the limit are cut, each on its start (_head)."""
    out = list(texts)
    for i, n in enumerate(_lengths_up_to(tokenizer, out, limit)):
        if n > limit:
            head = _head(out[i], limit)
            out[i] = _cut(tokenizer, head, limit) or _cut(tokenizer, out[i], limit) or out[i]
    return out


def _cut(tokenizer: Any, text: str, limit: int) -> str | None:
    """``text`` cut after its first ``limit`` tokens; None when it has no more than that."""
    try:
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    except NotImplementedError:  # a slow (Python) tokenizer has no offsets: decode the start
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        return tokenizer.decode(ids[:limit]) if len(ids) > limit else None
    if len(enc["input_ids"]) <= limit:
        return None
    return text[: enc["offset_mapping"][limit - 1][1]]


def text_lengths(method: Any, texts: Sequence[str], key: Any = None, cache: RecentCache | None = None) -> tuple[list[int], int] | None:
    """(each text's length in the tokens of the method's model, exact up to the limit; the limit),
    or None when the method has no limit to report. ``key``: what identifies the tokenizer and the
    texts together (the runner gives the model's identity and the split's fingerprint), to measure
    once in ``cache`` (the engine's, see caches.py: a re-run that edits label texts would otherwise
    tokenize the split again for nothing, ~50 ms of a 250 ms loop); without both, measured every time."""
    if method is None or not texts:
        return None
    try:
        found = method.token_limit()
        if found is None:
            return None
        tokenizer, limit = found
        texts = list(texts)

        def measure() -> list[int]:
            return _lengths_up_to(tokenizer, texts, limit)

        return (measure() if key is None or cache is None else cache.get((key, limit), measure)), limit
    except WorkbenchError:  # the method's limit is unusable (no room for the text): the user's to fix
        raise
    except Exception:  # a count for the report or a batch order is never worth losing a run over
        return None


def longest_first(method: Any, texts: Sequence[str], key: Any = None, cache: RecentCache | None = None) -> list[int]:
    """Positions of ``texts``, longest first: in the method's tokens where it says how its model
    reads (text_lengths, ``key`` and ``cache`` as there), else in characters. Ties keep their order."""
    found = text_lengths(method, texts, key, cache)
    size = found[0] if found else [len(t) for t in texts]
    return sorted(range(len(texts)), key=lambda i: -size[i])


def truncation_note(count: int | None, limit: int, split: str | None = None, model_limit: int | None = None) -> list[str]:
    """The report's note on ``count`` texts (of the ``split`` split when named: the train split's
    are noted too) cut at ``limit`` tokens of text, of the ``model_limit`` the model reads in all
    when known (none when nothing was cut)."""
    if not count:
        return []
    noun, verb = ("text", "was") if count == 1 else ("texts", "were")
    whose = f" of the {split} split" if split else ""
    reads = f"{model_limit} tokens ({limit} for text)" if model_limit else f"{limit} tokens of text"
    return [f"{count} {noun}{whose} {verb} longer than the model reads: {reads}, and {verb} truncated"]
