"""Zero-shot classification by natural-language inference: the ``zero-shot-classification``
pipeline asks an NLI model whether the text entails "This example is {label text}." per class."""

from __future__ import annotations

from typing import Any, Sequence

from ..answers import check_label_texts, default_label_texts
from ..errors import ConfigError, param
from ..models import load_pipeline
from .base import Method, Param, Prediction, Preview, RunContext
from .pipeline_steps import prepare_pipeline, run_pipeline
from .registry import register

HYPOTHESIS = "This example is {}."
HYPOTHESIS_FIELD = param("hypothesis")


def check_hypothesis(hypothesis: str) -> str:
    """The hypothesis template, or ConfigError unless it has exactly one {} for the label text."""
    if not isinstance(hypothesis, str) or hypothesis.count("{}") != 1:
        raise ConfigError(
            f"the hypothesis template {hypothesis!r} needs exactly one {{}} where the label text goes",
            fix='e.g. "This example is {}."',
            field=HYPOTHESIS_FIELD,
        )
    # The pipeline fills it with str.format: any other brace ('{x}', a lone '}') would fail on
    # every example at predict time, so it is refused here, before a model loads.
    try:
        filled = hypothesis.format("\x00")
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        filled = ""
    if filled.count("\x00") != 1:
        raise ConfigError(
            f"the hypothesis template {hypothesis!r} has braces other than its one {{}}",
            fix="write a literal brace as {{ or }}",
            field=HYPOTHESIS_FIELD,
        )
    return hypothesis


@register
class NLIZeroShot(Method):
    name = "nli-zeroshot"
    description = "an NLI model (zero-shot-classification pipeline): does the text entail 'This example is <label text>.'?"
    default_model = "facebook/bart-large-mnli"
    params = (
        Param("hypothesis", HYPOTHESIS, "hypothesis template; {} is replaced by each label text", editor="template-line", check=check_hypothesis),
        Param("labels", None, "one label text per class, in label order (default: the label names, neg/pos spelled out)", "texts"),
    )

    def validate(self) -> None:
        """Refuse a bad hypothesis template or label texts before any model is loaded."""
        check_hypothesis(self.config.params["hypothesis"])
        self.label_texts()

    def label_texts(self) -> list[str]:
        names = self.config.label_names
        texts = self.config.params.get("labels") or default_label_texts(names)
        check_label_texts(names, texts)
        return [str(t) for t in texts]

    def preview(self, text: str) -> Preview:
        hypothesis = check_hypothesis(self.config.params["hypothesis"])
        pairs = tuple((name, hypothesis.format(t)) for name, t in zip(self.config.label_names, self.label_texts()))
        return Preview("hypothesis", text, pairs=pairs, note="does the text entail each hypothesis?")

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return "softmax of the entailment logits over the hypotheses (the zero-shot pipeline's single-label rule)"

    def load(self, ctx: RunContext) -> None:
        assert self.config.model is not None  # the runner resolves the model before load
        self.pipe_ = load_pipeline("zero-shot-classification", self.config.model, ctx)

    def fit(self, texts, labels, ctx: RunContext) -> "NLIZeroShot":
        self.validate()
        self.label_texts_ = self.label_texts()
        return self

    prefetches = True  # the (text, hypothesis) pairs tokenised in prepare_batch, the model in predict_prepared

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        return self.predict_in_two_steps(texts, ctx)

    def prepare_batch(self, texts: Sequence[str], ctx: RunContext) -> Any:
        """The pipeline's preprocessing (one chunk per text and label text), its model not run."""
        return prepare_pipeline(
            self.pipe_, list(texts), ctx.batch_size,
            candidate_labels=self.label_texts_, hypothesis_template=self.config.params["hypothesis"], multi_label=False,
        )  # fmt: skip

    def predict_prepared(self, prepared: Any, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        outputs = run_pipeline(self.pipe_, prepared)
        index = {t: i for i, t in enumerate(self.label_texts_)}
        preds = []
        for out in outputs:
            scores = [0.0] * len(self.label_texts_)
            for label, score in zip(out["labels"], out["scores"]):
                scores[index[label]] = float(score)
            preds.append(Prediction(max(range(len(scores)), key=scores.__getitem__), scores))
        return preds

    def token_limit(self):
        """Tokenizer and tokens of a text the model reads: the pipeline truncates the text (only)
        so that it and the longest hypothesis fit model_max_length."""
        from ..truncation import limit_for, special_tokens

        tok, hyp = self.pipe_.tokenizer, self.config.params["hypothesis"]
        longest = max(len(tok(hyp.format(t), add_special_tokens=False)["input_ids"]) for t in self.label_texts_)
        return limit_for(tok, getattr(tok, "model_max_length", None), special_tokens(tok, pair=True) + longest)

    def model_token_limit(self):
        return getattr(self.pipe_.tokenizer, "model_max_length", None)

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        hyp = self.config.params["hypothesis"]
        return {"hypotheses": " | ".join(hyp.format(t) for t in self.label_texts_)}
