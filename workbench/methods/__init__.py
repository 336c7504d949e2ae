"""Classification methods: the contract (base.py), the registry (registry.py), and one module per
method, each registering its class with ``@register``. Every module of this package is imported
here, so a method added as a new file is known to the CLI, the UI and the tests with no other edit."""

from __future__ import annotations

import importlib
import pkgutil

# The lesson's methods first, in the lesson's order (the order of `workbench methods` and the UI's
# list); then whatever other module the package holds, found by name.
from . import chat, classifier, embeddings, local_chat, nli, seq2seq  # noqa: E402,F401,I001
from .base import Estimate, Method, MethodConfig, Param, Prediction, Preview, ProgressEvent, RunContext
from .registry import METHODS, MethodRegistry, register, resolve_params

_INFRASTRUCTURE = {"base", "registry", "prompting"}
for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _INFRASTRUCTURE and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

get_method = METHODS.get_method

__all__ = [
    "METHODS", "Estimate", "Method", "MethodConfig", "MethodRegistry", "Param", "Prediction", "Preview",
    "ProgressEvent", "RunContext", "get_method", "register", "resolve_params",
]  # fmt: skip
