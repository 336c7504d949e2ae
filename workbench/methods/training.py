"""What the methods that fine-tune a model share (``setfit``, ``finetune``): the seeded per-class
sample of the train split, the training key, the artifact loaded instead of training again
(workbench/artifacts.py), training as a phase with a loss per step, and out-of-memory in training
told as an error on the training batch size (part of the key: never halved silently)."""

from __future__ import annotations

import time
from abc import abstractmethod
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..artifacts import artifact_key, find_artifact, save_artifact, train_fingerprint, training_versions
from ..errors import ConfigError, WorkbenchError, param
from ..precision import is_out_of_memory
from .base import Method, Param, RunContext

TRAINING = "training"
"""The phase name of a training: ``done``/``total`` are optimiser steps, with the loss."""


def per_class_param() -> Param:
    return Param("per_class", None, "train on a seeded sample of this many train examples per class (all when unset)", "int")


def seed_param() -> Param:
    return Param("seed", 0, "seed of the per-class sample, the head's initialisation and the batch order", "int")


def sample_per_class(labels: Sequence[int], per_class: int | None, seed: int) -> list[int]:
    """Indices of a seeded sample of at most ``per_class`` rows of each class, in split order
    (all rows when ``per_class`` is None). Each class is drawn on its own generator (seed, class),
    so a larger sample of one seed holds the smaller one: a learning curve adds rows, never swaps them."""
    y = np.asarray(labels)
    if per_class is None:
        return list(range(len(y)))
    chosen: list[int] = []
    for c in sorted(set(y.tolist())):
        rows = np.flatnonzero(y == c)
        rng = np.random.default_rng([seed, int(c)])
        chosen += rows[rng.permutation(len(rows))[:per_class]].tolist()
    return sorted(chosen)


def autocast(ctx: RunContext) -> Any:
    """Mixed precision for a training on a half-precision run: the weights stay float32 (and so
    does the artifact), the matrix products run in the run's dtype, as chosen for inference."""
    if ctx.dtype == "float32":
        return nullcontext()
    import torch

    from ..precision import torch_dtype

    return torch.autocast(device_type=ctx.device.split(":")[0], dtype=torch_dtype(ctx.dtype))


class FineTuned(Method):
    """A method whose fit trains a model: it is kept as an artifact, and a fit with the same key
    loads it. Subclasses train (:meth:`train`), write the model to a folder (:meth:`write`) and
    read one back (:meth:`read`); :meth:`fit` does the rest."""

    fit_reads_texts = True
    training_params: tuple[str, ...] = ()
    """The parameters that determine the training (all of them, usually): part of the key."""

    @classmethod
    def uses_train(cls, params) -> bool:
        return True

    def validate(self) -> None:
        p = self.config.params
        positive = [n for n in ("per_class", "epochs", "batch_size", "num_iterations", "max_length") if n in p and p[n] is not None]
        for name in positive:
            if not isinstance(p[name], int) or isinstance(p[name], bool) or p[name] < 1:
                raise ConfigError(f"{name}={p[name]!r} given", expected="a whole number >= 1", field=param(name))
        if "learning_rate" in p and not (isinstance(p["learning_rate"], (int, float)) and 0 < p["learning_rate"] < 1):
            raise ConfigError(f"learning_rate={p['learning_rate']!r} given", expected="a number between 0 and 1 (e.g. 2e-5)", field=param("learning_rate"))

    def load(self, ctx: RunContext) -> None:
        """Nothing is kept loaded: each fit starts from a fresh copy of the base model (training
        changes the weights, so the engine's shared copy must not be trained)."""
        assert self.config.model is not None  # the runner resolves the model before load

    def training_identity(self, texts: list[str], labels: list[int], ctx: RunContext) -> dict[str, Any]:
        assert self.config.model is not None
        p = self.config.params
        return {
            "method": self.name,
            "base_model": self.config.model.identity,
            "params": {k: p[k] for k in self.training_params},
            "train": train_fingerprint(texts, labels, self.config.label_names),
            "labels": self.config.label_names,
            "device": ctx.device.split(":")[0],
            "dtype": ctx.dtype,
            "versions": training_versions(),
        }

    def fit(self, texts, labels, ctx: RunContext) -> "FineTuned":
        p = self.config.params
        rows = sample_per_class(labels, p.get("per_class"), p["seed"])
        x, y = [texts[i] for i in rows], [int(labels[i]) for i in rows]
        identity = self.training_identity(x, y, ctx)
        key = artifact_key(identity)
        store = ctx.cache
        self.train_examples_ = len(x)
        self.key_ = key
        self.last_loss_: float | None = None
        found = find_artifact(store, key) if store is not None else None
        if found is not None:
            ctx.progress("loading fine-tuned model", 0, 1)
            self.read(found.path, ctx)
            ctx.progress("loading fine-tuned model", 1, 1)
            self.artifact_: Path | None = found.path
            self.trained_ = False
            return self
        t = time.perf_counter()
        ctx.progress(TRAINING, 0, None)
        try:
            with autocast(ctx):
                self.train(x, y, ctx)
        except (KeyboardInterrupt, WorkbenchError):
            raise
        except Exception as e:
            if is_out_of_memory(e):
                raise WorkbenchError(
                    f"out of memory on {ctx.device} training with batch_size={p['batch_size']} ({type(e).__name__})",
                    fix="lower the batch_size parameter (it is part of what the training is, so it is not halved for you), or run on the CPU",
                    field=param("batch_size"),
                ) from None
            raise
        fit_s = time.perf_counter() - t
        self.trained_ = True
        self.artifact_ = None
        if store is not None and not store.read_only:
            assert self.config.model is not None
            self.artifact_ = save_artifact(store, key, self.name, self.config.model.identity, identity, self.write, fit_s)
        self.ready(ctx)
        return self

    @abstractmethod
    def train(self, texts: list[str], labels: list[int], ctx: RunContext) -> None:
        """Train on the sample (a fresh copy of the base model), reporting each step with
        ``ctx.progress(TRAINING, step, steps, loss=...)`` and seeing a cancel request each step."""

    @abstractmethod
    def write(self, folder: Path) -> None:
        """Save the trained model as a plain HF / sentence-transformers folder."""

    @abstractmethod
    def read(self, folder: Path, ctx: RunContext) -> None:
        """Load an artifact folder, ready to predict in the run's dtype."""

    def ready(self, ctx: RunContext) -> None:  # noqa: B027 -- an optional step
        """After training: make the trained model ready to predict as :meth:`read` would."""

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "train_examples": self.train_examples_,
            "artifact": str(self.artifact_) if self.artifact_ else "not kept (no writable run store)",
            "artifact_key": self.key_,
            "trained": "in this fit" if self.trained_ else "loaded from the artifact (trained before, same key)",
        }
        if self.last_loss_ is not None:
            out["final_train_loss"] = round(self.last_loss_, 6)
        return out
