"""Label-text variants made from templates over the label names, for embed-zeroshot sweeps
(``workbench sweep FILE --propose N``). The label names are read from the data when the sweep
prepares its runs, so a proposed variant keeps the templates and fills them then: its ``labels``
setting is a :class:`LabelTemplate`, turned into texts by :func:`fill`."""

from __future__ import annotations

from typing import Sequence

from .answers import default_label_texts

TEMPLATES = (
    "A {adv}{name} {noun}",
    "This {noun} is {adv}{name}",
    "{adv}{name}",
    "The {noun} is {adv}{name}",
    "It was {adv}{name}",
    "A {noun} that is {adv}{name}",
    "Overall {adv}{name}",
)
ADVERBS = ("", "very ", "really ", "extremely ")


class LabelTemplate(str):
    """A label-text template ("A very {name} review") standing for one text per class."""


def templates(n: int, noun: str = "review") -> list[str]:
    """The first ``n`` templates, adverbs varied before templates repeat, noun filled in."""
    out = []
    for adv in ADVERBS:
        for t in TEMPLATES:
            out.append(t.replace("{noun}", noun).replace("{adv}", adv))
    return out[:n]


def fill(template: str, label_names: Sequence[str]) -> list[str]:
    """One text per class: ``{name}`` is the label name spelled out (neg -> negative)."""
    texts = []
    for name in default_label_texts(label_names):
        text = template.replace("{name}", name)
        texts.append(text[0].upper() + text[1:] if text else text)
    return texts
