"""Scale out: the prediction phase of a run split over several devices (one worker process per
device, ``--devices``: workbench/device_pool.py, which also spreads the encoding of a train
split) or run on Ray Data (an actor pool, ``--ray``: here).

Either way the runner orders the texts and cuts the batches exactly as it does for one device, the
batches are predicted through the same :class:`~workbench.methods.Method` interface, and each one
comes back to the runner, which commits it to the store as it arrives and counts progress. So a
resume, a cancel and the report work as they do locally, and the predictions are the same as a
single-device run's (the same batches go through the same model in the same dtype): the devices
are not part of the run's identity.

Each worker (or actor) gets the parent's :class:`~workbench.spec.PreparedRun` (picklable data:
the spec, the dataset, the resolved model and parameters; the run id comes with it, so a worker
cannot compute another run), with its own device, loads the method and fits it there, through
:class:`workbench.worker.MethodWorker` (load, fit, predict a batch). A method
that fits on the train split (embed-logreg, embed-centroid) fits in every worker from the train
embeddings the parent already put in the store's embedding cache (same model, device kind and
dtype), so a worker encodes nothing twice and its fit is the parent's, bit for bit; what is
shipped is data, never a model object. Out-of-memory back-off stays in each worker
(``steps.back_off``): the batch it was given is predicted in smaller pieces.

sentence-transformers' ``start_multi_process_pool`` is not used: it serves embedding methods
only, re-cuts the texts into its own chunks (so the batches, and the padding, differ from a
single-device run's) and bypasses the method's embedding cache; the workers here run any local
method.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .errors import DEVICES, RAY, ConfigError, WorkbenchError
from .models import pick_device
from .prefetch import Prefetcher, prefetch_enabled
from .spec import PreparedRun
from .worker import MethodWorker, Predicted, worker_prep

if TYPE_CHECKING:
    from .methods import Prediction, RunContext
    from .store import RunStore

Commit = Callable[[list[int], "list[Prediction]"], None]

POLL_S = 0.2
"""How often the parent looks for a cancel request and dead workers while it waits."""


def resolve_devices(devices: str | None, ray: str | None, runs_locally: bool) -> list[str] | None:
    """``cpu,cpu`` -> ``["cpu", "cpu"]``; ``all`` -> every CUDA device; None -> None (one device,
    in this process). A method that runs no local model (an API) has no devices to split over."""
    if ray and not runs_locally:
        # Its actors would make the requests, and their tokens, cost and answers' log-probabilities
        # would be counted in processes whose counts never reach the report.
        raise ConfigError(
            f"Ray ({ray!r}) given for a method that runs no local model",
            fix="leave Ray out: an API method's parallelism is its concurrency",
            field=RAY,
        )
    if devices is None or not devices.strip():
        return None
    if not runs_locally:
        raise ConfigError(
            f"devices {devices!r} given for a method that runs no local model",
            fix="leave the devices out: an API method's parallelism is its concurrency",
            field=DEVICES,
        )
    text = devices.strip().lower()
    if text == "all":
        import torch  # lazy: only when a model is about to run

        if not torch.cuda.is_available():
            raise ConfigError(
                "devices 'all' asks for every CUDA device but torch sees none",
                fix="name the CPU workers instead, e.g. cpu,cpu (each gets its share of the cores)",
                field=DEVICES,
            )
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    names = [d.strip() for d in text.split(",")]
    if any(not d for d in names):
        raise ConfigError(f"devices {devices!r} has an empty name", expected="a comma-separated list such as cpu,cpu or cuda:0,cuda:1, or all", field=DEVICES)
    out = []
    for name in names:
        if name == "auto":
            raise ConfigError("devices must be named, not auto", expected="cpu, cuda:N or mps, comma-separated", field=DEVICES)
        try:
            found = pick_device(name)
        except WorkbenchError as e:
            raise ConfigError(e.found, expected=e.expected or "a comma-separated list such as cpu,cpu or cuda:0,cuda:1, or all", fix=e.fix, field=DEVICES) from None
        out.append(found)
    cores = _cores()
    if out[0] == "cpu" and len(out) > cores:
        # Each worker loads its own copy of the model and takes its share of the cores: more
        # workers than cores only add memory (64 x cpu on 2 cores: 65 processes, 11 GB and growing).
        raise ConfigError(
            f"devices {devices!r} asks for {len(out)} CPU workers on a machine with {cores} cores",
            expected=f"at most {cores} CPU workers", fix=f"name at most {cores} (e.g. {','.join(['cpu'] * min(cores, 4))})", field=DEVICES,
        )  # fmt: skip
    kinds = {d.split(":")[0] for d in out}
    if len(kinds) > 1:
        # One dtype (part of the identity) and one embedding cache key serve all: one kind of device.
        raise ConfigError(f"devices {devices!r} mix kinds ({', '.join(sorted(kinds))})", expected="devices of one kind: all CPU or all CUDA", field=DEVICES)
    return out


def _cores() -> int:
    """The cores this process may run on (at least 2, so that two CPU workers are always allowed)."""
    import os

    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(2, n)


# ---------------------------------------------------------------- Ray Data (--ray)


RAY_GROUP = 4
"""Runner batches per Ray actor call. An actor sees one call's batches at a time, so within a
call it prepares the next batch on its prefetch thread while the model runs this one (as the
runner and the device workers do); 4 gives 3 of 4 batches prepared ahead, and keeps the calls
small enough that the pool stays balanced and finished batches stream back often."""


class _RayPredictor:
    """A Ray Data actor: loads and fits the method once, then predicts the runner batches of each
    call (one row a batch), preparing the next on its prefetch thread while the model runs one."""

    def __init__(self, prep: PreparedRun, store_path: str | None, batch_size: int):
        self.worker = MethodWorker(prep, store_path, batch_size)
        method = self.worker.load_fitted()
        self.prefetch = Prefetcher(method.prefetches and prefetch_enabled())

    def __call__(self, rows: dict[str, Any]) -> dict[str, Any]:
        n = [int(x) for x in rows["n"]]
        groups = [[str(t) for t in texts] for texts in rows["texts"]]
        out = []
        for i, texts in enumerate(groups):
            # Keyed by the runner's batch number: a batch left prepared by a call that failed is
            # never taken for another.
            following = (n[i + 1], groups[i + 1]) if i + 1 < len(groups) else None
            preds, notes = self.worker.predict_batch(texts, self.prefetch, n[i], following)
            out.append(Predicted(n[i], preds, notes, self.worker.ctx.batch_size).to_json())
        return {"n": n, "out": out}


def import_ray():
    try:
        import ray
        import ray.data  # noqa: F401 -- the Data library comes with the [data] extra only
    except ImportError:
        raise ConfigError(
            "Ray is not installed",
            expected="Ray with its Data library, to run the prediction on Ray",
            fix='install it: pip install "workbench[ray]" (or pip install "ray[data]>=2.9"), or run without Ray',
            field=RAY,
        ) from None
    return ray


def ray_init_args(address: str) -> dict[str, Any]:
    """``ray.init`` arguments for ``--ray``: ``local`` starts a Ray on this machine, ``auto`` joins
    the cluster this machine belongs to, anything else is a cluster's address."""
    text = address.strip()
    if text == "local":
        return {"_node_ip_address": LOOPBACK}
    # The cluster's nodes run this workbench's code (the actors unpickle its PreparedRun), not
    # whatever version they may have installed.
    return {"address": text, "runtime_env": {"py_modules": [str(Path(__file__).resolve().parent)]}}


LOOPBACK = "127.0.0.1"
"""A local Ray's node address: its processes talk over loopback, reachable from no other machine."""

RAY_REACH_S = 3.0
"""How long a cluster address has to accept a TCP connection before the run is refused."""


def check_ray_reachable(address: str) -> None:
    """Refuse a cluster address that nothing answers at (a ConfigError in a few seconds): given an
    address with nothing listening, ``ray.init`` retries for a minute or more before it fails.
    ``host:port`` is a head's GCS (port 6379 when left out), ``ray://host:port`` a Ray Client
    server (10001); ``local`` and ``auto`` are Ray's own to find."""
    import socket
    from urllib.parse import urlsplit

    text = address.strip()
    if text in ("local", "auto"):
        return
    parts = urlsplit(text if "://" in text else "//" + text)
    try:
        host, port = parts.hostname, parts.port or (10001 if parts.scheme == "ray" else 6379)
    except ValueError:
        host = None
    if not host or parts.scheme not in ("", "ray"):
        raise ConfigError(f"{address!r} is not a Ray address", expected="host:port, ray://host:port, auto or local", field=RAY)
    fix = "start a Ray head there (ray start --head) or name the right address; 'local' starts a Ray on this machine, or run without Ray"
    try:
        with socket.create_connection((host, port), timeout=RAY_REACH_S):
            pass
    except TimeoutError:
        raise ConfigError(f"nothing answered at {host}:{port} (Ray at {address!r}) within {RAY_REACH_S:g} s", expected="a running Ray head at that address", fix=fix, field=RAY) from None
    except OSError as e:
        raise ConfigError(f"nothing answers at {host}:{port} (Ray at {address!r}: {e.strerror or e})", expected="a running Ray head at that address", fix=fix, field=RAY) from None


def init_ray(address: str) -> None:
    """``ray.init`` for ``--ray ADDRESS``; a ConfigError naming the address when it fails."""
    import ray

    check_ray_reachable(address)
    args = ray_init_args(address)
    try:
        with _loopback_node(args.get("_node_ip_address") == LOOPBACK):
            ray.init(**args, include_dashboard=False, log_to_driver=False)
    except Exception as e:
        raise ConfigError(f"cannot start or reach Ray at {address!r} ({type(e).__name__}: {str(e)[:200]})", expected="a Ray address, auto (this machine's cluster) or local", field=RAY) from None


@contextmanager
def _loopback_node(on: bool) -> Iterator[None]:
    """Ray turns a node address of 127.0.0.1 into the machine's outward address (so that other
    nodes can join) unless clusters are off, as they are on macOS and Windows
    (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER``, read once at import). A local Ray has no other nodes:
    clusters are off while it starts, so it stays on loopback."""
    if not on:
        yield
        return
    from ray._private import ray_constants

    saved = ray_constants.ENABLE_RAY_CLUSTER
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved


def predict_on_ray(prep: PreparedRun, ctx: "RunContext", batches: list[list[int]], commit: Commit, store: "RunStore") -> None:
    """Predict ``batches`` as Ray Data ``map_batches`` over an actor pool (one actor per device
    of ``prep.devices``, else one; each loads the model once) and stream the finished batches
    back (``iter_batches``) to ``commit``. One row is one runner batch, so the batches and the
    predictions are a single-device run's; an actor call takes ``RAY_GROUP`` of them."""
    ray = import_ray()
    if not batches:
        return
    started_here = False
    if not ray.is_initialized():
        init_ray(prep.spec.ray or "local")
        started_here = True
    try:
        devices = prep.devices or [prep.device]
        gpu = devices[0].startswith("cuda")
        # Under Ray an actor sees only the GPU it was given, as cuda:0.
        actor_prep = worker_prep(prep, "cuda" if gpu else devices[0])
        texts = prep.dataset.eval.texts
        rows = [{"n": n, "texts": [texts[i] for i in idx]} for n, idx in enumerate(batches)]
        ds = ray.data.from_items(rows, override_num_blocks=-(-len(rows) // RAY_GROUP))
        out = ds.map_batches(
            _RayPredictor, batch_size=RAY_GROUP, batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=len(devices)), num_gpus=1 if gpu else 0,
            num_cpus=1, fn_constructor_kwargs={"prep": actor_prep, "store_path": str(store.path) if store is not None else None, "batch_size": ctx.batch_size},
        )  # fmt: skip
        ctx.notes.append(f"predicted on Ray Data ({prep.spec.ray}): {len(devices)} actor(s) on {', '.join(devices)}")
        pending = set(range(len(batches)))
        for got in out.iter_batches(batch_size=1, batch_format="numpy", prefetch_batches=1):
            ctx.check_cancelled()
            for blob in got["out"]:
                answer = Predicted.from_json(str(blob))
                for note in answer.notes:
                    if note not in ctx.notes:
                        ctx.notes.append(f"{note} (Ray actor)")
                ctx.batch_size = min(ctx.batch_size, answer.batch_size)
                if answer.n in pending:
                    pending.discard(answer.n)
                    commit(batches[answer.n], answer.predictions)
        if pending:
            raise RuntimeError(f"Ray returned no predictions for {len(pending)} batches")
    except Exception as e:
        if isinstance(e, WorkbenchError):
            raise
        cause = _workbench_cause(e)
        if cause is not None:
            raise cause from None
        raise
    finally:
        if started_here:
            ray.shutdown()


def _workbench_cause(e: BaseException) -> WorkbenchError | None:
    """The WorkbenchError an actor raised, out of Ray's wrapping of it (the user's fix is in it)."""
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, WorkbenchError):
            return e
        inner = getattr(e, "cause", None)
        e = inner if isinstance(inner, BaseException) else e.__cause__  # type: ignore[assignment]
        seen += 1
    return None
