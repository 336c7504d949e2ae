"""What calls to a paid chat API cost: a price table the user can extend, and a rough token count.

Prices are US dollars per million tokens (input, output), as OpenAI listed them in 2025; they
change, so check them. Extend or override the table with a JSON file named by the chat method's
``price_file`` parameter or ``$WORKBENCH_PRICES``: ``{"my-model": [0.2, 0.8], ...}``. A model
the table does not know gets token counts but no cost.

Tokens are counted with tiktoken when it is installed (an optional dependency), else by the rough
rule of one token per four characters plus four per message; the estimate says which it used.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from .errors import ConfigError, param

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-3.5-turbo": (0.50, 1.50),
}


PRICE_FORM = 'JSON like {"model": [input_usd_per_million, output_usd_per_million]}'


def price_table(price_file: str | None = None) -> dict[str, tuple[float, float]]:
    table = dict(PRICES_PER_MILLION)
    path = price_file or os.environ.get("WORKBENCH_PRICES")
    if path:
        try:
            extra = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
            read = {str(k): (float(v[0]), float(v[1])) for k, v in extra.items()}
        except (OSError, ValueError, TypeError, IndexError, AttributeError) as e:
            raise ConfigError(f"cannot read the price file {path} ({type(e).__name__})", expected=PRICE_FORM, field=param("price_file")) from None
        for model, prices in read.items():
            # A negative price would subtract from the cost, NaN make it NaN: neither is a price.
            if not all(math.isfinite(p) and p >= 0 for p in prices):
                raise ConfigError(
                    f"the price file {path} gives model {model[:80]!r} the prices {list(prices)}", expected="two prices of 0 or more (US dollars per million tokens)",
                    fix="correct that entry", field=param("price_file"),
                )  # fmt: skip
        table.update(read)
    return table


def model_price(model: str, price_file: str | None = None) -> tuple[float, float] | None:
    """Exact name first, then the longest known prefix (dated snapshots like gpt-4o-mini-2024-07-18)."""
    table = price_table(price_file)
    if model in table:
        return table[model]
    prefixes = sorted((k for k in table if model.startswith(k + "-")), key=len, reverse=True)
    return table[prefixes[0]] if prefixes else None


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int, price_file: str | None = None) -> float | None:
    price = model_price(model, price_file)
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


class TokenCounter:
    """Tokens of chat messages: tiktoken's encoding for the model when installed, else ~chars/4."""

    def __init__(self, model: str):
        self.encoding = None
        try:
            import tiktoken  # optional

            try:
                self.encoding = tiktoken.encoding_for_model(model)
            except KeyError:
                self.encoding = tiktoken.get_encoding("o200k_base")
            self.rule = f"tiktoken ({self.encoding.name})"
        except Exception:  # not installed, or its encoding files are not cached offline
            self.rule = "rough rule: 1 token per 4 characters + 4 per message (tiktoken not installed)"

    def count(self, messages: list[dict[str, str]]) -> int:
        total = 3  # the reply's priming
        for m in messages:
            content = m.get("content") or ""
            total += 4 + (len(self.encoding.encode(content)) if self.encoding else (len(content) + 3) // 4)
        return total
