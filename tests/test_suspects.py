"""Suspect labels: planted flips are found on synthetic embeddings, the evaluated split is ranked by
the method's own scores, and `workbench suspects RUN` works end to end on the sample data."""

import json
from types import SimpleNamespace

import numpy as np

from workbench.cli import main
from workbench.data import Split
from workbench.suspects import _check_split, out_of_fold_probabilities, train_probabilities, train_suspects, word_features


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


def test_evaluated_rows_ranked_subset_with_the_run_scores():
    """The evaluated split's suspects come from the run's scores averaged with out-of-fold views:
    confident learning keeps a ranked subset of the rows, not every error, naming file rows."""
    rng = np.random.default_rng(2)
    n = 120
    y = rng.integers(0, 2, n)
    texts = [f"{'good' if label else 'bad'} film {i}" for i, label in enumerate(y)]
    y_noisy = y.copy()
    y_noisy[:6] = 1 - y_noisy[:6]
    split = Split("test", texts, y_noisy.tolist(), rows=[i * 2 for i in range(n)])
    own = np.full((n, 2), np.nan)  # the run predicted only the first ten rows, right
    own[np.arange(10), y[:10]], own[np.arange(10), 1 - y[:10]] = 0.9, 0.1
    probs, said = _check_split(split, 2, None, folds=5, C=1.0, views=("words",), own=own)
    assert "the run's own scores and 5-fold out-of-fold LogisticRegression on TF-IDF words" in said and "cleanlab" in said
    found = train_suspects(split, probs, ["neg", "pos"], evaluated=True, predicted=[1] * n)
    assert {s.row for s in found[:6]} == {0, 2, 4, 6, 8, 10}  # file rows, not positions
    assert all(s.evaluated and s.predicted == "pos" and s.top[0][0] == s.suggested for s in found[:6])
    assert len(found) < n // 2


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
    assert set(data["evidence"]) == {"train", "test"} and "the run's own scores" in data["evidence"]["test"]
    assert {r["split"] for r in rows} <= {"train", "test"} and any(r["split"] == "train" for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert main(["--store", store, "suspects", "ffffff"]) == 2
    assert capsys.readouterr().err.startswith("error: no run ffffff")
    assert main(["--store", store, "suspects", run_id[:10], "--views", "embeddings", "--top", "0"]) == 0
    assert "LogisticRegression on the run's embeddings (C=1), then cleanlab" in capsys.readouterr().out
    assert main(["--store", store, "eval", "--data", "sample", "--method", "majority", "--json", str(tmp_path / "m.json")]) == 0
    capsys.readouterr()
    assert main(["--store", store, "suspects", json.loads((tmp_path / "m.json").read_text())["run_id"][:10]]) == 2
    assert "majority run gives no evidence about labels: its scores are the train split's class shares" in capsys.readouterr().err
    assert main(["--store", store, "suspects", run_id[:10], "--views", "pixels"]) == 2
    err = capsys.readouterr().err
    assert "views pixels given" in err and "embeddings, words" in err and "--views" in err
