"""What an engine keeps in memory between runs: loaded models (bounded by memory per device, see
kept.py), fitted methods, and measured token lengths. One :class:`Caches` belongs to one
:class:`workbench.engine.Engine`; nothing here is a module global, so two engines (two tests, a
CLI process and a UI) never share or clear each other's."""

from __future__ import annotations

import json

from .kept import KeptModels, ModelKey
from .models import RecentCache


class Caches:
    """``models``: loaded models, so iterating on label texts or a prompt never reloads one.
    ``fitted``: methods already loaded and fitted, by everything that determines the fit (train
    data, method, model, parameters, device), so a re-run that changes only the evaluated split,
    or 'Try it' after a run, fits nothing again. ``lengths``: token lengths of an evaluated split
    per tokenizer, so a re-run that edits label texts does not tokenize the split again."""

    def __init__(self, *, models: int = 4, fitted: int = 3, lengths: int = 8):
        self.models = KeptModels(size=models)
        self.fitted = RecentCache(size=fitted)
        self.lengths = RecentCache(size=lengths)
        # A model let go to stay within the memory budget must not stay held by a fitted method
        # on it, or its memory is not freed.
        self.models.on_drop.append(self._forget_fitted)

    def _forget_fitted(self, model: ModelKey) -> None:
        def on_model(key: object) -> bool:
            parts = json.loads(str(key))
            if parts.get("model") == model.identity and parts.get("device") == model.device:
                return True
            # a fitted method may hold another model of its own (Method.holds_models: a prompt
            # method's knn few-shot embedder): let go of it on any drop of that kind (at worst it
            # is fitted again)
            return model.kind in (parts.get("holds") or ())

        self.fitted.drop(on_model)

    def clear(self) -> None:
        self.fitted.clear()
        self.models.clear()
        self.lengths.clear()
