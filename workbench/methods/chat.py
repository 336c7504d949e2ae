"""An OpenAI chat-completions model (or any OpenAI-compatible server: vLLM, Ollama, llama.cpp)
prompted with a template; its answer is parsed into a label or reported invalid, and its class
probabilities are read from the first answer token's alternatives (``logprobs``) where the server
gives them (see Chat.scores_rule).

Requests for one batch run concurrently on ``concurrency`` threads (the runner's batch size caps
it too), after the run's first answer (see PROBE_TRIES); every answer is cached in the store under
everything it depends on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..answers import FIRST_TOKEN_RULE, first_token_probabilities
from ..chat_api import MAX_ANSWER_CHARS, Answer, ChatClient, Usage, is_refused, read_api_key, resolve_base_url, response_key
from ..errors import BASE_URL, MODEL, Cancelled, ConfigError, ServerError, WorkbenchError, param
from ..pricing import TokenCounter, cost_usd, model_price, price_table
from ..prompts import FewShot, chat_messages
from .base import Estimate, Param, Prediction, RunContext
from .local_chat import CHAT_PROMPT
from .prompting import PromptMethod, prompt_params
from .registry import register


def _refuse_credentials_in_url(url: str) -> None:
    """The server URL is stored with the run (it identifies the server), so it must not carry a
    secret. The message does not repeat the URL: it would repeat the secret."""
    import re
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:  # its message may quote the URL, which may carry a secret
        raise ConfigError("the server URL is not a valid URL (a bracket or port that does not parse)", expected="http://HOST[:PORT]/PATH", field=BASE_URL) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("the server URL names no http(s) server", expected="http://HOST[:PORT]/PATH or https://...", field=BASE_URL)
    # The URL is stored with the run and shown on every report's api line, so a part that only
    # ever carries extra data (user:password@, a query, a fragment, ;parameters) is refused outright
    # rather than guessed at by its name: a key hides as well under ?q= as under ?api_key=.
    path = unquote(parts.path)
    extra = (
        "user:password@ before the host" if parts.username is not None or parts.password is not None or "@" in parts.netloc else
        "a fragment (#...)" if parts.fragment or "#" in url else
        "a query (?...)" if parts.query or "?" in url else
        "path parameters (;...)" if ";" in path else
        "a key in its path" if "bearer" in path.lower() or any(_looks_secret(seg) for seg in re.split(r"[/\s]+", path)) else None
    )  # fmt: skip
    if extra:
        raise ConfigError(
            f"the server URL carries credentials or may: it has {extra}, and the URL is stored with the run and shown in its report",
            expected="http(s)://HOST[:PORT]/PATH with nothing after the path",
            fix="give the bare URL as the server address, and the key in OPENAI_API_KEY or an API key file",
            field=BASE_URL,
        )


def _looks_secret(segment: str) -> bool:
    """A URL path segment that is a key rather than a name: a known key prefix, or a long run of
    letters and digits mixed (API paths are words such as v1, openai, deployments)."""
    import re

    if re.match(r"(sk|pk|rk|key|token|api[-_]?key)[-_]", segment, re.IGNORECASE):
        return True
    digits, letters = sum(c.isdigit() for c in segment), sum(c.isalpha() for c in segment)
    return len(segment) >= 32 and re.fullmatch(r"[A-Za-z0-9_\-.]+", segment) is not None and digits >= 6 and letters >= 6


MAX_TOP_LOGPROBS = 20
"""OpenAI's limit on top_logprobs (vLLM and llama.cpp take more, but a class word is among the
first few alternatives or nowhere)."""


@dataclass
class LogprobCounts:
    """One run's answers by what their first token's alternatives gave (kept in ctx.run_state:
    the method object outlives runs). Answers come in on several threads, hence the lock."""

    scored: int = 0
    """Answers whose alternatives started a class's answer word: they have scores."""
    no_class_word: int = 0
    """Alternatives came, but none started an answer word (the answer began "The", say)."""
    no_logprobs: int = 0
    """The server sent no alternatives (it does not support logprobs)."""
    labels_from_logprobs: int = 0
    """Answers that parse to no label, labelled by the most likely class instead."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


@register
class Chat(PromptMethod):
    name = "chat"
    description = "an OpenAI(-compatible) chat model through the openai SDK; the answer is parsed into a label, logprobs give scores"
    default_model = "gpt-4o-mini"
    default_prompt = CHAT_PROMPT
    runs_locally = False
    """No local model: no device, no dtype, and torch is never imported for it."""
    params = prompt_params(CHAT_PROMPT, system=True, mode=None, max_new_tokens=16) + (
        Param("temperature", 0.0, "sampling temperature (0: as deterministic as the server allows)", "float"),
        Param("logprobs", 5, f"alternatives of the answer's first token asked for (top_logprobs, 0-{MAX_TOP_LOGPROBS}) to give class probabilities; 0: none", "int"),
        Param("base_url", None, "an OpenAI-compatible server, e.g. http://localhost:8000/v1 (default: $OPENAI_BASE_URL or OpenAI)"),
        Param("api_key_file", None, "a file holding the API key (default: $OPENAI_API_KEY)", in_identity=False),
        Param("concurrency", 16, "requests in flight at once (the batch size caps it too)", "int"),
        Param("timeout", 60.0, "seconds one request may take in all (connect to last byte) before it is retried", "float"),
        Param("max_retries", 4, "retries of one request on 429, 5xx and timeouts (backoff honours Retry-After)", "int"),
        Param("price_file", None, "JSON price table extending the built-in one ({model: [usd_in, usd_out] per 1M tokens})"),
    )

    @classmethod
    def auto_batch_size(cls, params: Mapping[str, Any], device: str) -> int:
        """Several rounds of requests per batch, so one slow answer holds up few others (each
        batch ends when its slowest request does) while a batch is still committed promptly."""
        return max(32, 4 * int(params.get("concurrency") or 16))

    @classmethod
    def complete_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """The server is part of the run: $OPENAI_BASE_URL (or OpenAI's URL) is written in."""
        return {**params, "base_url": resolve_base_url(params.get("base_url"))}

    def validate(self) -> None:
        super().validate()
        p = self.config.params
        if p["concurrency"] < 1:
            raise ConfigError(f"concurrency={p['concurrency']} must be at least 1", field=param("concurrency"))
        if not 0 <= p["logprobs"] <= MAX_TOP_LOGPROBS:
            raise ConfigError(
                f"logprobs={p['logprobs']} is out of range", expected=f"0 (no class probabilities) to {MAX_TOP_LOGPROBS} (OpenAI's limit)", field=param("logprobs")
            )
        if p["max_retries"] < 0 or p["timeout"] <= 0:
            raise ConfigError("max_retries must be >= 0 and timeout > 0", field=param("max_retries" if p["max_retries"] < 0 else "timeout"))
        _refuse_credentials_in_url(self.base_url)
        price_table(p.get("price_file"))  # read now: a bad price file is said before any request, not after the run
        model = self.config.model
        if model is not None and model.location and model.is_local:
            raise ConfigError(
                f"model '{model.name}' is a local model folder ({model.location}), and the chat method sends a model name to a server",
                expected="a model name the server knows (gpt-4o-mini, or what your server serves)",
                fix="name the server's model; local models run with local-chat, seq2seq or the embedding methods",
                field=MODEL,
            )

    @property
    def base_url(self) -> str:
        return resolve_base_url(self.config.params.get("base_url"))

    def sampling(self) -> dict[str, Any]:
        """What is sent with every request besides the messages, and so part of the response
        cache key: an answer cached without its alternatives cannot give scores."""
        p = self.config.params
        out: dict[str, Any] = {"temperature": p["temperature"], "max_tokens": p["max_new_tokens"]}
        if p["logprobs"] > 0:  # none asked for at 0: a server that refuses the fields still works
            out.update(logprobs=True, top_logprobs=p["logprobs"])
        return out

    def load(self, ctx: RunContext) -> None:
        # The key is read now, so a missing one stops the run before any request; the client (and
        # its usage counts) belong to one run and live in ctx.run_state (see _client).
        self.api_key_ = read_api_key(self.config.params.get("api_key_file"), self.base_url)

    def _client(self, ctx: RunContext) -> ChatClient:
        """This run's client: its usage counts and the response cache are the run's."""
        client = ctx.run_state.get("client")
        if client is None:
            p = self.config.params
            client = ctx.run_state["client"] = ChatClient(
                base_url=self.base_url, api_key=self.api_key_, model=self.model_name, sampling=self.sampling(),
                timeout=p["timeout"], max_retries=p["max_retries"], cache=ctx.cache,
            )  # fmt: skip
            ctx.run_state["probe_failures"] = []
            ctx.run_state["logprob_counts"] = LogprobCounts()
        return client

    @property
    def model_name(self) -> str:
        assert self.config.model is not None  # the runner resolves the model before load
        return self.config.model.name

    def messages(self, text: str, shots: FewShot | None = None) -> list[dict[str, str]]:
        """The messages for ``text``, with ``shots`` (default: the fitted set every text gets)."""
        return chat_messages(self.template, text, self.config.params.get("system"), self.shots_ if shots is None else shots, self.answer_words)

    PROBE_TRIES = 3
    """Until the server has answered once in a run, examples go one at a time, so a wrong key,
    model or URL costs one request rather than one per request in flight; a server that answers
    none of the first PROBE_TRIES examples (each after the SDK's retries) stops the run."""

    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        client = self._client(ctx)
        shots = self.shots_for(texts, ctx)
        asked = [self.messages(t, s) for t, s in zip(texts, shots)]
        outcomes: dict[int, Prediction | Exception] = {}
        todo = list(range(len(texts)))
        while todo and client.usage.answers == 0:
            i = todo.pop(0)
            outcome = self._gather(client, asked, [i], ctx, workers=1)[i]
            outcomes[i] = outcome
            self._raise_fatal([outcome])
            if isinstance(outcome, Exception):
                self._probe_failed(client, outcome, ctx.run_state["probe_failures"])
        if todo:
            workers = min(self.config.params["concurrency"], len(todo))
            done = self._gather(client, asked, todo, ctx, workers)
            self._raise_fatal(done.values())
            outcomes.update(done)
            failed = [o for o in done.values() if isinstance(o, Exception)]
            # The server answered earlier in the run, but now fails everything: it is down or
            # rate-limiting the account, and going on would spend every example's retries.
            if len(todo) > 1 and len(failed) == len(todo):
                raise ServerError(
                    f"every one of {len(todo)} requests to {self.base_url} failed ({client.describe(failed[-1])})",
                    fix="check the server; for 429s lower the concurrency or raise max_retries, then run again (answers so far are cached)",
                    field=param("concurrency"),
                )
        return [o if isinstance(o, Prediction) else Prediction(None, error=client.describe(o)) for o in (outcomes[i] for i in range(len(texts)))]

    def _raise_fatal(self, outcomes) -> None:
        for o in outcomes:
            if isinstance(o, WorkbenchError):
                raise o

    def _probe_failed(self, client: ChatClient, e: Exception, failures: list[Exception]) -> None:
        """A failure before the server's first answer: nothing listening stops the run at once
        (every example would fail alike); anything else only after PROBE_TRIES in a row."""
        failures.append(e)
        if is_refused(e):
            raise ConfigError(f"cannot connect to {self.base_url} ({client.describe(e)})", fix="check the server address and that the server is running", field=BASE_URL)
        if len(failures) >= self.PROBE_TRIES:
            raise ServerError(
                f"the server at {self.base_url} answered none of the first {len(failures)} requests (last: {client.describe(e)})",
                fix="check that the server is up and its address and the model are right; raise the timeout for a slow one",
                field=BASE_URL,
            )

    def _gather(
        self, client: ChatClient, texts: Sequence[list[dict[str, str]]], indices: list[int], ctx: RunContext, workers: int
    ) -> dict[int, Prediction | Exception]:
        """Outcomes of the messages ``texts[i]`` for ``indices``, from ``workers`` threads; stops taking new
        ones after a fatal error. Daemon threads, not an executor: the SDK can abort neither a
        request in flight nor its sleep before a retry (up to timeout or Retry-After seconds),
        so on a cancel the run returns at once and leaves those to end alone; an executor's
        threads are joined at exit, which would hold Ctrl-C up for as long."""
        out: dict[int, Prediction | Exception] = {}
        queue, lock = iter(indices), threading.Lock()
        stop, finished = threading.Event(), threading.Semaphore(0)

        def work() -> None:
            try:
                while not stop.is_set() and not ctx.cancel_event.is_set():
                    with lock:
                        i = next(queue, None)
                    if i is None:
                        return
                    out[i] = self._one(client, texts[i], ctx.run_state["logprob_counts"])
                    if isinstance(out[i], WorkbenchError):
                        stop.set()
            finally:
                finished.release()

        for n in range(workers):
            threading.Thread(target=work, name=f"chat-{n}", daemon=True).start()
        for _ in range(workers):
            while not finished.acquire(timeout=0.05):
                if ctx.cancel_event.is_set():
                    stop.set()
                    raise Cancelled()
        if len(out) < len(indices) and ctx.cancel_event.is_set():
            raise Cancelled()  # came as the last requests ended: some examples were never sent
        return out

    def _one(self, client: ChatClient, messages: list[dict[str, str]], counts: LogprobCounts) -> Prediction | Exception:
        """One example's prediction, or the exception that ended it (after the SDK's retries)."""
        try:
            answer = client.complete(messages)
        except Exception as e:  # per example, unless a WorkbenchError: the caller decides
            return e
        text, finish = answer.text, answer.finish_reason
        if finish == "content_filter":  # invalid, never parsed: the answer (if any) is partial
            return Prediction(None, raw=f"[withheld by the server's content filter] {text}".strip())
        if not text.strip() and finish not in (None, "stop"):
            return Prediction(None, raw=f"[no answer text: finish_reason {finish}]")
        return self._read(answer, counts)

    def _read(self, answer: Answer, counts: LogprobCounts) -> Prediction:
        """The label and scores of an answer, by the rule in scores_rule."""
        label = self.parser_.parse(answer.text)
        scores = None
        if self.config.params["logprobs"] > 0:
            if answer.top_logprobs is None:
                counts.add("no_logprobs")
            else:
                scores = first_token_probabilities(answer.top_logprobs, self.parser_.words)
                counts.add("scored" if scores is not None else "no_class_word")
        if label is None and scores is not None:
            # The text names no class (a refusal, a hedge, an answer cut short), yet the model's
            # first token leaned to one: its most likely class, the first on a tie.
            label = max(range(len(scores)), key=scores.__getitem__)
            counts.add("labels_from_logprobs")
        return Prediction(label, scores=scores, raw=answer.text)

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        k = self.config.params["logprobs"]
        if k <= 0:
            return "none: logprobs is 0, so the server is asked for no token probabilities"
        counts: LogprobCounts | None = ctx.run_state.get("logprob_counts") if ctx is not None else None
        if counts is not None and counts.no_logprobs and not (counts.scored or counts.no_class_word):
            return (
                f"none: the server returned no logprobs for any of the {counts.no_logprobs} answers "
                "(it does not support them; OpenAI, vLLM and llama.cpp servers do)"
            )
        return (
            f"from the answer's first token, asked for with its top {k} alternatives: {FIRST_TOKEN_RULE}; "
            "the label is still the parsed answer text's (even where the most likely class differs), and an answer "
            "that parses to no label gets the most likely class (counted as labels_from_logprobs); "
            "none for an answer with no class word among the alternatives, or no logprobs from the server"
        )

    def estimate(self, texts: Sequence[str], cache: Any) -> Estimate:
        """Calls, tokens and cost of a run over ``texts`` before making it; cached answers are free."""
        model = self.model_name
        counter = TokenCounter(model)
        calls = prompt_tokens = 0
        for t, shots in zip(texts, self.shots_for(texts)):
            m = self.messages(t, shots)
            key = response_key(self.base_url, model, m, self.sampling())
            if cache is None or cache.get_response(key) is None:
                calls += 1
                prompt_tokens += counter.count(m)
        most_out = calls * self.config.params["max_new_tokens"]
        p = self.config.params
        return Estimate(
            model=model, base_url=self.base_url, examples=len(texts), cached=len(texts) - calls, calls=calls,
            prompt_tokens=prompt_tokens, completion_tokens_at_most=most_out, token_rule=counter.rule,
            cost_usd_at_most=cost_usd(model, prompt_tokens, most_out, p.get("price_file")),
            cost_usd_prompt=cost_usd(model, prompt_tokens, 0, p.get("price_file")),
        )  # fmt: skip

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        model = self.model_name
        out: dict[str, Any] = {"api": f"{model} at {self.base_url}", "sampling": ", ".join(f"{k}={v}" for k, v in self.sampling().items())}
        client: ChatClient | None = ctx.run_state.get("client") if ctx is not None else None
        if client is not None and client.token_param != "max_tokens":
            out["sampling"] += f" (max_tokens sent as {client.token_param}: the server refused max_tokens)"
        out.update(super().details(ctx))
        u = client.usage if client is not None else Usage()
        out["requests"] = f"{u.answers} answered, {u.cache_hits} from the cache, {u.requests} HTTP requests (retries included), {u.failures} failed"
        out["tokens"] = f"prompt {u.prompt_tokens}, completion {u.completion_tokens} (cached answers cost none)"
        if u.unknown_tokens:
            out["tokens"] += f"; {u.unknown_tokens} answers came with no valid token counts from the server (not counted: tokens and cost are at least these)"
        if u.cut:
            out["notes"] = [f"{u.cut} answers were longer than {MAX_ANSWER_CHARS // 1024} KB and are stored cut to their start"]
        counts: LogprobCounts | None = ctx.run_state.get("logprob_counts") if ctx is not None else None
        if counts is not None and self.config.params["logprobs"] > 0:
            out["logprobs"] = (
                f"{counts.scored} answers scored from their first token, {counts.no_class_word} with no class word among its "
                f"alternatives, {counts.no_logprobs} with no logprobs from the server"
            )
            out["labels_from_logprobs"] = counts.labels_from_logprobs
        price_file = self.config.params.get("price_file")
        cost = cost_usd(model, u.prompt_tokens, u.completion_tokens, price_file)
        if cost is None:
            out["cost"] = f"unknown: no price for '{model}' (add it to a price file, the price_file parameter, or $WORKBENCH_PRICES)"
        else:
            price = model_price(model, price_file)
            assert price is not None  # a cost was found, so its price was
            out["cost"] = f"{'at least ' if u.unknown_tokens else ''}${cost:.4f} (USD {price[0]}/{price[1]} per 1M prompt/completion tokens)"
        return out
