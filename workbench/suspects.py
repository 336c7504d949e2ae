"""Suspect labels: the rows of a run's data most likely to carry a wrong gold label, most
suspicious first (``workbench suspects RUN``).

Two sources, one score (``1 - probability of the gold label``, so the two rank together):

* The train split of a method that fits on one over sentence embeddings (embed-logreg,
  embed-centroid): out-of-fold probabilities from k-fold LogisticRegressions, then cleanlab's
  ``find_label_issues`` (confident learning, Northcutt et al. 2021) picks the rows whose label
  disagrees with what the rest of the data predicts. Out-of-fold matters: a model's probabilities
  on its own train rows have memorised their labels, flipped ones included.

  The probabilities are the mean of two views of the text (``VIEWS``): the run's sentence
  embeddings (from the store's embedding cache; only what is missing is encoded) and TF-IDF word
  uni- and bigrams. The two err on partly different rows, so a row both find unlikely under its
  label is more likely mislabelled than one either alone does: on Rotten Tomatoes with 5% of the
  train labels flipped, the share of flipped rows among the top K rose from 0.325 (embeddings
  alone, five folds: the textbook route) to 0.410 (both views, ten folds; means over seeds 0-9,
  benchmarks/bench_suspects.py). ``views=("embeddings",)`` with ``folds=5`` is the textbook route.
* The evaluated split: the rows the method itself predicts another label for, by the method's
  stored scores (its confidence in another label). A method without scores gives none.

Why logistic regression whatever the run's method: confident learning needs calibrated-ish
out-of-fold probabilities, which a centroid's softmax at a fixed temperature is not; the
embeddings are what the method learned from, so the flagged rows are those its data disagrees on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .errors import RUN, SUSPECT_VIEWS, ConfigError, StoreError

if TYPE_CHECKING:
    from .caches import Caches
    from .data import Split
    from .results import Report
    from .store import RunStore

FOLDS = 10
"""Folds of the out-of-fold probabilities. Ten rather than the textbook's five: each model learns
from 90% of the rows, not 80%, and ranks more flipped rows on top (0.410 against 0.401 on the
benchmark, both views, seeds 0-9; twenty folds gave 0.408)."""
VIEWS = ("embeddings", "words")
"""The views of the train texts whose out-of-fold probabilities are averaged (module docstring)."""
WORDS_C = 3.0
"""LogisticRegression's C on the TF-IDF view: sparse word features want less regularisation than
unit-length embeddings (C=1 and C=10 both ranked fewer flipped rows on the benchmark)."""
EMBEDDING_METHODS = ("embed-logreg", "embed-centroid")
"""Methods whose train split is checked (they fit on sentence embeddings of it)."""


@dataclass(frozen=True)
class Suspect:
    split: str
    """The split whose file holds the row (``train`` for a row of a hold-out of train)."""
    row: int
    """The row in that split's file, 0-based, counting every data row (empty ones too): the row
    as read, whatever --skip-empty, --limit or a hold-out left out (data.Split.rows)."""
    text: str
    gold: str
    suggested: str
    """The label the evidence prefers (the most probable other label)."""
    score: float
    """1 - probability of the gold label: how strongly the evidence is against it (0..1)."""
    id: str | None = None
    """The row's value of the data's id column, when one is named."""
    evaluated: bool = False
    """Whether the row is one of the run's evaluated examples (else a row of its train split)."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"split": self.split, "row": self.row}
        if self.id is not None:
            out["id"] = self.id
        out.update(text=self.text, gold=self.gold, suggested=self.suggested, score=self.score)
        return out


@dataclass(frozen=True)
class Suspects:
    run_id: str
    suspects: tuple[Suspect, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "suspects": [s.to_json() for s in self.suspects], "notes": list(self.notes)}


def _suggest(probs: np.ndarray, gold: np.ndarray) -> np.ndarray:
    other = probs.copy()
    other[np.arange(len(gold)), gold] = -1.0
    return other.argmax(axis=1)


def eval_suspects(predictions: Sequence[Any], label_names: Sequence[str], split: "Split") -> list[Suspect]:
    """Rows of the evaluated ``split`` the method predicts another label for, by its own scores
    (``store.StoredPrediction``s); rows without scores or with an invalid prediction are skipped."""
    rows = [p for p in predictions if p.scores is not None and p.pred is not None and p.pred != p.gold]
    if not rows:
        return []
    probs = np.asarray([p.scores for p in rows], dtype=np.float64)
    gold = np.asarray([p.gold for p in rows], dtype=np.int64)
    suggested = _suggest(probs, gold)
    score = 1.0 - probs[np.arange(len(rows)), gold]
    return [
        Suspect(split.source_split, p.row if p.row is not None else split.row_of(p.idx), p.text, label_names[p.gold], label_names[int(s)], float(v), p.row_id if p.row is not None else split.id_of(p.idx), evaluated=True)
        for p, s, v in zip(rows, suggested, score)
    ]


def out_of_fold_probabilities(x: np.ndarray, y: np.ndarray, n_classes: int, *, folds: int = FOLDS, C: float = 1.0, seed: int = 0) -> np.ndarray:
    """Per-class probabilities of each row from a LogisticRegression fitted on the other folds
    (stratified, shuffled with ``seed``). A class absent from a fold's training part gets 0."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros((len(y), n_classes))
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        clf = LogisticRegression(C=C, max_iter=1000, random_state=42)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x[train], y[train])
        probs[np.ix_(held, clf.classes_)] = clf.predict_proba(x[held])
    return probs


def word_features(texts: Sequence[str]) -> Any:
    """TF-IDF of word uni- and bigrams seen in at least two texts (sublinear counts), as a sparse
    matrix. Fitting the vocabulary on every row reads no label, so nothing leaks across folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    try:
        return vectorizer.fit_transform(list(texts))
    except ValueError:  # no word seen twice (a tiny or odd split): unigrams seen once
        return TfidfVectorizer(min_df=1, token_pattern=r"(?u)\S+").fit_transform(list(texts))


def train_probabilities(x: np.ndarray, texts: Sequence[str], y: np.ndarray, n_classes: int, *, folds: int = FOLDS, C: float = 1.0, views: Sequence[str] = VIEWS) -> np.ndarray:
    """Out-of-fold per-class probabilities of the train rows: the mean over ``views`` (embeddings
    ``x`` with ``C``; TF-IDF words with ``WORDS_C``), each from the same folds."""
    probs = []
    if "embeddings" in views:
        probs.append(out_of_fold_probabilities(x, y, n_classes, folds=folds, C=C))
    if "words" in views:
        probs.append(out_of_fold_probabilities(word_features(texts), y, n_classes, folds=folds, C=WORDS_C))
    if not probs:
        raise ValueError(f"no known view in {list(views)}: pick from {list(VIEWS)}")
    return np.mean(probs, axis=0)


def train_suspects(split: "Split", probs: np.ndarray, label_names: Sequence[str]) -> list[Suspect]:
    """The rows of the train ``split`` cleanlab's confident learning flags, from out-of-fold ``probs``."""
    from cleanlab.filter import find_label_issues

    texts = split.texts
    y = np.asarray(split.labels, dtype=np.int64)
    # n_jobs=1: cleanlab forks a process pool otherwise, and a fork of a process holding torch and
    # tokenizer threads can deadlock (it did under pytest); one job is fast enough (~1 s on 8,530 rows).
    ranked = find_label_issues(y, probs, return_indices_ranked_by="self_confidence", n_jobs=1)
    suggested = _suggest(probs, y)
    return [
        Suspect(split.source_split, split.row_of(int(i)), texts[i], label_names[y[i]], label_names[int(suggested[i])], float(1.0 - probs[i, y[i]]), split.id_of(int(i)))
        for i in ranked
    ]


def _folds_for(labels: Sequence[int]) -> int:
    counts = np.bincount(np.asarray(labels, dtype=np.int64))
    return int(min(FOLDS, counts[counts > 0].min())) if len(counts) else 0


def train_embeddings(prep: Any, report: Report, store: "RunStore", caches: "Caches") -> np.ndarray:
    """The train split's embeddings as the run computed them (same model, device kind and dtype:
    the embedding cache's key); only texts missing from the cache are encoded, with the model."""
    from .methods import MethodConfig, RunContext

    texts = prep.dataset.train.texts
    ctx = RunContext(device=report.device or prep.device, dtype=report.dtype or prep.dtype or "float32", cache=store, models=caches.models)
    method = prep.method_cls(MethodConfig(prep.model, prep.dataset.label_names, prep.params))
    cached = store.get_embeddings(method.cache_key(ctx), list(texts))
    if all(v is not None for v in cached):
        return np.stack(cached).astype(np.float32, copy=False)
    ctx.batch_size = prep.spec.batch_size or 32
    method.load(ctx)
    return method.encode(texts, ctx)


def find_suspects(run_ref: str, store: "RunStore", caches: "Caches", *, folds: int = FOLDS, views: Sequence[str] = VIEWS) -> Suspects:
    """Suspect labels of the stored run ``run_ref`` (see the module docstring), most suspicious
    first. Raises WorkbenchError when the run cannot be read back as it was."""
    from .resume import prepare_resume

    unknown = [v for v in views if v not in VIEWS]
    if unknown or not views or len(set(views)) != len(views):
        raise ConfigError(f"views {','.join(views) or '(none)'} given", expected=f"one or more of {', '.join(VIEWS)}, each once", fix=f"pass e.g. {','.join(VIEWS)} (the default) or {VIEWS[0]} (the textbook route)", field=SUSPECT_VIEWS)
    run = store.get(run_ref)
    run_id, report = run.run_id, run.report
    if report is None:
        raise StoreError(f"run {run_id[:12]} has no report ({run.status})", fix="finish it first by resuming it", field=RUN)
    # The run as it was made, checked to be the same run (data content, model, parameters).
    prep = prepare_resume(run, store=store)
    spec = prep.spec
    names = prep.dataset.label_names
    notes: list[str] = []
    found = eval_suspects(store.predictions(run_id), names, prep.dataset.eval)
    if (report.score_rule or "").startswith("none"):
        notes.append("the method gives no scores: no evaluated row is ranked")
    train = prep.dataset.train
    if spec.method in EMBEDDING_METHODS and train is not None:
        k = min(folds, _folds_for(train.labels))
        if k < 2:
            notes.append(f"train split '{train.name}' not checked: a class has fewer than 2 rows for {folds}-fold out-of-fold probabilities")
        else:
            x = train_embeddings(prep, report, store, caches) if "embeddings" in views else np.zeros((len(train.texts), 0))
            c = float(prep.params.get("C", 1.0)) if spec.method == "embed-logreg" else 1.0
            probs = train_probabilities(x, train.texts, np.asarray(train.labels), len(names), folds=k, C=c, views=views)
            found += train_suspects(train, probs, names)
            described = {"embeddings": f"the run's embeddings (C={c:g})", "words": f"TF-IDF words (C={WORDS_C:g})"}
            notes.append(f"train split '{train.name}': {k}-fold out-of-fold LogisticRegression on {' and '.join(described[v] for v in views)}" + (", probabilities averaged" if len(views) > 1 else "") + ", then cleanlab find_label_issues")
    else:
        notes.append(f"no train split checked: {spec.method} does not fit on sentence embeddings of one (only {', '.join(EMBEDDING_METHODS)} do)")
    found.sort(key=lambda s: (-s.score, s.split, s.row))
    return Suspects(run_id, tuple(found), tuple(notes))
