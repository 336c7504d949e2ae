"""Scale out (workbench/scaleout.py): a run split over two CPU worker processes (``--devices
cpu,cpu``) gives the single-device run's predictions under the same run id, and a multi-device CLI
run killed with SIGKILL leaves no worker computing and resumes like a local one; Ray Data (``--ray``)
gives them too, when Ray is installed, and a killed Ray run leaves no actor and resumes the same way.
A method that fits on the train split has the workers encode it, and fits as one device does.
Every test that starts a Ray is in this file: the suite's parallel workers take whole files
(``--dist loadfile``), so no two local Rays start at once."""

import json
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from conftest import RT_DIR, write_jsonl
from test_interrupt import env, stored, wait_until

from workbench.cli_fields import cli_message
from workbench.data import DataSpec
from workbench.errors import DEVICES, RAY, ConfigError, WorkerError
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

REPO = Path(__file__).resolve().parent.parent
RT = RT_DIR
N = 240
BATCH = 8

pytestmark = [pytest.mark.integration, pytest.mark.skipif(not (RT / "test.jsonl").exists(), reason="the Rotten Tomatoes copy is not here")]


@pytest.fixture(scope="module")
def rt_data(tmp_path_factory) -> str:
    """N Rotten Tomatoes test reviews, both classes (the file is sorted by label)."""
    lines = (RT / "test.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines[:: max(1, len(lines) // N)][:N]]
    d = tmp_path_factory.mktemp("rt")
    write_jsonl(d / "test.jsonl", rows)
    (d / "labels.json").write_text((RT / "labels.json").read_text())
    return str(d)


def spec(data: str, **kw) -> RunSpec:
    return RunSpec(data=DataSpec(data), method="embed-zeroshot", model="all-MiniLM-L6-v2", dtype="float32", device="cpu", batch_size=BATCH, **kw)


@pytest.fixture(scope="module")
def reference(rt_data, tmp_path_factory):
    """The single-device run: its id and predictions by example."""
    store = RunStore(tmp_path_factory.mktemp("ref") / "s.sqlite")
    prep = prepare(spec(rt_data))
    out = execute(prep, store)
    assert out.status == "done"
    return prep.run_id, {p.idx: p for p in store.predictions(prep.run_id)}


def same_predictions(store: RunStore, run_id: str, reference) -> None:
    ref_id, ref = reference
    assert run_id == ref_id  # the devices are not part of the identity
    got = {p.idx: p for p in store.predictions(run_id)}
    assert sorted(got) == sorted(ref) == list(range(N))
    for i, p in got.items():
        assert p.pred == ref[i].pred, i
        assert p.scores == pytest.approx(ref[i].scores, abs=1e-6), i
        assert (p.row, p.row_id, p.tokens) == (ref[i].row, ref[i].row_id, ref[i].tokens) == (i, None, ref[i].tokens), i  # rows survive scale-out and resume


def test_two_cpu_workers_give_the_single_device_predictions(rt_data, reference, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    prep = prepare(spec(rt_data, devices="cpu,cpu"))
    assert prep.devices == ["cpu", "cpu"] and prep.run_id == reference[0]
    phases = []
    out = execute(prep, store, on_progress=lambda e: phases.append((e.phase, e.done)))
    assert out.status == "done", out.error
    same_predictions(store, prep.run_id, reference)
    assert ("starting workers", 2) in phases and ("predicting", N) in phases
    predicted = [done for phase, done in phases if phase == "predicting"]
    assert predicted == sorted(predicted) and len(predicted) >= N // BATCH  # one step per committed batch
    assert out.report is not None and out.report.n == N


@pytest.fixture(scope="module")
def rt_fit_data(tmp_path_factory) -> str:
    """Rotten Tomatoes with a train split: 320 train and 120 test reviews, both classes."""
    d = tmp_path_factory.mktemp("rt-fit")
    for split, n in (("train", 320), ("test", 120)):
        lines = (RT / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        write_jsonl(d / f"{split}.jsonl", [json.loads(line) for line in lines[:: max(1, len(lines) // n)][:n]])
    (d / "labels.json").write_text((RT / "labels.json").read_text())
    return str(d)


def test_two_cpu_workers_encode_the_train_split_and_fit_as_one_device_does(rt_fit_data, tmp_path, monkeypatch):
    import torch

    from workbench.methods.embeddings import _EmbeddingMethod

    logreg = partial(RunSpec, data=DataSpec(rt_fit_data), method="embed-logreg", model="all-MiniLM-L6-v2", dtype="float32", device="cpu", batch_size=BATCH)
    one, threads = RunStore(tmp_path / "one.sqlite"), torch.get_num_threads()
    # The one-device run with the threads each of the two workers gets: a CPU's sums depend on the
    # thread count in the last digits, and a logistic regression carries them into its scores.
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // 2))
    try:
        assert execute(prepare(logreg()), one).status == "done"
    finally:
        torch.set_num_threads(threads)
    ref = {p.idx: p for p in one.predictions(prepare(logreg()).run_id)}

    ran_here = []
    real = _EmbeddingMethod._run_model
    monkeypatch.setattr(_EmbeddingMethod, "_run_model", lambda self, parts, ctx: ran_here.append(len(parts)) or real(self, parts, ctx))
    store, phases = RunStore(tmp_path / "two.sqlite"), []
    prep = prepare(logreg(devices="cpu,cpu"))
    out = execute(prep, store, on_progress=lambda e: phases.append((e.phase, e.done, e.total)))
    assert out.status == "done", out.error
    assert ran_here == []  # this process encoded nothing: the workers encoded the train split, then predicted
    encoding = [(done, total) for phase, done, total in phases if phase == "encoding train"]
    assert encoding[0] == (0, 320) and encoding[-1] == (320, 320) and len(encoding) > 320 // BATCH
    assert "train split encoded by 2 worker processes, one per device (cpu, cpu)" in out.report.notes
    got = {p.idx: p for p in store.predictions(prep.run_id)}
    assert sorted(got) == sorted(ref) == list(range(120))
    for i, p in got.items():  # the fit is the one-device fit, to the last digit
        assert (p.pred, p.scores) == (ref[i].pred, ref[i].scores), i


def test_a_cancel_while_the_workers_encode_the_train_split_stops_them(rt_fit_data, tmp_path):
    import multiprocessing
    import threading

    cancel = threading.Event()

    def on_progress(e):
        if e.phase == "encoding train" and e.done > 0:
            cancel.set()

    prep = prepare(RunSpec(DataSpec(rt_fit_data), "embed-logreg", model="all-MiniLM-L6-v2", dtype="float32", device="cpu", batch_size=BATCH, devices="cpu,cpu"))
    out = execute(prep, RunStore(tmp_path / "s.sqlite"), on_progress=on_progress, cancel_event=cancel)
    assert out.status == "cancelled" and out.report is None  # nothing was predicted yet
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_ends_the_work_naming_its_device(rt_data, tmp_path):
    from workbench.caches import Caches
    from workbench.device_pool import DevicePool
    from workbench.steps import run_context

    store = RunStore(tmp_path / "s.sqlite")
    prep = prepare(spec(rt_data, devices="cpu"))
    ctx = run_context(prep, None, None, store, Caches())
    committed = []
    with DevicePool(prep, ctx, store) as pool:
        pool.start()  # loaded and waiting for work
        os.kill(pool.procs[0].pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        pool.procs[0].join(30)
        batches = [list(range(i, i + BATCH)) for i in range(0, N, BATCH)]
        with pytest.raises(WorkerError, match=rf"the worker on cpu ended \(exit code -9, SIGKILL\) with {N // BATCH} batches still to do") as e:
            pool.predict(batches, lambda idx, preds: committed.append(idx))
    assert committed == [] and e.value.field == DEVICES and "resume the run" in str(e.value)
    assert cli_message(e.value).endswith("[--devices]")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def killed_mid_run(store: Path, data: str, tmp_path: Path, helpers, *flags: str) -> set[int]:
    """A CLI run (``flags`` say how it spreads) SIGKILLed once a batch is stored: the processes
    ``helpers(its pid)`` found while it ran, once they have all ended (each within a minute)."""
    argv = [sys.executable, "-m", "workbench", "--store", str(store), "eval", "--data", data, "--method", "embed-zeroshot",
            "--model", "all-MiniLM-L6-v2", "--dtype", "float32", "--device", "cpu", "--batch-size", "4", "-q", *flags]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=REPO, env=env(), stdout=open(tmp_path / "stdout", "w"), stderr=open(tmp_path / "stderr", "w"))
    try:
        wait_until(lambda: stored(store, "SELECT COUNT(*) FROM predictions", 0) >= 4, "a stored batch", timeout=240)
        found = set(helpers(proc.pid))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    end = time.monotonic() + 60
    while any(alive(h) for h in found) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(alive(h) for h in found), "a worker outlived its killed parent"
    return found


def resumed_like_a_local_run(store: Path, reference):
    """``workbench resume`` of the killed run: it keeps the stored batches and ends with the
    single-device predictions. The resumed run's configuration, for the caller to check."""
    s = RunStore(store)
    run_id = stored(store, "SELECT run_id FROM runs")
    kept = s.count_predictions(run_id)
    assert run_id == reference[0] and 4 <= kept < N and s.status_of(s.find(run_id)) == "interrupted"
    resumed = subprocess.run([sys.executable, "-m", "workbench", "--store", str(store), "resume", run_id[:12], "-q"],
                             cwd=REPO, env=env(), capture_output=True, text=True, timeout=300)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"resuming run {run_id[:12]} (running): {kept} of {N} predictions kept")
    s = RunStore(store)
    assert s.find(run_id).status == "done"
    same_predictions(s, run_id, reference)
    return s.find(run_id).config.spec()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes through /proc")
def test_a_killed_multi_device_run_leaves_no_worker_and_resumes_like_a_local_one(rt_data, reference, tmp_path):
    store = tmp_path / "s.sqlite"
    workers = killed_mid_run(store, rt_data, tmp_path, children, "--devices", "cpu,cpu")
    assert len(workers) >= 2  # the two device workers (and multiprocessing's resource tracker)
    assert resumed_like_a_local_run(store, reference).devices == "cpu,cpu"  # resumed over the same devices


def ray_actors() -> set[int]:
    """The Ray Data actor processes on this machine (Ray names them by their class: MapWorker)."""
    out = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"MapWorker" in cmdline.read_bytes():
                out.add(int(cmdline.parent.name))
        except OSError:
            continue
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the actor processes through /proc")
def test_a_killed_ray_run_leaves_no_actor_and_resumes_like_a_local_one(rt_data, reference, tmp_path):
    pytest.importorskip("ray.data")
    store, before = tmp_path / "s.sqlite", ray_actors()
    actors = killed_mid_run(store, rt_data, tmp_path, lambda pid: ray_actors() - before, "--ray", "local")  # Ray's own fate-sharing ends them
    assert actors, "the run's predictions came from a Ray actor"
    assert resumed_like_a_local_run(store, reference).ray == "local"  # resumed on Ray again


def test_devices_are_checked_before_any_model_loads(rt_data):
    for bad, words in [("cpu,,cpu", "empty name"), ("cpu,warp", "unknown device"), ("cpu,auto", "named, not auto")]:
        with pytest.raises(ConfigError, match=words) as e:
            prepare(spec(rt_data, devices=bad))
        assert e.value.field == DEVICES and cli_message(e.value).endswith("[--devices]")
    with pytest.raises(ConfigError, match="runs no local model") as e:
        prepare(RunSpec(data=DataSpec(rt_data), method="chat", devices="cpu,cpu", params={"base_url": "http://127.0.0.1:9"}))
    assert e.value.field == DEVICES


def test_ray_missing_says_how_to_install_it(rt_data, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ConfigError, match=r'pip install "workbench\[ray\]"') as e:
        prepare(spec(rt_data, ray="local"))
    assert e.value.field == RAY and cli_message(e.value).endswith("[--ray]")


def test_ray_local_gives_the_local_predictions(rt_data, reference, tmp_path):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        store = RunStore(tmp_path / "s.sqlite")
        prep = prepare(spec(rt_data, ray="local"))
        phases = []
        out = execute(prep, store, on_progress=lambda e: phases.append((e.phase, e.done)))
        assert out.status == "done", out.error
        same_predictions(store, prep.run_id, reference)
        predicted = [done for phase, done in phases if phase == "predicting"]
        assert predicted[-1] == N and len(predicted) >= N // BATCH  # streamed back batch by batch
    finally:
        ray.shutdown()
    assert os.environ.get("RAY_ADDRESS") is None


def test_a_cancel_stops_every_worker_and_keeps_the_committed_batches(rt_data, reference, tmp_path):
    import multiprocessing
    import threading

    store = RunStore(tmp_path / "s.sqlite")
    cancel = threading.Event()

    def on_progress(e):
        if e.phase == "predicting" and e.done > 0:
            cancel.set()  # as the UI's cancel does, once a batch is in

    out = execute(prepare(spec(rt_data, devices="cpu,cpu")), store, on_progress=on_progress, cancel_event=cancel)
    assert out.status == "cancelled" and out.report is not None
    kept = store.count_predictions(out.run_id)
    assert BATCH <= kept < N and out.report.n == kept
    assert multiprocessing.active_children() == []  # both workers ended (joined) before execute returned
    assert all(p.pred == reference[1][p.idx].pred for p in store.predictions(out.run_id))


def _closed_port() -> int:
    import socket

    with socket.socket() as s:  # a port just free on loopback: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("form", ["127.0.0.1:{port}", "ray://127.0.0.1:{port}"])
def test_ray_at_a_closed_port_is_refused_in_seconds_without_starting_ray(rt_data, form, monkeypatch):
    from workbench import scaleout

    monkeypatch.setattr(scaleout, "init_ray", lambda *a: pytest.fail("ray.init reached"))
    address = form.format(port=_closed_port())
    t = time.monotonic()
    with pytest.raises(ConfigError, match="nothing answers at 127.0.0.1") as e:
        prepare(spec(rt_data, ray=address))
    assert time.monotonic() - t < 10  # the model's digest included; ray.init took over 60 s to give up
    assert e.value.field == RAY and cli_message(e.value).endswith("[--ray]")
    assert "start a Ray head" in str(e.value) and "'local'" in str(e.value)


def test_ray_address_checks():
    import socket

    from workbench.scaleout import check_ray_reachable

    with pytest.raises(ConfigError, match="not a Ray address"):
        check_ray_reachable("http://127.0.0.1:8265")
    with pytest.raises(ConfigError, match="not a Ray address"):
        check_ray_reachable("127.0.0.1:notaport")
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        check_ray_reachable(f"127.0.0.1:{listening.getsockname()[1]}")  # something answers: Ray's to judge
    check_ray_reachable("local")
    check_ray_reachable("auto")


def test_a_local_ray_stays_on_loopback():
    ray = pytest.importorskip("ray")
    from workbench.scaleout import init_ray

    if ray.is_initialized():
        pytest.skip("a Ray is running in this process already")
    init_ray("local")
    try:
        assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
    finally:
        ray.shutdown()
