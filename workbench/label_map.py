"""Mapping a classifier's own labels onto the dataset's.

The rule, shown to the user in every report: each model class maps to one dataset label or is
ignored; a dataset label's score is the sum of the probabilities of the model classes mapped to it,
renormalised over the mapped classes; the prediction is the argmax. For a 3-class sentiment model
on a 2-class dataset this is exactly the lesson's "argmax over negative and positive, ignoring
neutral"; for a 5-star model on neg/pos, 1-2 stars count as neg, 4-5 as pos, 3 is ignored.

Automatic matching, used for every model class the user did not map in the label map:
1. names equal after lowering case and dropping punctuation, with neg/negative, pos/positive and
   neu/neutral as synonyms;
2. if nothing matched by name and the model's classes are LABEL_0..LABEL_{K-1} with K equal to
   the dataset's number of classes, by index;
3. star ratings ("1 star".."5 stars") onto a neg/pos or neg/neutral/pos dataset, as above.
"""

from __future__ import annotations

import re
from typing import Mapping

from .errors import ConfigError, param
from .pairs import parse_pairs

FIELD = param("label_map")

_SYNONYMS = {"neg": "negative", "pos": "positive", "neu": "neutral", "bad": "negative", "good": "positive"}
_IGNORE = ("", "-", "ignore")


def _norm(name: str) -> str:
    key = re.sub(r"[^0-9a-z]+", "", name.lower())
    return _SYNONYMS.get(key, key)


def _stars(name: str) -> int | None:
    m = re.fullmatch(r"\s*([1-5])\s*stars?\s*", name.lower())
    return int(m.group(1)) if m else None


def parse_label_map(items: list[str] | None) -> dict[str, str]:
    """``["NEGATIVE=neg", "neutral="]`` -> dict; an empty or '-' value means ignore that class."""
    return parse_pairs(items or [], "label map item {!r}", field=FIELD, expected="MODEL_LABEL=DATASET_LABEL (or MODEL_LABEL= to ignore it)", key_words="model label")


def resolve_label_map(model_labels: list[str], dataset_labels: list[str], explicit: Mapping[str, str] | None = None) -> list[int | None]:
    """For each model class (by index), the dataset label index it counts for, or None (ignored)."""
    explicit = dict(explicit or {})
    target: list[int | None] = [None] * len(model_labels)
    decided = [False] * len(model_labels)
    ds_index = {n: i for i, n in enumerate(dataset_labels)}
    for key, value in explicit.items():
        key, value = str(key).strip(), "" if value is None else str(value).strip()
        m = _find(key, model_labels)
        if m is None:
            raise ConfigError(f"the label map names model label '{key}', which the model does not have (its labels: {', '.join(model_labels)})", field=FIELD)
        decided[m] = True
        if value.lower() in _IGNORE:
            continue
        d = ds_index.get(value)
        if d is None and _small_index(value, len(dataset_labels)):
            d = int(value)
        if d is None:
            raise ConfigError(f"the label map maps '{key}' to '{value}', which is not a dataset label (labels: {', '.join(dataset_labels)})", field=FIELD)
        target[m] = d
    ds_norm = {_norm(n): i for i, n in enumerate(dataset_labels)}
    matched = False
    for m, name in enumerate(model_labels):
        if not decided[m] and _norm(name) in ds_norm:
            target[m], decided[m], matched = ds_norm[_norm(name)], True, True
    if not matched and not explicit:
        generic = [re.fullmatch(r"label_(\d+)", n.lower()) for n in model_labels]
        # By index only when they are exactly LABEL_0..LABEL_{K-1}: a lone LABEL_1 is no index.
        if all(generic) and sorted(int(g.group(1)) for g in generic) == list(range(len(dataset_labels))):  # type: ignore[union-attr]
            return [int(g.group(1)) for g in generic]  # type: ignore[union-attr]
        stars = [_stars(n) for n in model_labels]
        if all(s is not None for s in stars):
            target = _map_stars(stars, dataset_labels) or target
    missing = [dataset_labels[d] for d in range(len(dataset_labels)) if d not in target]
    if missing:
        example = " ".join(f"{ml}={dataset_labels[min(i, len(dataset_labels) - 1)]}" for i, ml in enumerate(model_labels[:3]))
        raise ConfigError(
            f"no model class maps onto dataset label(s) {', '.join(missing)} (model labels: {', '.join(model_labels)}; dataset labels: {', '.join(dataset_labels)})",
            fix=f"map them in the label map, e.g. {example}",
            field=FIELD,
        )
    return target


def _small_index(value: str, n: int) -> bool:
    """An index below n written in ASCII digits ('²' passes str.isdigit() but not int())."""
    return re.fullmatch(r"[0-9]{1,9}", value) is not None and int(value) < n


def _find(key: str, model_labels: list[str]) -> int | None:
    if key in model_labels:
        return model_labels.index(key)
    if _small_index(key, len(model_labels)):
        return int(key)
    lowered = [n.lower() for n in model_labels]
    return lowered.index(key.lower()) if key.lower() in lowered else None


def _map_stars(stars: list[int | None], dataset_labels: list[str]) -> list[int | None] | None:
    norm = [_norm(n) for n in dataset_labels]
    if norm == ["negative", "positive"]:
        return [0 if s < 3 else 1 if s > 3 else None for s in stars]  # type: ignore[operator]
    if norm == ["negative", "neutral", "positive"]:
        return [0 if s < 3 else 2 if s > 3 else 1 for s in stars]  # type: ignore[operator]
    return None


def describe_label_map(model_labels: list[str], dataset_labels: list[str], target: list[int | None]) -> str:
    parts = [f"{ml}->{dataset_labels[t] if t is not None else '(ignored)'}" for ml, t in zip(model_labels, target)]
    return ", ".join(parts) + "; score = sum of mapped probabilities, renormalised; argmax"
