"""KEY=VALUE pairs, the one way every front end reads them: ``-p NAME=VALUE`` on the command line,
``--label-map``, ``--verbalizer``, a mapping parameter's value (``Param.coerce``) and the UI's
one-line fields all call :func:`parse_pairs`, so a text one accepts the others accept too."""

from __future__ import annotations

import re
from typing import Sequence

from .errors import ConfigError

_ITEM_START = re.compile(r",|\s+(?=[^\s=,]+=)")
"""Where one item of a written list of pairs ends: at a comma, or at whitespace before the next
``KEY=`` (so ``a=b c=d`` is two items and ``LABEL_0=very negative`` one)."""


def split_pairs(text: str) -> list[str]:
    """The items of a written list of pairs: ``"a=b, c=d"``, ``"a=b c=d"`` -> ``["a=b", "c=d"]``."""
    return [item for item in (part.strip() for part in _ITEM_START.split(text)) if item]


def parse_pairs(
    value: str | Sequence[str], subject: str, *, field: str | None = None, expected: str = "KEY=VALUE",
    key_words: str = "key", value_words: str = "value", need_value: bool = False, strip_values: bool = True,
) -> dict[str, str]:  # fmt: skip
    """``value`` (items, one pair each, or one text of several: :func:`split_pairs`) -> a dict in
    the items' order. An item without ``=`` or with nothing before it (or, with ``need_value``,
    after it) is a ConfigError naming the item by ``subject`` (``"label map item {!r}"``) and
    about ``field``, with ``expected`` (the form, ``MODEL_LABEL=DATASET_LABEL``) and ``key_words`` /
    ``value_words`` (what the two sides are called, ``model label``). Keys are stripped; values too unless ``strip_values`` (``-p prompt=...``
    keeps its spaces)."""
    items = split_pairs(value) if isinstance(value, str) else list(value)
    out: dict[str, str] = {}
    for item in items:
        name, sep, rest = str(item).partition("=")
        what = subject.format(item)
        if not sep:
            raise ConfigError(f"{what} has no '='", expected=expected, field=field)
        if not name.strip():
            raise ConfigError(f"{what} has no {key_words} before '='", expected=expected, field=field)
        if need_value and not rest.strip():
            raise ConfigError(f"{what} has no {value_words} after '='", expected=expected, field=field)
        out[name.strip()] = rest.strip() if strip_values else rest
    return out
