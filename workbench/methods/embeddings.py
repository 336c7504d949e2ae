"""Methods over sentence embeddings: logistic regression, class centroids, label-text zero-shot."""

from __future__ import annotations

import warnings
from abc import abstractmethod
from functools import partial
from typing import Any, Sequence

import numpy as np

from ..answers import check_label_texts, descriptive_label_texts
from ..errors import param
from ..models import load_model
from ..precision import torch_dtype
from ..prefetch import Prefetcher, prefetch_enabled
from ..truncation import longest_first
from .base import Method, Param, Phase, Prediction, Preview, RunContext, softmax
from .registry import register

EMBEDDING_MODEL = "sentence-transformers/all-mpnet-base-v2"

SIMILARITY_TEMPERATURE = 0.05
"""The documented default temperature of the softmax that turns cosine similarities into class
probabilities, where none is fitted (embed-zeroshot reads no train split unless told to).
Cosines of sentence embeddings differ by hundredths between classes; at 0.05 a lead of 0.05 in
cosine is odds of e:1 (0.73). The argmax, hence the label, is the cosine's whatever the
temperature; only the confidence depends on it."""

FIT = "fit"
"""The ``temperature`` parameter's value that fits it on the train split: the one temperature
that maximises the likelihood of the train labels under the softmax of the train texts' cosine
similarities (calibration.fit_temperature, Guo et al.'s temperature scaling). For centroids the
similarities are to centroids made from the same rows; with thousands of rows per class their
own row moves a centroid by a fraction of a percent, so the fit is not held out and needs no
folds."""


MIN_TEMPERATURE = 1e-6
"""The smallest temperature: cosine similarities (at most 2 apart) over it stay finite."""


def temperature_param(default: Any) -> Param:
    return Param("temperature", default, f"softmax temperature > 0, or '{FIT}' (fitted on the train labels)", "str")


def is_fit(value: Any) -> bool:
    """Whether a ``temperature`` value asks for the fit (any case, spaces around)."""
    return isinstance(value, str) and value.strip().lower() == FIT


def parse_temperature(value: Any) -> float | None:
    """The temperature as a number, or None for 'fit'; ConfigError for anything else."""
    from ..errors import ConfigError

    if is_fit(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    # Below MIN_TEMPERATURE the similarities divided by it overflow to inf, and the softmax of
    # infinities is NaN: the labels would change and the scores be no numbers.
    if not (MIN_TEMPERATURE <= number < float("inf")):
        raise ConfigError(f"temperature={value!r} given", expected=f"a number >= {MIN_TEMPERATURE:g} or '{FIT}'", fix=f"give e.g. {SIMILARITY_TEMPERATURE}, or {FIT} to fit it on the train split", field=param("temperature"))
    return number


def canonical_temperature(params: dict[str, Any]) -> dict[str, Any]:
    """'0.050', '5e-2' and 0.05 are the same run: the parameter is text ('fit' or the number as
    Python writes it), whatever form it was given in (a flag, a TOML number, the TUI's field)."""
    from ..errors import ConfigError

    value = params.get("temperature")
    if isinstance(value, bool):
        return params
    try:
        number = parse_temperature(value)
    except ConfigError:
        return params  # validate() says what is wrong with it
    return {**params, "temperature": FIT if number is None else repr(number)}


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

    def encode(self, texts: Sequence[str], ctx: RunContext, phase: Phase | None = None) -> np.ndarray:
        """Embeddings in input order. Texts already in the store's embedding cache (same model,
        device kind and dtype) are not encoded again. With a phase, the rest is encoded
        longest-first (in tokens) one batch at a time, reporting progress (from 0, before the first
        batch, so a rate and an ETA can be shown from the first batch on) and seeing a cancel
        request after every batch."""
        texts = list(texts)
        cached = self._cached(texts, ctx)
        missing = [i for i, v in enumerate(cached) if v is None]
        fresh: dict[int, np.ndarray] = {}
        if missing:
            done = len(texts) - len(missing)
            if phase:
                ctx.progress(phase, done, len(texts))
            chunks = self._chunks(texts, missing, ctx, in_batches=bool(phase))
            # The next batch is tokenised on the prefetch thread while the model runs this one.
            with Prefetcher(len(chunks) > 1 and prefetch_enabled()) as prefetch:
                for k, idx in enumerate(chunks):
                    ctx.check_cancelled()
                    chunk = [texts[i] for i in idx]
                    parts = prefetch.take(k, partial(self._tokenise, chunk, ctx))
                    if k + 1 < len(chunks):
                        prefetch.ahead(k + 1, partial(self._tokenise, [texts[i] for i in chunks[k + 1]], ctx))
                    emb = self._run_model(parts, ctx)
                    fresh.update(zip(idx, emb))
                    if ctx.cache is not None:
                        ctx.cache.put_embeddings(self.cache_key(ctx), chunk, emb)
                    done += len(idx)
                    if phase:
                        ctx.progress(phase, done, len(texts))
        elif phase:
            ctx.progress(phase, len(texts), len(texts))
        rows = [fresh[i] if v is None else v for i, v in enumerate(cached)]
        return np.stack(rows).astype(np.float32, copy=False) if rows else np.zeros((0, 0), dtype=np.float32)

    def _cached(self, texts: list[str], ctx: RunContext) -> list[np.ndarray | None]:
        return ctx.cache.get_embeddings(self.cache_key(ctx), texts) if ctx.cache is not None and texts else [None] * len(texts)

    def _chunks(self, texts: list[str], missing: list[int], ctx: RunContext, in_batches: bool) -> list[list[int]]:
        """The indices of ``missing`` in the batches encode() runs them: longest first (in tokens)
        and ``ctx.batch_size`` at a time, or all in one call (``in_batches`` False)."""
        # One batch is padded to its longest whatever its order: the runner's batches, already
        # in token order, are not measured again.
        todo = [missing[j] for j in longest_first(self, [texts[i] for i in missing])] if len(missing) > ctx.batch_size else missing
        step = ctx.batch_size if in_batches else len(todo)
        return [todo[s : s + step] for s in range(0, len(todo), step)]

    def fit_batches(self, texts: Sequence[str], ctx: RunContext) -> list[list[str]]:
        """The train texts not in the store's cache, in fit's encoding batches (``encode`` with
        a phase, as fit calls it). Each batch encoded alone (:meth:`run_fit_batch`) goes through
        the same tokenising and forward pass as inside fit, so the cache then holds what fit
        would have encoded."""
        if ctx.cache is None:
            return []
        texts = list(texts)
        missing = [i for i, v in enumerate(self._cached(texts, ctx)) if v is None]
        return [[texts[i] for i in idx] for idx in self._chunks(texts, missing, ctx, in_batches=True)] if missing else []

    def run_fit_batch(self, texts: Sequence[str], ctx: RunContext) -> None:
        self.encode(texts, ctx)  # one batch (no reordering up to batch_size), into the store's cache

    # ------------------------------------------------- encoding in two steps (prefetch)
    # SentenceTransformer.encode() tokenises and runs the model in one call, so the next batch
    # could not be tokenised while this one runs. It is taken apart here into the model's own
    # ``preprocess`` (tokenising, on the prefetch thread) and forward pass, run as encode() runs
    # one batch: longest first by characters, outputs put back in order, bfloat16 upcast before
    # numpy (tests/test_prefetch.py compares the two). encode() sorts the texts of one call by
    # characters, which pads a batch of reviews to 28% more tokens than it holds; called one
    # batch at a time, the runner's token order stands (4%).

    def _two_steps_apply(self) -> bool:
        """Whether the model can be run in two steps as encode() runs it: a sentence-transformers
        with ``preprocess`` (3.x has none) and no default prompt (encode() adds it)."""
        return hasattr(self.model_, "preprocess") and not getattr(self.model_, "default_prompt_name", None)

    def _tokenise(self, texts: list[str], ctx: RunContext) -> list[tuple[Any, Any]]:
        """(order, features on the device) per sub-batch of ``ctx.batch_size``; ("encode", texts)
        where the model runs in one step only."""
        from sentence_transformers.util import batch_to_device

        if not self._two_steps_apply():
            return [("encode", texts[s : s + ctx.batch_size]) for s in range(0, len(texts), ctx.batch_size)]
        parts = []
        with self.host_lock:
            for s in range(0, len(texts), ctx.batch_size):
                chunk = texts[s : s + ctx.batch_size]
                order = np.argsort([-len(t) for t in chunk])
                parts.append((order, batch_to_device(self.model_.preprocess([chunk[j] for j in order]), self.model_.device)))
        return parts

    def _run_model(self, parts: list[tuple[Any, Any]], ctx: RunContext) -> np.ndarray:
        """Embeddings (rows in input order) of what ``_tokenise`` prepared."""
        import torch

        out = []
        for order, features in parts:
            if isinstance(order, str):
                out.append(self.model_.encode(features, batch_size=ctx.batch_size, convert_to_numpy=True, show_progress_bar=False))
                continue
            with torch.inference_mode():
                emb = self.model_(features)["sentence_embedding"]
            emb = (emb.float() if emb.dtype == torch.bfloat16 else emb).cpu().numpy()
            out.append(emb[np.argsort(order)])
        return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)

    prefetches = True

    def prepare_batch(self, texts: Sequence[str], ctx: RunContext) -> Any:
        """The batch's cached embeddings and the rest tokenised (``_tokenise``)."""
        texts = list(texts)
        cached = self._cached(texts, ctx)
        missing = [i for i, v in enumerate(cached) if v is None]
        return cached, missing, self._tokenise([texts[i] for i in missing], ctx) if missing else []

    def predict_prepared(self, prepared: Any, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        cached, missing, parts = prepared
        if missing:
            emb = self._run_model(parts, ctx)
            if ctx.cache is not None:
                ctx.cache.put_embeddings(self.cache_key(ctx), [texts[i] for i in missing], emb)
            for i, row in zip(missing, emb):
                cached[i] = row
        x = np.stack(cached).astype(np.float32, copy=False) if cached else np.zeros((0, 0), dtype=np.float32)
        return self.predict_embeddings(x)

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        return self.predict_in_two_steps(texts, ctx)

    @abstractmethod
    def predict_embeddings(self, x: np.ndarray) -> list[Prediction]:
        """Predictions from the texts' embeddings (rows in order)."""

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
    fits_on_embeddings = True

    @classmethod
    def train_check_c(cls, params) -> float:
        """The suspects' check of the train split regularises as this run's own fit did."""
        return float(params.get("C", 1.0))

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

        x = self.encode(texts, ctx, Phase.ENCODING_TRAIN)
        self.notes_: list[str] = []
        ctx.progress(Phase.FITTING, 0, 1)
        clf = LogisticRegression(C=self.config.params["C"], max_iter=self.config.params["max_iter"], random_state=42)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            clf.fit(x, np.asarray(labels))
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            self.notes_.append(f"logistic regression did not converge in max_iter={clf.max_iter} iterations; raise the max_iter parameter (e.g. to 1000)")
        ctx.progress(Phase.FITTING, 1, 1)
        self.clf_ = clf
        return self

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return "LogisticRegression.predict_proba (a class absent from the train split gets 0)"

    def predict_embeddings(self, x: np.ndarray) -> list[Prediction]:
        proba = self.clf_.predict_proba(x)
        full = np.zeros((len(x), len(self.config.label_names)))
        full[:, self.clf_.classes_] = proba
        return self._fill_scores(full)


class _SimilarityMethod(_EmbeddingMethod):
    """Centroids and label texts: class probabilities are a softmax of cosine similarities at a
    temperature (the ``temperature`` parameter: a number, or ``fit``, see FIT)."""

    @classmethod
    def complete_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        return canonical_temperature(params)

    def validate(self) -> None:
        parse_temperature(self.config.params["temperature"])

    def _settle_temperature(self, sims: np.ndarray | None, labels: Sequence[int] | np.ndarray | None) -> None:
        """The temperature given, or (``fit``) the one fitted on the train rows' similarities
        (none given: the documented default)."""
        from ..calibration import fit_temperature

        given = parse_temperature(self.config.params["temperature"])
        if given is not None or sims is None or labels is None or len(labels) == 0:
            self.temperature_ = given if given is not None else SIMILARITY_TEMPERATURE
            self.temperature_fitted_ = False
            return
        # Fitted relative to the default so that the search range (x0.01..x100) is around it.
        relative = fit_temperature(softmax(sims, SIMILARITY_TEMPERATURE), np.asarray(labels))
        self.temperature_ = SIMILARITY_TEMPERATURE * relative
        self.temperature_fitted_ = True

    def _from_similarities(self, sims: np.ndarray) -> list[Prediction]:
        """Probabilities at the run's temperature; the raw cosines are kept in ``raw``."""
        names = self.config.label_names
        return [
            Prediction(int(np.argmax(p)), [float(v) for v in p], "cosine similarities: " + " | ".join(f"{n} {c:.6f}" if np.isfinite(c) else f"{n} -" for n, c in zip(names, row)))
            for p, row in zip(softmax(sims, self.temperature_), sims)
        ]  # fmt: skip

    def _temperature_rule(self, what: str) -> str:
        how = "fitted on the train split's labels" if self.temperature_fitted_ else ("the documented default" if self.temperature_ == SIMILARITY_TEMPERATURE else "as given")
        return f"softmax of the cosine similarities to {what} at temperature {self.temperature_:.4g} ({how}; the raw similarities are kept with each prediction)"



@register
class EmbedCentroid(_SimilarityMethod):
    name = "embed-centroid"
    description = "sentence embeddings; cosine similarity to each class's mean train embedding"
    params = (temperature_param(FIT),)
    fits_on_embeddings = True

    def fit(self, texts, labels, ctx: RunContext) -> "EmbedCentroid":
        x = self.encode(texts, ctx, Phase.ENCODING_TRAIN)
        y = np.asarray(labels)
        k = len(self.config.label_names)
        centroids = np.zeros((k, x.shape[1]), dtype=np.float64)
        for c in range(k):
            if (y == c).any():
                centroids[c] = x[y == c].mean(axis=0)
        self.centroids_ = centroids
        self.present_ = np.array([(y == c).any() for c in range(k)])
        self._settle_temperature(self._similarities(x), y)
        return self

    def _similarities(self, x: np.ndarray) -> np.ndarray:
        sims = cosine(x.astype(np.float64), self.centroids_)
        sims[:, ~self.present_] = -np.inf  # a class with no train rows has no centroid
        return sims

    def predict_embeddings(self, x: np.ndarray) -> list[Prediction]:
        return self._from_similarities(self._similarities(x))

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return self._temperature_rule("the class centroids")

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        return {"temperature": round(self.temperature_, 6), **super().details(ctx)}


@register
class EmbedZeroShot(_SimilarityMethod):
    name = "embed-zeroshot"
    takes_proposed_label_texts = True
    description = "sentence embeddings; cosine similarity to one descriptive text per label (no training)"
    params = (
        Param("labels", None, "one descriptive text per class, in label order (default: 'A negative review' style phrases from the label names)", "texts"),
        temperature_param(repr(SIMILARITY_TEMPERATURE)),
    )

    def validate(self) -> None:
        """Refuse bad label texts and temperatures before any model is loaded."""
        self.label_texts()
        super().validate()

    def label_texts(self) -> list[str]:
        """The label texts given, else descriptive ones made from the label names (answers.py)."""
        names = self.config.label_names
        texts = [str(t) for t in (self.config.params.get("labels") or descriptive_label_texts(names))]
        check_label_texts(names, texts)
        return texts

    def fit(self, texts, labels, ctx: RunContext) -> "EmbedZeroShot":
        ctx.progress(Phase.ENCODING_LABEL_TEXTS, 0, 1)
        self.label_emb_ = self.encode(self.label_texts(), ctx).astype(np.float64)
        ctx.progress(Phase.ENCODING_LABEL_TEXTS, 1, 1)
        fitting = is_fit(self.config.params["temperature"]) and bool(texts) and labels is not None
        self._settle_temperature(cosine(self.encode(texts, ctx, Phase.ENCODING_TRAIN).astype(np.float64), self.label_emb_) if fitting else None, labels)
        return self

    @classmethod
    def uses_train(cls, params) -> bool:
        """Only to fit the temperature (``temperature=fit``): the labels come from the label texts."""
        return is_fit(params.get("temperature"))

    def preview(self, text: str) -> Preview:
        pairs = tuple(zip(self.config.label_names, self.label_texts()))
        return Preview("label_texts", text, pairs=pairs, note="compared (cosine similarity of embeddings) with:")

    def predict_embeddings(self, x: np.ndarray) -> list[Prediction]:
        return self._from_similarities(cosine(x.astype(np.float64), self.label_emb_))

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return self._temperature_rule("the label texts")

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        return {"label_texts": " | ".join(self.label_texts()), "temperature": round(self.temperature_, 6), **super().details(ctx)}
