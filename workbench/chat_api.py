"""Talking to an OpenAI-compatible chat-completions server: the key, the client, the response
cache and the token accounting. Retries are the openai SDK's own (``max_retries``): exponential
backoff with jitter on 408/409/429/5xx and timeouts, honouring ``Retry-After``.

The API key is read here and handed to the client only: it is never a run parameter, so it never
reaches the store, the config, a report or a log line. A server may still echo it back (in a 401
body, a proxy's error page): every message built from a server's words goes through ``redact``.
The SDK logs no headers, and workbench never turns its logging on.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .errors import API_KEY_FILE, MODEL, ConfigError
from .errors import param as param_field
from .http_deadline import bound_requests

OPENAI_URL = "https://api.openai.com/v1"
LOCAL_KEY = "EMPTY"
"""Sent to a server named by its base URL when no key is set: vLLM, Ollama and llama.cpp accept any."""


_SERVER_PARAMS = {
    "temperature": "temperature", "max_tokens": "max_new_tokens", "max_completion_tokens": "max_new_tokens",
    "logprobs": "logprobs", "top_logprobs": "logprobs",
}  # fmt: skip
"""Request parameters a server may refuse, by the method parameter that sets them."""


def resolve_base_url(given: str | None) -> str:
    return (given or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")


def read_api_key(key_file: str | None, base_url: str) -> str:
    if key_file:
        path = Path(key_file).expanduser()
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"cannot read the API key file {path} ({e.strerror})", fix="check the path of the API key file", field=API_KEY_FILE) from None
        except UnicodeDecodeError:  # the message must not quote the bytes: they may be the key
            raise ConfigError(f"the API key file {path} is not UTF-8 text", expected="the key as one line of text", fix="write the key into it as plain text", field=API_KEY_FILE) from None
        if not key:
            raise ConfigError(f"the API key file {path} is empty", fix="put the key in it, or set OPENAI_API_KEY", field=API_KEY_FILE)
        return key
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if key:
        return key
    if base_url != OPENAI_URL:
        return LOCAL_KEY
    raise ConfigError("no API key for the OpenAI API", fix="set OPENAI_API_KEY or name a file holding the key", field=API_KEY_FILE)


def response_key(base_url: str, model: str, messages: list[dict[str, str]], sampling: dict[str, Any]) -> str:
    """Everything an answer depends on. The API key is not part of it: it does not change answers."""
    parts = {"base_url": base_url, "model": model, "messages": messages, "sampling": sampling}
    return "chat:" + hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Usage:
    """Counts for one run; requests are HTTP attempts, so retries show as requests > answers."""

    answers: int = 0
    cache_hits: int = 0
    requests: int = 0
    failures: int = 0
    cut: int = 0
    """Answers longer than MAX_ANSWER_CHARS, kept cut (a misbehaving server)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    unknown_tokens: int = 0
    """Answers the server gave no valid token counts for (none, negative, not a whole number):
    counted here, not in the tokens above, so the tokens and the cost are a lower bound."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


def token_counts(used: Any) -> dict[str, int] | None:
    """An answer's ``usage`` as ``{"prompt_tokens": .., "completion_tokens": ..}``; None when the
    server sent none or a count that is no count of tokens (negative, NaN, a fraction, a string):
    such an answer's tokens are unknown, never added (a negative count would subtract from the cost)."""
    counts = {}
    for name in ("prompt_tokens", "completion_tokens"):
        n = getattr(used, name, None)
        if isinstance(n, bool) or not isinstance(n, (int, float)) or not math.isfinite(n) or n < 0 or n != int(n):
            return None
        counts[name] = int(n)
    return counts


class Answer(NamedTuple):
    """One answer, as the server gave it or the cache kept it."""

    text: str
    finish_reason: str | None
    top_logprobs: list[list] | None = None
    """The first answer token's alternatives as ``[token, logprob]`` pairs, most likely first;
    None when none were asked for, the server sent none, or the cached answer predates them."""


def first_top_logprobs(choice: Any) -> list[list] | None:
    """``choice.logprobs.content[0].top_logprobs`` as ``[token, logprob]`` pairs, or None. Read
    leniently: a server that sends no logprobs, or a malformed entry, costs the scores only, never
    the answer."""
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return None
    top = getattr(content[0], "top_logprobs", None)
    if not isinstance(top, list):
        return None
    pairs = []
    for alt in top:
        token, logprob = getattr(alt, "token", None), getattr(alt, "logprob", None)
        if isinstance(token, str) and isinstance(logprob, (int, float)) and not isinstance(logprob, bool) and math.isfinite(logprob):
            pairs.append([token, float(logprob)])
    return pairs or None


class BadResponse(Exception):
    """The server answered, but not with a usable chat completion (not JSON, no choices): a
    per-example error, never fatal by itself."""


REDACTED = "[api key]"


def key_pattern(key: str) -> re.Pattern[str]:
    """The key as a server may echo it: in any case, and with spaces, dashes, dots or
    underscores between its characters (a body that spells it out, an upper-cased error)."""
    chars = [c for c in key if c.isalnum()]
    return re.compile(r"[\s\-_.]*".join(re.escape(c) for c in chars), re.IGNORECASE)

MAX_ANSWER_CHARS = 65536
"""The longest answer kept (64 KB of text): a label is in the first words of an answer, and a
server that streams megabytes back must not fill the store."""


def is_refused(exc: BaseException) -> bool:
    """Whether nothing could be connected to at all (refused, unknown host), as opposed to a
    connection that broke mid-answer. The transport's ConnectError is matched by name: the SDK
    ships on httpx or its successor httpx2, whose classes differ."""
    import openai

    cause = exc.__cause__ or exc.__context__
    return isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError) and type(cause).__name__ == "ConnectError"


def tries_of(e: BaseException, max_retries: int) -> int:
    """How many times the request that ended in ``e`` was sent: the SDK numbers each attempt's
    retry in its ``x-stainless-retry-count`` header, and ``e.request`` is the last attempt. An
    error the SDK did not retry (a Retry-After too long to wait) was sent once, not 1 + max_retries."""
    request = getattr(e, "request", None)
    try:
        return int(request.headers["x-stainless-retry-count"]) + 1  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError, RuntimeError):  # RuntimeError: an error with no request set
        return 1 + max_retries


def retry_after_s(headers: Any) -> float | None:
    """The wait a response asks for (``retry-after-ms``, or ``Retry-After`` in seconds or as an
    HTTP date), in seconds; None when it asks for none or says it unreadably."""
    from email.utils import parsedate_to_datetime

    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError, IndexError):
                continue
        if seconds >= 0:  # NaN is not; an overflow (1e999) is a wait too long for anyone
            return round(seconds, 3)
    return None


class ChatClient:
    """One model at one server with fixed sampling parameters; ``complete`` is thread-safe."""

    def __init__(self, *, base_url: str, api_key: str, model: str, sampling: dict[str, Any], timeout: float, max_retries: int, cache: Any):
        import openai  # lazy: only the chat method needs it

        self.base_url, self.model, self.sampling, self.cache = base_url, model, dict(sampling), cache
        self.timeout, self.max_retries = timeout, max_retries
        self.usage = Usage()
        # Short "keys" (the EMPTY sent to local servers) are no secret, and masking them would
        # garble ordinary words in messages.
        self._secrets = [key_pattern(api_key)] if len(api_key) >= 8 and api_key != LOCAL_KEY else []
        self.token_param = "max_tokens"
        """The name the answer-length limit is sent under: OpenAI's reasoning models refuse
        max_tokens and want max_completion_tokens (same meaning), switched to when a server says so."""
        http = openai.DefaultHttpxClient(event_hooks={"request": [lambda request: self.usage.add(requests=1)]})
        bound_requests(http, timeout)  # ``timeout`` is each request's total time, not each read's (http_deadline.py)
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries, http_client=http)

    def cache_key(self, messages: list[dict[str, str]]) -> str:
        return response_key(self.base_url, self.model, messages, self.sampling)

    def cached(self, messages: list[dict[str, str]]) -> dict | None:
        return self.cache.get_response(self.cache_key(messages)) if self.cache is not None else None

    def redact(self, text: str) -> str:
        """``text`` with the API key masked, for anything built from a server's words."""
        for secret in self._secrets:
            text = secret.sub(REDACTED, text)
        return text

    def complete(self, messages: list[dict[str, str]]) -> Answer:
        """The answer (text, finish_reason, first token's alternatives), from the cache or the server. Raises ConfigError
        for what no retry fixes (bad key, unknown model, a refused parameter), BadResponse for an
        answer that is not a chat completion, the SDK's error once its retries are spent otherwise."""
        hit = self.cached(messages)
        if hit is not None:
            self.usage.add(cache_hits=1)
            return Answer(hit["content"], hit.get("finish_reason"), hit.get("top_logprobs"))
        try:
            resp = self._create(messages)
        except Exception:
            self.usage.add(failures=1)
            raise
        content = self.redact(resp.choices[0].message.content or "")
        if len(content) > MAX_ANSWER_CHARS:
            content = content[:MAX_ANSWER_CHARS]
            self.usage.add(cut=1)
        finish = resp.choices[0].finish_reason
        top = first_top_logprobs(resp.choices[0]) if self.sampling.get("logprobs") else None
        if top:  # an alternative token is the server's words too: stored, so masked
            top = [[self.redact(token), logprob] for token, logprob in top]
        tokens = token_counts(getattr(resp, "usage", None))
        self.usage.add(answers=1, **(tokens if tokens is not None else {"unknown_tokens": 1}))
        if self.cache is not None:
            # The alternatives are kept with the text, so a cached rerun gives the same scores.
            record = {"content": content, "finish_reason": finish, "usage": tokens, "top_logprobs": top}
            self.cache.put_response(self.cache_key(messages), record)
        return Answer(content, finish, top)

    def _create(self, messages: list[dict[str, str]]) -> Any:
        """One chat completion (the SDK retrying transient failures), checked to have a choice."""
        import openai

        sampling = dict(self.sampling)
        if "max_tokens" in sampling and self.token_param != "max_tokens":
            sampling[self.token_param] = sampling.pop("max_tokens")
        try:
            # with_raw_response: a body that is not JSON can be shown, not just "Expecting value".
            raw = self.client.chat.completions.with_raw_response.create(model=self.model, messages=messages, **sampling)  # type: ignore[arg-type]  # plain role/content dicts
        except openai.AuthenticationError as e:
            raise ConfigError(f"the server at {self.base_url} refused the API key (401: {self._says(e)})", fix="check OPENAI_API_KEY or the API key file", field=API_KEY_FILE) from None
        except openai.PermissionDeniedError as e:
            raise ConfigError(f"the API key may not use model '{self.model}' at {self.base_url} (403: {self._says(e)})", fix="pick a model the key's project can use", field=MODEL) from None
        except openai.NotFoundError as e:
            raise ConfigError(f"model '{self.model}' not found at {self.base_url} (404: {self._says(e)})", fix="check the model and the server's base URL", field=MODEL) from None
        except openai.BadRequestError as e:
            said = self._says(e)
            if "max_tokens" in sampling and "max_completion_tokens" in said:
                # Not a retry of a failure (those are the SDK's): the same request under the name
                # this model wants, sent once; later requests use it from the start.
                self.token_param = "max_completion_tokens"
                return self._create(messages)
            if getattr(e, "code", None) in ("unsupported_parameter", "unsupported_value"):
                param = getattr(e, "param", None) or "a parameter"
                ours = _SERVER_PARAMS.get(param)  # the method parameter it comes from, where one does
                raise ConfigError(
                    f"the server at {self.base_url} refuses {param} for model '{self.model}' (400: {said})",
                    fix="set logprobs to 0 (the model then gives labels without class probabilities)" if ours == "logprobs"
                    else "change that parameter (e.g. temperature 1 for models that allow only the default)",
                    field=param_field(ours) if ours else None,
                ) from None
            raise  # other 400s (a prompt too long for the model, say) are this example's problem
        try:
            resp = raw.parse()
        except ValueError:  # json.JSONDecodeError: the body is not JSON
            raise BadResponse(f"the server's answer is not JSON (HTTP {raw.status_code}): {self._snippet(raw.text)}") from None
        if not getattr(resp, "choices", None):
            # A body that is not a completion at all (an HTML page, an error object) parses to a
            # str or a dict; a completion with an empty choices list is shown as it came.
            raise BadResponse(f"the server's answer has no choices: {self._snippet(raw.text)}")
        return resp

    def _snippet(self, text: str) -> str:
        text = self.redact(" ".join(str(text).split()))  # masked before it is cut: a cut key is no longer found
        return text[:200] + ("..." if len(text) > 200 else "") or "(empty body)"

    def _says(self, e: Exception) -> str:
        """What the server said in an error response: its message, not the SDK's wrapper."""
        body = getattr(e, "body", None)
        message = body.get("message") if isinstance(body, dict) else None
        return self.redact(" ".join(str(message or getattr(e, "message", None) or e).split()))[:300]

    def describe(self, e: BaseException) -> str:
        """One line for a prediction's error: what failed and how often it was tried, key masked."""
        import openai

        n = tries_of(e, self.max_retries)
        tries = "1 try" if n == 1 else f"{n} tries"
        if isinstance(e, openai.APIStatusError) and n < 1 + self.max_retries:
            wait = retry_after_s(e.response.headers)
            if wait is not None:  # the SDK does not wait that long: it gave up at once, and says so
                tries += f"; the server asked to wait {wait:g} s before another, longer than the client waits, so it was not retried"
        if isinstance(e, openai.APITimeoutError):
            text = f"no answer within the {self.timeout:g} s timeout ({tries})"
        elif isinstance(e, openai.APIConnectionError):
            cause = e.__cause__ or e.__context__
            text = f"{e} {cause or ''} ({tries})".strip()
        elif isinstance(e, openai.APIStatusError):
            retried = e.status_code in (408, 409, 429) or e.status_code >= 500
            text = f"HTTP {e.status_code}: {self._says(e)}" + (f" ({tries})" if retried else "")
        else:
            text = str(e)
        return self.redact(f"{type(e).__name__}: {text}")[:500]

    def close(self) -> None:
        self.client.close()
