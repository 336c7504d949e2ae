"""The prefetch thread (workbench/prefetch.py): every local method prepares a batch ahead of the
model, and a run with it gives the same predictions as one without, batch for batch; the split
pipelines give the pipeline call's own outputs; a preparation that fails is data, as before."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import workbench.runner as runner
from conftest import write_jsonl
from tiny_models import tiny_local_models
from workbench.data import DataSpec
from workbench.methods import METHODS, MethodConfig, Phase, RunContext
from workbench.models import resolve_model
from workbench.prefetch import Prefetcher
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

TRAIN = [("loved it , great music", "pos"), ("hated it , dull mess", "neg"), ("great cast", "pos"), ("bad plot", "neg"), ("fine film", "pos"), ("awful script", "neg")]
TEST = [
    "a good film with great acting", "a bad film", "awful plot , dull script", "great music", "nothing to say",
    "loved the cast", "a dull mess of a film", "fine", "bad bad bad", "great great", "it was a film", "hated the plot , loved the music",
]  # fmt: skip
WORDS = TEST + [t for t, _ in TRAIN]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_local_models(tmp_path_factory.mktemp("prefetch-models"), WORDS)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("prefetch-data")
    write_jsonl(root / "train.jsonl", [{"text": t, "label": label} for t, label in TRAIN])
    write_jsonl(root / "test.jsonl", [{"text": t, "label": "pos" if i % 2 else "neg"} for i, t in enumerate(TEST)])
    return str(root)


def cases(tiny):
    knn = {"few_shot": 2, "few_shot_strategy": "knn"}
    return {
        "classifier": (str(tiny["classifier"]), {"label_map": {"negative": "neg", "positive": "pos"}}),
        "embed-logreg": ("all-MiniLM-L6-v2", {}),
        "embed-centroid": ("all-MiniLM-L6-v2", {}),
        "embed-zeroshot": ("all-MiniLM-L6-v2", {"labels": ["a bad film", "a good film"]}),
        "nli-zeroshot": (str(tiny["nli"]), {}),
        "seq2seq": (str(tiny["t5"]), {"mode": "score", **knn}),
        "seq2seq generate": (str(tiny["t5"]), {"mode": "generate", "max_new_tokens": 3}),
        "local-chat": (str(tiny["lm"]), {"mode": "score", "few_shot": 2}),
        "local-chat generate": (str(tiny["lm"]), {"mode": "generate", "max_new_tokens": 3}),
    }


def counted_prefetchers(monkeypatch, module) -> list[Prefetcher]:
    """The Prefetchers ``module`` makes from now on, kept for their ``hits``."""
    used: list[Prefetcher] = []

    class Counting(Prefetcher):
        def __init__(self, enabled: bool = True):
            super().__init__(enabled)
            used.append(self)

    monkeypatch.setattr(module, "Prefetcher", Counting)
    return used


LOCAL = ["classifier", "embed-logreg", "embed-centroid", "embed-zeroshot", "nli-zeroshot", "seq2seq", "seq2seq generate", "local-chat", "local-chat generate"]


def test_every_local_method_prefetches():
    # The fine-tuning methods (setfit, finetune) predict through their trained model in one step:
    # their time goes to training, which no prefetch helps.
    local = {name for name, cls in METHODS.items() if cls.runs_locally and cls.default_model is not None} - {"setfit", "finetune"}
    assert local == {c.split()[0] for c in LOCAL}
    assert all(METHODS[name].prefetches for name in local)


@pytest.mark.parametrize("case", LOCAL)
def test_prefetch_changes_no_prediction(case, tiny, data, tmp_path, monkeypatch):
    model, params = cases(tiny)[case]
    method = case.split()[0]
    used = counted_prefetchers(monkeypatch, runner)

    def run(prefetch: str, store: str):
        monkeypatch.setenv("WORKBENCH_PREFETCH", prefetch)
        spec = RunSpec(DataSpec(data), method, model=model, params=params, dtype="float32", device="cpu", batch_size=2)
        out = execute(prepare(spec), RunStore(tmp_path / store))  # each its own store: no embedding cache shared
        assert out.status == "done"
        return [(p.pred, p.scores, p.raw, p.error) for p in RunStore(tmp_path / store).predictions(out.run_id)]

    plain = run("0", "plain.sqlite")
    assert used[-1].hits == 0
    ahead = run("1", "ahead.sqlite")
    assert used[-1].hits == len(TEST) // 2 - 1  # every batch but the first was prepared ahead
    assert ahead == plain  # labels, scores (exactly), raw answers, errors


def test_split_pipelines_give_the_pipeline_calls_outputs(tiny):
    from transformers import pipeline

    from workbench.methods.pipeline_steps import prepare_pipeline, run_pipeline

    clf = pipeline("text-classification", model=str(tiny["classifier"]), device="cpu", top_k=None)
    kwargs = {"top_k": None, "truncation": True, "max_length": 64}
    assert run_pipeline(clf, prepare_pipeline(clf, TEST, 4, **kwargs)) == clf(TEST, batch_size=4, **kwargs)
    nli = pipeline("zero-shot-classification", model=str(tiny["nli"]), device="cpu")
    kwargs = {"candidate_labels": ["bad", "good", "so-so"], "hypothesis_template": "This example is {}.", "multi_label": False}
    for batch_size in (1, 4):  # 1: the pipeline's no-collate path; 4: two texts' chunks split across batches
        assert run_pipeline(nli, prepare_pipeline(nli, TEST, batch_size, **kwargs)) == nli(TEST, batch_size=batch_size, **kwargs)


def test_embeddings_in_two_steps_equal_sentence_transformers_encode():
    from sentence_transformers import SentenceTransformer

    ref = resolve_model("all-MiniLM-L6-v2")
    method = METHODS["embed-centroid"](MethodConfig(ref, ["neg", "pos"], {"temperature": "fit"}))
    ctx = RunContext(device="cpu", dtype="float32", batch_size=4)
    method.load(ctx)
    ours = method.encode(WORDS, ctx, Phase.ENCODING_TRAIN)
    theirs = SentenceTransformer(ref.location, device="cpu").encode(WORDS, batch_size=4)
    assert np.allclose(ours, theirs, atol=1e-6)


def test_prefetcher_drops_a_batch_it_did_not_need_and_raises_a_preparations_error_at_take():
    calls: list[str] = []
    release = threading.Event()

    def slow(name: str):
        release.wait(10)
        calls.append(name)
        return name

    with Prefetcher() as prefetch:
        prefetch.ahead("b", lambda: slow("b"))
        release.set()
        assert prefetch.take("c", lambda: "c made here") == "c made here"  # "b" was for other rows
        assert prefetch.hits == 0 and calls == ["b"]  # ... and was waited for, not left running
        prefetch.ahead("d", lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            prefetch.take("d", lambda: "unused")
    with Prefetcher(enabled=False) as off:
        off.ahead("x", lambda: pytest.fail("prepared with prefetch off"))
        assert off.take("x", lambda: "here") == "here"


def test_a_text_whose_preparation_fails_is_an_invalid_prediction(tiny, data, tmp_path, monkeypatch):
    from workbench.methods.classifier import Classifier

    real = Classifier.prepare_batch

    def refusing(self, texts, ctx):
        if "nothing to say" in texts:
            raise ValueError("cannot tokenise this one")
        return real(self, texts, ctx)

    monkeypatch.setattr(Classifier, "prepare_batch", refusing)
    spec = RunSpec(DataSpec(data), "classifier", model=str(tiny["classifier"]), params={"label_map": {"negative": "neg", "positive": "pos"}}, device="cpu", batch_size=2)
    out = execute(prepare(spec), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "done"
    preds = {p.text: p for p in RunStore(tmp_path / "s.sqlite").predictions(out.run_id)}
    assert preds["nothing to say"].pred is None and "cannot tokenise this one" in (preds["nothing to say"].error or "")
    assert sum(p.pred is None for p in preds.values()) == 1  # its batch-mate was predicted alone


def test_a_device_worker_prepares_its_next_batch_ahead(data, tmp_path, monkeypatch):
    """The --devices worker loop (run here in-process, on plain queues): batches come back in the
    order taken, each worker stops at its one None, and every batch but the first found its
    preparation under way."""
    import os
    import queue

    import workbench.device_pool as device_pool
    from workbench.worker import Alive, Ended, Predicted, Ready, Started, Task, TaskKind

    used = counted_prefetchers(monkeypatch, device_pool)
    prep = prepare(RunSpec(DataSpec(data), "embed-zeroshot", model="all-MiniLM-L6-v2", dtype="float32", device="cpu", batch_size=3))
    tasks: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    batches = [TEST[i : i + 3] for i in range(0, len(TEST), 3)]
    for n, texts in enumerate(batches):
        tasks.put(Task(TaskKind.PREDICT, n, texts))
    tasks.put(None)
    tasks.put(Task(TaskKind.PREDICT, 99, ["left for another worker"]))
    device_pool._worker_main(prep, str(tmp_path / "s.sqlite"), 3, None, tasks, results, threading.Event(), os.getppid())
    # the worker's heartbeats (device_pool's stall watch) come at any moment: left out
    got = [m for m in (results.get_nowait() for _ in range(results.qsize())) if not isinstance(m, Alive)]
    assert got[0] == Ready("cpu") and got[-1] == Ended("cpu")
    assert all(isinstance(m, (Predicted, Started)) for m in got[1:-1])  # each batch's start, then its predictions
    assert [m.n for m in got if isinstance(m, Started)] == list(range(len(batches)))
    predicted = [m for m in got if isinstance(m, Predicted)]
    assert all(isinstance(m, Predicted) and m.device == "cpu" and len(m.predictions) == 3 for m in predicted)
    assert [m.n for m in predicted] == list(range(len(batches)))
    assert used[-1].hits == len(batches) - 1
    assert tasks.get_nowait() == Task(TaskKind.PREDICT, 99, ["left for another worker"])  # nothing taken past its None


def test_a_ray_actor_prepares_the_next_batch_of_its_call_ahead(data, tmp_path, monkeypatch):
    """The Ray Data actor (called here in-process, as Ray calls it): a call of several runner
    batches prepares each but its first ahead, and predicts what it predicts without prefetch."""
    import workbench.scaleout as scaleout
    from workbench.worker import Predicted

    used = counted_prefetchers(monkeypatch, scaleout)
    prep = prepare(RunSpec(DataSpec(data), "embed-zeroshot", model="all-MiniLM-L6-v2", dtype="float32", device="cpu", batch_size=3))
    batches = [TEST[i : i + 3] for i in range(0, len(TEST), 3)]
    call = {"n": np.arange(len(batches)), "texts": [np.array(b, dtype=object) for b in batches]}
    got = scaleout._RayPredictor(prep, str(tmp_path / "s.sqlite"), 3)(call)
    assert list(got["n"]) == list(range(len(batches))) and used[-1].hits == len(batches) - 1
    monkeypatch.setenv("WORKBENCH_PREFETCH", "0")
    plain = scaleout._RayPredictor(prep, str(tmp_path / "s.sqlite"), 3)(call)
    assert used[-1].hits == 0
    assert [Predicted.from_json(a).n for a in got["out"]] == list(range(len(batches)))
    assert [Predicted.from_json(a).predictions for a in got["out"]] == [Predicted.from_json(a).predictions for a in plain["out"]]
