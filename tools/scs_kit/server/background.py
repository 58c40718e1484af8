"""Run the reference server in a background thread (tests, `scs-kit check` without a URL)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from ..errors import KitError
from ..i18n import _
from ..net import listen
from .protocol import Limits, guarded_protocol


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before uvicorn starts (see net.listen); inheritable for the worker processes."""
    sock = listen(host, port, 2048)
    sock.set_inheritable(True)
    return sock


def loop_name() -> str:
    """uvloop where it can be imported (not on Windows), else asyncio's own loop."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def uvicorn_config(app, limits: Limits | None = None, **kwargs) -> uvicorn.Config:
    """The production stack: uvloop (when available) + httptools with the limits of protocol.py,
    no access log, quiet logs."""
    return uvicorn.Config(
        app, loop=loop_name(), http=guarded_protocol(limits), lifespan="on", access_log=False, log_level="warning",
        log_config=None, server_header=False, **kwargs,
    )


class RunningServer:
    """A server running in its own thread and event loop; stop() or use as a context manager."""

    def __init__(self, app, sock: socket.socket, base_path: str, limits: Limits | None = None):
        self.app = app
        self.host, self.port = sock.getsockname()[:2]
        self.origin = f"http://{self.host}:{self.port}"
        self.base_url = self.origin + base_path
        self._sock = sock
        self._server = uvicorn.Server(uvicorn_config(app, limits))
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"scs-server-{self.port}", daemon=True)

    def _run(self):
        try:
            import uvloop

            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        except ImportError:  # pragma: no cover - Windows
            runner = asyncio.Runner()
        try:
            with runner:
                runner.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # noqa: BLE001 - surfaced by start()
            self._error = exc

    def start(self, timeout: float = 10.0) -> RunningServer:
        self._thread.start()
        # Poll until uvicorn reports that it accepts connections (or died trying).
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                self._sock.close()
                raise KitError(_("the server failed to start: {error!r}").format(error=self._error))
            if time.monotonic() > deadline:
                self.stop()
                raise KitError(_("the server did not start in time"))
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"<RunningServer {self.base_url}>"


def start_server(*, host: str = "127.0.0.1", port: int = 0, app=None, limits: Limits | None = None,
                 **create_app_kwargs) -> RunningServer:
    """Start the reference server (or `app`) in a background thread; returns once it accepts connections.
    `limits`: the HTTP protocol's limits (protocol.Limits), default ones if None."""
    from .. import spec as spec_module
    from .app import create_app

    if app is None:
        from .guard import Access

        create_app_kwargs.setdefault("access", Access(bound=host))
        app = create_app(**create_app_kwargs)
    base_path = app.spec.base_path if hasattr(app, "spec") else spec_module.load(None).base_path
    sock = bind_socket(host, port)
    return RunningServer(app, sock, base_path, limits).start()
