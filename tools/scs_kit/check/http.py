"""A small HTTP client for the checks: one requests.Session that records every exchange.

Each exchange is kept (bounded) as evidence with a curl line built from the real request; the
client also counts requests, so the run can report how many it sent.
"""

from __future__ import annotations

import json
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

from .results import Exchange

MAX_BODY = 4000  # characters of a body kept as evidence
KEEP = 2000  # exchanges kept in memory
GIVE_UP_AFTER = 3  # consecutive requests without an answer before the client stops trying


class Unreachable(Exception):
    """The implementation did not answer (connection refused, timeout, reset)."""


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

    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
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
        except requests.Timeout:
            self.note(exchange, method)
            self._failed(f"no answer within {self.timeout:g} s")
            raise Unreachable(f"{method} {url}: no answer within {self.timeout:g} s") from None
        except requests.ConnectionError as exc:
            self.note(exchange, method)
            self._failed(_reason(exc))
            raise Unreachable(f"{method} {url}: {_reason(exc)}") from None
        self.failures = 0
        exchange.url = resp.request.url or url
        text = resp.content.decode(resp.encoding or "utf-8", "replace") if resp.content else ""
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
    text = str(exc)
    low = text.lower()
    if "refused" in low:
        return "connection refused"
    if "name or service not known" in low or "nodename nor servname" in low or "failed to resolve" in low:
        return "host name not found"
    if "reset" in low:
        return "connection reset"
    if "timed out" in low:
        return "timed out"
    return text.splitlines()[0][:200] if text else type(exc).__name__
