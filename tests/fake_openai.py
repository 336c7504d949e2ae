"""An OpenAI-compatible chat-completions server on 127.0.0.1 for tests: real sockets, scripted
answers and failures, and a record of what it saw (requests, concurrency, keys).

The script reads the last user message:
- contains RATE: the first attempt gets 429 with ``Retry-After: 1``, later ones an answer;
- contains FAIL500: always 500 (with ``retry-after-ms: 10`` so retries are quick);
- contains BADJSON: 200 with a body that is not JSON;
- contains SLOWONCE: the first attempt sleeps past the client's timeout, later ones answer;
- otherwise: 'Positive.' if it says good/great, 'negative' if bad/awful, else 'I cannot tell'.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, key: str | None = None, delay: float = 0.05, slow: float = 1.5, port: int = 0):
        self.key, self.delay, self.slow = key, delay, slow
        self.requests = 0
        self.attempts: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.auth_seen: set[str] = set()
        self.bodies: list[dict] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def tries(self, text: str) -> int:
        """Attempts for the prompts that hold ``text``."""
        return sum(n for prompt, n in self.attempts.items() if text in prompt)

    def times_of(self, text: str) -> list[float]:
        return sorted(t for prompt, ts in self.times.items() if text in prompt for t in ts)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests, self.max_in_flight = 0, 0
            self.attempts.clear()
            self.times.clear()

    def _send(self, h, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass

    def _handle(self, h) -> None:
        body = json.loads(h.rfile.read(int(h.headers.get("Content-Length", 0))) or b"{}")
        text = body["messages"][-1]["content"]
        with self._lock:
            self.requests += 1
            self.attempts[text] += 1
            attempt = self.attempts[text]
            self.times.setdefault(text, []).append(time.monotonic())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.auth_seen.add(h.headers.get("Authorization", ""))
            self.bodies.append(body)
        try:
            if self.key is not None and h.headers.get("Authorization") != f"Bearer {self.key}":
                err = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}
                return self._send(h, 401, json.dumps(err).encode())
            time.sleep(self.delay)
            if "RATE" in text and attempt == 1:
                return self._send(h, 429, b'{"error": {"message": "slow down"}}', {"Retry-After": "1"})
            if "FAIL500" in text:
                return self._send(h, 500, b'{"error": {"message": "boom"}}', {"retry-after-ms": "10"})
            if "BADJSON" in text:
                return self._send(h, 200, b'{"id": "x", "choices": [')
            if "SLOWONCE" in text and attempt == 1:
                time.sleep(self.slow)
            return self._send(h, 200, json.dumps(self._completion(body, text)).encode())
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _completion(body: dict, text: str) -> dict:
        low = text.lower()
        answer = "Positive." if ("good" in low or "great" in low) else "negative" if ("bad" in low or "awful" in low) else "I cannot tell"
        return {
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "m"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10 + len(text) // 4, "completion_tokens": 2, "total_tokens": 12 + len(text) // 4},
        }  # fmt: skip
