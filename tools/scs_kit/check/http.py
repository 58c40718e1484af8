"""A small HTTP client for the checks: one requests.Session that records every exchange.

Each exchange is kept (bounded) as evidence with a curl line built from the real request; the
client also counts requests, so the run can report how many it sent.
"""

from __future__ import annotations

import datetime
import errno
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Any

import requests
import urllib3.exceptions

from ..i18n import N_, _
from ..results import REDACTED, Exchange
from ..shell import curl
from .politeness import NotRetryable, PoliteAdapter, Politeness
from .transport import NOT_JSON, Answer, Request

__all__ = ["NOT_JSON", "Answer", "Client", "NoAnswer", "Request", "Unreachable"]

MAX_BODY = 4000  # characters of a body kept as evidence
KEEP = 2000  # exchanges kept in memory
GIVE_UP_AFTER = 3  # consecutive requests without an answer before the client stops trying
MAX_RESPONSE_BYTES = 64 * 2**20  # a larger (or endless) body is not an answer: stop reading, keep memory bounded
BODY_TIME_FACTOR = 1  # a body must be complete within this many read timeouts: --timeout bounds every request


class NoAnswer(Enum):
    """Why a request got no answer, from the exception's type (never its text)."""

    REFUSED = N_("connection refused")
    NAME = N_("host name not found")
    TIMEOUT = N_("timed out")
    RESET = N_("connection reset")
    CLOSED = N_("connection closed without an answer")
    NOT_HTTP = N_("answered something that is not HTTP")
    UNREACHABLE = N_("network or host unreachable")
    TOO_LARGE = N_("answer too large")
    TOO_SLOW = N_("answer too slow")
    BROKEN_BODY = N_("answer body broken off or malformed (chunked encoding or Content-Length)")
    BAD_ENCODING = N_("answer body could not be decoded (its Content-Encoding does not match the body)")
    OTHER = N_("no usable answer")


class Unreachable(Exception):
    """The implementation did not answer (connection refused, timeout, reset); `failure` says why."""

    def __init__(self, message: str, failure: NoAnswer = NoAnswer.OTHER):
        super().__init__(message)
        self.failure = failure


class ResponseTooLarge(NotRetryable, requests.ConnectionError):
    """The body exceeded MAX_RESPONSE_BYTES; the connection is dropped."""


class ResponseTooSlow(requests.ReadTimeout):
    """The body did not complete within BODY_TIME_FACTOR read timeouts."""


UTF8_BOM = b"\xef\xbb\xbf"


class BoundedAdapter(PoliteAdapter):
    """Reads every body with a size cap and a deadline, also for requests others send through the
    session (Schemathesis): an endless or trickling body must neither eat memory nor hang the run.
    Each attempt is read so; the politeness (rate limit, retries, headers) wraps the attempts."""

    bom_answers = 0  # answers that began with a UTF-8 byte order mark (stripped)

    def send_once(self, request, stream=False, timeout=None, **kwargs):
        started = time.monotonic()
        # Read the body here even when the caller asked to stream (Schemathesis does): this API
        # never streams, and the cap and deadline must hold for every request.
        resp = super().send_once(request, stream=True, timeout=timeout, **kwargs)
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        deadline = started + BODY_TIME_FACTOR * read_timeout if read_timeout else None
        body = BoundedBody(resp.raw, request, deadline, read_timeout)
        resp.raw = body
        try:
            resp.content  # noqa: B018 - reads the whole body through BoundedBody now
        except BaseException:
            resp.close()  # drop the connection: what is left of the body is unread
            raise
        if body.had_bom:
            # .NET's Encoding.UTF8 writes one; RFC 8259 lets parsers ignore it, so read past it
            # (for Schemathesis too) and let the run note it instead of calling the body "not JSON"
            with self._count_lock:  # worker threads share the adapter
                self.bom_answers += 1
        return resp


class BoundedBody:
    """The raw body of a response as requests reads it (`stream`), with a size cap, a deadline and a
    leading UTF-8 BOM left out; every other attribute is the underlying urllib3 response's."""

    def __init__(self, raw: Any, request: Any, deadline: float | None, read_timeout: Any):
        self._raw = raw
        self._request = request
        self._deadline = deadline
        self._read_timeout = read_timeout
        self.had_bom = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        size = 0
        head: bytes | None = b""  # the first bytes, until a BOM can be told apart
        for chunk in self._chunks():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise ResponseTooLarge(_("answer larger than {size} MiB").format(size=MAX_RESPONSE_BYTES // 2**20), request=self._request)
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise ResponseTooSlow(_("answer not complete within {seconds:g} s").format(seconds=BODY_TIME_FACTOR * self._read_timeout),
                                      request=self._request)
            if head is not None:
                head += chunk
                if len(head) < len(UTF8_BOM) and UTF8_BOM.startswith(head):
                    continue
                if head.startswith(UTF8_BOM):
                    self.had_bom, head = True, head[len(UTF8_BOM):]
                chunk, head = head, None
            if chunk:
                yield chunk
        if head:
            yield head

    def _chunks(self) -> Iterator[bytes]:
        request = self._request
        try:
            while True:
                chunk = self._raw.read1(65536, decode_content=True)  # as requests does: gzip, deflate
                if not chunk:
                    return
                yield chunk
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.ReadTimeout(exc, request=request) from None
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc, request=request) from None
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError) as exc:
            raise requests.exceptions.ChunkedEncodingError(exc, request=request) from None


class Client:
    """requests.Session around the implementation's base URL; thread-safe counters."""

    def __init__(self, base_url: str, timeout: float = 10.0, politeness: Politeness | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.adapter = BoundedAdapter(politeness)
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, self.adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "scs-contract-kit"})
        self.sent = 0
        self.failures = 0  # consecutive requests that got no answer
        self.last_failure = ""
        self.last_kind = NoAnswer.OTHER
        self.timer: Callable[[str, str, float], None] | None = None  # (method, url, seconds) of every answer
        self.gave_up = ""  # the request after which the client stopped trying ("GET URL: reason")
        self._lock = threading.Lock()
        self._local = threading.local()

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def log(self) -> list[Exchange]:
        """The exchanges of the calling thread (the most recent KEEP at least): with --workers, a
        check's evidence is what its own thread sent, never another resource's requests."""
        log = getattr(self._local, "log", None)
        if log is None:
            log = self._local.log = []
            self._local.count = 0
        return log

    def note(self, exchange: Exchange) -> None:
        with self._lock:
            self.sent += 1
        log = self.log
        log.append(exchange)
        self._local.count += 1
        if len(log) > KEEP:
            del log[: KEEP // 2]

    def mark(self) -> int:
        """A position in the calling thread's log; `since(mark)` gives the exchanges after it."""
        self.log  # noqa: B018 - makes sure this thread's count exists
        return self._local.count

    def since(self, mark: int) -> list[Exchange]:
        log = self.log
        n = self._local.count - mark
        return list(log[-n:]) if n > 0 else []

    def request(self, method: str, path: str, body: Any = None, raw: bytes | str | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        """Send one request (see `send`); `raw` may be given as text (sent UTF-8)."""
        data = raw.encode("utf-8") if isinstance(raw, str) else raw
        return self.send(Request(method, path, body=body, raw=data, headers=dict(headers or {})))

    def send(self, request: Request) -> Answer:
        """Send one request; `body` is JSON-encoded (UTF-8, not ASCII-escaped); `raw` is sent as is."""
        method = request.method
        url = self.url(request.path)
        hdrs = dict(request.headers)
        data: bytes | None = None
        if request.body is not None:
            data = json.dumps(request.body, ensure_ascii=False).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json; charset=utf-8")
        elif request.raw is not None:
            data = request.raw
            hdrs.setdefault("Content-Type", "application/json")
        body_text = data.decode("utf-8", "replace") if data is not None else None
        shown = self.shown_headers(hdrs)
        exchange = Exchange(method=method, url=url, request_headers=shown, request_body=body_text,
                            curl=curl(method, url, shown, body_text))
        if self.failures >= GIVE_UP_AFTER:  # a dead or hanging target: fail fast instead of waiting each time
            raise Unreachable(_("{method} {url}: not sent, the implementation stopped answering ({last_failure})").format(method=method, url=url, last_failure=self.last_failure),
                              self.last_kind)
        started = time.monotonic()
        try:
            resp = self.session.request(method, url, data=data, headers=hdrs, timeout=self.timeout,
                                        allow_redirects=False)
        except requests.RequestException as exc:  # anything the transport refuses, a bad URL or header too
            kind, reason = why(exc, self.timeout)
            self.note(exchange)
            self._failed(f"{method} {url}", reason, kind)
            raise Unreachable(f"{method} {url}: {reason}", kind) from None
        self.failures = 0
        if self.timer is not None:
            self.timer(method, url, time.monotonic() - started)
        exchange.url = resp.request.url or url
        try:
            text = resp.content.decode(resp.encoding or "utf-8", "replace") if resp.content else ""
        except LookupError:  # a charset Python does not know: JSON is UTF-8
            text = resp.content.decode("utf-8", "replace")
        if resp.encoding and resp.encoding.lower() in ("iso-8859-1", "latin-1"):
            text = resp.content.decode("utf-8", "replace")  # JSON is UTF-8 unless said otherwise
        exchange.status = resp.status_code
        exchange.response_headers = dict(resp.headers)
        exchange.response_body = text[:MAX_BODY]
        self.note(exchange)
        return Answer(exchange, resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, text)

    def _failed(self, request: str, reason: str, kind: NoAnswer) -> None:
        with self._lock:
            self.failures += 1
            self.last_failure = reason
            self.last_kind = kind
            if self.failures >= GIVE_UP_AFTER and not self.gave_up:
                self.gave_up = f"{request}: {reason}"

    def record_response(self, response) -> Exchange:
        """Count and log a request someone else sent through this session (Schemathesis)."""
        req = getattr(response, "request", None)
        method = getattr(req, "method", "GET") or "GET"
        body = getattr(req, "body", None)
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        headers = self.shown_headers(dict(getattr(req, "headers", {}) or {}))
        url = getattr(req, "url", "") or ""
        text = getattr(response, "text", "") or ""
        raw_headers = getattr(response, "headers", {}) or {}
        resp_headers = {k: (v[0] if isinstance(v, list) and v else v) for k, v in dict(raw_headers).items()}
        exchange = Exchange(method=method, url=url, request_headers=headers, request_body=body,
                            status=getattr(response, "status_code", None), response_headers=resp_headers,
                            response_body=text[:MAX_BODY], curl=curl(method, url, headers, body))
        elapsed = getattr(response, "elapsed", None)
        if self.timer is not None and isinstance(elapsed, datetime.timedelta):
            self.timer(method, url, elapsed.total_seconds())
        self.note(exchange)
        return exchange

    def shown_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Request headers as evidence and reports show them: the ones given with --header (the adapter
        adds them to every request) with their values masked — a gateway's token stays out of reports."""
        extra = self.adapter.politeness.headers
        if not extra:
            return headers
        names = {name.lower() for name, _unused in extra}
        out = {k: v for k, v in headers.items() if k.lower() not in names}
        out.update({name: REDACTED for name, _unused in extra})
        return out

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def close(self) -> None:
        self.session.close()


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every exception it wraps (requests → urllib3 → socket), each once."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "reason", None), current.__cause__, current.__context__,
                 *[a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]]
        todo.extend(e for e in inner if isinstance(e, BaseException))


_KINDS: tuple[tuple[Any, NoAnswer], ...] = (
    (ResponseTooLarge, NoAnswer.TOO_LARGE),
    (ResponseTooSlow, NoAnswer.TOO_SLOW),
    (requests.exceptions.ContentDecodingError, NoAnswer.BAD_ENCODING),
    (requests.exceptions.ChunkedEncodingError, NoAnswer.BROKEN_BODY),
    (socket.gaierror, NoAnswer.NAME),
    (getattr(urllib3.exceptions, "NameResolutionError", socket.gaierror), NoAnswer.NAME),
    (ConnectionRefusedError, NoAnswer.REFUSED),
    (http.client.RemoteDisconnected, NoAnswer.CLOSED),
    (ConnectionResetError, NoAnswer.RESET),
    (ConnectionAbortedError, NoAnswer.RESET),
    (http.client.BadStatusLine, NoAnswer.NOT_HTTP),
    (http.client.LineTooLong, NoAnswer.NOT_HTTP),
    (urllib3.exceptions.HeaderParsingError, NoAnswer.NOT_HTTP),
    (requests.Timeout, NoAnswer.TIMEOUT),
    (urllib3.exceptions.TimeoutError, NoAnswer.TIMEOUT),
    (TimeoutError, NoAnswer.TIMEOUT),
)


def kind_of(exc: BaseException) -> NoAnswer:
    """Why a request got no answer, from the types of the exception and of those it wraps."""
    causes = list(_causes(exc))
    if any(isinstance(c, OSError) and c.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH) for c in causes):
        return NoAnswer.UNREACHABLE
    for cls, kind in _KINDS:
        if any(isinstance(c, cls) for c in causes):
            return kind
    return NoAnswer.OTHER


def why(exc: BaseException, timeout: float) -> tuple[NoAnswer, str]:
    """(kind, one-line reason) for a request that got no answer."""
    kind = kind_of(exc)
    if kind in (NoAnswer.TOO_LARGE, NoAnswer.TOO_SLOW):
        return kind, str(exc)
    if kind is NoAnswer.TIMEOUT:
        return kind, _("no answer within {timeout:g} s").format(timeout=timeout)
    if kind is NoAnswer.OTHER:
        text = str(exc)
        return kind, text.splitlines()[0][:200] if text else type(exc).__name__
    return kind, _(kind.value)
