"""Models kept loaded between runs stay within a memory budget per device (workbench/kept.py),
and a model let go is really freed: no fitted method keeps holding it."""

import gc
import json
import weakref

import pytest

from conftest import write_jsonl
from workbench.kept import KeptModels, ModelKey, memory_budget, model_bytes, weights_on_disk


def key(name, device="cpu"):
    return ModelKey("kind", f"/models/{name}", f"{name}-identity", device, "float32")


class Model:
    def __init__(self, name, nbytes):
        self.name, self.nbytes = name, nbytes


def kept_models(budget=1000, estimates=None, size=4):
    return KeptModels(size, budget=lambda device: budget, measure=lambda m: m.nbytes, estimate=lambda k: (estimates or {}).get(k.location.split("/")[-1], 0))


def names(cache):
    return [k.location.split("/")[-1] for k in cache.keys()]


def test_least_recently_used_goes_first_when_over_budget():
    cache, dropped = kept_models(), []
    cache.on_drop.append(lambda k: dropped.append(k.location.split("/")[-1]))
    for name in ("a", "b"):
        cache.get(key(name), lambda: Model(name, 400))
    assert names(cache) == ["a", "b"] and cache.kept_bytes("cpu") == 800
    assert cache.get(key("a"), lambda: pytest.fail("kept: must not load again")).name == "a"  # a is now the most recent
    cache.get(key("c"), lambda: Model("c", 400))  # 1200 > 1000: b, the least recently used, goes
    assert names(cache) == ["a", "c"] and dropped == ["b"] and cache.kept_bytes("cpu") == 800


def test_room_is_made_before_a_load_from_the_size_of_its_weights():
    cache = kept_models(estimates={"big": 900})
    for name in ("a", "b"):
        cache.get(key(name), lambda: Model(name, 400))
    seen_at_load = []
    cache.get(key("big"), lambda: seen_at_load.append(names(cache)) or Model("big", 900))
    assert seen_at_load == [[]]  # both let go before the big one was loaded, not after
    assert names(cache) == ["big"]


def test_the_model_in_use_is_kept_however_large_and_devices_are_separate():
    cache = kept_models()
    cache.get(key("small"), lambda: Model("small", 100))
    cache.get(key("gpu", "cuda:0"), lambda: Model("gpu", 900))
    assert names(cache) == ["small", "gpu"]  # a GPU model does not push a CPU one out
    cache.get(key("huge"), lambda: Model("huge", 5000))
    assert names(cache) == ["gpu", "huge"] and cache.kept_bytes("cpu") == 5000


def test_count_bound_still_holds():
    cache = kept_models(budget=10**12, size=2)
    for name in ("a", "b", "c"):
        cache.get(key(name), lambda: Model(name, 1))
    assert names(cache) == ["b", "c"]


def test_sizes_measured_and_estimated(tmp_path, monkeypatch):
    import torch

    linear = torch.nn.Linear(10, 5)
    assert model_bytes(linear) == (10 * 5 + 5) * 4
    assert model_bytes(("a tokenizer", linear)) == model_bytes(linear)
    tied = torch.nn.Sequential(linear, torch.nn.Linear(10, 5))
    tied[1].weight = linear.weight  # a tied weight is one tensor in memory
    assert model_bytes(tied) == (50 + 5 + 5) * 4
    assert model_bytes(object()) == 0 and model_bytes(linear.to(torch.bfloat16)) == 55 * 2

    (tmp_path / "pytorch_model.bin").write_bytes(b"x" * 1500)
    assert weights_on_disk(str(tmp_path)) == 1500  # only a legacy checkpoint: it is what loads
    (tmp_path / "model.safetensors").write_bytes(b"x" * 1000)  # the same weights, preferred
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.onnx").write_bytes(b"x" * 900)  # another runtime's copy
    (tmp_path / "config.json").write_text("{}")
    assert weights_on_disk(str(tmp_path)) == 1000 and weights_on_disk("org/hub-id") == 0

    monkeypatch.setenv("WORKBENCH_MODEL_MEMORY_GB", "0.5")
    assert memory_budget("cpu") == 2**29
    monkeypatch.delenv("WORKBENCH_MODEL_MEMORY_GB")
    assert memory_budget("cpu") > 2**29  # half the RAM
    from workbench.errors import ConfigError

    for bad in ("lots", "8G", "-1", "nan"):
        monkeypatch.setenv("WORKBENCH_MODEL_MEMORY_GB", bad)
        with pytest.raises(ConfigError, match="is not a size in GB; expected a number such as 8 or 0.5"):
            memory_budget("cpu")


def test_a_model_let_go_is_freed_with_the_fitted_methods_that_held_it(tmp_path, monkeypatch):
    """Two real (tiny) classifiers under a budget that holds one: after the second run the first
    model object is gone from memory, not only from the cache."""
    from tiny_models import tiny_bert_classifier
    from workbench.data import DataSpec
    from workbench.engine import Engine
    from workbench.runner import prepare
    from workbench.spec import RunSpec

    texts = ["a good film", "a bad film", "fine acting", "awful music"]
    first = tiny_bert_classifier(tmp_path / "m1", ["NEGATIVE", "POSITIVE"], texts, seed=1)
    second = tiny_bert_classifier(tmp_path / "m2", ["NEGATIVE", "POSITIVE"], texts, seed=2)
    data = tmp_path / "d"
    write_jsonl(data / "test.jsonl", [{"text": t, "label": i % 2} for i, t in enumerate(texts)])
    (data / "labels.json").write_text(json.dumps(["negative", "positive"]))
    engine = Engine(tmp_path / "s.sqlite")
    loaded = engine.caches.models

    out = engine.execute(engine.prepare(RunSpec(DataSpec(str(data)), "classifier", model=str(first), device="cpu")))
    assert out.status == "done" and len(loaded.keys()) == 1
    held = weakref.ref(loaded.get(loaded.keys()[0], lambda: pytest.fail("the model is not kept")).model)
    size = loaded.kept_bytes("cpu")
    assert size > 0
    # Re-running keeps it (the iterating case) ...
    engine.execute(engine.prepare(RunSpec(DataSpec(str(data)), "classifier", model=str(first), device="cpu")), rerun=True)
    assert held() is not None and len(loaded.keys()) == 1
    # ... but with room for one model, the second one pushes it out, and it is freed.
    monkeypatch.setenv("WORKBENCH_MODEL_MEMORY_GB", str(1.5 * size / 2**30))
    out = engine.execute(engine.prepare(RunSpec(DataSpec(str(data)), "classifier", model=str(second), device="cpu")))
    assert out.status == "done" and [k.location for k in loaded.keys()] == [str(second)]
    first_identity = prepare(RunSpec(DataSpec(str(data)), "classifier", model=str(first))).model.identity
    assert not any(json.loads(k)["model"] == first_identity for k in engine.caches.fitted.keys())
    gc.collect()
    assert held() is None


def test_two_threads_asking_for_one_model_load_it_once():
    import threading

    cache, loads = kept_models(), []
    loading, release = threading.Event(), threading.Event()

    def slow_load():  # held until the test lets it finish: the second thread asks meanwhile
        loads.append(1)
        loading.set()
        assert release.wait(60), "never released"
        return Model("a", 10)

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(key("a"), slow_load))) for _ in range(2)]
    threads[0].start()
    assert loading.wait(60)  # the first thread is inside the load
    threads[1].start()
    release.set()
    for t in threads:
        t.join(60)
    assert len(loads) == 1 and got[0] is got[1]


def test_a_bad_budget_setting_stops_the_run_saying_so(tmp_path, monkeypatch):
    from tiny_models import tiny_bert_classifier
    from workbench.data import DataSpec
    from workbench.runner import execute, prepare
    from workbench.spec import RunSpec
    from workbench.store import RunStore

    model = tiny_bert_classifier(tmp_path / "m", ["NEGATIVE", "POSITIVE"], ["a good film"])
    write_jsonl(tmp_path / "d" / "test.jsonl", [{"text": "a good film", "label": 1}, {"text": "a bad film", "label": 0}])
    monkeypatch.setenv("WORKBENCH_MODEL_MEMORY_GB", "8G")
    out = execute(prepare(RunSpec(DataSpec(str(tmp_path / "d")), "classifier", model=str(model))), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "failed" and out.error.startswith("$WORKBENCH_MODEL_MEMORY_GB='8G' is not a size in GB")  # not "could not load model"


def test_a_fitted_method_holding_another_model_goes_with_that_kind_of_model(tmp_path):
    """``Method.holds_models``: a prompt method with knn few-shot keeps its sentence-embedding
    model; when the engine lets go of one such model, that fitted method goes too (its key says
    what it holds), while one that holds none stays."""
    from dataclasses import replace

    from tiny_models import tiny_t5
    from workbench.caches import Caches
    from workbench.data import DataSpec
    from workbench.runner import prepare
    from workbench.spec import RunSpec
    from workbench.steps import fit_key

    write_jsonl(tmp_path / "d" / "test.jsonl", [{"text": "good", "label": "pos"}, {"text": "bad", "label": "neg"}])
    write_jsonl(tmp_path / "d" / "train.jsonl", [{"text": "good film", "label": "pos"}, {"text": "bad film", "label": "neg"}])
    spec = RunSpec(DataSpec(str(tmp_path / "d")), "seq2seq", model=str(tiny_t5(tmp_path / "t5")), device="cpu", params={"few_shot": 1})
    knn = prepare(replace(spec, params={"few_shot": 1, "few_shot_strategy": "knn"}))
    plain = prepare(spec)
    assert json.loads(fit_key(knn, "cpu"))["holds"] == ["sentence-transformer"] and json.loads(fit_key(plain, "cpu"))["holds"] == []
    caches = Caches()
    for prep in (knn, plain):
        caches.fitted.get(fit_key(prep, "cpu"), object)
    caches._forget_fitted(ModelKey("sentence-transformer", "/m/minilm", "sha256:minilm", "cpu", "float32"))
    assert caches.fitted.keys() == [fit_key(plain, "cpu")]
