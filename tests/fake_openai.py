"""An OpenAI-compatible chat-completions server on 127.0.0.1 for tests: real sockets, scripted
answers and failures, and a record of what it saw (requests, concurrency, keys).

The script reads the last user message:
- contains RATE: the first attempt gets 429 with ``Retry-After: 1``, later ones an answer;
- contains FAIL500: always 500 (with ``retry-after-ms: 10`` so retries are quick);
- contains BADJSON: 200 with a body that is not JSON;
- contains SLOWONCE: the first attempt sleeps past the client's timeout, later ones answer;
- contains a fault tag ``[NAME]`` (every attempt) or ``[NAMExN]`` (the first N attempts), NAME one of
  FAULTS below: that failure, and an answer once the N attempts are spent;
- otherwise: 'Positive.' if it says good/great, 'negative' if bad/awful, else 'I cannot tell'.

Whole-server behaviour: ``key`` (401 for any other key, its body echoing the key it was sent, as
careless servers do), ``models`` (404 for any other model), ``reject_max_tokens`` (400 asking for
max_completion_tokens, as OpenAI does for its reasoning models), ``reject_temperature`` (400 for
any temperature but 1, as those models do too), ``logprobs`` (False: a server without logprobs
support, which ignores the request's logprobs fields and sends none; otherwise, when a request
asks, the answer's first token comes with TOP_LOGPROBS's alternatives, or ``alternatives``'s
where it names the answer, cut to top_logprobs),
``reject_logprobs`` (400 for a request asking for logprobs, as OpenAI's reasoning models do).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


FAULTS = {
    "429": "429, no Retry-After: the SDK's own backoff",
    "429ra": "429 with Retry-After: 1",
    "429long": "429 with Retry-After: 3600 (longer than the SDK waits: it does not retry)",
    "500": "500", "502": "502", "503": "503",
    "slow": "answers after ``slow`` seconds (past the client's timeout)",
    "hang": "never answers (until the server stops)",
    "trickle": "answers one byte every ``trickle`` seconds, status line and headers too (each read is quick, the whole is slow)",
    "truncated": "200 whose body is cut short: Content-Length promises more, then the connection closes",
    "badjson": "200 with a complete body that is not JSON",
    "nochoices": "200 with an empty choices list",
    "filtered": "200 with finish_reason content_filter and no content",
    "length": "200 with finish_reason length and no content (the token limit spent before any answer)",
    "echo500": "500 whose body echoes the Authorization header it got (a careless proxy)",
    "echoupper": "500 whose body echoes the key it got upper-cased",
    "echospaced": "500 whose body echoes the key it got spelled out, a space between its characters",
    "negusage": "200 whose usage has negative token counts",
    "nanusage": "200 whose usage has NaN token counts (Python's json writes and reads NaN)",
}  # fmt: skip
TOP_LOGPROBS = {
    "Positive.": [("Positive", -0.05), (" Positive", -3.5), ("Negative", -4.0), ("The", -6.0), ("pos", -7.0)],
    "negative": [("negative", -0.2), ("positive", -2.0), ("Neg", -3.0), ("**", -5.0), ("neutral", -6.0)],
    "I cannot tell": [("I", -0.4), (" negative", -1.6), ("positive", -2.3), ("The", -3.0), ("Sorry", -4.0)],
}
"""The first token's alternatives of each scripted answer, most likely first. Their probabilities
need not sum to 1 (a real server's top few never do): the method renormalises over the classes."""

FAULT_TAG = re.compile(r"\[(" + "|".join(sorted(FAULTS, key=len, reverse=True)) + r")(?:x(\d+))?\]")


class FakeOpenAI:
    def __init__(
        self, key: str | None = None, delay: float = 0.05, slow: float = 1.5, port: int = 0,
        models: set[str] | None = None, reject_max_tokens: bool = False, reject_temperature: bool = False, logprobs: bool = True,
        reject_logprobs: bool = False, alternatives: dict[str, list[tuple[str, float]]] | None = None,
        hold_after: int | None = None, trickle: float = 0.1,
    ):  # fmt: skip
        self.key, self.delay, self.slow, self.logprobs = key, delay, slow, logprobs
        self.models, self.reject_max_tokens, self.reject_temperature = models, reject_max_tokens, reject_temperature
        self.reject_logprobs, self.alternatives = reject_logprobs, {**TOP_LOGPROBS, **(alternatives or {})}
        self.trickle = trickle
        self.stopping = threading.Event()  # ends the handlers of [hang] and [trickle] when the server stops
        self.hold_after = hold_after
        """Requests after this many wait, unanswered, until :meth:`release` (or the server stops):
        a run is then surely in progress when a test signals it, on any machine under any load."""
        self.released = threading.Event()
        self.requests = 0
        self.attempts: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.auth_seen: set[str] = set()
        self.bodies: list[dict] = []
        self.connections = 0  # accepted by the server ...
        self.connections_done = 0  # ... and finished with (answered, or the client left)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                fake._handle(self)

        class Server(ThreadingHTTPServer):
            def process_request(self, request, client_address):
                with fake._lock:
                    fake.connections += 1
                super().process_request(request, client_address)

            def process_request_thread(self, request, client_address):
                try:
                    super().process_request_thread(request, client_address)
                finally:
                    with fake._lock:
                        fake.connections_done += 1

        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def release(self) -> None:
        """Answer the requests held by ``hold_after``, and every later one at once."""
        self.released.set()

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every request sent to the server so far has been handled (a killed client's
        requests in flight included). A probe connection queues behind them; once it is answered
        they have all been accepted, and then each accepted connection must finish."""
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(self.url.removesuffix("/v1") + "/probe", timeout=timeout).close()
        except urllib.error.HTTPError:  # 501: the server only takes POST, but it answered
            pass
        end = time.monotonic() + timeout
        while True:
            with self._lock:
                if self.connections_done >= self.connections:
                    return
            if time.monotonic() > end:
                raise AssertionError(f"the fake server still handles {self.connections - self.connections_done} connections")
            time.sleep(0.01)

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
            held = self.hold_after is not None and self.requests > self.hold_after
            self.times.setdefault(text, []).append(time.monotonic())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.auth_seen.add(h.headers.get("Authorization", ""))
            self.bodies.append(body)
        try:
            if self.key is not None and h.headers.get("Authorization") != f"Bearer {self.key}":
                sent = h.headers.get("Authorization", "").removeprefix("Bearer ")
                err = {"error": {"message": f"Incorrect API key provided: {sent}", "type": "invalid_request_error", "code": "invalid_api_key"}}
                return self._send(h, 401, json.dumps(err).encode())
            if self.models is not None and body.get("model") not in self.models:
                msg = f"The model `{body.get('model')}` does not exist or you do not have access to it."
                err = {"error": {"message": msg, "type": "invalid_request_error", "param": None, "code": "model_not_found"}}
                return self._send(h, 404, json.dumps(err).encode())
            if self.reject_max_tokens and "max_tokens" in body:
                msg = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
                err = {"error": {"message": msg, "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}
                return self._send(h, 400, json.dumps(err).encode())
            if self.reject_temperature and body.get("temperature", 1) != 1:
                msg = f"Unsupported value: 'temperature' does not support {body['temperature']} with this model. Only the default (1) value is supported."
                err = {"error": {"message": msg, "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}}
                return self._send(h, 400, json.dumps(err).encode())
            if self.reject_logprobs and body.get("logprobs"):
                msg = "This model does not support the 'logprobs' parameter."
                err = {"error": {"message": msg, "type": "invalid_request_error", "param": "logprobs", "code": "unsupported_parameter"}}
                return self._send(h, 400, json.dumps(err).encode())
            time.sleep(self.delay)
            if held:
                self.released.wait()
            tag = FAULT_TAG.search(text)
            if tag and (tag.group(2) is None or attempt <= int(tag.group(2))):
                return self._fault(h, tag.group(1), body, text)
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

    def _fault(self, h, name: str, body: dict, text: str) -> None:
        error = json.dumps({"error": {"message": f"fault {name}"}}).encode()
        if name == "429":
            return self._send(h, 429, error)
        if name == "429ra":
            return self._send(h, 429, error, {"Retry-After": "1"})
        if name == "429long":
            return self._send(h, 429, error, {"Retry-After": "3600"})
        if name in ("500", "502", "503"):
            return self._send(h, int(name), error)
        if name == "echo500":
            echoed = {"error": {"message": f"upstream failed for Authorization: {h.headers.get('Authorization')}"}}
            return self._send(h, 500, json.dumps(echoed).encode())
        if name in ("echoupper", "echospaced"):
            key = h.headers.get("Authorization", "").removeprefix("Bearer ")
            shown = key.upper() if name == "echoupper" else " ".join(key)
            return self._send(h, 500, json.dumps({"error": {"message": f"bad request from {shown}"}}).encode())
        if name == "slow":
            time.sleep(self.slow)
            return self._send(h, 200, json.dumps(self._completion(body, text)).encode())
        if name == "hang":
            self.stopping.wait()
            return None
        if name == "trickle":
            payload = json.dumps(self._completion(body, text)).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
            try:
                for i in range(len(head + payload)):
                    h.wfile.write((head + payload)[i : i + 1])
                    h.wfile.flush()
                    if self.stopping.wait(self.trickle):
                        break
            except (BrokenPipeError, ConnectionResetError):  # the client gave up on it
                pass
            h.close_connection = True
            return None
        if name == "truncated":
            full = json.dumps(self._completion(body, text)).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(full)))
            h.end_headers()
            h.wfile.write(full[: len(full) // 2])
            h.wfile.flush()
            h.close_connection = True
            return None
        if name == "badjson":
            return self._send(h, 200, b"<html>502 Bad Gateway</html>")
        completion = self._completion(body, text)
        if name == "nochoices":
            completion["choices"] = []
        elif name == "filtered":
            completion["choices"][0].update(message={"role": "assistant", "content": None}, finish_reason="content_filter")
        elif name == "length":
            completion["choices"][0].update(message={"role": "assistant", "content": ""}, finish_reason="length")
        elif name in ("negusage", "nanusage"):
            bad = -1000 if name == "negusage" else float("nan")
            completion["usage"] = {"prompt_tokens": bad, "completion_tokens": bad, "total_tokens": bad}
        return self._send(h, 200, json.dumps(completion).encode())

    def _completion(self, body: dict, text: str) -> dict:
        low = text.lower()
        answer = "Positive." if ("good" in low or "great" in low) else "negative" if ("bad" in low or "awful" in low) else "I cannot tell"
        choice: dict = {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
        if self.logprobs and body.get("logprobs"):
            top = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in self.alternatives[answer][: body.get("top_logprobs") or 0]]
            first = {**top[0], "top_logprobs": top} if top else {"token": answer.split()[0], "logprob": -0.1, "bytes": None, "top_logprobs": []}
            choice["logprobs"] = {"content": [first], "refusal": None}  # the first token only: all the method reads
        return {
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "m"),
            "choices": [choice],
            "usage": {"prompt_tokens": 10 + len(text) // 4, "completion_tokens": 2, "total_tokens": 12 + len(text) // 4},
        }  # fmt: skip
