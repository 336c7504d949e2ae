"""Class probabilities in generate mode (seq2seq, local chat): the model's distribution over the
classes' answer words at the first answer token where it gives one of them.

Generate mode decodes an answer and parses it; the parse decides the label (the textbook rule,
so accuracy is what it always was). The scores come from the decoding itself: at the first
generated position whose token starts one of the classes' answer words ("Positive", " positive",
"▁positive"...), the probabilities of every class's first tokens there, summed per class and
normalised over the classes. An answer such as "The review is positive." is scored at "positive";
an answer that never starts a class word has no scores (None), and an invalid answer (no label)
has none either: a probability for a label it did not give would be read as its confidence.
A first token shared by two classes' words says nothing between them and is left out."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

GENERATE_SCORE_RULE = (
    "the probabilities of the classes' answer words' first tokens at the first answer position that starts one "
    "(summed per class, normalised over the classes); the parsed answer decides the label, an answer that "
    "starts no class word or gives no label has no scores"
)


def answer_variants(word: str) -> list[str]:
    """The spellings of an answer word that score mode adds up: as given, and capitalised."""
    return list(dict.fromkeys([word, word[:1].upper() + word[1:]]))


def class_first_tokens(tokenizer: Any, answer_words: Sequence[str]) -> list[list[int]]:
    """Per class, the token ids an answer can start its word with: the first token of the word
    as given and capitalised, with and without a leading space; ids of two classes dropped."""
    found: list[set[int]] = []
    for word in answer_words:
        ids = set()
        for variant in answer_variants(word):
            for spelled in (variant, " " + variant):
                tokens = tokenizer(spelled, add_special_tokens=False)["input_ids"]
                if tokens:
                    ids.add(int(tokens[0]))
        found.append(ids)
    shared = {i for a, ids in enumerate(found) for b, other in enumerate(found) if a != b for i in ids & other}
    return [sorted(ids - shared) for ids in found]


def first_token_scores(step_logits: Sequence[Any], generated: np.ndarray, class_tokens: list[list[int]]) -> list[list[float] | None]:
    """Per generated row, the class probabilities at its first position whose token starts a class
    word (see the module docstring), or None. ``step_logits[t]``: the logits (rows x vocabulary)
    that chose token ``generated[:, t]``."""
    import torch

    owner = {tok: c for c, ids in enumerate(class_tokens) for tok in ids}
    out: list[list[float] | None] = []
    for row in range(generated.shape[0]):
        at = next((t for t in range(min(len(step_logits), generated.shape[1])) if int(generated[row, t]) in owner), None)
        if at is None:
            out.append(None)
            continue
        probs = torch.softmax(step_logits[at][row].float(), dim=-1).cpu().numpy().astype(np.float64)
        per_class = np.array([probs[ids].sum() if ids else 0.0 for ids in class_tokens])
        total = per_class.sum()
        out.append([float(p) for p in per_class / total] if total > 0 else None)
    return out
