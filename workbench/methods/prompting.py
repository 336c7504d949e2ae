"""What every prompt method shares: the template, label texts, verbalizers, few-shot examples,
the answer parser, their validation before any model loads, and what the report shows of them."""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Sequence

from ..answers import AnswerParser, default_label_texts, parse_verbalizer
from ..errors import ConfigError, param
from ..precision import DEFAULT_PROMPT_BATCH
from ..prompts import FewShot, check_strategy, check_template, choose_few_shot, diverse_rows, nearest_rows, render, require_train, shots_of
from .base import Method, Param, Phase, Preview, RunContext
from .first_token import GENERATE_SCORE_RULE, answer_variants, class_first_tokens

MODES = ("generate", "score")

FEW_SHOT_MODEL = "all-MiniLM-L6-v2"
"""The default embedding model of the knn and label-diverse few-shot strategies (packaged)."""

SCORE_RULE = (
    "the model's log-likelihood of each class's answer word as the whole answer, in lower case "
    "or capitalised (probabilities summed); the most likely class wins, never invalid"
)


def prompt_params(default_prompt: str, *, system: bool, mode: str | None, max_new_tokens: int) -> tuple[Param, ...]:
    """The parameters of a prompt method; ``mode`` None: the method only generates (chat APIs)."""
    out = [Param("prompt", default_prompt, "prompt template; {text} or [DOCUMENT] is replaced by the text", editor="template", check=check_template)]
    if system:
        out.append(Param("system", None, "system message (none by default)", editor="message"))
    if mode is not None:
        out.append(Param("mode", mode, "generate (decode, then parse the answer) or score (compare the label words' likelihood)"))
    out += [
        Param("labels", None, "one answer text per class, in label order (default: the label names, neg/pos spelled out)", "texts"),
        Param("verbalizer", {}, "extra answer words, WORD=LABEL (e.g. 1=pos 0=neg when the prompt asks for digits)", "mapping"),
        Param("few_shot", 0, "number of labelled train examples put in the prompt (balanced across labels)", "int"),
        Param("few_shot_seed", 0, "seed that picks the few-shot examples", "int"),
        Param(
            "few_shot_strategy",
            "random",
            "how the examples are picked: random (seeded, balanced, the same for every text), knn (the most similar "
            "train texts to each text, the most similar last) or label-diverse (labels in turn, dissimilar within a label)",
        ),
        Param("few_shot_model", FEW_SHOT_MODEL, "sentence-embedding model of the knn and label-diverse few-shot strategies"),
        Param("max_new_tokens", max_new_tokens, "longest answer generated, in tokens", "int"),
    ]
    return tuple(out)


def load_pretrained(ref, ctx: RunContext, model_cls_name: str) -> tuple[Any, Any]:
    """Tokenizer and eval-mode model of ``ref`` on the run's device, kept loaded between runs."""
    import transformers  # lazy: pulls in torch

    from ..models import load_model
    from ..precision import torch_dtype

    def load():
        trust = ctx.trust_remote_code
        tok = transformers.AutoTokenizer.from_pretrained(ref.location, trust_remote_code=trust)
        model_cls = getattr(transformers, model_cls_name)
        model = model_cls.from_pretrained(ref.location, dtype=torch_dtype(ctx.dtype), trust_remote_code=trust).to(ctx.device).eval()
        return tok, model

    return load_model(model_cls_name, ref, ctx, load)


class PromptMethod(Method):
    """Base of seq2seq, local-chat and chat. Subclasses add load and predict."""

    default_prompt: ClassVar[str]
    batch_sizes: ClassVar[Mapping[str, int]] = DEFAULT_PROMPT_BATCH
    tokenizer_: Any
    """The local model's tokenizer (set by load() of seq2seq and local-chat; an API method has none)."""

    @classmethod
    def uses_train(cls, params: Mapping[str, Any]) -> bool:
        """Only few-shot examples come from the train split: a zero-shot prompt run needs none."""
        return int(params.get("few_shot") or 0) > 0

    @classmethod
    def holds_models(cls, params: Mapping[str, Any]) -> frozenset[str]:
        """With knn few-shot the fitted method keeps its sentence-embedding model (each text's
        nearest train examples are found at predict time)."""
        return frozenset({"sentence-transformer"}) if params.get("few_shot_strategy") == "knn" else frozenset()

    @property
    def template(self) -> str:
        return self.config.params["prompt"]

    @property
    def mode(self) -> str:
        return self.config.params.get("mode") or "generate"

    def validate(self) -> None:
        """Refuse what the user must fix before any model is loaded."""
        check_template(self.template)
        if self.mode not in MODES:
            raise ConfigError(f"mode={self.mode!r} is not a mode", expected="generate or score", field=param("mode"))
        if self.config.params["few_shot"] < 0:
            raise ConfigError(f"few_shot={self.config.params['few_shot']} is negative", expected="0 (zero-shot) or more examples", field=param("few_shot"))
        check_strategy(self.config.params.get("few_shot_strategy", "random"))
        model = self.config.params.get("few_shot_model")
        if not isinstance(model, str) or not model.strip():
            raise ConfigError(
                f"few_shot_model={model!r} names no model", expected="a sentence-embedding model, e.g. all-MiniLM-L6-v2", field=param("few_shot_model")
            )
        if self.config.params["max_new_tokens"] < 1:
            raise ConfigError("max_new_tokens must be at least 1", field=param("max_new_tokens"))
        self.build_parser()

    def label_texts(self) -> list[str]:
        """Each class's label text (the names, neg/pos spelled out, unless given), validated."""
        self.build_parser()
        names = self.config.label_names
        return [str(t) for t in (self.config.params.get("labels") or default_label_texts(names))]

    def preview(self, text: str) -> Preview:
        self.validate()
        p = self.config.params
        pairs = tuple(zip(self.config.label_names, self.label_texts()))
        return Preview("prompt", text, prompt=render(self.template, text), system=p.get("system") or None, few_shot=int(p["few_shot"] or 0), pairs=pairs)

    def answer_ids(self, variant: str) -> list[int]:
        """The token ids score mode scores for one spelling of an answer word (seq2seq and
        local-chat tokenise it as their model reads an answer). Default: none (an API method)."""
        return []

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        if self.mode == "score":
            return "softmax over the classes of the answer words' log-likelihoods (" + SCORE_RULE + ")"
        if self.runs_locally:
            return GENERATE_SCORE_RULE
        return "none: generate mode parses the answer text, which gives no class probabilities"

    def build_parser(self) -> AnswerParser:
        p = self.config.params
        return AnswerParser.build(self.config.label_names, p.get("labels"), parse_verbalizer(p.get("verbalizer")))

    @property
    def strategy(self) -> str:
        return self.config.params.get("few_shot_strategy") or "random"

    def fit(self, texts: Sequence[str] | None, labels: Sequence[int] | None, ctx: RunContext):
        """Picks the few-shot examples: ``shots_`` is the set every text gets (random,
        label-diverse; none for knn, whose sets are per text, see shots_for), ``widest_shots_``
        the longest set a text can get, which token_limit() leaves room for."""
        self.validate()
        self.parser_ = self.build_parser()
        if self.runs_locally and self.mode == "generate":  # the tokens generate mode's scores are read at
            self.class_tokens_ = class_first_tokens(self.tokenizer_, self.answer_words)
        elif self.runs_locally:  # score mode: tokenised once here, not per batch beside the prefetch thread
            self.variant_ids_ = [(c, self.answer_ids(v)) for c, word in enumerate(self.answer_words) for v in answer_variants(word)]
        p = self.config.params
        k, n = p["few_shot"], len(self.config.label_names)
        self.shots_ = self.widest_shots_ = FewShot()
        if k and self.strategy == "random":
            self.shots_ = self.widest_shots_ = choose_few_shot(texts, labels, k, n, p["few_shot_seed"])
        elif k:
            require_train(texts, labels, k)
            assert texts is not None and labels is not None
            self.embedder_ = self._load_embedder(ctx)
            emb = self._embed(texts, ctx, Phase.ENCODING_FEW_SHOT)
            if self.strategy == "label-diverse":
                del self.embedder_  # not needed past fit: the engine's kept models hold it, not this method
                self.shots_ = self.widest_shots_ = shots_of(texts, labels, diverse_rows(emb, labels, k, n, p["few_shot_seed"]))
            else:
                self.train_ = (tuple(texts), tuple(labels))
                self.train_emb_ = emb
                self.widest_shots_ = self._widest_shots(texts, k)
        return self

    def shot_length(self, text: str) -> int:
        """How long ``text`` is in the model's units, to find the longest few-shot set: characters
        here; a method with a tokenizer counts tokens."""
        return len(text)

    def _widest_shots(self, texts: Sequence[str], k: int) -> FewShot:
        """The ``k`` longest train texts, each answered by the longest answer word: no knn set is
        longer (up to tokens merging across a join, which a few tokens cover)."""
        longest = sorted(range(len(texts)), key=lambda i: (-self.shot_length(texts[i]), i))[:k]
        words = self.answer_words
        label = max(range(len(words)), key=lambda c: self.shot_length(words[c]))
        return FewShot(tuple((texts[i], label) for i in longest), tuple(longest))

    @property
    def few_shot_slack(self) -> int:
        """Tokens token_limit() keeps spare beyond the widest few-shot set: a knn set's texts are
        ranked by their own token counts, and a text's tokens can differ by one at each of its two
        joins once rendered in the prompt; 0 where every text gets the same set."""
        return 2 * len(self.widest_shots_.examples) if self.strategy == "knn" else 0

    def shots_for(self, texts: Sequence[str], ctx: RunContext | None = None) -> list[FewShot]:
        """The few-shot examples of each text: the fitted set, or for knn the text's nearest train
        examples (the batch's texts are encoded at once)."""
        if not hasattr(self, "train_emb_") or self.strategy != "knn" or not texts:
            return [self.shots_] * len(texts)
        train_texts, train_labels = self.train_
        queries = self._embed(texts, ctx or RunContext())
        return [shots_of(train_texts, train_labels, rows) for rows in nearest_rows(queries, self.train_emb_, self.config.params["few_shot"])]

    def _embedding_ctx(self, ctx: RunContext) -> RunContext:
        """An API method's run has no device: its few-shot embeddings are made on the CPU in float32."""
        from dataclasses import replace

        return ctx if self.runs_locally else replace(ctx, device="cpu", dtype="float32")

    def _load_embedder(self, ctx: RunContext):
        from ..models import load_model, resolve_model
        from ..precision import torch_dtype

        ctx = self._embedding_ctx(ctx)
        ref = resolve_model(self.config.params["few_shot_model"], ctx.cache)
        self.embedder_ref_ = ref

        def make():
            from sentence_transformers import SentenceTransformer  # lazy: pulls in torch

            return SentenceTransformer(ref.location, device=ctx.device, trust_remote_code=ctx.trust_remote_code).to(torch_dtype(ctx.dtype))

        return load_model("sentence-transformer", ref, ctx, make)

    def _embed(self, texts: Sequence[str], ctx: RunContext, phase: Phase | None = None):
        """Embeddings of ``texts`` by the few-shot model, through the store's embedding cache
        (keyed as workbench/methods/embeddings.py keys it) when the run has one."""
        import numpy as np

        ctx = self._embedding_ctx(ctx)
        texts = list(texts)
        key = f"{self.embedder_ref_.identity}|{ctx.device.split(':')[0]}|{ctx.dtype}"
        cached: list[Any] = ctx.cache.get_embeddings(key, texts) if ctx.cache is not None else [None] * len(texts)
        missing = [i for i, v in enumerate(cached) if v is None]
        if phase:
            ctx.progress(phase, 0, 1)
        if missing:
            ctx.check_cancelled()
            size = max(1, ctx.batch_size)
            fresh = self.embedder_.encode([texts[i] for i in missing], batch_size=size, convert_to_numpy=True, show_progress_bar=False)
            if ctx.cache is not None:
                ctx.cache.put_embeddings(key, [texts[i] for i in missing], fresh)
            for i, v in zip(missing, fresh):
                cached[i] = v
        if phase:
            ctx.progress(phase, 1, 1)
        return np.stack(cached).astype(np.float32, copy=False)

    @property
    def answer_words(self) -> list[str]:
        return [self.parser_.answer_word(i) for i in range(len(self.config.label_names))]

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        p = self.config.params
        out: dict[str, Any] = {"prompt": _one_line(self.template)}
        if p.get("system"):
            out["system"] = _one_line(p["system"])
        out["few_shot"] = self.few_shot_rule()
        if self.mode == "score":
            out["scoring"] = SCORE_RULE + " (" + ", ".join(self.answer_words) + ")"
        else:
            out["parse_rule"] = self.parser_.describe(self.config.label_names)
        return out

    def few_shot_rule(self) -> str:
        p = self.config.params
        k, model = p["few_shot"], p.get("few_shot_model") or FEW_SHOT_MODEL
        if not k:
            return FewShot().describe(self.config.label_names, p["few_shot_seed"])
        if self.strategy == "knn":
            return f"knn: {k} nearest train examples per text by {model} cosine, the most similar last (next to the question)"
        shown = self.shots_.describe(self.config.label_names, p["few_shot_seed"])
        if self.strategy == "label-diverse":
            return f"label-diverse: {shown}; labels in turn, greedy farthest-point by {model} cosine within each label"
        return f"random: {shown}"


def _one_line(text: str) -> str:
    """Templates shown on one report line, newlines visible as \\n."""
    return repr(str(text))[1:-1]
