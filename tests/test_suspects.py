"""Suspect labels: planted flips are found on synthetic embeddings, the evaluated split is ranked by
the method's own scores, and `workbench suspects RUN` works end to end on the sample data."""

import json
from types import SimpleNamespace

import numpy as np

from workbench.cli import main
from workbench.data import Split
from workbench.suspects import eval_suspects, out_of_fold_probabilities, train_probabilities, train_suspects, word_features


def test_planted_flips_are_found_first():
    rng = np.random.default_rng(0)
    n, dim = 300, 16
    y_true = rng.integers(0, 2, n)
    centres = rng.normal(size=(2, dim)) * 1.5
    x = (centres[y_true] + rng.normal(size=(n, dim))).astype(np.float32)
    flipped = rng.choice(n, 15, replace=False)
    y = y_true.copy()
    y[flipped] = 1 - y[flipped]
    probs = out_of_fold_probabilities(x, y, 2)
    assert np.allclose(probs.sum(1), 1)
    found = train_suspects(Split("train", [f"row {i}" for i in range(n)], y.tolist()), probs, ["neg", "pos"])
    top = {s.row for s in found[: len(flipped)]}
    assert len(top & set(flipped.tolist())) >= 12  # 80% of the planted flips among the top K
    first = found[0]
    assert first.split == "train" and first.suggested != first.gold and 0.5 < first.score <= 1
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_two_views_average_out_of_fold_probabilities():
    """The words view sees what the embeddings miss: rows whose word gives the label away."""
    rng = np.random.default_rng(1)
    n = 200
    y = rng.integers(0, 2, n)
    texts = [f"{'good' if label else 'bad'} film number {i}" for i, label in enumerate(y)]
    x = rng.normal(size=(n, 8)).astype(np.float32)  # embeddings that carry nothing
    words = train_probabilities(x, texts, y, 2, views=("words",), folds=5)
    both = train_probabilities(x, texts, y, 2, folds=5)
    emb = train_probabilities(x, texts, y, 2, views=("embeddings",), folds=5)
    assert np.allclose(both, (words + emb) / 2) and np.allclose(both.sum(1), 1)
    assert (words.argmax(1) == y).all() and (both.argmax(1) == y).mean() > 0.9
    assert word_features(["a", "b"]).shape[0] == 2  # no word seen twice: unigrams seen once


def test_eval_rows_ranked_by_confidence_in_another_label():
    P = lambda i, g, p, s: SimpleNamespace(idx=i, text=f"t{i}", gold=g, pred=p, scores=s, raw=None, error=None, row=None, row_id=None)  # noqa: E731
    preds = [P(0, 0, 1, [0.3, 0.7]), P(1, 1, 1, [0.1, 0.9]), P(2, 1, 0, [0.95, 0.05]), P(3, 0, None, None)]
    found = eval_suspects(preds, ["neg", "pos"], Split("test", [f"t{i}" for i in range(4)], [0, 1, 1, 0], rows=[3, 5, 8, 9]))
    assert [(s.row, s.gold, s.suggested) for s in found] == [(3, "neg", "pos"), (8, "pos", "neg")]  # file rows, not positions
    assert found[1].score == 0.95


def test_cli_suspects_end_to_end_on_sample(tmp_path, capsys):
    store = str(tmp_path / "s.sqlite")
    args = ["--store", store, "eval", "--data", "sample", "--method", "embed-logreg", "--model", "all-MiniLM-L6-v2", "--dtype", "float32", "--device", "cpu"]
    assert main(args + ["--json", str(tmp_path / "r.json")]) == 0
    run_id = json.loads((tmp_path / "r.json").read_text())["run_id"]
    capsys.readouterr()
    assert main(["--store", store, "suspects", run_id[:10], "--json", str(tmp_path / "s.json"), "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"run {run_id[:12]}: ") and "cleanlab" in out
    data = json.loads((tmp_path / "s.json").read_text())
    rows = data["suspects"]
    assert rows and set(rows[0]) == {"split", "row", "text", "gold", "suggested", "score"}
    assert {r["split"] for r in rows} <= {"train", "test"} and any(r["split"] == "train" for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert main(["--store", store, "suspects", "ffffff"]) == 2
    assert capsys.readouterr().err.startswith("error: no run ffffff")
    assert main(["--store", store, "suspects", run_id[:10], "--views", "embeddings", "--top", "0"]) == 0
    assert "LogisticRegression on the run's embeddings (C=1), then cleanlab" in capsys.readouterr().out
    assert main(["--store", store, "suspects", run_id[:10], "--views", "pixels"]) == 2
    err = capsys.readouterr().err
    assert "views pixels given" in err and "embeddings, words" in err and "--views" in err
