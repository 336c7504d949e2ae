"""What distinguishes a run from another of the same method: the parameters it set away from the
method's defaults (label texts, a prompt excerpt, few-shot) and its dtype, abbreviated to fit one
line. The CLI's ``runs`` and the TUI's history show it, so two zero-shot runs that differ only in
their label texts no longer look identical."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import StoredRun

EXCERPT = 28
"""Characters kept of one text (a label text, a prompt) in a run's description."""

ENV_PARAMS = ("base_url", "api_key_file", "price_file")
"""Parameters that say where or how a run was made, not what it computed: never shown."""


def _short(text: str, width: int = EXCERPT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "|".join(_short(v, EXCERPT // 2 if len(value) > 2 else EXCERPT) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={_short(v, 12)}" for k, v in value.items())
    return _short(value)


def changed_params(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` less those equal to the method's default (all of them for an unknown method)."""
    from .methods import METHODS

    cls = METHODS.get(method)
    defaults = {p.name: p.default for p in cls.params} if cls is not None else {}
    return {k: v for k, v in params.items() if k not in ENV_PARAMS and (k not in defaults or v != defaults[k])}


def describe_run(run: StoredRun) -> str:
    """``labels=A very negative…|A very positive…  few_shot=4  bfloat16``: what sets this run apart."""
    parts = [f"{k}={_value(v)}" for k, v in changed_params(run.method, dict(run.config.params or {})).items()]
    dtype = (run.config.identity or {}).get("dtype")
    if dtype and dtype != "n/a":
        parts.append(str(dtype))
    return "  ".join(parts)
