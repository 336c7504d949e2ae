"""Precision, batch size and memory: which dtype ``auto`` picks, that it is part of the run, the
automatic batch sizes, the back-off on out-of-memory, and trust_remote_code staying off."""

import json
import subprocess
import sys

import pytest
import torch

from conftest import cli_says, write_jsonl
from workbench import precision
from workbench.data import DataSpec
from workbench.errors import ConfigError
from workbench.methods import METHODS, Method, Prediction
from workbench.methods.chat import Chat
from workbench.methods.embeddings import EmbedZeroShot
from workbench.methods.local_chat import LocalChat
from workbench.methods.seq2seq import Seq2Seq
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore


@pytest.fixture
def fast_bf16(monkeypatch):
    """Say whether this CPU has fast bfloat16 through the documented switch, whatever it has."""

    def set_(value: bool):
        monkeypatch.setenv("WORKBENCH_CPU_BF16", "1" if value else "0")

    return set_


def test_auto_on_cpu_follows_the_hardware(fast_bf16):
    fast_bf16(False)
    assert precision.resolve_dtype("auto", "cpu") == "float32"
    fast_bf16(True)
    assert precision.resolve_dtype("auto", "cpu") == "bfloat16"
    assert precision.resolve_dtype(None, "cpu") == "bfloat16"
    assert precision.resolve_dtype("fp32", "cpu") == "float32"  # the user can always force float32


def test_auto_on_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert precision.resolve_dtype("auto", "cuda:0") == "bfloat16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert precision.resolve_dtype("auto", "cuda") == "float16"
    assert precision.resolve_dtype("auto", "cuda", float16_ok=False) == "float32"  # T5 overflows float16
    assert precision.resolve_dtype("auto", "mps") == "float32"


def test_bad_dtypes_are_refused_with_a_fix():
    with pytest.raises(ConfigError, match="expected auto, float32, bfloat16 or float16"):
        precision.resolve_dtype("int8", "cpu")
    with pytest.raises(ConfigError, match="bfloat16 or float32 on the CPU"):
        precision.resolve_dtype("float16", "cpu")


def test_cpu_probe_matches_cpuinfo(monkeypatch):
    monkeypatch.delenv("WORKBENCH_CPU_BF16", raising=False)  # unset: detect
    flags = open("/proc/cpuinfo").read()
    has = " amx_bf16" in flags or " avx512_bf16" in flags
    precision.detect_cpu_fast_bf16.cache_clear()
    assert precision.cpu_has_fast_bf16() == has
    assert precision.detect_cpu_fast_bf16() == has


def test_the_switch_is_read_on_every_call_and_only_detection_is_cached(monkeypatch):
    monkeypatch.delenv("WORKBENCH_CPU_BF16", raising=False)
    detected = precision.cpu_has_fast_bf16()
    for value, expected in (("1", True), ("0", False), ("1", True), ("", detected)):
        monkeypatch.setenv("WORKBENCH_CPU_BF16", value)
        assert precision.cpu_has_fast_bf16() is expected
        assert precision.resolve_dtype("auto", "cpu") == ("bfloat16" if expected else "float32")
    monkeypatch.delenv("WORKBENCH_CPU_BF16")
    assert precision.cpu_has_fast_bf16() is detected
    monkeypatch.setenv("WORKBENCH_CPU_BF16", "1")
    assert precision.resolve_dtype("float32", "cpu") == "float32"  # only auto follows the switch
    assert precision.resolve_dtype("auto", "mps") == "float32"  # and only on the CPU


def test_a_malformed_switch_is_refused_with_what_it_expects(monkeypatch):
    monkeypatch.setenv("WORKBENCH_CPU_BF16", "yes")
    with pytest.raises(ConfigError, match="WORKBENCH_CPU_BF16.*expected 1 .*0 .*unset"):
        precision.resolve_dtype("auto", "cpu")


def test_dtype_is_part_of_the_run_and_recorded(fast_bf16, tmp_path):
    fast_bf16(False)
    spec = RunSpec(DataSpec("sample"), "embed-zeroshot", model="all-MiniLM-L6-v2")
    auto, fp32, bf16 = prepare(spec), prepare(RunSpec(**{**spec.__dict__, "dtype": "float32"})), prepare(RunSpec(**{**spec.__dict__, "dtype": "bfloat16"}))
    assert auto.run_id == fp32.run_id != bf16.run_id
    assert (auto.dtype, bf16.dtype, bf16.identity["dtype"]) == ("float32", "bfloat16", "bfloat16")
    fast_bf16(True)
    assert prepare(spec).run_id == bf16.run_id  # auto on a bf16-capable CPU is the bfloat16 run
    assert prepare(spec).dtype == "bfloat16" and prepare(spec).run_id != fp32.run_id


def test_a_chat_run_has_no_device_or_dtype_and_imports_no_torch(tmp_path):
    code = (
        "import sys; from workbench.runner import prepare; from workbench.spec import RunSpec; from workbench.data import DataSpec;"
        "p = prepare(RunSpec(DataSpec('sample'), 'chat', params={'base_url': 'http://127.0.0.1:9/v1'}));"
        "print(p.device, p.dtype, p.identity['dtype'], 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["api", "None", "n/a", "False"], out.stderr


def test_automatic_batch_sizes():
    assert precision.default_batch_size(EmbedZeroShot, "cpu") == 32
    assert precision.default_batch_size(EmbedZeroShot, "cuda:1") == 256
    assert precision.default_batch_size(LocalChat, "cuda") == 256 and precision.default_batch_size(LocalChat, "mps") == 32 and precision.default_batch_size(Seq2Seq, "cpu") == 32
    assert precision.default_batch_size(Chat, "api", {"concurrency": 16}) == 64
    assert precision.default_batch_size(Chat, "api", {"concurrency": 50}) == 200


class MemoryHungry(Method):
    """Runs out of 'device memory' whenever a batch holds more than ``fits`` texts."""

    name = "memory-hungry"
    description = "test double"
    default_model = "x"
    params = ()
    fits = 5
    calls: list[int] = []

    def __init__(self, config):
        self.config = config

    def load(self, ctx):
        pass

    def fit(self, texts, labels, ctx):
        return self

    def predict(self, texts, ctx):
        type(self).calls.append(len(texts))
        if len(texts) > self.fits:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [Prediction(1 if "good" in t else 0, [0.5, 0.5]) for t in texts]

    def details(self, ctx=None):
        return {}


@pytest.fixture
def hungry(monkeypatch, tmp_path):
    monkeypatch.setitem(METHODS, "memory-hungry", MemoryHungry)
    MemoryHungry.calls = []
    rows = [{"text": f"{'good' if i % 2 else 'bad'} film {i}", "label": i % 2} for i in range(40)]
    write_jsonl(tmp_path / "d" / "test.jsonl", rows)
    (tmp_path / "d" / "labels.json").write_text('["neg", "pos"]')
    return str(tmp_path / "d")


def test_out_of_memory_halves_the_batch_and_loses_nothing(hungry, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    out = execute(prepare(RunSpec(DataSpec(hungry), "memory-hungry", batch_size=32)), store)
    assert out.status == "done" and out.report.n == 40 and out.report.accuracy == 1.0
    assert out.report.batch_size == 4  # 32 -> 16 -> 8 -> 4
    assert MemoryHungry.calls[:4] == [32, 16, 8, 4]  # no per-example fallback for a memory error
    assert any("batch size lowered to 4" in n for n in out.report.notes)
    assert [p.idx for p in store.predictions(out.run_id)] == list(range(40))


def test_auto_runs_on_both_branches_whatever_the_cpu(hungry, tmp_path, fast_bf16, monkeypatch):
    """The same auto run on a CPU with fast bfloat16 and on one without: each resolves its dtype,
    runs in it, records it, and they are two runs."""
    monkeypatch.setattr(MemoryHungry, "fits", 100)
    store = RunStore(tmp_path / "s.sqlite")
    outs = {}
    for has, dtype in ((True, "bfloat16"), (False, "float32")):
        fast_bf16(has)
        prep = prepare(RunSpec(DataSpec(hungry), "memory-hungry"))
        assert prep.dtype == dtype and prep.identity["dtype"] == dtype
        outs[dtype] = execute(prep, store)
        assert outs[dtype].status == "done" and outs[dtype].report.dtype == dtype
    assert outs["bfloat16"].run_id != outs["float32"].run_id
    assert {r.run_id for r in store.list_runs()} == {outs["bfloat16"].run_id, outs["float32"].run_id}


def test_out_of_memory_at_batch_one_is_a_clear_error(hungry, tmp_path, monkeypatch):
    monkeypatch.setattr(MemoryHungry, "fits", 0)
    out = execute(prepare(RunSpec(DataSpec(hungry), "memory-hungry", batch_size=4)), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "failed"
    assert "out of memory on cpu even with a batch of 1" in out.error and "run on the CPU" in out.error
    assert out.error_field == "device" and cli_says(out.error, out.error_field).endswith("[--device]")


def test_a_model_too_big_to_load_says_how_to_fit_it():
    from workbench.models import ModelRef, model_load_error

    err = model_load_error(ModelRef("big", "big", "hub:big"), torch.OutOfMemoryError("CUDA out of memory"), "cuda")
    assert "does not fit in the memory of cuda" in str(err) and "less precision (bfloat16)" in str(err)
    assert err.field == "device" and cli_says(err).endswith("[--device]")


def _remote_code_model(folder, marker):
    """A model folder whose config asks for its own Python code, which would leave ``marker``."""
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "evil", "auto_map": {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"}}))
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nfrom transformers import PretrainedConfig\nclass EvilConfig(PretrainedConfig):\n    model_type = 'evil'\n")
    return folder


def test_remote_code_does_not_run_unless_asked(tmp_path, capsys):
    from workbench.cli import main

    marker = tmp_path / "code-ran"
    model = _remote_code_model(tmp_path / "evil-model", marker)
    store = str(tmp_path / "s.sqlite")
    rc = main(["eval", "--store", store, "--data", "sample", "--method", "classifier", "--model", str(model), "-q"])
    assert rc == 2 and not marker.exists()
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("error: ") and "needs its own Python code" in line and line.endswith("[--trust-remote-code]"), line
    out = execute(prepare(RunSpec(DataSpec("sample"), "classifier", model=str(model))), RunStore(store))
    assert out.status == "failed" and "trust remote code" in out.error and not marker.exists()
    assert out.error_field == "trust_remote_code" and "--trust-remote-code" in cli_says(out.error, out.error_field)
