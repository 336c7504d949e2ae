"""Methods over sentence embeddings: logistic regression, class centroids, label-text zero-shot."""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ..answers import check_label_texts, descriptive_label_texts
from ..errors import param
from ..models import load_model
from ..precision import torch_dtype
from ..truncation import longest_first
from .base import Method, Param, Prediction, Preview, RunContext, softmax
from .registry import register

EMBEDDING_MODEL = "sentence-transformers/all-mpnet-base-v2"

SIMILARITY_TEMPERATURE = 0.05
"""The temperature of the softmax that turns cosine similarities into class probabilities
(centroids, label texts). Cosines of sentence embeddings differ by hundredths between classes;
at 0.05 a lead of 0.05 in cosine is odds of e:1 (0.73). The argmax, hence the label, is the
cosine's whatever the temperature; only the confidence depends on it."""


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.clip(np.linalg.norm(a, axis=1, keepdims=True), 1e-12, None)
    b = b / np.clip(np.linalg.norm(b, axis=1, keepdims=True), 1e-12, None)
    return a @ b.T


class _EmbeddingMethod(Method):
    default_model = EMBEDDING_MODEL
    live_preview = True  # the model stays loaded; an edit encodes a few label texts
    fit_reads_texts = True  # logistic regression and centroids fit on the train texts' embeddings

    @classmethod
    def uses_train(cls, params) -> bool:
        return True

    def load(self, ctx: RunContext) -> None:
        from sentence_transformers import SentenceTransformer  # lazy: pulls in torch

        ref = self.config.model
        assert ref is not None  # the runner resolves the model before load
        self.model_ = load_model(
            "sentence-transformer", ref, ctx,
            lambda: SentenceTransformer(ref.location, device=ctx.device, trust_remote_code=ctx.trust_remote_code).to(torch_dtype(ctx.dtype)),
        )  # fmt: skip

    def cache_key(self, ctx: RunContext) -> str:
        assert self.config.model is not None  # embeddings are cached per model: only after load
        return f"{self.config.model.identity}|{ctx.device.split(':')[0]}|{ctx.dtype}"

    def encode(self, texts: Sequence[str], ctx: RunContext, phase: str | None = None) -> np.ndarray:
        """Embeddings in input order. Texts already in the store's embedding cache (same model,
        device kind and dtype) are not encoded again. With a phase, the rest is encoded
        longest-first (in tokens) one batch at a time, reporting progress (from 0, before the first
        batch, so a rate and an ETA can be shown from the first batch on) and seeing a cancel
        request after every batch."""
        texts = list(texts)
        cached = ctx.cache.get_embeddings(self.cache_key(ctx), texts) if ctx.cache is not None and texts else [None] * len(texts)
        missing = [i for i, v in enumerate(cached) if v is None]
        fresh: dict[int, np.ndarray] = {}
        if missing:
            # One batch is padded to its longest whatever its order: the runner's batches, already
            # in token order, are not measured again.
            todo = [missing[j] for j in longest_first(self, [texts[i] for i in missing])] if len(missing) > ctx.batch_size else missing
            step = ctx.batch_size if phase else len(todo)
            done = len(texts) - len(missing)
            if phase:
                ctx.progress(phase, done, len(texts))
            for start in range(0, len(todo), step):
                ctx.check_cancelled()
                idx = todo[start : start + step]
                emb = self._encode_batch([texts[i] for i in idx], ctx)
                fresh.update(zip(idx, emb))
                if ctx.cache is not None:
                    ctx.cache.put_embeddings(self.cache_key(ctx), [texts[i] for i in idx], emb)
                if phase:
                    ctx.progress(phase, done + start + len(idx), len(texts))
        elif phase:
            ctx.progress(phase, len(texts), len(texts))
        rows = [fresh[i] if v is None else v for i, v in enumerate(cached)]
        return np.stack(rows).astype(np.float32, copy=False) if rows else np.zeros((0, 0), dtype=np.float32)

    def _encode_batch(self, texts: list[str], ctx: RunContext) -> np.ndarray:
        # encode() sorts the texts of one call by characters, which pads a batch of reviews to 28%
        # more tokens than it holds; called one batch at a time the token order above stands (4%).
        size = ctx.batch_size
        parts = [
            self.model_.encode(texts[s : s + size], batch_size=size, convert_to_numpy=True, show_progress_bar=False)
            for s in range(0, len(texts), size)
        ]  # fmt: skip
        return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    def token_limit(self):
        """Tokenizer and tokens of a text the model reads (max_seq_length less [CLS]/[SEP]): the
        report counts the texts truncated (workbench/truncation.py)."""
        from ..truncation import limit_for, special_tokens

        tok = getattr(self.model_, "tokenizer", None)
        return limit_for(tok, getattr(self.model_, "max_seq_length", None), special_tokens(tok))

    def model_token_limit(self):
        return getattr(self.model_, "max_seq_length", None)

    def _fill_scores(self, scores: np.ndarray) -> list[Prediction]:
        """Predictions from per-class probabilities (rows summing to 1)."""
        return [Prediction(int(np.argmax(row)), [float(x) for x in row]) for row in scores]

    def _from_similarities(self, sims: np.ndarray) -> list[Prediction]:
        return self._fill_scores(softmax(sims, SIMILARITY_TEMPERATURE))

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        notes = getattr(self, "notes_", None)  # only logistic regression's fit notes anything
        return {"notes": notes} if notes else {}


@register
class EmbedLogReg(_EmbeddingMethod):
    name = "embed-logreg"
    description = "sentence embeddings + scikit-learn logistic regression fitted on the train split"
    params = (
        Param("C", 1.0, "inverse regularisation strength of LogisticRegression", "float"),
        Param("max_iter", 100, "LogisticRegression's iteration limit (its default, as in the lesson)", "int"),
    )

    def validate(self) -> None:
        """Refuse what scikit-learn would refuse only after the train split is encoded."""
        from ..errors import ConfigError

        p = self.config.params
        numbers = isinstance(p["C"], (int, float)) and isinstance(p["max_iter"], int)
        if not numbers or not p["C"] > 0 or p["max_iter"] < 1:
            raise ConfigError(f"C={p['C']} and max_iter={p['max_iter']} do not fit", expected="C > 0 and max_iter >= 1", field=param("C" if not (isinstance(p["C"], (int, float)) and p["C"] > 0) else "max_iter"))

    def fit(self, texts, labels, ctx: RunContext) -> "EmbedLogReg":
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        x = self.encode(texts, ctx, "encoding train")
        self.notes_: list[str] = []
        ctx.progress("fitting", 0, 1)
        clf = LogisticRegression(C=self.config.params["C"], max_iter=self.config.params["max_iter"], random_state=42)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            clf.fit(x, np.asarray(labels))
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            self.notes_.append(f"logistic regression did not converge in max_iter={clf.max_iter} iterations; raise the max_iter parameter (e.g. to 1000)")
        ctx.progress("fitting", 1, 1)
        self.clf_ = clf
        return self

    def scores_rule(self) -> str:
        return "LogisticRegression.predict_proba (a class absent from the train split gets 0)"

    def predict(self, texts, ctx: RunContext) -> list[Prediction]:
        proba = self.clf_.predict_proba(self.encode(texts, ctx))
        full = np.zeros((len(texts), len(self.config.label_names)))
        full[:, self.clf_.classes_] = proba
        return self._fill_scores(full)


@register
class EmbedCentroid(_EmbeddingMethod):
    name = "embed-centroid"
    description = "sentence embeddings; cosine similarity to each class's mean train embedding"

    def fit(self, texts, labels, ctx: RunContext) -> "EmbedCentroid":
        x = self.encode(texts, ctx, "encoding train")
        y = np.asarray(labels)
        k = len(self.config.label_names)
        centroids = np.zeros((k, x.shape[1]), dtype=np.float64)
        for c in range(k):
            if (y == c).any():
                centroids[c] = x[y == c].mean(axis=0)
        self.centroids_ = centroids
        self.present_ = np.array([(y == c).any() for c in range(k)])
        return self

    def predict(self, texts, ctx: RunContext) -> list[Prediction]:
        sims = cosine(self.encode(texts, ctx).astype(np.float64), self.centroids_)
        sims[:, ~self.present_] = -np.inf  # a class with no train rows has no centroid
        return self._from_similarities(sims)

    def scores_rule(self) -> str:
        return f"softmax of the cosine similarities to the class centroids at temperature {SIMILARITY_TEMPERATURE}"


@register
class EmbedZeroShot(_EmbeddingMethod):
    name = "embed-zeroshot"
    description = "sentence embeddings; cosine similarity to one descriptive text per label (no training)"
    params = (Param("labels", None, "one descriptive text per class, in label order (default: 'A negative review' style phrases from the label names)", "texts"),)

    def validate(self) -> None:
        """Refuse bad label texts before any model is loaded."""
        self.label_texts()

    def label_texts(self) -> list[str]:
        """The label texts given, else descriptive ones made from the label names (answers.py)."""
        names = self.config.label_names
        texts = [str(t) for t in (self.config.params.get("labels") or descriptive_label_texts(names))]
        check_label_texts(names, texts)
        return texts

    def fit(self, texts, labels, ctx: RunContext) -> "EmbedZeroShot":
        ctx.progress("encoding label texts", 0, 1)
        self.label_emb_ = self.encode(self.label_texts(), ctx).astype(np.float64)
        ctx.progress("encoding label texts", 1, 1)
        return self

    @classmethod
    def uses_train(cls, params) -> bool:
        return False

    def preview(self, text: str) -> Preview:
        pairs = tuple(zip(self.config.label_names, self.label_texts()))
        return Preview("label_texts", text, pairs=pairs, note="compared (cosine similarity of embeddings) with:")

    def predict(self, texts, ctx: RunContext) -> list[Prediction]:
        return self._from_similarities(cosine(self.encode(texts, ctx).astype(np.float64), self.label_emb_))

    def scores_rule(self) -> str:
        return f"softmax of the cosine similarities to the label texts at temperature {SIMILARITY_TEMPERATURE}"

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        return {"label_texts": " | ".join(self.label_texts()), **super().details(ctx)}
