"""An encoder-decoder model (Flan-T5) prompted with a template, through AutoModelForSeq2SeqLM
directly (transformers 5 has no text2text-generation pipeline), a whole batch at a time."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..prompts import plain_prompt
from ..truncation import NO_LIMIT
from .base import Prediction, RunContext
from .first_token import first_token_scores
from .prompting import PromptMethod, load_pretrained, prompt_params
from .registry import register

SEQ2SEQ_PROMPT = "Is the following sentence positive or negative? {text}"


def class_scores(loglik: np.ndarray, owners: list[int], n_classes: int) -> np.ndarray:
    """Per text, the probability of each class: log-likelihoods of every variant (columns, owned
    by ``owners[j]``) summed per class as probabilities, then normalised over the classes."""
    per_class = np.full((loglik.shape[0], n_classes), -np.inf)
    for j, c in enumerate(owners):
        per_class[:, c] = np.logaddexp(per_class[:, c], loglik[:, j])
    per_class -= per_class.max(axis=1, keepdims=True)
    probs = np.exp(per_class)
    return probs / probs.sum(axis=1, keepdims=True)


def score_predictions(probs: np.ndarray) -> list[Prediction]:
    return [Prediction(int(np.argmax(row)), [float(x) for x in row]) for row in probs]


def generated_predictions(parser: Any, answers: list[str], scores: list[list[float] | None]) -> list[Prediction]:
    """Generate mode's predictions: the parsed answer's label, the first-token scores of a valid one
    (methods/first_token.py)."""
    out = []
    for answer, row in zip(answers, scores):
        label = parser.parse(answer)
        out.append(Prediction(label, row if label is not None else None, raw=answer))
    return out


@register
class Seq2Seq(PromptMethod):
    name = "seq2seq"
    description = "an encoder-decoder model (Flan-T5) prompted with a template; score the label words or generate and parse"
    default_model = "google/flan-t5-small"
    default_prompt = SEQ2SEQ_PROMPT
    float16_ok = False  # T5's activations overflow float16's range (NaN answers); bfloat16 is fine
    params = prompt_params(SEQ2SEQ_PROMPT, system=False, mode="score", max_new_tokens=8)

    def load(self, ctx: RunContext) -> None:
        ref = self.config.model
        assert ref is not None  # the runner resolves the model before load
        self.tokenizer_, self.model_ = load_pretrained(ref, ctx, "AutoModelForSeq2SeqLM")
        limit = getattr(self.tokenizer_, "model_max_length", 512)
        self.max_length_ = limit if limit and limit < NO_LIMIT else 512

    def token_limit(self):
        """Tokenizer and tokens of a text the model reads: max_length_ less the prompt around it
        (template, the longest few-shot blocks a text can get, </s>)."""
        from ..truncation import limit_for

        around = self.tokenizer_(plain_prompt(self.template, "", self.widest_shots_, self.answer_words))["input_ids"]
        return limit_for(self.tokenizer_, self.max_length_, len(around) + self.few_shot_slack)

    def shot_length(self, text: str) -> int:
        return len(self.tokenizer_(text, add_special_tokens=False)["input_ids"])

    def model_token_limit(self):
        return self.max_length_

    def answer_ids(self, variant: str) -> list[int]:
        """The variant as the decoder's whole output, with its end-of-sequence token."""
        return self.tokenizer_(variant)["input_ids"]

    def _encode(self, texts: Sequence[str], ctx: RunContext):
        from ..truncation import cut_texts

        # A long text is cut, not the prompt's end: a template such as "Review: {text}\nAnswer:"
        # keeps its answer cue. truncation=True below is only a guard for a prompt with no room.
        shots = self.shots_for(texts, ctx)  # knn: neighbours of the whole text, before any cut
        found = self.token_limit()
        texts = cut_texts(self.tokenizer_, texts, found[1]) if found else list(texts)
        prompts = [plain_prompt(self.template, t, s, self.answer_words) for t, s in zip(texts, shots)]
        enc = self.tokenizer_(prompts, padding=True, truncation=True, max_length=self.max_length_, return_tensors="pt", return_token_type_ids=False)
        return enc.to(ctx.device)

    prefetches = True  # prompts rendered and tokenised in prepare_batch, the model in predict_prepared

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        return self.predict_in_two_steps(texts, ctx)

    def prepare_batch(self, texts: Sequence[str], ctx: RunContext) -> Any:
        """The batch's prompts (few-shot examples, texts cut to fit), tokenised, on the device."""
        return self._encode(texts, ctx)

    def predict_prepared(self, prepared: Any, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        import torch

        with torch.inference_mode():
            if self.mode == "score":
                return score_predictions(self._score(prepared))
            out = self.model_.generate(
                **prepared, max_new_tokens=self.config.params["max_new_tokens"], do_sample=False, num_beams=1,
                output_logits=True, return_dict_in_generate=True,
            )  # fmt: skip
        with self.host_lock:  # the prefetch thread may be tokenising the next batch
            answers = self.tokenizer_.batch_decode(out.sequences, skip_special_tokens=True)
        # sequences start with the decoder's start token; logits[t] chose sequences[:, t + 1]
        scores = first_token_scores(out.logits, out.sequences[:, 1:].cpu().numpy(), self.class_tokens_)
        return generated_predictions(self.parser_, answers, scores)

    def _score(self, enc) -> np.ndarray:
        """Log-likelihood of each answer variant (with its end-of-sequence token) as the decoder's
        whole output; the encoder runs once for all variants."""
        import torch

        encoder_out = self.model_.get_encoder()(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
        n = enc["input_ids"].shape[0]
        columns, owners = [], []
        for c, ids in self.variant_ids_:  # one decoder pass per answer variant
            target = torch.tensor([ids], device=enc["input_ids"].device).expand(n, -1).contiguous()
            # decoder inputs rather than labels=: no loss is wanted, only the logits
            decoder_ids = self.model_.prepare_decoder_input_ids_from_labels(labels=target)
            logits = self.model_(encoder_outputs=encoder_out, attention_mask=enc["attention_mask"], decoder_input_ids=decoder_ids).logits
            logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, target.unsqueeze(-1)).squeeze(-1).sum(-1)
            columns.append(logp.cpu().numpy())
            owners.append(c)
        return class_scores(np.stack(columns, axis=1), owners, len(self.answer_words))

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        return {"mode": self.mode, **super().details(ctx)}
