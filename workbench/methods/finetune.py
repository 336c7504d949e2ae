"""Full fine-tuning of an encoder with a sequence-classification head (the textbook's chapter 11),
in a plain torch loop: one optimiser step at a time, so progress and the loss are reported each
step and a cancel request stops the training within one step. AdamW with a linear decay to 0
and no warm-up, as the HF Trainer's defaults; ``freeze_layers`` freezes the embeddings and the
first N transformer blocks (the textbook's frozen-blocks variant)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError, param
from .base import Param, Prediction, RunContext, softmax
from .registry import register
from .training import TRAINING, FineTuned, per_class_param, seed_param

FINETUNE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def encoder_blocks(model: Any) -> list[Any]:
    """The transformer blocks of a sequence classifier's encoder, in order (BERT, RoBERTa,
    MPNet, DistilBERT ... name them differently): the longest ModuleList of the base model."""
    import torch

    blocks: list[Any] = []
    for m in model.base_model.modules():
        if isinstance(m, torch.nn.ModuleList) and len(m) > len(blocks):
            blocks = list(m)
    return blocks


@register
class FineTune(FineTuned):
    name = "finetune"
    description = "full fine-tune of an encoder with a sequence-classification head (torch loop; the model is kept)"
    default_model = FINETUNE_MODEL
    params = (
        Param("epochs", 1, "passes over the (sampled) train split", "int"),
        Param("learning_rate", 2e-5, "AdamW's learning rate (decays linearly to 0)", "float"),
        Param("batch_size", 16, "examples per training step (part of the training: never halved)", "int"),
        Param("max_length", 128, "tokens a text is cut to, in training and prediction", "int"),
        Param("freeze_layers", 0, "freeze the embeddings and the first N transformer blocks (0: train all)", "int"),
        per_class_param(),
        seed_param(),
    )
    training_params = ("epochs", "learning_rate", "batch_size", "max_length", "freeze_layers", "per_class", "seed")

    def validate(self) -> None:
        super().validate()
        n = self.config.params["freeze_layers"]
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ConfigError(f"freeze_layers={n!r} given", expected="a whole number >= 0", field=param("freeze_layers"))

    def load(self, ctx: RunContext) -> None:
        from transformers import AutoTokenizer

        super().load(ctx)
        assert self.config.model is not None
        self.tokenizer_ = AutoTokenizer.from_pretrained(self.config.model.location, trust_remote_code=ctx.trust_remote_code)

    def _fresh_model(self, ctx: RunContext) -> Any:
        from transformers import AutoModelForSequenceClassification

        assert self.config.model is not None
        names = self.config.label_names
        return AutoModelForSequenceClassification.from_pretrained(
            self.config.model.location, num_labels=len(names), id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)},
            ignore_mismatched_sizes=True, trust_remote_code=ctx.trust_remote_code,
        ).to(ctx.device)  # fmt: skip

    def _freeze(self, model: Any) -> int:
        n = self.config.params["freeze_layers"]
        if not n:
            return 0
        blocks = encoder_blocks(model)
        if n > len(blocks):
            raise ConfigError(f"freeze_layers={n} given but the model has {len(blocks)} transformer blocks", expected=f"0 to {len(blocks)}", field=param("freeze_layers"))
        embeddings = model.base_model.get_input_embeddings()
        for module in [embeddings, *blocks[:n]]:
            for w in module.parameters():
                w.requires_grad = False
        # position and token-type embeddings sit next to the word embeddings
        for name, w in model.base_model.named_parameters():
            if name.startswith("embeddings."):
                w.requires_grad = False
        return n

    def train(self, texts: list[str], labels: list[int], ctx: RunContext) -> None:
        import torch

        p = self.config.params
        torch.manual_seed(p["seed"])
        model = self._fresh_model(ctx)
        self._freeze(model)
        model.train()
        batch, epochs = p["batch_size"], p["epochs"]
        per_epoch = math.ceil(len(texts) / batch)
        steps = per_epoch * epochs
        trainable = [w for w in model.parameters() if w.requires_grad]
        opt = torch.optim.AdamW(trainable, lr=p["learning_rate"], weight_decay=0.0)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
        order_rng = np.random.default_rng(p["seed"])
        y_all = torch.tensor(labels)
        step = 0
        ctx.progress(TRAINING, 0, steps)
        for _ in range(epochs):
            order = order_rng.permutation(len(texts))
            for s in range(0, len(texts), batch):
                ctx.check_cancelled()
                idx = order[s : s + batch]
                with self.host_lock:
                    enc = self.tokenizer_([texts[i] for i in idx], truncation=True, max_length=p["max_length"], padding=True, return_tensors="pt").to(ctx.device)
                out = model(**enc, labels=y_all[idx].to(ctx.device))
                out.loss.backward()
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                step += 1
                self.last_loss_ = float(out.loss.detach())
                ctx.progress(TRAINING, step, steps, loss=self.last_loss_)
        self.model_ = model

    def write(self, folder: Path) -> None:
        self.model_.save_pretrained(str(folder))
        self.tokenizer_.save_pretrained(str(folder))

    def read(self, folder: Path, ctx: RunContext) -> None:
        from transformers import AutoModelForSequenceClassification

        self.model_ = AutoModelForSequenceClassification.from_pretrained(str(folder)).to(ctx.device)
        self.ready(ctx)

    def ready(self, ctx: RunContext) -> None:
        from ..precision import torch_dtype

        self.model_.to(torch_dtype(ctx.dtype))
        self.model_.eval()

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        import torch

        with self.host_lock:
            enc = self.tokenizer_(list(texts), truncation=True, max_length=self.config.params["max_length"], padding=True, return_tensors="pt").to(ctx.device)
        with torch.inference_mode():
            logits = self.model_(**enc).logits.float().cpu().numpy()
        return [Prediction(int(np.argmax(row)), [float(v) for v in row]) for row in softmax(logits)]

    def token_limit(self):
        from ..truncation import limit_for, special_tokens

        return limit_for(self.tokenizer_, self.config.params["max_length"], special_tokens(self.tokenizer_))

    def model_token_limit(self):
        return self.config.params["max_length"]

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return "softmax of the fine-tuned classification head's logits"
