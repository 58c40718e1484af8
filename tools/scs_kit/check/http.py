"""A small HTTP client for the checks: one requests.Session that records every exchange.

Each exchange is kept (bounded) as evidence with a curl line built from the real request; the
client also counts requests, so the run can report how many it sent.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3.exceptions

from .results import Exchange
from .politeness import NotRetryable, PoliteAdapter, Politeness

MAX_BODY = 4000  # characters of a body kept as evidence
KEEP = 2000  # exchanges kept in memory
GIVE_UP_AFTER = 3  # consecutive requests without an answer before the client stops trying
MAX_RESPONSE_BYTES = 64 * 2**20  # a larger (or endless) body is not an answer: stop reading, keep memory bounded
BODY_TIME_FACTOR = 3  # a body must be complete within this many read timeouts (a trickling server)


class Unreachable(Exception):
    """The implementation did not answer (connection refused, timeout, reset)."""


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
        try:
            resp._content = _read_bounded(resp, request, deadline, read_timeout)
            resp._content_consumed = True
            if resp._content.startswith(UTF8_BOM):
                # .NET's Encoding.UTF8 writes one; RFC 8259 lets parsers ignore it, so read past it
                # (for Schemathesis too) and let the run note it instead of calling the body "not JSON"
                resp._content = resp._content[len(UTF8_BOM):]
                self.bom_answers += 1
        except BaseException:
            resp.close()  # drop the connection: what is left of the body is unread
            raise
        return resp


def _read_bounded(resp, request, deadline: float | None, read_timeout) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = resp.raw.read1(65536, decode_content=True)  # as requests does: gzip, deflate
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise ResponseTooLarge(f"answer larger than {MAX_RESPONSE_BYTES // 2**20} MiB", request=request)
            if deadline is not None and time.monotonic() > deadline:
                raise ResponseTooSlow(f"answer not complete within {BODY_TIME_FACTOR * read_timeout:g} s",
                                      request=request)
            chunks.append(chunk)
    except requests.RequestException:  # ours (too large, too slow): requests' errors are OSErrors too
        raise
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.ReadTimeout(exc, request=request) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc, request=request) from None
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc, request=request) from None


@dataclass
class Answer:
    """A response plus convenience accessors that never raise."""

    exchange: Exchange
    status: int
    headers: dict[str, str]
    text: str
    _json: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    @property
    def json(self) -> Any:
        """The parsed body, or `NOT_JSON`."""
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.text) if self.text.strip() else NOT_JSON
            except ValueError:
                self._json = NOT_JSON
        return self._json

    @property
    def is_json(self) -> bool:
        return self.json is not NOT_JSON

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def result(self) -> Any:
        """The envelope's `result` value, or None."""
        body = self.json
        return body.get("result") if isinstance(body, dict) else None

    @property
    def refused(self) -> bool:
        """A failure answer as the page leaves it open: any 4xx, or a 2xx with result "False"."""
        return 400 <= self.status < 500 or (self.ok and self.result == "False")

    @property
    def succeeded(self) -> bool:
        """A 2xx that does not say "False"."""
        return self.ok and self.result != "False"


class _NotJson:
    def __repr__(self):
        return "<not JSON>"


NOT_JSON = _NotJson()


def curl_line(method: str, url: str, headers: dict[str, str], body: str | None) -> str:
    parts = ["curl", "-sS", "-X", method]
    for name, value in headers.items():
        if name.lower() in ("content-type",):
            parts += ["-H", f"{name}: {value}"]
    if body is not None:
        parts += ["--data-binary", body]
    parts.append(url)
    return " ".join(shlex.quote(p) for p in parts)


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
        self.log: list[Exchange] = []
        self.sent = 0
        self.by_method: dict[str, int] = {}
        self.failures = 0  # consecutive requests that got no answer
        self.last_failure = ""
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return self.base_url + path

    def note(self, exchange: Exchange, method: str) -> None:
        with self._lock:
            self.sent += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1
            self.log.append(exchange)
            if len(self.log) > KEEP:
                del self.log[: KEEP // 2]

    def mark(self) -> int:
        """A position in the log; `since(mark)` gives the exchanges after it."""
        with self._lock:
            return self.sent

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            n = self.sent - mark
            return list(self.log[-n:]) if n > 0 else []

    def request(self, method: str, path: str, body: Any = None, raw: bytes | str | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        """Send one request; `body` is JSON-encoded (UTF-8, not ASCII-escaped); `raw` is sent as is."""
        url = self.url(path)
        hdrs = dict(headers or {})
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json; charset=utf-8")
        elif raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
            hdrs.setdefault("Content-Type", "application/json")
        body_text = data.decode("utf-8", "replace") if data is not None else None
        exchange = Exchange(method=method, url=url, request_headers=hdrs, request_body=body_text,
                            curl=curl_line(method, url, hdrs, body_text))
        if self.failures >= GIVE_UP_AFTER:  # a dead or hanging target: fail fast instead of waiting each time
            raise Unreachable(f"{method} {url}: not sent, the implementation stopped answering ({self.last_failure})")
        try:
            resp = self.session.request(method, url, data=data, headers=hdrs, timeout=self.timeout,
                                        allow_redirects=False)
        except ResponseTooSlow as exc:
            self.note(exchange, method)
            self._failed(str(exc))
            raise Unreachable(f"{method} {url}: {exc}") from None
        except requests.Timeout:
            self.note(exchange, method)
            self._failed(f"no answer within {self.timeout:g} s")
            raise Unreachable(f"{method} {url}: no answer within {self.timeout:g} s") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            self.note(exchange, method)
            self._failed(_reason(exc))
            raise Unreachable(f"{method} {url}: {_reason(exc)}") from None
        except requests.RequestException as exc:  # anything else the transport refuses (a bad URL, header, ...)
            self.note(exchange, method)
            self._failed(_reason(exc))
            raise Unreachable(f"{method} {url}: {_reason(exc)}") from None
        self.failures = 0
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
        self.note(exchange, method)
        return Answer(exchange, resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, text)

    def _failed(self, reason: str) -> None:
        with self._lock:
            self.failures += 1
            self.last_failure = reason

    def record_response(self, response) -> Exchange:
        """Count and log a request someone else sent through this session (Schemathesis)."""
        req = getattr(response, "request", None)
        method = getattr(req, "method", "GET") or "GET"
        body = getattr(req, "body", None)
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        headers = {k: v for k, v in dict(getattr(req, "headers", {}) or {}).items()}
        url = getattr(req, "url", "") or ""
        text = getattr(response, "text", "") or ""
        raw_headers = getattr(response, "headers", {}) or {}
        resp_headers = {k: (v[0] if isinstance(v, list) and v else v) for k, v in dict(raw_headers).items()}
        exchange = Exchange(method=method, url=url, request_headers=headers, request_body=body,
                            status=getattr(response, "status_code", None), response_headers=resp_headers,
                            response_body=text[:MAX_BODY], curl=curl_line(method, url, headers, body))
        self.note(exchange, method)
        return exchange

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def close(self) -> None:
        self.session.close()


def _reason(exc: Exception) -> str:
    if isinstance(exc, ResponseTooLarge):
        return str(exc)
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "answer body could not be decoded (its Content-Encoding does not match the body)"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "answer body broken off or malformed (chunked encoding or Content-Length)"
    text = str(exc)
    low = text.lower()
    if "remotedisconnected" in low or "without response" in low:
        return "connection closed without an answer"
    if "badstatusline" in low or "linetoolong" in low or "got more than" in low:
        return "answered something that is not HTTP"
    if "refused" in low:
        return "connection refused"
    if "name or service not known" in low or "nodename nor servname" in low or "failed to resolve" in low:
        return "host name not found"
    if "reset" in low:
        return "connection reset"
    if "timed out" in low:
        return "timed out"
    return text.splitlines()[0][:200] if text else type(exc).__name__
