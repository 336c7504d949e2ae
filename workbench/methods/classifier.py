"""A fine-tuned Hugging Face text classifier through ``pipeline``, its labels mapped onto the data's."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..errors import MODEL, ConfigError
from ..label_map import describe_label_map, resolve_label_map
from ..models import ModelRef, load_model
from ..truncation import NO_LIMIT
from .base import Method, Param, Prediction, RunContext
from .pipeline_steps import prepare_pipeline, run_pipeline
from .registry import register


def load_trained_classifier(ref: ModelRef, ctx: RunContext) -> Any:
    """The text-classification ``pipeline`` of ``ref``, refused (ConfigError) when transformers
    reports weights of it newly initialised: a model with no trained classification head (an
    embedding model, a base model) would get a random head on every load, hence other answers on
    every run under one run id. The model is loaded here with its loading report
    (``output_loading_info``) and handed to the pipeline, which does the rest as ever."""
    from transformers import AutoModelForSequenceClassification, pipeline

    from ..precision import torch_dtype

    def make() -> Any:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            ref.location, output_loading_info=True, dtype=torch_dtype(ctx.dtype), trust_remote_code=ctx.trust_remote_code,
        )  # fmt: skip
        fresh = sorted(set(info.get("missing_keys") or ()) | {str(k[0]) if isinstance(k, tuple) else str(k) for k in info.get("mismatched_keys") or ()})
        if fresh:
            shown = ", ".join(fresh[:4]) + (f" and {len(fresh) - 4} more" if len(fresh) > 4 else "")
            raise ConfigError(
                f"model '{ref.name}' has no trained classification head: transformers initialised {shown} at random when loading it, "
                "so its predictions would change from one load to the next",
                expected="a model fine-tuned for text classification",
                fix="fine-tune it first (the finetune method), or pick a fine-tuned classification model; for an embedding model use an embedding method",
                field=MODEL,
            )  # fmt: skip
        return pipeline("text-classification", model=model, tokenizer=ref.location, device=ctx.device, top_k=None, trust_remote_code=ctx.trust_remote_code)

    return load_model("text-classification", ref, ctx, make)


@register
class Classifier(Method):
    name = "classifier"
    description = "a fine-tuned Hugging Face text-classification model (pipeline, all class scores)"
    default_model = "cardiffnlp/twitter-roberta-base-sentiment-latest"
    params = (
        Param(
            "label_map",
            {},
            "MODEL_LABEL=DATASET_LABEL pairs (MODEL_LABEL= ignores a class); unmapped classes match by name",
            "mapping",
        ),
    )

    def load(self, ctx: RunContext) -> None:
        assert self.config.model is not None  # the runner resolves the model before load
        self.pipe_ = load_trained_classifier(self.config.model, ctx)
        id2label = self.pipe_.model.config.id2label
        self.model_labels_ = [str(id2label[i]) for i in range(len(id2label))]
        self.target_ = resolve_label_map(self.model_labels_, self.config.label_names, self.config.params.get("label_map"))
        self.max_length_ = getattr(self.pipe_.tokenizer, "model_max_length", 512)
        if not self.max_length_ or self.max_length_ >= NO_LIMIT:
            self.max_length_ = getattr(self.pipe_.model.config, "max_position_embeddings", 512)

    def token_limit(self):
        """Tokenizer and tokens of a text the model reads, for the report's truncated count."""
        from ..truncation import limit_for, special_tokens

        return limit_for(self.pipe_.tokenizer, self.max_length_, special_tokens(self.pipe_.tokenizer))

    def model_token_limit(self):
        return self.max_length_

    prefetches = True  # tokenising and collating in prepare_batch, the model in predict_prepared

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        return self.predict_in_two_steps(texts, ctx)

    def prepare_batch(self, texts: Sequence[str], ctx: RunContext) -> Any:
        """The pipeline's preprocessing of the batch (pipeline_steps.py), its model not run."""
        return prepare_pipeline(self.pipe_, list(texts), ctx.batch_size, top_k=None, truncation=True, max_length=self.max_length_)

    def predict_prepared(self, prepared: Any, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        outputs = run_pipeline(self.pipe_, prepared)
        index = {name: i for i, name in enumerate(self.model_labels_)}
        k = len(self.config.label_names)
        preds = []
        for out in outputs:
            probs = np.zeros(len(self.model_labels_))
            for item in out:
                probs[index[str(item["label"])]] = item["score"]
            scores = np.zeros(k)
            for m, t in enumerate(self.target_):
                if t is not None:
                    scores[t] += probs[m]
            total = scores.sum()
            if not total > 0:  # all the probability on classes the label map ignores
                preds.append(Prediction(None, raw="every class the model gave probability to is ignored by the label map"))
                continue
            scores = scores / total
            preds.append(Prediction(int(np.argmax(scores)), [float(s) for s in scores]))
        return preds

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return "the pipeline's class probabilities, added up per data label through the label map and renormalised over the mapped classes"

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        return {"label_map": describe_label_map(self.model_labels_, self.config.label_names, self.target_)}
