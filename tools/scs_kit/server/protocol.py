"""uvicorn's httptools protocol with the limits it lacks, so one client cannot freeze the server.

uvicorn + httptools is the fastest pure-Python-hosted stack here, but it has no header size or
request-line limit, no timeout while reading a request, no connection cap, and it resumes reading
after every answer however many pipelined requests are already queued. This subclass adds them:

- request line longer than `max_request_line` -> 414, headers larger than `max_header_bytes` ->
  431, both as soon as the limit is crossed (the rest of the request is never read);
- a request whose headers are not complete within `header_timeout` seconds (slowloris), or whose
  body is not complete within `body_timeout`, gets 408 and the connection is closed; a connection
  that sends nothing is closed after `header_timeout` too;
- at most `max_connections` connections: a new one beyond the cap first evicts the connection that
  has waited longest without a request in progress, else it is refused with 503;
- at most `max_pipeline` requests queued per connection (plus what one 4 KiB slice holds): parsing
  stops at the cap, the rest of the read waits unparsed, and reading from the socket pauses until
  answers have gone out (TCP flow control then holds the client).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httptools
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol


@dataclass(frozen=True)
class Limits:
    max_request_line: int = 8 * 1024
    max_header_bytes: int = 64 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 512
    max_pipeline: int = 32


_SLICE = 4 * 1024  # bytes parsed at a time, so a full pipeline queue can stop the parser in time


class _Refuse(Exception):
    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status, self.text = status, text


def _max_connections(wanted: int) -> int:
    """Stay well below the process's file descriptor limit (sockets, database, docs files)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):  # Windows has no RLIMIT_NOFILE
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - 64))


class _Flow(FlowControl):
    """uvicorn resumes reading whenever the app waits for a body; not while requests wait unparsed."""

    def __init__(self, transport, protocol: GuardedProtocol):
        super().__init__(transport)
        self._protocol = protocol

    def resume_reading(self) -> None:
        if not self._protocol._backlog:
            super().resume_reading()


class GuardedProtocol(HttpToolsProtocol):
    """See the module docstring; `limits` is set on a subclass by `guarded_protocol()`."""

    limits = Limits()

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._backlog = b""
        self._began = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_for = ""  # "headers" or "body"
        self._in_request = False
        self._headers_done = False
        self._line = 0
        self._header_bytes = 0
        self._pending = 0
        self._idle_since = time.monotonic()
        cap = _max_connections(self.limits.max_connections)
        if len(self.connections) >= cap and not self._evict_one():
            super().connection_made(transport)
            self._refuse(503, "Too many connections.")
            return
        super().connection_made(transport)
        self.flow = _Flow(transport, self)
        self._arm("headers")

    def _evict_one(self) -> bool:
        """Close the connection that has waited longest without a request being answered."""
        idle = [c for c in self.connections
                if isinstance(c, GuardedProtocol) and (c.cycle is None or c.cycle.response_complete)]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._idle_since)
        oldest.transport.close()
        self.connections.discard(oldest)
        return True

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    # -- timers -------------------------------------------------------------------------------
    def _arm(self, what: str) -> None:
        if self._timer is not None and self._timer_for == what:
            return
        self._disarm()
        delay = self.limits.header_timeout if what == "headers" else self.limits.body_timeout
        self._timer = self.loop.call_later(delay, self._timed_out)
        self._timer_for = what

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing() or self._backlog:
            return
        if self.cycle is not None and not self.cycle.response_complete and self._timer_for == "headers":
            self.transport.close()  # an answer is being written: no room for a 408 on this connection
            return
        self._refuse(408, "Request Timeout.")

    # -- parsing ------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._backlog:  # reading was paused; keep the order
            self._backlog += data
            self.flow.pause_reading()
            return
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        """Parse `data` in slices, keeping the rest back while the pipeline queue is full."""
        pos = 0
        while pos < len(data):
            if len(self.pipeline) >= self.limits.max_pipeline:
                self._backlog = data[pos:]
                self.flow.pause_reading()
                self._disarm()  # the wait is ours, not the client's
                return
            piece = data if pos == 0 and len(data) <= _SLICE else data[pos:pos + _SLICE]
            pos += len(piece)
            self._began = False
            try:
                self.parser.feed_data(piece)
            except httptools.HttpParserCallbackError as exc:
                cause = exc.__context__
                if isinstance(cause, _Refuse):
                    self._refuse(cause.status, cause.text)
                else:
                    self.send_400_response("Invalid HTTP request received.")
                return
            except httptools.HttpParserError:
                self.send_400_response("Invalid HTTP request received.")
                return
            except httptools.HttpParserUpgrade:
                self.send_400_response("Upgrade is not supported.")
                return
            if self._in_request and not self._headers_done:
                # httptools keeps a header's name and value to itself until the value is complete,
                # so count what arrives while the headers are incomplete (not the slice a request
                # began in: it may also hold earlier requests).
                if not self._began:
                    self._pending += len(piece)
                if self._pending > self.limits.max_header_bytes:
                    self._refuse(431, "Request Header Fields Too Large.")
                    return
        if self._in_request:
            self._arm("body" if self._headers_done else "headers")
        else:
            self._disarm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_request = True
        self._headers_done = False
        self._line = 0
        self._header_bytes = 0
        self._pending = 0
        self._began = True

    def on_url(self, url: bytes) -> None:
        self._line += len(url)
        if self._line > self.limits.max_request_line:
            raise _Refuse(414, "URI Too Long.")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > self.limits.max_header_bytes:
            raise _Refuse(431, "Request Header Fields Too Large.")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._headers_done = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_request = False
        self._idle_since = time.monotonic()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        if self._backlog and len(self.pipeline) < self.limits.max_pipeline:
            data, self._backlog = self._backlog, b""
            self._feed(data)
        if self._backlog or self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.cycle is None or self.cycle.response_complete:
            self._idle_since = time.monotonic()
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    # -- refusing -----------------------------------------------------------------------------
    def _refuse(self, status: int, text: str) -> None:
        """Answer with a short plain-text error and close, without reading any more of the request."""
        self._disarm()
        if self.transport.is_closing():
            return
        body = text.encode("ascii")
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: ", str(len(body)).encode(), b"\r\n", b"connection: close\r\n\r\n", body,
        ]))
        self.transport.close()


def guarded_protocol(limits: Limits | None = None) -> type[GuardedProtocol]:
    """The protocol class for uvicorn's `http=` setting, with these limits."""
    if limits is None:
        return GuardedProtocol
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits})
