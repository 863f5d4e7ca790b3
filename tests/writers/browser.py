"""Drive Debian's headless Chromium over the DevTools protocol, for the report's browser test:
load a page from file://, collect console errors and every network request, wait for the charts,
measure, and take a full-page PNG. No browser is downloaded.

The protocol runs over a pipe (``--remote-debugging-pipe``: NUL-terminated JSON on the child's
fds 3 and 4), not a TCP port, as Playwright does: it needs no loopback network and no port file,
either of which a sandboxed CI may not give (a CI run as root timed out waiting for the port
file). Chromium's stderr goes to a file whose tail is quoted when it fails to start."""

from __future__ import annotations

import base64
import fcntl
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

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "--hide-scrollbars", "--mute-audio", "--disable-dev-shm-usage")


def unavailable_reason() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not installed (make test installs Debian's chromium when run as root with apt)"
    return None


@dataclass
class PageLog:
    """What happened while a page loaded."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # console.warn: Vega-Lite's spec complaints


class Browser:
    """One headless Chromium with a fresh profile and one page (a flat DevTools session)."""

    def __init__(self, width: int = 1024, height: int = 768, timeout: float = 60.0) -> None:
        self.width, self.height, self.timeout = width, height, timeout
        self.profile = tempfile.mkdtemp(prefix="segkit-chromium-")
        self.stderr_path = Path(self.profile) / "chromium-stderr.txt"
        self.log = PageLog()
        self._next_id = 0
        self._buffer = b""
        self._to_child, self._from_child = self._start()
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    def _start(self) -> tuple[int, int]:
        """Start Chromium with its protocol pipe on fds 3 (it reads) and 4 (it writes)."""
        child_reads, parent_writes = os.pipe()
        parent_reads, child_writes = os.pipe()

        def place_pipes() -> None:  # in the child: copies above 9 first, so neither end is overwritten
            reads, writes = fcntl.fcntl(child_reads, fcntl.F_DUPFD, 10), fcntl.fcntl(child_writes, fcntl.F_DUPFD, 10)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(3, 4), preexec_fn=place_pipes)
        os.close(child_reads)
        os.close(child_writes)
        return parent_writes, parent_reads

    def _connect(self) -> None:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)

    def _failure(self, what: str) -> str:
        """What went wrong, with the exit code and the end of Chromium's stderr."""
        code = self.process.poll()
        state = "still running" if code is None else f"exited with {code}"
        try:
            tail = self.stderr_path.read_text(errors="replace").strip().splitlines()[-8:]
        except OSError:
            tail = []
        return f"chromium {what} ({state}); its stderr ends: " + " | ".join(tail)

    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_child, data):]

    def _receive(self) -> dict[str, Any]:
        """The next protocol message, waiting at most ``timeout`` seconds for it."""
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_child], [], [], max(left, 0))
            if not ready:
                raise TimeoutError(self._failure(f"did not answer within {self.timeout:.0f} s"))
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError(self._failure("closed its protocol pipe"))
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, recording the events that arrive meanwhile."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self._send(message)
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._record(reply)

    def _record(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            self.log.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.log.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "warning":
            self.log.warnings.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.log.errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.log.errors.append(params["entry"].get("text", ""))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def open(self, path: Path, ready: str, wait: float | None = None) -> None:
        """Navigate to a file and wait until the JavaScript expression ``ready`` is true."""
        self.call("Page.navigate", session=True, url=path.resolve().as_uri())
        deadline = time.monotonic() + (wait or self.timeout)
        while time.monotonic() < deadline:
            if self.evaluate(f"document.readyState === 'complete' && !!({ready})"):
                return
            time.sleep(0.1)
        raise TimeoutError(f"page not ready after {wait or self.timeout:.0f} s: {ready}")

    def screenshot(self, target: Path) -> Path:
        """A full-page PNG at the emulated width."""
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        data = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True, optimizeForSpeed=True,
                         clip={"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1})["data"]
        target.write_bytes(base64.b64decode(data))
        return target

    def close(self) -> None:
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def external_requests(log: PageLog, page: Path) -> list[str]:
    """Every request other than the page itself (file://, data: and about: of the page excepted)."""
    own = page.resolve().as_uri()
    return [url for url in log.requests if url != own and not url.startswith(("data:", "about:"))]


__all__ = ["Browser", "PageLog", "external_requests", "unavailable_reason"]
