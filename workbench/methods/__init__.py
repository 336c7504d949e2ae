"""Classification methods: the contract (base.py), the registry (registry.py), and one module per
method, each registering its class with ``@register``. Every module of this package is imported
here, so a method added as a new file is known to the CLI, the UI and the tests with no other edit."""

from __future__ import annotations

import importlib
import pkgutil

from .base import Estimate, Method, MethodConfig, Param, Phase, Prediction, Preview, ProgressEvent, RunContext
from .registry import METHODS, MethodRegistry, identity_params, reads_train, register, resolve_params

# The lesson's methods first, in the lesson's order (the order of `workbench methods` and the UI's
# list); then whatever other module the package holds, found by name. Imported one by one, in this
# order, because a module imports the ones it builds on (chat -> local_chat -> seq2seq).
LESSON_ORDER = ("classifier", "embeddings", "nli", "seq2seq", "local_chat", "chat")
_INFRASTRUCTURE = {"base", "registry", "prompting", "training"}
_found = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _INFRASTRUCTURE and not m.name.startswith("_"))
for _name in [*LESSON_ORDER, *(n for n in _found if n not in LESSON_ORDER)]:
    importlib.import_module(f"{__name__}.{_name}")

get_method = METHODS.get_method

__all__ = [
    "METHODS", "Estimate", "Method", "MethodConfig", "MethodRegistry", "Param", "Phase", "Prediction", "Preview",
    "ProgressEvent", "RunContext", "get_method", "identity_params", "reads_train", "register", "resolve_params",
]  # fmt: skip
