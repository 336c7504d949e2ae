"""Open a page in headless Chromium and report what happened: console messages and errors,
every request it made, an element's box, and a screenshot. Chromium is driven over the DevTools
protocol on a pipe (``--remote-debugging-pipe``: JSON messages separated by NUL bytes on file
descriptors 3 and 4), so no port is opened and no extra package is needed. Every wait is bounded
by a deadline; the browser is killed at the end whatever happens."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE = "chromium"
"""The Debian package that provides the browser (`apt-get install chromium`)."""


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _high(fd: int) -> int:
    """``fd`` moved to a number of 10 or more (the old one closed)."""
    import fcntl

    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


@dataclass
class PageVisit:
    console: list[tuple[str, str]] = field(default_factory=list)
    """(level, text) of each console message and log entry."""
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """The URL of every request the page made (the page's own file first)."""
    boxes: dict[str, dict[str, float] | None] = field(default_factory=dict)
    """Selector -> the first matching element's box in page pixels (x, y, width, height), or None."""
    screenshot: bytes = b""
    """A PNG of the whole page."""

    @property
    def errors(self) -> list[str]:
        return self.exceptions + [text for level, text in self.console if level in ("error", "assert")]


class _Pipe:
    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int, deadline: float):
        self.proc, self.out, self.inp, self.deadline = proc, to_browser, from_browser, deadline
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def read(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self.inp], [], [], left)
            if ready:
                chunk = os.read(self.inp, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"chromium closed the pipe (exit {self.proc.poll()})")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method: str, session: str) -> None:
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            self.events.append(self.read())


def visit(page: Path, selectors: tuple[str, ...] = (), *, width: int = 1400, height: int = 1000, timeout: float = 60.0, dark: bool = False) -> PageVisit:
    """Load ``page`` (a file) in headless Chromium and return what happened (see PageVisit)."""
    browser = chromium_path()
    if browser is None:
        raise FileNotFoundError(f"no Chromium found (Debian package: {PACKAGE})")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    to_browser_r, from_browser_w = _high(to_browser_r), _high(from_browser_w)  # clear of 3 and 4
    profile = tempfile.mkdtemp(prefix="wb-chromium-")
    args = [
        browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check",
        "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--remote-debugging-pipe", f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank",
    ]  # fmt: skip

    # The protocol's fixed descriptors, 3 (what Chromium reads) and 4 (what it writes), set by the
    # shell that execs it (bash: dash takes no descriptor above 9), from pipe ends kept clear of them.
    redirect = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w} {to_browser_r}<&- {from_browser_w}>&-'
    proc = subprocess.Popen(
        ["/bin/bash", "-c", redirect, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        pass_fds=(to_browser_r, from_browser_w),
    )  # fmt: skip
    os.close(to_browser_r)
    os.close(from_browser_w)
    pipe = _Pipe(proc, to_browser_w, from_browser_r, time.monotonic() + timeout)
    result = PageVisit()
    try:
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            pipe.send(f"{domain}.enable", session=session)
        pipe.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]}, session=session)
        pipe.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        pipe.wait_for("Page.loadEventFired", session)
        for selector in selectors:
            expression = f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null; const r = e.getBoundingClientRect(); return {{x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}}; }})()"
            value = pipe.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)["result"].get("value")
            result.boxes[selector] = value
        shot = pipe.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)
        result.screenshot = base64.b64decode(shot["data"])
        for event in pipe.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                result.console.append((params.get("type", ""), " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))))
            elif method == "Runtime.exceptionThrown":
                result.exceptions.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                result.console.append((entry.get("level", ""), f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip()))
            elif method == "Network.requestWillBeSent":
                result.requests.append(params.get("request", {}).get("url", ""))
        return result
    finally:
        try:
            os.write(to_browser_w, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        os.close(to_browser_w)
        os.close(from_browser_r)
        shutil.rmtree(profile, ignore_errors=True)
