"""Suspect labels: the rows of a run's data most likely to carry a wrong gold label, most
suspicious first (``workbench suspects RUN``).

Every checked split is ranked the same way (score: ``1 - probability of the gold label`` under
the evidence, so the splits rank together): out-of-fold probabilities from k-fold
LogisticRegressions, then cleanlab's ``find_label_issues`` (confident learning, Northcutt et al.
2021) keeps the rows whose label disagrees with what the rest of the data predicts, a ranked
subset rather than every row a model gets wrong. Out-of-fold matters: a model's probabilities on
its own train rows have memorised their labels, flipped ones included.

* The train split (of a run whose method reads one): the mean of two views of the text
  (``VIEWS``): the run's sentence embeddings (embed-logreg, embed-centroid: from the store's
  embedding cache; only what is missing is encoded) and TF-IDF word uni- and bigrams. The two err
  on partly different rows, so a row both find unlikely under its label is more likely
  mislabelled than one either alone does: on Rotten Tomatoes with 5% of the train labels flipped,
  the share of flipped rows among the top K rose from 0.325 (embeddings alone, five folds: the
  textbook route) to 0.410 (both views, ten folds; means over seeds 0-9,
  benchmarks/bench_suspects.py). ``views=("embeddings",)`` with ``folds=5`` is the textbook route.
* The evaluated split: the same views, out-of-fold within the split, averaged with the run's own
  scores (never fitted on these rows' labels, so out-of-sample already) where it has them.
* A method whose scores do not depend on the text (``Method.scores_ignore_text``: majority) gives
  no evidence: its runs are refused with the reason.

Each split's evidence is said in ``Suspects.evidence`` and the notes.

Why logistic regression whatever the run's method: confident learning needs calibrated-ish
out-of-fold probabilities, which a centroid's softmax at a fixed temperature is not; the
embeddings are what the method learned from, so the flagged rows are those its data disagrees on.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

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
TOP_CLASSES = 3
"""Classes of the evidence shown with each suspect (``Suspect.top``)."""


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
    top: tuple[tuple[str, float], ...] = ()
    """The classes the evidence finds most probable for the row, with their probabilities."""
    predicted: str | None = None
    """The run's own prediction for an evaluated row (None: a train row, or no label)."""

    @property
    def text_sha256(self) -> str:
        """The SHA-256 of the row's text: what a correction checks the file's row against."""
        return text_sha256(self.text)

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
    evidence: dict[str, str] = field(default_factory=dict)
    """What each checked split's suspects come from, by split file name."""

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "suspects": [s.to_json() for s in self.suspects], "evidence": dict(self.evidence), "notes": list(self.notes)}


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _suggest(probs: np.ndarray, gold: np.ndarray) -> np.ndarray:
    other = probs.copy()
    other[np.arange(len(gold)), gold] = -1.0
    return other.argmax(axis=1)


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


def train_suspects(split: "Split", probs: np.ndarray, label_names: Sequence[str], *, evaluated: bool = False, predicted: Sequence[int | None] | None = None) -> list[Suspect]:
    """The rows of ``split`` cleanlab's confident learning flags from out-of-fold ``probs``, ranked
    by self-confidence (``evaluated``: the split is the run's evaluated one, whose ``predicted``
    labels, an index or None per example, are shown beside each suspect). Rows whose ``probs``
    are NaN (no evidence) are left out."""
    from cleanlab.filter import find_label_issues

    texts = split.texts
    y = np.asarray(split.labels, dtype=np.int64)
    known = np.flatnonzero(~np.isnan(probs).any(axis=1))
    if len(known) < 2 or len(set(y[known].tolist())) < 2:
        return []
    sub = probs[known] / probs[known].sum(axis=1, keepdims=True)
    # n_jobs=1: cleanlab forks a process pool otherwise, and a fork of a process holding torch and
    # tokenizer threads can deadlock (it did under pytest); one job is fast enough (~1 s on 8,530 rows).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a class no row is predicted for: cleanlab warns, still ranks
        ranked = find_label_issues(y[known], sub, return_indices_ranked_by="self_confidence", n_jobs=1)
    suggested = _suggest(sub, y[known])
    out = []
    for j in ranked:
        i = int(known[j])
        top = tuple((label_names[int(c)], float(sub[j, c])) for c in np.argsort(-sub[j], kind="stable")[:TOP_CLASSES])
        pred = predicted[i] if predicted is not None else None
        out.append(Suspect(
            split.source_split, split.row_of(i), texts[i], label_names[y[i]], label_names[int(suggested[j])], float(1.0 - sub[j, y[i]]), split.id_of(i),
            evaluated=evaluated, top=top, predicted=label_names[pred] if pred is not None else None,
        ))  # fmt: skip
    return out


def _folds_for(labels: Sequence[int]) -> int:
    counts = np.bincount(np.asarray(labels, dtype=np.int64))
    return int(min(FOLDS, counts[counts > 0].min())) if len(counts) else 0


def train_embeddings(prep: Any, report: Report, store: "RunStore", caches: "Caches", texts: Sequence[str] | None = None) -> np.ndarray:
    """The embeddings of ``texts`` (default: the train split's) as the run computed them (same
    model, device kind and dtype: the embedding cache's key); only texts missing from the cache
    are encoded, with the model."""
    from .methods import MethodConfig, RunContext

    texts = list(prep.dataset.train.texts if texts is None else texts)
    ctx = RunContext(device=report.device or prep.device, dtype=report.dtype or prep.dtype or "float32", cache=store, models=caches.models)
    method = prep.method_cls(MethodConfig(prep.model, prep.dataset.label_names, prep.params))
    cached = store.get_embeddings(method.cache_key(ctx), texts)
    if all(v is not None for v in cached):
        return np.stack(cached).astype(np.float32, copy=False)
    ctx.batch_size = prep.spec.batch_size or 32
    method.load(ctx)
    return method.encode(texts, ctx)


def _evaluated_scores(predictions: Sequence[Any], n: int, n_classes: int) -> np.ndarray:
    """The run's stored scores by example position (NaN rows: no scores, or not predicted)."""
    out = np.full((n, n_classes), np.nan)
    for p in predictions:
        if p.scores is not None and 0 <= p.idx < n and len(p.scores) == n_classes:
            out[p.idx] = p.scores
    return out


def _check_split(split: "Split", n_classes: int, x: Callable[[], np.ndarray] | None, *, folds: int, C: float, views: Sequence[str], own: np.ndarray | None) -> tuple[np.ndarray | None, str]:
    """Out-of-fold probabilities of ``split``'s rows (embeddings from ``x()`` when given, TF-IDF
    words), averaged with the run's ``own`` scores where given (rows without are NaN there),
    and a sentence saying what they came from (or why there is nothing)."""
    k = min(folds, _folds_for(split.labels))
    parts: list[np.ndarray] = []
    said: list[str] = []
    if own is not None and not np.isnan(own).all():
        parts.append(own)
        said.append("the run's own scores")
    if k >= 2:
        y = np.asarray(split.labels)
        if x is not None and "embeddings" in views:
            parts.append(out_of_fold_probabilities(x(), y, n_classes, folds=k, C=C))
            said.append(f"{k}-fold out-of-fold LogisticRegression on the run's embeddings (C={C:g})")
        if "words" in views:
            parts.append(out_of_fold_probabilities(word_features(split.texts), y, n_classes, folds=k, C=WORDS_C))
            said.append(f"{k}-fold out-of-fold LogisticRegression on TF-IDF words (C={WORDS_C:g})")
    if not parts:
        return None, f"not checked: a class has fewer than 2 rows for {folds}-fold out-of-fold probabilities"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row with no view at all stays NaN
        probs = np.nanmean(np.stack(parts), axis=0)
    return probs, " and ".join(said) + (", probabilities averaged" if len(parts) > 1 else "") + ", then cleanlab find_label_issues"


def find_suspects(run_ref: str, store: "RunStore", caches: "Caches", *, folds: int = FOLDS, views: Sequence[str] = VIEWS) -> Suspects:
    """Suspect labels of the stored run ``run_ref`` (see the module docstring), most suspicious
    first. Raises WorkbenchError when the run cannot be read back as it was, or when its method's
    scores do not depend on the text (no evidence about any row)."""
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
    blind = prep.method_cls.scores_ignore_text()
    if blind:
        raise ConfigError(
            f"a {spec.method} run gives no evidence about labels: {blind}",
            expected="a run of a method whose scores depend on the text",
            fix="find suspect labels on another run over the same data (embed-logreg, for one)",
            field=RUN,
        )
    names = prep.dataset.label_names
    notes: list[str] = []
    evidence: dict[str, str] = {}
    found: list[Suspect] = []
    embedded = prep.method_cls.fits_on_embeddings  # the embeddings view is of the method's own embeddings
    c = prep.method_cls.train_check_c(prep.params)
    ev = prep.dataset.eval
    predictions = store.predictions(run_id)
    own = None if (report.score_rule or "").startswith("none") else _evaluated_scores(predictions, len(ev), len(names))
    if own is None:
        notes.append("the method gives no scores: the evaluated split's evidence is the out-of-fold views only")
    probs, said = _check_split(ev, len(names), (lambda: train_embeddings(prep, report, store, caches, ev.texts)) if embedded else None, folds=folds, C=c, views=views, own=own)
    evidence[ev.source_split] = said
    if probs is not None:
        predicted: list[int | None] = [None] * len(ev)
        for p in predictions:
            if 0 <= p.idx < len(ev):
                predicted[p.idx] = p.pred
        found += train_suspects(ev, probs, names, evaluated=True, predicted=predicted)
    train = prep.dataset.train
    if train is not None:
        probs, said = _check_split(train, len(names), (lambda: train_embeddings(prep, report, store, caches)) if embedded else None, folds=folds, C=c, views=views, own=None)
        evidence.setdefault(train.source_split, said)
        if probs is not None:
            found += train_suspects(train, probs, names)
    else:
        notes.append(f"no train split checked: {spec.method} reads none")
    for split_name, what in evidence.items():
        notes.append(f"split '{split_name}': {what}")
    found.sort(key=lambda s: (-s.score, s.split, s.row))
    return Suspects(run_id, tuple(found), tuple(notes), evidence)
