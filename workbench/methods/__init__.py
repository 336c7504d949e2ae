"""The method registry: every method the CLI and the UI can run, by name."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from .base import MethodConfig, Param, Prediction, ProgressEvent, RunContext
from .classifier import Classifier
from .chat import Chat
from .embeddings import EmbedCentroid, EmbedLogReg, EmbedZeroShot
from .local_chat import LocalChat
from .nli import NLIZeroShot
from .seq2seq import Seq2Seq

METHODS: dict[str, type] = {
    m.name: m for m in (Classifier, EmbedLogReg, EmbedCentroid, EmbedZeroShot, NLIZeroShot, Seq2Seq, LocalChat, Chat)
}

__all__ = ["METHODS", "MethodConfig", "Param", "Prediction", "ProgressEvent", "RunContext", "get_method", "resolve_params"]


def get_method(name: str) -> type:
    try:
        return METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method '{name}'", expected="one of " + ", ".join(METHODS), fix="see `workbench methods`") from None


def resolve_params(method: type, given: dict[str, Any]) -> dict[str, Any]:
    """The method's parameters with defaults filled in and CLI strings coerced; unknown names
    refused. A method may settle defaults that come from the environment (``complete_params``),
    so they are part of the run's identity whichever front end started it."""
    known = {p.name: p for p in method.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise ConfigError(f"{method.name} has no parameter {', '.join(unknown)} (its parameters: {names})", fix="see `workbench methods`")
    params = {name: p.coerce(given[name]) if name in given else p.default for name, p in known.items()}
    complete = getattr(method, "complete_params", None)
    return complete(params) if complete else params
