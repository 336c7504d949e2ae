"""What every prompt method shares: the template, label texts, verbalizers, few-shot examples,
the answer parser, their validation before any model loads, and what the report shows of them."""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Sequence

from ..answers import AnswerParser, default_label_texts, parse_verbalizer
from ..errors import ConfigError, param
from ..precision import DEFAULT_PROMPT_BATCH
from ..prompts import FewShot, check_template, choose_few_shot, render
from .base import Method, Param, Preview, RunContext

MODES = ("generate", "score")

SCORE_RULE = (
    "the model's log-likelihood of each class's answer word as the whole answer, in lower case "
    "or capitalised (probabilities summed); the most likely class wins, never invalid"
)


def prompt_params(default_prompt: str, *, system: bool, mode: str | None, max_new_tokens: int) -> tuple[Param, ...]:
    """The parameters of a prompt method; ``mode`` None: the method only generates (chat APIs)."""
    out = [Param("prompt", default_prompt, "prompt template; {text} or [DOCUMENT] is replaced by the text")]
    if system:
        out.append(Param("system", None, "system message (none by default)"))
    if mode is not None:
        out.append(Param("mode", mode, "generate (decode, then parse the answer) or score (compare the label words' likelihood)"))
    out += [
        Param("labels", None, "one answer text per class, in label order (default: the label names, neg/pos spelled out)", "texts"),
        Param("verbalizer", {}, "extra answer words, WORD=LABEL (e.g. 1=pos 0=neg when the prompt asks for digits)", "mapping"),
        Param("few_shot", 0, "number of labelled train examples put in the prompt (balanced across labels)", "int"),
        Param("few_shot_seed", 0, "seed that picks the few-shot examples", "int"),
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

    @classmethod
    def uses_train(cls, params: Mapping[str, Any]) -> bool:
        """Only few-shot examples come from the train split: a zero-shot prompt run needs none."""
        return int(params.get("few_shot") or 0) > 0

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

    def scores_rule(self) -> str:
        if self.mode == "score":
            return "softmax over the classes of the answer words' log-likelihoods (" + SCORE_RULE + ")"
        return "none: generate mode parses the answer text, which gives no class probabilities"

    def build_parser(self) -> AnswerParser:
        p = self.config.params
        return AnswerParser.build(self.config.label_names, p.get("labels"), parse_verbalizer(p.get("verbalizer")))

    def fit(self, texts: Sequence[str] | None, labels: Sequence[int] | None, ctx: RunContext):
        self.validate()
        self.parser_ = self.build_parser()
        p = self.config.params
        k = p["few_shot"]
        self.shots_ = choose_few_shot(texts, labels, k, len(self.config.label_names), p["few_shot_seed"]) if k else FewShot()
        return self

    @property
    def answer_words(self) -> list[str]:
        return [self.parser_.answer_word(i) for i in range(len(self.config.label_names))]

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        p = self.config.params
        out: dict[str, Any] = {"prompt": _one_line(self.template)}
        if p.get("system"):
            out["system"] = _one_line(p["system"])
        out["few_shot"] = self.shots_.describe(self.config.label_names, p["few_shot_seed"])
        if self.mode == "score":
            out["scoring"] = SCORE_RULE + " (" + ", ".join(self.answer_words) + ")"
        else:
            out["parse_rule"] = self.parser_.describe(self.config.label_names)
        return out


def _one_line(text: str) -> str:
    """Templates shown on one report line, newlines visible as \\n."""
    return repr(str(text))[1:-1]
