"""Talking to an OpenAI-compatible chat-completions server: the key, the client, the response
cache and the token accounting. Retries are the openai SDK's own (``max_retries``): exponential
backoff with jitter on 408/409/429/5xx and timeouts, honouring ``Retry-After``.

The API key is read here and handed to the client only: it is never a run parameter, so it never
reaches the store, the config, a report or a log line.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

OPENAI_URL = "https://api.openai.com/v1"
LOCAL_KEY = "EMPTY"
"""Sent to a server named with --base-url when no key is set: vLLM, Ollama and llama.cpp accept any."""


def resolve_base_url(given: str | None) -> str:
    return (given or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")


def read_api_key(key_file: str | None, base_url: str) -> str:
    if key_file:
        path = Path(key_file).expanduser()
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"cannot read the API key file {path} ({e.strerror})", fix="check the path given to --api-key-file") from None
        if not key:
            raise ConfigError(f"the API key file {path} is empty", fix="put the key in it, or set OPENAI_API_KEY")
        return key
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if key:
        return key
    if base_url != OPENAI_URL:
        return LOCAL_KEY
    raise ConfigError("no API key for the OpenAI API", fix="set OPENAI_API_KEY or pass --api-key-file PATH")


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
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


class ChatClient:
    """One model at one server with fixed sampling parameters; ``complete`` is thread-safe."""

    def __init__(self, *, base_url: str, api_key: str, model: str, sampling: dict[str, Any], timeout: float, max_retries: int, cache: Any):
        import openai  # lazy: only the chat method needs it

        self.base_url, self.model, self.sampling, self.cache = base_url, model, dict(sampling), cache
        self.usage = Usage()
        http = openai.DefaultHttpxClient(event_hooks={"request": [lambda request: self.usage.add(requests=1)]})
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries, http_client=http)

    def cache_key(self, messages: list[dict[str, str]]) -> str:
        return response_key(self.base_url, self.model, messages, self.sampling)

    def cached(self, messages: list[dict[str, str]]) -> dict | None:
        return self.cache.get_response(self.cache_key(messages)) if self.cache is not None else None

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The answer's text, from the cache or the server. Raises ConfigError for what no retry
        fixes (bad key, unknown model), the SDK's error once its retries are spent otherwise."""
        import openai

        hit = self.cached(messages)
        if hit is not None:
            self.usage.add(cache_hits=1)
            return hit["content"]
        try:
            resp = self.client.chat.completions.create(model=self.model, messages=messages, **self.sampling)
        except openai.AuthenticationError:
            raise ConfigError(f"the server at {self.base_url} refused the API key (401)", fix="check OPENAI_API_KEY or the file given to --api-key-file") from None
        except openai.PermissionDeniedError:
            raise ConfigError(f"the API key may not use model '{self.model}' at {self.base_url} (403)", fix="pick a model the key's project can use") from None
        except openai.NotFoundError:
            raise ConfigError(f"model '{self.model}' not found at {self.base_url} (404)", fix="check --model and --base-url") from None
        except Exception:
            self.usage.add(failures=1)
            raise
        if not getattr(resp, "choices", None):
            self.usage.add(failures=1)
            raise ValueError(f"the server's response has no choices: {str(resp)[:200]}")
        content = resp.choices[0].message.content or ""
        used = getattr(resp, "usage", None)
        tokens = {"prompt_tokens": getattr(used, "prompt_tokens", 0) or 0, "completion_tokens": getattr(used, "completion_tokens", 0) or 0}
        self.usage.add(answers=1, **tokens)
        if self.cache is not None:
            self.cache.put_response(self.cache_key(messages), {"content": content, "finish_reason": resp.choices[0].finish_reason, "usage": tokens})
        return content

    def close(self) -> None:
        self.client.close()
