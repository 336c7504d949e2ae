"""A total deadline per HTTP request for the openai client (the chat method's ``timeout``).

httpx's timeouts are per operation: a read timeout bounds each read of the socket, so a server that
trickles one byte every half second holds a request forever within any read timeout (encode/httpx
#1450; httpx2 and the openai SDK offer no total either). Here every read, write and connect of a
request is given at most what is left of that request's deadline, headers and body alike: the
deadline is started by the client's request hook (each retry of the SDK is a new request with a
new deadline) and kept per thread, as a request of the sync client runs in one thread from send
to the last byte read. Past it the read fails as a read timeout does, so the SDK retries it and
then reports ``APITimeoutError``, as for a server that says nothing at all.

The network streams are reached through the connection pools of the client's transports (its own
and those for proxies from the environment, kept as they are): private attributes of httpx2 and
httpcore2, so :func:`bound_requests` checks it found them and tests/test_chat_faults.py checks the
deadline holds against a trickling server.
"""

from __future__ import annotations

import threading
import time
from typing import Any

_local = threading.local()


def start(seconds: float) -> None:
    """Start the deadline of the request this thread sends now."""
    _local.deadline = time.monotonic() + seconds


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what is left of this thread's request deadline (raises ``error`` past it)."""
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the request's total time limit passed")
    return left if timeout is None else min(timeout, left)


def bound_requests(client: Any, seconds: float) -> None:
    """Give every request of ``client`` (an httpx2.Client, the openai SDK's) a total deadline of
    ``seconds``. Raises RuntimeError when a transport's pool is not where this version expects it."""
    import httpcore2

    class Stream(httpcore2.NetworkStream):
        def __init__(self, inner: Any):
            self.inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self.inner.read(max_bytes, _left(timeout, httpcore2.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self.inner.write(buffer, _left(timeout, httpcore2.WriteTimeout))

        def close(self) -> None:
            self.inner.close()

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            return Stream(self.inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore2.ConnectTimeout)))

        def get_extra_info(self, info: str) -> Any:
            return self.inner.get_extra_info(info)

    class Backend(httpcore2.NetworkBackend):
        def __init__(self, inner: Any):
            self.inner = inner

        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            return Stream(self.inner.connect_tcp(host, port, _left(timeout, httpcore2.ConnectTimeout), local_address, socket_options))

        def connect_unix_socket(self, path, timeout=None, socket_options=None):
            return Stream(self.inner.connect_unix_socket(path, _left(timeout, httpcore2.ConnectTimeout), socket_options))

        def sleep(self, seconds: float) -> None:
            self.inner.sleep(seconds)

    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            raise RuntimeError(f"no connection pool found in {type(transport).__name__}: the request deadline cannot be set")
        if not isinstance(pool._network_backend, Backend):
            pool._network_backend = Backend(pool._network_backend)
    client.event_hooks["request"].append(lambda request: start(seconds))
