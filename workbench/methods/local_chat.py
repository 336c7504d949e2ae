"""A local Hugging Face causal chat model (e.g. SmolLM2-135M-Instruct) given the prompt through
its own chat template; it generates an answer that is parsed, or the label words are scored."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..errors import MODEL, ConfigError
from ..prompts import FewShot, chat_messages
from ..truncation import NO_LIMIT, cut_texts, limit_for
from .base import Prediction, RunContext
from .first_token import first_token_scores
from .prompting import PromptMethod, load_pretrained, prompt_params
from .registry import register
from .seq2seq import class_scores, generated_predictions, score_predictions

CHAT_PROMPT = "Is the following movie review positive or negative? Answer with one word.\n\nReview: {text}"


@register
class LocalChat(PromptMethod):
    name = "local-chat"
    description = "a local causal chat model through its chat template; score the label words or generate and parse"
    default_model = "HuggingFaceTB/SmolLM2-135M-Instruct"
    default_prompt = CHAT_PROMPT
    params = prompt_params(CHAT_PROMPT, system=True, mode="score", max_new_tokens=8)

    def load(self, ctx: RunContext) -> None:
        ref = self.config.model
        assert ref is not None  # the runner resolves the model before load
        self.tokenizer_, self.model_ = load_pretrained(ref, ctx, "AutoModelForCausalLM")
        if not getattr(self.tokenizer_, "chat_template", None):
            raise ConfigError(f"model {ref.name} has no chat template", expected="an instruction-tuned chat model (e.g. SmolLM2-135M-Instruct)", field=MODEL)
        pad = self.tokenizer_.pad_token_id
        self.pad_id_ = pad if pad is not None else self.tokenizer_.eos_token_id
        positions = getattr(self.model_.config, "max_position_embeddings", None)
        self.max_length_ = positions if isinstance(positions, int) and 0 < positions < NO_LIMIT else None

    def token_limit(self):
        """Tokenizer and tokens of a text that fit the model's positions beside the rendered prompt
        and the answer (max_new_tokens); a longer text is cut to its start (truncation.cut_texts)."""
        if self.max_length_ is None:
            return None
        around = len(self._render("", self.widest_shots_))  # the longest few-shot turns a text can get
        return limit_for(self.tokenizer_, self.max_length_, around + self.few_shot_slack + self.config.params["max_new_tokens"])

    def model_token_limit(self):
        return self.max_length_

    def answer_ids(self, variant: str) -> list[int]:
        """The variant as the assistant's answer right after its turn opens: no special tokens."""
        return self.tokenizer_(variant, add_special_tokens=False)["input_ids"]

    def shot_length(self, text: str) -> int:
        return len(self.tokenizer_(text, add_special_tokens=False)["input_ids"])

    def _render(self, text: str, shots: FewShot) -> list[int]:
        p = self.config.params
        messages = chat_messages(self.template, text, p.get("system"), shots, self.answer_words)
        rendered = self.tokenizer_.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return self.tokenizer_(rendered, add_special_tokens=False)["input_ids"]

    def _prompt_ids(self, texts: Sequence[str], ctx: RunContext) -> list[list[int]]:
        shots = self.shots_for(texts, ctx)  # knn: neighbours of the whole text, before any cut
        found = self.token_limit()
        cut = cut_texts(self.tokenizer_, texts, found[1]) if found else texts
        return [self._render(t, s) for t, s in zip(cut, shots)]

    prefetches = True  # chat prompts rendered and tokenised in prepare_batch, the model in predict_prepared

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        return self.predict_in_two_steps(texts, ctx)

    def prepare_batch(self, texts: Sequence[str], ctx: RunContext) -> Any:
        """The batch's chat prompts (few-shot turns, texts cut to fit) as token ids."""
        return self._prompt_ids(texts, ctx)

    def predict_prepared(self, prepared: Any, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        import torch

        prompts = prepared
        with torch.inference_mode():
            if self.mode == "score":
                return score_predictions(self._score(prompts, ctx))
            answers, scores = self._generate(prompts, ctx)
        return generated_predictions(self.parser_, answers, scores)

    def _generate(self, prompts: list[list[int]], ctx: RunContext) -> tuple[list[str], list[list[float] | None]]:
        """The answers, and their first-token class probabilities (methods/first_token.py)."""
        import torch

        width = max(len(p) for p in prompts)  # left padding: every answer starts at the same column
        ids = torch.tensor([[self.pad_id_] * (width - len(p)) + p for p in prompts], device=ctx.device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=ctx.device)
        out = self.model_.generate(
            input_ids=ids, attention_mask=mask, max_new_tokens=self.config.params["max_new_tokens"],
            do_sample=False, pad_token_id=self.pad_id_, output_logits=True, return_dict_in_generate=True,
        )  # fmt: skip
        generated = out.sequences[:, width:]
        with self.host_lock:  # the prefetch thread may be tokenising the next batch
            answers = [a.strip() for a in self.tokenizer_.batch_decode(generated, skip_special_tokens=True)]
        return answers, first_token_scores(out.logits, generated.cpu().numpy(), self.class_tokens_)

    def _score(self, prompts: list[list[int]], ctx: RunContext) -> np.ndarray:
        """Log-likelihood of each answer variant right after the assistant turn opens. Variants
        that differ only in their last token share one forward pass (all one-token words: a single
        pass over the prompts). Sequences are left-padded so every one ends in the last column and
        only the last few positions' logits are computed (a full vocabulary per position is large)."""
        owners = [c for c, _ in self.variant_ids_]
        variants = [ids for _, ids in self.variant_ids_]
        groups: dict[tuple[int, ...], list[int]] = {}
        for j, v in enumerate(variants):
            groups.setdefault(tuple(v[:-1]), []).append(j)
        loglik = np.zeros((len(prompts), len(variants)))
        for prefix, members in groups.items():
            logp = self._last_logprobs([p + list(prefix) for p in prompts], len(prefix) + 1, ctx)
            for j in members:  # kept position t predicts token t of the variant
                loglik[:, j] = logp[:, np.arange(len(variants[j])), variants[j]].sum(axis=1)
        return class_scores(loglik, owners, len(self.answer_words))

    def _last_logprobs(self, seqs: list[list[int]], keep: int, ctx: RunContext) -> np.ndarray:
        """Log-probabilities over the vocabulary at each sequence's last ``keep`` positions."""
        import torch

        out = []
        for start in range(0, len(seqs), ctx.batch_size):
            chunk = seqs[start : start + ctx.batch_size]
            width = max(len(s) for s in chunk)
            ids = torch.tensor([[self.pad_id_] * (width - len(s)) + s for s in chunk], device=ctx.device)
            mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in chunk], device=ctx.device)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            logits = self.model_(input_ids=ids, attention_mask=mask, position_ids=positions, logits_to_keep=keep).logits
            out.append(torch.log_softmax(logits.float(), -1).cpu().numpy())
        return np.concatenate(out)

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        return {"mode": self.mode, **super().details(ctx)}
