"""Models kept loaded between runs in one process (the TUI), within a memory budget per device.

Iterating on label texts or a prompt must never reload a model, but switching models must not
keep every model ever used either: two 7B models in bfloat16 hold 28 GB. So kept models are
counted in bytes (their parameters and buffers) against a budget per device, half the machine's
RAM or half the GPU's memory unless ``$WORKBENCH_MODEL_MEMORY_GB`` says otherwise. Before a model
is loaded, the least recently used ones on its device are let go until its weights (their size
on disk) fit beside the rest; after it is loaded, its real size is counted. The model in use is
always kept, however large: the budget bounds what is kept *beside* it.

Letting a model go only frees its memory when nothing else holds it: the runner drops its fitted
methods on that model through ``on_drop`` (see runner.FITTED).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable, NamedTuple

ENV_BUDGET = "WORKBENCH_MODEL_MEMORY_GB"


class ModelKey(NamedTuple):
    """What a loaded model is kept under: everything that makes two loads of it differ."""

    kind: str
    """What was loaded: a sentence-transformer, a pipeline task, an AutoModel class."""
    location: str
    identity: str
    device: str
    dtype: str


def memory_budget(device: str) -> int:
    """Bytes that kept models may hold on ``device``."""
    env = os.environ.get(ENV_BUDGET, "").strip()
    if env:
        try:
            gib = float(env)
        except ValueError:
            gib = -1.0
        if not gib >= 0:  # NaN too
            from .errors import ConfigError

            raise ConfigError(f"${ENV_BUDGET}={env!r} is not a size in GB", expected="a number such as 8 or 0.5", fix=f"unset {ENV_BUDGET} for half the memory")
        return int(gib * 2**30)
    if device.startswith("cuda") and "torch" in sys.modules:
        import torch

        index = int(device.split(":")[1]) if ":" in device else torch.cuda.current_device()
        return torch.cuda.get_device_properties(index).total_memory // 2
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def weights_on_disk(location: str) -> int:
    """Bytes of the weight files torch will load from a model folder (0 when it is not a local
    folder): what a load is about to take, before it happens. Hub folders often hold the same
    weights twice (safetensors and a legacy .bin) plus other runtimes' copies (onnx/, .h5):
    safetensors count when there are any, else the .bin/.pt files."""
    folder = Path(location)
    if not folder.is_dir():
        return 0
    for suffixes in ((".safetensors",), (".bin", ".pt", ".pth")):
        files = [p for p in folder.rglob("*") if p.suffix in suffixes and "onnx" not in p.parts and p.is_file()]
        if files:
            return sum(p.stat().st_size for p in files)
    return 0


def model_bytes(obj: Any) -> int:
    """Bytes of the parameters and buffers of the torch modules in ``obj``: a module, a pipeline
    (its ``.model``), or a tuple such as (tokenizer, model)."""
    if "torch" not in sys.modules:
        return 0
    import torch

    if isinstance(obj, (tuple, list)):
        return sum(model_bytes(o) for o in obj)
    module = obj if isinstance(obj, torch.nn.Module) else getattr(obj, "model", None)
    if not isinstance(module, torch.nn.Module):
        return 0
    tensors = {id(t): t for t in (*module.parameters(), *module.buffers())}  # tied weights once
    return sum(t.numel() * t.element_size() for t in tensors.values())


class KeptModels:
    """Loaded models by key, least recently used first out, bounded per device by ``budget(device)``
    bytes and by ``size`` entries in all."""

    def __init__(
        self, size: int = 4, *, budget: Callable[[str], int] = memory_budget,
        measure: Callable[[Any], int] = model_bytes, estimate: Callable[[ModelKey], int] = lambda key: weights_on_disk(key.location),
    ):  # fmt: skip
        self.size = size
        self.budget = budget
        self.measure = measure
        self.estimate = estimate
        self.on_drop: list[Callable[[ModelKey], None]] = []
        self._items: dict[ModelKey, Any] = {}
        self._bytes: dict[ModelKey, int] = {}
        # The UI's workers (a run, 'Try it') may ask at once: one load at a time, so the same
        # model is never loaded twice and the budget is counted over what is really there.
        self._lock = threading.RLock()

    def get(self, key: ModelKey, load: Callable[[], Any]) -> Any:
        """The model under ``key``, made by ``load()`` when it is not kept."""
        with self._lock:
            return self._get(key, load)

    def _get(self, key: ModelKey, load: Callable[[], Any]) -> Any:
        if key in self._items:
            self._items[key] = self._items.pop(key)  # most recent last
            return self._items[key]
        self._make_room(key.device, self.estimate(key), keep=None)
        obj = load()
        self._items[key] = obj
        self._bytes[key] = self.measure(obj)
        self._make_room(key.device, 0, keep=key)
        while len(self._items) > self.size:
            self._drop(next(k for k in self._items if k != key))
        return obj

    def kept_bytes(self, device: str) -> int:
        return sum(n for k, n in self._bytes.items() if k.device == device)

    def keys(self) -> list[ModelKey]:
        return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes.clear()

    def _make_room(self, device: str, incoming: int, keep: ModelKey | None) -> None:
        """Let the least recently used models on ``device`` go until ``incoming`` more bytes fit."""
        budget = self.budget(device)
        while self.kept_bytes(device) + incoming > budget:
            victims = [k for k in self._items if k.device == device and k != keep]
            if not victims:
                return
            self._drop(victims[0])

    def _drop(self, key: ModelKey) -> None:
        self._items.pop(key, None)
        self._bytes.pop(key, None)
        for listener in self.on_drop:
            listener(key)
        from .precision import release_memory

        release_memory(key.device)
