"""SetFit (Tunstall et al. 2022) on the setfit library: a contrastive fine-tune of a
sentence-transformers body on pairs of train examples, then a logistic-regression head on its
embeddings. Optional: ``pip install -e '.[finetune]'``."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError
from .base import Param, Prediction, RunContext
from .registry import register
from .training import TRAINING, FineTuned, per_class_param, seed_param

SETFIT_MODEL = "sentence-transformers/all-mpnet-base-v2"


def import_setfit() -> Any:
    try:
        import setfit
    except ImportError:
        raise ConfigError("the setfit library is not installed", expected="setfit 1.2 or later", fix="pip install 'workbench[finetune]' (or pip install setfit)") from None
    # setfit turns its own logging to INFO on import ("***** Running training *****", "model_head.pkl
    # not found"), and datasets draws a bar per map: the run shows its own progress instead.
    setfit.logging.set_verbosity_error()
    import datasets

    datasets.disable_progress_bars()
    return setfit


def step_reporter(ctx: RunContext) -> Any:
    """A transformers TrainerCallback: each optimiser step's progress and loss to ``ctx``, and a
    cancel request seen after every step (raised out of the trainer: no half artifact is saved)."""
    from transformers import TrainerCallback

    class StepReporter(TrainerCallback):
        loss: float | None = None

        def on_log(self, args, state, control, logs=None, **kwargs):
            # logged after each step (logging_steps=1), after on_step_end: the step's loss
            for name in ("embedding_loss", "loss"):
                if logs and name in logs:
                    self.loss = float(logs[name])
                    ctx.progress(TRAINING, state.global_step, state.max_steps or None, loss=self.loss)

        def on_step_end(self, args, state, control, **kwargs):
            ctx.check_cancelled()

    return StepReporter()


@register
class SetFit(FineTuned):
    name = "setfit"
    description = "SetFit: contrastive fine-tune of a sentence-transformers body + logistic-regression head (setfit library)"
    default_model = SETFIT_MODEL
    params = (
        per_class_param(),
        Param("num_iterations", 20, "pairs made per train example (SetFit's num_iterations)", "int"),
        Param("epochs", 1, "epochs of the contrastive body training", "int"),
        Param("batch_size", 16, "pairs per training step (part of the training: never halved)", "int"),
        Param("learning_rate", 2e-5, "the body's learning rate", "float"),
        seed_param(),
    )
    training_params = ("per_class", "num_iterations", "epochs", "batch_size", "learning_rate", "seed")

    def validate(self) -> None:
        super().validate()
        import_setfit()

    def train(self, texts: list[str], labels: list[int], ctx: RunContext) -> None:
        import_setfit()
        from datasets import Dataset
        from setfit import SetFitModel, Trainer, TrainingArguments
        from transformers.trainer_callback import PrinterCallback, ProgressCallback

        assert self.config.model is not None
        p = self.config.params
        model = SetFitModel.from_pretrained(self.config.model.location, device=ctx.device, trust_remote_code=ctx.trust_remote_code)
        reporter = step_reporter(ctx)
        with tempfile.TemporaryDirectory(prefix="workbench-setfit-") as out:
            args = TrainingArguments(
                output_dir=out, batch_size=p["batch_size"], num_iterations=p["num_iterations"], num_epochs=p["epochs"],
                body_learning_rate=p["learning_rate"], seed=p["seed"], report_to="none", save_strategy="no",
                show_progress_bar=False, logging_steps=1,
            )  # fmt: skip
            trainer = Trainer(model=model, args=args, train_dataset=Dataset.from_dict({"text": texts, "label": labels}), callbacks=[reporter])
            for quiet in (ProgressCallback, PrinterCallback):  # its own bars and log lines: the run shows progress
                trainer.pop_callback(quiet)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*pin_memory.*")  # torch's, on a machine with no GPU
                trainer.train()
        self.model_ = model
        self.last_loss_ = reporter.loss

    def write(self, folder: Path) -> None:
        self.model_.save_pretrained(str(folder))

    def read(self, folder: Path, ctx: RunContext) -> None:
        import_setfit()
        from setfit import SetFitModel

        self.model_ = SetFitModel.from_pretrained(str(folder), device=ctx.device)
        self.ready(ctx)

    def ready(self, ctx: RunContext) -> None:
        from ..precision import torch_dtype

        self.model_.model_body.to(torch_dtype(ctx.dtype))
        self.model_.model_body.eval()

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        import torch

        body = self.model_.model_body
        with torch.inference_mode():
            emb = body.encode(list(texts), batch_size=ctx.batch_size, convert_to_numpy=False, convert_to_tensor=True, show_progress_bar=False)
        x = emb.float().cpu().numpy()
        head = self.model_.model_head
        proba = head.predict_proba(x)
        full = np.zeros((len(texts), len(self.config.label_names)))
        full[:, np.asarray(head.classes_, dtype=int)] = proba
        return [Prediction(int(np.argmax(row)), [float(v) for v in row]) for row in full]

    def token_limit(self):
        from ..truncation import limit_for, special_tokens

        body = self.model_.model_body
        return limit_for(body.tokenizer, body.max_seq_length, special_tokens(body.tokenizer))

    def model_token_limit(self):
        return self.model_.model_body.max_seq_length

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        return "the SetFit head's LogisticRegression.predict_proba on the fine-tuned body's embeddings (a class absent from the sample gets 0)"
