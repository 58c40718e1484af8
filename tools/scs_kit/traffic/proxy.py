"""The forwarding proxy: every byte a client sends goes to the upstream unchanged and every byte the
upstream answers goes back unchanged, as it arrives. Both directions are parsed alongside (httptools,
the parser uvicorn uses) only to cut the streams into exchanges for the recorder; nothing waits for it."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools

from ..i18n import _
from .model import BODY_LIMIT, Recorded, decode_content

CHUNK = 256 * 1024
HIGH_WATER = 1024 * 1024  # bytes buffered for a slow reader before we wait for it
LAST_ANSWER_WAIT = 300.0  # seconds an answer may take after the client stopped sending


@dataclass
class _Message:
    started: float = 0.0
    started_at: str = ""
    method: str = ""
    url: str = ""
    status: int | None = None
    reason: str = ""
    version: str = "HTTP/1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    done: bool = False


class _Side:
    """httptools callbacks collecting the messages of one direction."""

    def __init__(self) -> None:
        self.current = _Message()
        self.complete: collections.deque[_Message] = collections.deque()
        self.parser: httptools.HttpRequestParser | httptools.HttpResponseParser | None = None
        self.bodiless: Callable[[], bool] = lambda: False  # whether the answer has no body (to a HEAD)
        self.reset = False  # the parser must be renewed: it expects a body the answer does not have

    def on_message_begin(self) -> None:
        self.current = _Message(started=time.perf_counter(),
                                started_at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
                                .replace("+00:00", "Z"))

    def on_url(self, url: bytes) -> None:
        self.current.url += url.decode("latin-1")

    def on_status(self, status: bytes) -> None:
        self.current.reason += status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.current.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        parser = self.parser
        if isinstance(parser, httptools.HttpResponseParser):
            self.current.status = parser.get_status_code()
            if self.bodiless() and self.current.status >= 200:
                self.current.version = f"HTTP/{parser.get_http_version()}"
                self.on_message_complete()
                self.reset = True
                return
        elif parser is not None:
            self.current.method = parser.get_method().decode("latin-1")
        if parser is not None:
            self.current.version = f"HTTP/{parser.get_http_version()}"

    def on_body(self, body: bytes) -> None:
        if len(self.current.body) < BODY_LIMIT:
            self.current.body += body[: BODY_LIMIT - len(self.current.body)]

    def on_message_complete(self) -> None:
        if self.current.done:
            return
        self.current.done = True
        self.complete.append(self.current)


Sink = Callable[[Recorded], None]


class Forwarder:
    """Accepts clients and pairs each connection with one upstream connection."""

    def __init__(self, upstream_host: str, upstream_port: int, upstream_origin: str, sink: Sink):
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.origin = upstream_origin  # scheme://host:port the recorded URLs name
        self.sink = sink
        self.count = 0
        self.unreachable = 0  # client connections answered 502: the upstream could not be reached
        self.connections: set[asyncio.Task] = set()

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.connections.add(task)
        try:
            try:
                up_r, up_w = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            except OSError as exc:
                self.unreachable += 1
                await self._bad_gateway(client_r, client_w, exc)
                return
            for writer in (client_w, up_w):
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            requests = _Side()
            responses = _Side()
            pending: collections.deque[_Message] = collections.deque()
            up = asyncio.ensure_future(self._requests(client_r, up_w, requests, pending))
            down = asyncio.ensure_future(self._responses(up_r, client_w, responses, pending))
            try:
                done, _pending = await asyncio.wait((up, down), return_when=asyncio.FIRST_COMPLETED)
                if down in done:  # the upstream closed (or the client went away): nothing more to answer
                    up.cancel()
                elif pending or requests.current.started and not requests.current.done:
                    await asyncio.wait((down,), timeout=LAST_ANSWER_WAIT)  # let the last answers through
            finally:
                for task_ in (up, down):
                    task_.cancel()
                await asyncio.gather(up, down, return_exceptions=True)  # a peer that vanished is no error
                up_w.close()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            client_w.close()
            if task is not None:
                self.connections.discard(task)

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, side: _Side,
                        pending: collections.deque[_Message]) -> None:
        parser = side.parser = httptools.HttpRequestParser(side)
        parsing = True
        while True:
            data = await reader.read(CHUNK)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            await _forward(writer, data)
            if not parsing:
                continue
            try:
                parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                parsing = False  # a protocol switch: forward, stop recording this connection
            except httptools.HttpParserError:
                parsing = False
            while side.complete:
                pending.append(side.complete.popleft())

    async def _responses(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, side: _Side,
                         pending: collections.deque[_Message]) -> None:
        parser = side.parser = httptools.HttpResponseParser(side)
        side.bodiless = lambda: bool(pending) and pending[0].method == "HEAD"
        parsing = True
        while True:
            data = await reader.read(CHUNK)
            if not data:
                if parsing and side.current.status is not None and not side.current.done and pending:
                    side.on_message_complete()  # an answer delimited by closing the connection
                    self._emit(pending, side)
                await writer.drain()
                return
            await _forward(writer, data)
            if not parsing:
                continue
            try:
                parser.feed_data(data)
            except (httptools.HttpParserUpgrade, httptools.HttpParserError):
                parsing = False
            if side.reset:  # the answer to a HEAD ended with its head: start afresh for the next one
                side.reset = False
                parser = side.parser = httptools.HttpResponseParser(side)
            self._emit(pending, side)

    def _emit(self, pending: collections.deque[_Message], side: _Side) -> None:
        while side.complete:
            resp = side.complete.popleft()
            if resp.status is not None and 100 <= resp.status < 200:
                continue  # an interim answer (100 Continue): the final one follows
            if not pending:
                continue
            req = pending.popleft()
            self.count += 1
            headers = resp.headers
            body = bytes(resp.body)
            encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "")
            self.sink(Recorded(
                index=self.count, started=req.started_at, method=req.method, url=req.url if "://" in req.url[:10] else self.origin + req.url,
                request_headers=req.headers, request_body=bytes(req.body), status=resp.status,
                reason=resp.reason, response_headers=headers,
                response_body=decode_content(body, encoding) if encoding else body, http_version=req.version,
                duration_ms=round((time.perf_counter() - req.started) * 1000, 3),
            ))

    async def _bad_gateway(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, exc: OSError) -> None:
        text = (_("scs-kit proxy: cannot reach the upstream ({reason})").format(reason=exc.strerror or exc) + "\n").encode()
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     b"Content-Length: " + str(len(text)).encode() + b"\r\nConnection: close\r\n\r\n" + text)
        try:
            await writer.drain()
        finally:
            writer.close()


async def _forward(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Pass bytes on unchanged; wait for the peer only when it falls HIGH_WATER behind."""
    writer.write(data)
    if writer.transport.get_write_buffer_size() > HIGH_WATER:
        await writer.drain()
