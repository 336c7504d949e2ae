"""Which floating-point type a local model runs in, and how big its batches are.

``auto`` takes reduced precision only where it is both fast and safe: bfloat16 on CUDA devices
that support it and on CPUs with bfloat16 matrix instructions (AMX or AVX512-BF16); float32
everywhere else. Without those instructions a bfloat16 matrix product is emulated and runs several
times *slower* than float32 (measured on an AVX2-only CPU: 14.5 vs 130 GFLOP/s), so ``auto`` never
picks it there. float16 on CUDA is only chosen when bfloat16 is not available and the method says
it tolerates float16's range (T5 overflows in float16, so seq2seq does not).

The chosen type is part of a run's identity: a float32 and a bfloat16 run are different runs.

``$WORKBENCH_CPU_BF16`` overrides the CPU detection: ``1`` says "this CPU has fast bfloat16", ``0``
says it has not, unset (or empty) detects it. It is read on every call, so tests can exercise both
branches of ``auto`` on any machine, and a user can keep ``auto`` off bfloat16 on a CPU whose
detection they do not trust. Any other value is an error.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from .errors import DTYPE, ConfigError

DTYPES = ("auto", "float32", "bfloat16", "float16")
ENV_CPU_BF16 = "WORKBENCH_CPU_BF16"


def cpu_has_fast_bf16() -> bool:
    """True when the CPU multiplies bfloat16 matrices in hardware (AMX tiles or AVX512-BF16), or
    what ``$WORKBENCH_CPU_BF16`` says (``1``/``0``) when it is set. The override is read on every
    call; only the detection is cached."""
    forced = os.environ.get(ENV_CPU_BF16, "").strip()
    if forced:
        if forced not in ("0", "1"):
            raise ConfigError(f"${ENV_CPU_BF16} is '{forced}'", expected="1 (fast bfloat16), 0 (none) or unset (detect)")
        return forced == "1"
    return detect_cpu_fast_bf16()


@lru_cache(maxsize=1)
def detect_cpu_fast_bf16() -> bool:
    """What the hardware says, probed once: AMX tiles or AVX512-BF16 (``$WORKBENCH_CPU_BF16`` aside)."""
    import torch

    cpu = getattr(torch, "cpu", None)
    for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        fn = getattr(cpu, probe, None)
        try:
            if fn is not None and fn():
                return True
        except Exception:  # a private probe that changed shape: fall back to /proc/cpuinfo
            break
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = f.read()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def check_dtype(requested: str | None) -> str:
    req = (requested or "auto").lower()
    aliases = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "half": "float16"}
    req = aliases.get(req, req)
    if req not in DTYPES:
        raise ConfigError(f"unknown dtype '{requested}'", expected="auto, float32, bfloat16 or float16", field=DTYPE)
    return req


def resolve_dtype(requested: str | None, device: str, *, float16_ok: bool = True) -> str:
    """The dtype a run on ``device`` uses: the user's choice, or the automatic rule above."""
    req = check_dtype(requested)
    kind = device.split(":")[0]
    if req == "auto":
        if kind == "cuda":
            import torch

            if torch.cuda.is_bf16_supported():
                return "bfloat16"
            return "float16" if float16_ok else "float32"
        if kind == "cpu" and cpu_has_fast_bf16():
            return "bfloat16"
        return "float32"
    if req == "float16" and kind == "cpu":
        raise ConfigError("float16 on the CPU is slow and not supported by every operation", fix="use bfloat16 or float32 on the CPU", field=DTYPE)
    return req


def torch_dtype(name: str):
    import torch

    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


# Examples per batch when the user gives none. A GPU wants large batches to stay busy (on an
# H100, SmolLM2-135M-sized generation went from 94 to 291 examples/s from batch 64 to 256, and
# flan-t5-small-sized scoring from 192 to 545); the runner halves a batch that runs out of memory,
# so a large default cannot crash a run. Prompt methods hold a prompt and, generating, a key/value
# cache per example: on Apple's shared memory they get smaller batches.
DEFAULT_BATCH = {"cpu": 32, "mps": 64, "cuda": 256}
DEFAULT_PROMPT_BATCH = {"cpu": 32, "mps": 32, "cuda": 256}


def default_batch_size(method_cls: Any, device: str, params: dict | None = None) -> int:
    """The batch size of a run whose user gave none: the method's ``auto_batch_size`` hook (whose
    default reads the method's ``batch_sizes`` table, DEFAULT_BATCH unless it says otherwise)."""
    return int(method_cls.auto_batch_size(params or {}, device))


def is_out_of_memory(exc: BaseException) -> bool:
    """A device out-of-memory error, from whichever library raised it."""
    name = type(exc).__name__
    if name in ("OutOfMemoryError", "MemoryError"):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def release_memory(device: str) -> None:
    """Give cached device memory back before a retry with smaller batches."""
    import gc

    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
