"""A fine-tuned Hugging Face text classifier through ``pipeline``, its labels mapped onto the data's."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..label_map import describe_label_map, resolve_label_map
from ..models import LOADED, model_load_error
from ..precision import torch_dtype
from .base import MethodConfig, Param, Prediction, RunContext


class Classifier:
    name = "classifier"
    description = "a fine-tuned Hugging Face text-classification model (pipeline, all class scores)"
    default_model = "cardiffnlp/twitter-roberta-base-sentiment-latest"
    needs_train = False
    params = (
        Param(
            "label_map",
            {},
            "MODEL_LABEL=DATASET_LABEL pairs (MODEL_LABEL= ignores a class); unmapped classes match by name",
            "mapping",
        ),
    )

    def __init__(self, config: MethodConfig):
        self.config = config

    def load(self, ctx: RunContext) -> None:
        from transformers import pipeline  # lazy: pulls in torch

        ref = self.config.model
        try:
            self.pipe_ = LOADED.get(
                ("text-classification", ref.location, ref.identity, ctx.device, ctx.dtype),
                lambda: pipeline(
                    "text-classification", model=ref.location, top_k=None, device=ctx.device,
                    dtype=torch_dtype(ctx.dtype), trust_remote_code=ctx.trust_remote_code,
                ),  # fmt: skip
            )
        except Exception as e:  # loading can fail in many library-specific ways
            raise model_load_error(self.config.model, e, ctx.device) from None
        id2label = self.pipe_.model.config.id2label
        self.model_labels_ = [str(id2label[i]) for i in range(len(id2label))]
        self.target_ = resolve_label_map(self.model_labels_, self.config.label_names, self.config.params.get("label_map"))
        self.max_length_ = getattr(self.pipe_.tokenizer, "model_max_length", 512)
        if not self.max_length_ or self.max_length_ > 100_000:  # tokenizers without a limit say 1e30
            self.max_length_ = getattr(self.pipe_.model.config, "max_position_embeddings", 512)

    def token_limit(self):
        """Tokenizer and tokens of a text the model reads, for the report's truncated count."""
        from ..truncation import limit_for, special_tokens

        return limit_for(self.pipe_.tokenizer, self.max_length_, special_tokens(self.pipe_.tokenizer))

    def fit(self, texts, labels, ctx: RunContext) -> "Classifier":
        return self

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        outputs = self.pipe_(list(texts), batch_size=ctx.batch_size, top_k=None, truncation=True, max_length=self.max_length_)
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
            if total > 0:
                scores = scores / total
            preds.append(Prediction(int(np.argmax(scores)), [float(s) for s in scores]))
        return preds

    def details(self) -> dict[str, Any]:
        return {"label_map": describe_label_map(self.model_labels_, self.config.label_names, self.target_)}
