"""Fine-tuning inside the workbench, with tiny models: a trained model kept as an artifact (found
again by key, loadable by the classifier method, listed by `workbench models`, checked by `store
check`), a cancelled training that leaves nothing behind, and learning curves."""

from __future__ import annotations

import json
import threading

import pytest

from conftest import write_jsonl
from tiny_models import tiny_bert_classifier
from workbench.artifacts import artifacts_dir, list_artifacts
from workbench.cli import main
from workbench.curve import curve_plot, curve_table, run_curve
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.errors import Cancelled
from workbench.methods import METHODS, MethodConfig, RunContext, resolve_params
from workbench.methods.training import sample_per_class
from workbench.models import resolve_model
from workbench.runner import RunSpec
from workbench.store import RunStore

POS = "great wonderful loved brilliant fine good".split()
NEG = "awful terrible hated boring dull bad".split()


def rows(n: int, offset: int = 0) -> list[dict]:
    return [{"text": f"the film was {(POS if i % 2 else NEG)[(i + offset) % 6]}", "label": "pos" if i % 2 else "neg"} for i in range(n)]


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    return tiny_bert_classifier(tmp_path_factory.mktemp("ft-model"), ["negative", "positive"], [r["text"] for r in rows(12)])


@pytest.fixture
def data(tmp_path):
    write_jsonl(tmp_path / "d" / "train.jsonl", rows(20))
    return str(write_jsonl(tmp_path / "d" / "test.jsonl", rows(6, offset=1)).parent)


def test_a_per_class_sample_is_seeded_balanced_and_grows_by_adding_rows():
    labels = [0, 1, 1, 0, 1, 1, 1, 0, 0, 1] * 5
    small, large = sample_per_class(labels, 3, 7), sample_per_class(labels, 8, 7)
    assert sorted(labels[i] for i in small) == [0, 0, 0, 1, 1, 1]
    assert set(small) <= set(large) and small == sorted(small)
    assert sample_per_class(labels, 3, 7) == small and sample_per_class(labels, 3, 8) != small
    assert sample_per_class(labels, None, 0) == list(range(len(labels)))


def test_a_finetuned_model_is_kept_reused_listed_and_evaluated_by_the_classifier(data, bert, tmp_path, capsys):
    args = ["eval", "--data", data, "--method", "finetune", "--model", str(bert), "-p", "batch_size=4", "-p", "epochs=2", "--device", "cpu", "--dtype", "float32", "-q"]
    assert main([*args, "--json", str(tmp_path / "first.json")]) == 0
    first = json.loads((tmp_path / "first.json").read_text())
    folder = first["details"]["artifact"]
    assert first["details"]["trained"] == "in this fit"
    assert (tmp_path / "models").is_dir() and folder.startswith(str(tmp_path / "models"))
    assert json.loads((tmp_path / "models" / folder.rsplit("/", 1)[1] / "config.json").read_text())["id2label"] == {"0": "neg", "1": "pos"}

    # another evaluated sample: the same training key, so the artifact loads and nothing trains
    assert main([*args, "--limit", "3", "--json", str(tmp_path / "second.json")]) == 0
    second = json.loads((tmp_path / "second.json").read_text())
    assert second["details"]["artifact"] == folder and second["details"]["trained"].startswith("loaded")
    assert second["run_id"] != first["run_id"]

    # a plain HF folder: the classifier method evaluates it, its labels matched by name
    assert main(["eval", "--data", data, "--method", "classifier", "--model", folder, "--device", "cpu", "--dtype", "float32", "-q", "--json", str(tmp_path / "clf.json")]) == 0
    clf = json.loads((tmp_path / "clf.json").read_text())
    assert clf["accuracy"] == pytest.approx(first["accuracy"]) and clf["invalid"] == 0

    capsys.readouterr()
    assert main(["models"]) == 0
    listing = capsys.readouterr().out
    assert first["details"]["artifact_key"][:12] in listing and "finetune" in listing and "used by 2 runs" in listing
    assert first["run_id"][:12] in listing and second["run_id"][:12] in listing

    assert main(["store", "check"]) == 0
    assert "none orphaned" in capsys.readouterr().out


def test_store_check_names_orphaned_and_half_written_artifacts(data, tmp_path, capsys):
    RunStore(tmp_path / "store.sqlite").close()
    (tmp_path / "models" / "0123abcd").mkdir(parents=True)
    (tmp_path / "models" / ".tmp-0123abcd-1").mkdir()
    assert main(["store", "check"]) == 0
    out = capsys.readouterr().out
    assert "0123abcd: an artifact folder no store record names" in out and ".tmp-0123abcd-1: left by a training that did not finish" in out


@pytest.mark.parametrize("name", ["finetune", "setfit"])
def test_a_cancelled_training_stops_within_a_step_and_keeps_no_artifact(name, bert, tmp_path):
    if name == "setfit":
        pytest.importorskip("setfit", reason="the [finetune] extra is not installed")
        from tiny_models import tiny_sentence_transformer

        model = tiny_sentence_transformer(tmp_path / "st")
    else:
        model = bert
    cls = METHODS[name]
    store = RunStore(tmp_path / "s" / "store.sqlite")
    method = cls(MethodConfig(resolve_model(str(model)), ["neg", "pos"], resolve_params(cls, {"batch_size": 2, "epochs": 3})))
    cancel = threading.Event()
    steps: list[int] = []

    def on_progress(ev):
        if ev.phase == "training" and ev.done:
            steps.append(ev.done)
            cancel.set()  # asked during the first step: the training stops before the second

    ctx = RunContext(device="cpu", dtype="float32", batch_size=2, cache=store, on_progress=on_progress, cancel_event=cancel)
    method.load(ctx)
    data = rows(12)
    with pytest.raises(Cancelled):
        method.fit([r["text"] for r in data], [int(r["label"] == "pos") for r in data], ctx)
    assert steps == [1]
    folder = artifacts_dir(store.path)
    assert list_artifacts(store) == [] and (not folder.exists() or not any(folder.iterdir()))
    store.close()


def test_a_learning_curve_is_stored_runs_on_shared_samples(data, tmp_path):
    engine = Engine(tmp_path / "store.sqlite")
    base = RunSpec(data=DataSpec(source=data), device="cpu", dtype="float32")
    methods = [("majority", None, {})]
    points = []
    curve = run_curve(engine, base, methods, [2, 4, 0], [0, 1], on_point=points.append)
    assert [(p.per_class, p.seed) for p in curve.points] == [(2, 0), (2, 1), (4, 0), (4, 1), (0, 0)]
    assert all(p.status == "done" and p.run_id and p.value is not None for p in curve.points) and len(points) == 5
    samples = sorted((tmp_path / "curve-samples").glob("*.jsonl"))
    assert len(samples) == 4
    first = [json.loads(line) for line in samples[0].read_text().splitlines()]
    assert {"text", "label", "source_row"} <= set(first[0])
    run = engine.run(curve.points[0].run_id)
    assert run.method == "majority" and run.status == "done"
    summary = {(r["method"], r["per_class"]): r for r in curve.summary()}
    assert summary[("majority", 2)]["n"] == 2 and summary[("majority", 0)]["n"] == 1
    assert "majority" in curve_table(curve) and "all" in curve_table(curve)
    assert "train examples per class" in curve_plot(curve) and "\x1b[" not in curve_plot(curve)

    again = run_curve(engine, base, methods, [2, 4, 0], [0, 1])
    assert all(p.reused for p in again.points) and [p.value for p in again.points] == [p.value for p in curve.points]


def test_a_curve_refuses_a_method_that_does_not_fit(data, tmp_path):
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="does not fit on the train split"):
        run_curve(Engine(tmp_path / "store.sqlite"), RunSpec(data=DataSpec(source=data)), [("embed-zeroshot", None, {})], [2], [0])


def test_a_curve_point_of_a_finetuning_method_is_its_own_per_class_run(data, bert, tmp_path):
    """setfit and finetune draw the sample through their per_class parameter (the same rows as the
    curve's sample files): the point is the run a user gets with -p per_class=N -p seed=S."""
    engine = Engine(tmp_path / "store.sqlite")
    base = RunSpec(data=DataSpec(source=data), device="cpu", dtype="float32")
    curve = run_curve(engine, base, [("finetune", str(bert), {"batch_size": 4})], [2], [1])
    (point,) = curve.points
    assert point.status == "done"
    run = engine.run(point.run_id)
    assert run.config.params["per_class"] == 2 and run.config.params["seed"] == 1
    spec = RunSpec(data=DataSpec(source=data), method="finetune", model=str(bert), params={"batch_size": 4, "per_class": 2, "seed": 1}, device="cpu", dtype="float32")
    assert engine.prepare(spec).run_id == point.run_id
    assert not (tmp_path / "curve-samples").exists()
