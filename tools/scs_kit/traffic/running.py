"""A proxy in front of one upstream: listening socket, recorder, incremental judge, status, shutdown."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Self
from urllib.parse import urlsplit

from ..errors import KitError
from ..i18n import _
from ..net import listen
from ..results import RunResults
from ..spec import Spec
from .judge import Judge
from .model import Recorded
from .proxy import Forwarder

JUDGE_EVERY = 0.25  # seconds between judging batches: off the request path


def run_loop(coro) -> None:
    """Run `coro` on uvloop where available (as the reference server does): less latency per hop."""
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:  # pragma: no cover - Windows
        runner = asyncio.Runner()
    with runner:
        runner.run(coro)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (see net.listen), non-blocking for the event loop."""
    sock = listen(host, port, 512)
    sock.setblocking(False)
    return sock


def upstream_parts(url: str) -> tuple[str, int, str, str]:
    """(host, port, origin, base path) of a normalised upstream URL."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise KitError(_("{url}: the proxy forwards plain http:// only").format(url=repr(url)))
    host = parts.hostname or ""
    port = parts.port or 80
    return host, port, f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def reachable(host: str, port: int, timeout: float = 5.0) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise KitError(_("cannot reach the upstream {address} ({reason})").format(address=f"{host}:{port}",
                                                                                  reason=exc.strerror or exc)) from None


class Proxy:
    def __init__(self, upstream: str, spec: Spec, sock: socket.socket, keep: bool = True, slow: float = 2.0):
        """`keep`: hold every exchange (for --record); otherwise judged exchanges are let go, so that a
        long session uses memory only for the exchanges findings cite."""
        self.upstream = upstream
        self.spec = spec
        host, port, origin, self.base_path = upstream_parts(upstream)
        self.sock = sock
        address = sock.getsockname()
        shown = f"[{address[0]}]" if ":" in address[0] else address[0]
        self.base_url = f"http://{shown}:{address[1]}{self.base_path}"
        self.keep = keep
        self.exchanges: list[Recorded] = []
        self.judge = Judge(spec, slow)
        self._judged = 0
        self.unjudged: list[str] = []  # internal errors of the judge, one per exchange it could not judge
        self.forwarder = Forwarder(host, port, origin, self.exchanges.append)
        self.started = time.monotonic()
        self._server: asyncio.AbstractServer | None = None

    def catch_up(self) -> None:
        """Judge the exchanges recorded since the last call."""
        while self._judged < len(self.exchanges):
            try:
                self.judge.feed(self.exchanges[self._judged])
            except Exception as exc:  # a fault of the judge must never stop the forwarding
                self.unjudged.append(f"{type(exc).__name__}: {exc}")
            self._judged += 1
        if not self.keep and self._judged:
            del self.exchanges[: self._judged]
            self._judged = 0

    @property
    def seen(self) -> int:
        """Exchanges forwarded so far."""
        return self.forwarder.count

    @property
    def findings(self) -> int:
        return self.judge.findings.count

    async def serve(self, stop: asyncio.Event, tick=None) -> None:
        self._server = await asyncio.start_server(self.forwarder.handle, sock=self.sock)
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), JUDGE_EVERY)
                except TimeoutError:
                    pass
                self.catch_up()
                if tick is not None:
                    tick(self)
        finally:
            self._server.close()
            for task in list(self.forwarder.connections):
                task.cancel()
            await asyncio.sleep(0)
            self.catch_up()

    def results(self, strict: bool = False, replay: str = "") -> RunResults:
        self.catch_up()
        problems = []
        if self.forwarder.unreachable:
            problems.append(_("the upstream could not be reached for {n} client connection(s), answered 502 Bad "
                              "Gateway: their traffic was not judged").format(n=self.forwarder.unreachable))
        if self.unjudged:
            problems.append(_("{n} exchange(s) could not be judged (internal error, please report it: "
                              "{first})").format(n=len(self.unjudged), first=self.unjudged[0]))
        return self.judge.results(base_url=self.upstream, strict=strict,
                                  duration_s=time.monotonic() - self.started, replay=replay, problems=problems)


class RunningProxy:
    """A Proxy served from a background thread (tests, benchmarks); `stop()` ends it."""

    def __init__(self, proxy: Proxy):
        self.proxy = proxy
        self.base_url = proxy.base_url
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scs-proxy", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self.proxy.serve(self._stop)

        run_loop(main())

    def start(self) -> RunningProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_proxy(upstream: str, spec: Spec | None = None, host: str = "127.0.0.1", port: int = 0,
                slow: float = 2.0) -> RunningProxy:
    from .. import spec as specmod

    return RunningProxy(Proxy(upstream, spec or specmod.load(), bind(host, port), slow=slow)).start()
