"""An OpenAI chat-completions model (or any OpenAI-compatible server: vLLM, Ollama, llama.cpp)
prompted with a template; its answer is parsed into a label or reported invalid.

Requests for one batch run concurrently on a thread pool of ``concurrency`` workers (the runner's
batch size caps it too); every answer is cached in the store under everything it depends on.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from ..chat_api import ChatClient, Usage, read_api_key, resolve_base_url, response_key
from ..errors import Cancelled, ConfigError, WorkbenchError
from ..pricing import TokenCounter, cost_usd, model_price
from ..prompts import chat_messages
from .base import Param, Prediction, RunContext
from .local_chat import CHAT_PROMPT
from .prompting import PromptMethod, prompt_params


class Chat(PromptMethod):
    name = "chat"
    description = "an OpenAI(-compatible) chat model through the openai SDK; the answer is parsed into a label"
    default_model = "gpt-4o-mini"
    default_prompt = CHAT_PROMPT
    params = prompt_params(CHAT_PROMPT, system=True, mode=None, max_new_tokens=16) + (
        Param("temperature", 0.0, "sampling temperature (0: as deterministic as the server allows)", "float"),
        Param("base_url", None, "an OpenAI-compatible server, e.g. http://localhost:8000/v1 (default: $OPENAI_BASE_URL or OpenAI)"),
        Param("api_key_file", None, "a file holding the API key (default: $OPENAI_API_KEY)"),
        Param("concurrency", 16, "requests in flight at once (the batch size caps it too)", "int"),
        Param("timeout", 60.0, "seconds to wait for one response before retrying", "float"),
        Param("max_retries", 4, "retries of one request on 429, 5xx and timeouts (backoff honours Retry-After)", "int"),
        Param("price_file", None, "JSON price table extending the built-in one ({model: [usd_in, usd_out] per 1M tokens})"),
    )

    @classmethod
    def complete_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """The server is part of the run: $OPENAI_BASE_URL (or OpenAI's URL) is written in."""
        return {**params, "base_url": resolve_base_url(params.get("base_url"))}

    def validate(self) -> None:
        super().validate()
        p = self.config.params
        if p["concurrency"] < 1:
            raise ConfigError(f"concurrency={p['concurrency']} must be at least 1")
        if p["max_retries"] < 0 or p["timeout"] <= 0:
            raise ConfigError("max_retries must be >= 0 and timeout > 0")

    @property
    def base_url(self) -> str:
        return resolve_base_url(self.config.params.get("base_url"))

    def sampling(self) -> dict[str, Any]:
        p = self.config.params
        return {"temperature": p["temperature"], "max_tokens": p["max_new_tokens"]}

    def load(self, ctx: RunContext) -> None:
        p = self.config.params
        key = read_api_key(p.get("api_key_file"), self.base_url)
        self.client_ = ChatClient(
            base_url=self.base_url, api_key=key, model=self.config.model.name, sampling=self.sampling(),
            timeout=p["timeout"], max_retries=p["max_retries"], cache=ctx.cache,
        )  # fmt: skip
        self._run_ctx = None

    def messages(self, text: str) -> list[dict[str, str]]:
        return chat_messages(self.template, text, self.config.params.get("system"), self.shots_, self.answer_words)

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        if ctx is not self._run_ctx:  # a new run (the method object outlives runs): count afresh
            self._run_ctx = ctx
            self.client_.usage = Usage()
            self.client_.cache = ctx.cache
        workers = min(self.config.params["concurrency"], len(texts)) or 1
        stop = threading.Event()  # set by a fatal error (bad key): requests not yet sent are skipped
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chat") as pool:
            outcomes = list(pool.map(lambda t: self._one(t, ctx, stop), texts))
        fatal = [o for o in outcomes if isinstance(o, (WorkbenchError, Cancelled))]
        if fatal:
            raise fatal[0]
        import openai

        # No server at all is not a per-example problem: stop rather than fail every example.
        unreachable = [o for o in outcomes if isinstance(o, openai.APIConnectionError) and not isinstance(o, openai.APITimeoutError)]
        if unreachable and len(unreachable) == len(texts):
            raise ConfigError(f"cannot connect to {self.base_url} ({unreachable[0]})", fix="check --base-url and that the server is running")
        return [o if isinstance(o, Prediction) else Prediction(None, error=f"{type(o).__name__}: {o}"[:500]) for o in outcomes]

    def _one(self, text: str, ctx: RunContext, stop: threading.Event) -> Prediction | Exception | None:
        """One example's prediction, the exception that ended it (after the SDK's retries), or
        None when skipped because another request met a fatal error."""
        if ctx.cancel_event.is_set():
            return Cancelled()
        if stop.is_set():
            return None
        try:
            answer = self.client_.complete(self.messages(text))
        except WorkbenchError as e:
            stop.set()
            return e
        except Exception as e:  # per example: the run goes on, the error is in the report
            return e
        return Prediction(self.parser_.parse(answer), raw=answer)

    def estimate(self, texts: Sequence[str], cache: Any) -> dict[str, Any]:
        """Calls, tokens and cost of a run over ``texts`` before making it; cached answers are free."""
        counter = TokenCounter(self.config.model.name)
        calls = prompt_tokens = 0
        for t in texts:
            m = self.messages(t)
            key = response_key(self.base_url, self.config.model.name, m, self.sampling())
            if cache is None or cache.get_response(key) is None:
                calls += 1
                prompt_tokens += counter.count(m)
        most_out = calls * self.config.params["max_new_tokens"]
        p = self.config.params
        return {
            "model": self.config.model.name,
            "base_url": self.base_url,
            "examples": len(texts),
            "cached": len(texts) - calls,
            "calls": calls,
            "prompt_tokens": prompt_tokens,
            "completion_tokens_at_most": most_out,
            "token_rule": counter.rule,
            "cost_usd_at_most": cost_usd(self.config.model.name, prompt_tokens, most_out, p.get("price_file")),
            "cost_usd_prompt": cost_usd(self.config.model.name, prompt_tokens, 0, p.get("price_file")),
        }

    def details(self) -> dict[str, Any]:
        out = {"api": f"{self.config.model.name} at {self.base_url}", "sampling": ", ".join(f"{k}={v}" for k, v in self.sampling().items())}
        out.update(super().details())
        u = self.client_.usage
        out["requests"] = f"{u.answers} answered, {u.cache_hits} from the cache, {u.requests} HTTP requests (retries included), {u.failures} failed"
        out["tokens"] = f"prompt {u.prompt_tokens}, completion {u.completion_tokens} (cached answers cost none)"
        price_file = self.config.params.get("price_file")
        cost = cost_usd(self.config.model.name, u.prompt_tokens, u.completion_tokens, price_file)
        if cost is None:
            out["cost"] = f"unknown: no price for '{self.config.model.name}' (add it with -p price_file=PRICES.json or $WORKBENCH_PRICES)"
        else:
            price = model_price(self.config.model.name, price_file)
            out["cost"] = f"${cost:.4f} (USD {price[0]}/{price[1]} per 1M prompt/completion tokens)"
        return out
