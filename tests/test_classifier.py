"""The classifier method with tiny random BERT models built here: its scores must equal the
model's own softmax, mapped by the documented rule. The references are computed in float32, so
the runs compared with them are pinned to float32 (``auto`` picks bfloat16 on a bf16 CPU)."""

import numpy as np
import pytest

from conftest import cli_says, write_jsonl
from tiny_models import tiny_bert_classifier
from workbench.data import DataSpec
from workbench.errors import ConfigError
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

TEXTS = [
    "a wonderful film with great acting",
    "boring plot and awful music",
    "not very good but the cast was fine",
    "a brilliant mess",
    "terrible " * 200,  # longer than the model's 64 positions: must be truncated, not crash
]


@pytest.fixture(scope="module")
def three_way(tmp_path_factory):
    return tiny_bert_classifier(tmp_path_factory.mktemp("m3"), ["negative", "neutral", "positive"], TEXTS)


def _softmax(model_dir, texts):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    out = []
    with torch.no_grad():
        for t in texts:  # one at a time: no padding at all in the reference
            enc = tok(t, return_tensors="pt", truncation=True, max_length=64)
            out.append(torch.softmax(model(**enc).logits[0], -1).numpy())
    return np.array(out)


def _data(tmp_path, labels=(1, 0, 1, 1, 0), names=("neg", "pos")):
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in zip(TEXTS, labels)])
    (d / "labels.json").write_text(__import__("json").dumps(list(names)))
    return str(d)


def test_three_class_model_onto_two_labels_matches_manual_rule(three_way, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    out = execute(prepare(RunSpec(DataSpec(_data(tmp_path)), "classifier", model=str(three_way), batch_size=2, dtype="float32")), store)
    assert out.status == "done", out.error
    probs = _softmax(three_way, TEXTS)
    expected = probs[:, [0, 2]] / probs[:, [0, 2]].sum(1, keepdims=True)  # argmax over neg/pos, neutral ignored
    got = store.predictions(out.run_id)
    assert np.allclose([p.scores for p in got], expected, atol=1e-4)
    assert [p.pred for p in got] == expected.argmax(1).tolist()
    assert out.report.details["label_map"].startswith("negative->neg, neutral->(ignored), positive->pos")


def test_explicit_label_map_changes_the_rule(three_way, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec(_data(tmp_path)), "classifier", model=str(three_way), params={"label_map": {"neutral": "pos"}}, dtype="float32")
    out = execute(prepare(spec), store)
    probs = _softmax(three_way, TEXTS)
    expected = np.stack([probs[:, 0], probs[:, 1] + probs[:, 2]], 1)
    assert np.allclose([p.scores for p in store.predictions(out.run_id)], expected, atol=1e-4)
    plain = prepare(RunSpec(DataSpec(_data(tmp_path)), "classifier", model=str(three_way), dtype="float32"))
    assert plain.run_id != out.run_id  # the map is part of the run's identity


def test_generic_labels_onto_four_classes(tmp_path):
    model = tiny_bert_classifier(tmp_path / "m4", [f"LABEL_{i}" for i in range(4)], TEXTS, seed=3)
    store = RunStore(tmp_path / "s.sqlite")
    data = _data(tmp_path, labels=(0, 1, 2, 3, 0), names=("sports", "food", "music", "weather"))
    out = execute(prepare(RunSpec(DataSpec(data), "classifier", model=str(model), dtype="float32")), store)
    probs = _softmax(model, TEXTS)
    assert out.report.labels == ["sports", "food", "music", "weather"]
    assert [p.pred for p in store.predictions(out.run_id)] == probs.argmax(1).tolist()
    assert len(out.report.confusion_matrix) == 4


def test_unmappable_model_fails_with_the_fix(tmp_path):
    model = tiny_bert_classifier(tmp_path / "mx", ["alpha", "beta", "gamma"], TEXTS)
    out = execute(prepare(RunSpec(DataSpec(_data(tmp_path)), "classifier", model=str(model))), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "failed" and "label map" in out.error and "alpha" in out.error
    assert out.error_field == "param:label_map" and "--label-map" in cli_says(out.error, out.error_field)


def test_missing_model_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no model folder"):
        prepare(RunSpec(DataSpec(_data(tmp_path)), "classifier", model="./no/such/model"))


def _tiny_body(path):
    """A BERT body with no classification head (as an embedding model is), saved to ``path``."""
    import torch
    from tiny_models import train_tokenizer
    from transformers import BertConfig, BertModel

    tok = train_tokenizer(path, TEXTS)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, max_position_embeddings=64)
    BertModel(config).save_pretrained(path)
    return path


def test_a_model_with_no_trained_head_is_refused_never_two_results_under_one_id(tmp_path, capsys):
    """transformers gives a model with no classification head a random one on every load: each
    --rerun would give another accuracy under the same run id. Refused, naming the model."""
    from workbench.cli import main
    from workbench.errors import MODEL

    body = _tiny_body(tmp_path / "body")
    store = RunStore(tmp_path / "s.sqlite")
    prep = prepare(RunSpec(DataSpec(_data(tmp_path)), "classifier", model=str(body), dtype="float32"))
    for rerun in (False, True):
        out = execute(prep, store, rerun=rerun)
        assert out.status == "failed" and out.report is None and out.error_field == MODEL, out
        assert "has no trained classification head" in out.error and "classifier.weight" in out.error and "finetune" in out.error
    assert store.find(prep.run_id).report is None
    assert main(["--store", str(tmp_path / "c.sqlite"), "eval", "--data", _data(tmp_path), "--method", "classifier", "--model", str(body), "-q"]) == 2
    err = capsys.readouterr().err
    assert "has no trained classification head" in err and "[--model]" in err and "Traceback" not in err
