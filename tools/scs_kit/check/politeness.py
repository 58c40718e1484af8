"""Politeness and reach of every request the kit sends: a rate limit, retries of idempotent requests,
extra headers and proxies.

All of it lives in one requests transport adapter (`PoliteAdapter`), so it holds for every request
that goes through the kit's session — the kit's own and the ones Schemathesis generates.

- **Rate limit** (`--rate-limit N/s`): requests (retries included) start at least 1/N s apart, across
  all worker threads of a run.
- **Retries**: a request that cannot change anything twice — GET, HEAD, OPTIONS, PUT (the same body
  again) and DELETE — is sent again after a connection error or a 503, waiting with exponential
  backoff or as long as the answer's Retry-After says (bounded). POST never: whether a POST without
  an answer created a record is for the ledger to find out, not for a blind second POST.
- **Headers** (`--header NAME:VALUE`): added to every request (a gateway's token, a tenant header).
- **Proxies**: requests honours HTTP_PROXY, HTTPS_PROXY and NO_PROXY; a loopback target is never sent
  through a proxy from the environment (a local service is not behind the corporate proxy), only
  through one given explicitly (`--proxy URL`).
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from ..errors import KitError
from ..i18n import _

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUS = 503
MAX_RATE = 10_000.0  # requests per second; more is no limit at all
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP field name (RFC 9110 token)


class NotRetryable:
    """Mixed into transport errors that sending again cannot cure (an answer too large to read)."""


class Cancelled(KeyboardInterrupt):
    """The run was interrupted: requests still waiting for their turn are not sent."""


@dataclass(frozen=True)
class Politeness:
    """How the kit treats the service; the defaults are what `scs-kit check` uses without options."""

    rate: float | None = None  # requests per second over the whole run; None: as fast as answers come
    retries: int = 2  # further attempts of an idempotent request
    backoff: float = 0.5  # seconds before the first retry; doubles with each one
    max_wait: float = 30.0  # the longest wait before a retry; a longer Retry-After is not waited for
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request
    proxy: str | None = None  # an explicit proxy for every request, loopback targets included


def parse_rate(text: str) -> float:
    """`50/s`, `50`, `3000/min` → requests per second; KitError otherwise."""
    value = str(text).strip().lower()
    per = 1.0
    for unit, seconds in (("/s", 1.0), ("/sec", 1.0), ("/min", 60.0), ("/m", 60.0)):
        if value.endswith(unit):
            value, per = value[: -len(unit)].strip(), seconds
            break
    try:
        rate = float(value) / per
    except ValueError:
        raise KitError(_("--rate-limit {text!r}: expected requests per second, e.g. 50/s").format(text=text)) from None
    if not (rate > 0 and rate <= MAX_RATE):  # also rejects nan and inf
        raise KitError(_("--rate-limit {text!r}: must be above 0 and at most {MAX_RATE:g}/s").format(text=text, MAX_RATE=MAX_RATE))
    return rate


def parse_header(text: str) -> tuple[str, str]:
    """`NAME:VALUE` (spaces after the colon ignored) → (name, value); KitError otherwise."""
    name, sep, value = str(text).partition(":")
    name, value = name.strip(), value.strip(" \t")
    if not sep or not _TOKEN.fullmatch(name):
        raise KitError(_("--header {text!r}: expected NAME:VALUE with NAME an HTTP header name").format(text=text))
    if any(ch in value for ch in "\r\n\0"):
        raise KitError(_("--header {name}: the value must not contain line breaks or NUL").format(name=name))
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise KitError(_("--header {name}: the value must be ISO-8859-1 text (HTTP header values are bytes)").format(name=name)) from None
    return name, value


def parse_headers(texts: list[str] | tuple[str, ...] | None) -> tuple[tuple[str, str], ...]:
    out: dict[str, tuple[str, str]] = {}
    for text in texts or ():
        name, value = parse_header(text)
        if name.lower() in out:
            raise KitError(_("--header {name} given twice").format(name=name))
        out[name.lower()] = (name, value)
    return tuple(out.values())


def parse_proxy(text: str | None) -> str | None:
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise KitError(_("--proxy {text!r}: expected a proxy URL such as http://HOST:PORT").format(text=text))
    return text


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RateLimiter:
    """Hands out start times at least 1/rate apart; thread-safe, first come first served."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.interval = 1.0 / rate
        self.clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Seconds to wait before the caller may send."""
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now


class PoliteAdapter(HTTPAdapter):
    """An HTTPAdapter that applies `Politeness` to every request sent through it.

    `send_once` (overridable) sends one attempt; `cancel`, when set, stops requests that wait for their
    turn or for a retry (an interrupted run)."""

    def __init__(self, politeness: Politeness | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.politeness = politeness or Politeness()
        self.limiter = RateLimiter(self.politeness.rate) if self.politeness.rate else None
        self.cancel = threading.Event()
        self.retried = 0  # attempts beyond the first, over the run
        self._count_lock = threading.Lock()

    # -- one attempt --------------------------------------------------------------------------------
    def send_once(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return super().send(request, **kwargs)

    # -- the policy ---------------------------------------------------------------------------------
    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        p = self.politeness
        for name, value in p.headers:
            request.headers[name] = value
        proxies = self._proxies(request.url or "", proxies)
        method = (request.method or "GET").upper()
        attempts = 1 + (max(0, p.retries) if method in IDEMPOTENT else 0)
        for attempt in range(attempts):
            self._wait_turn()
            last = attempt == attempts - 1
            try:
                resp = self.send_once(request, stream=stream, timeout=timeout, verify=verify, cert=cert,
                                      proxies=proxies)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                if last or isinstance(exc, (requests.exceptions.ProxyError, NotRetryable)):
                    raise
                self._pause(self._backoff(attempt))
                continue
            if resp.status_code != RETRY_STATUS or last:
                return resp
            wait = retry_after(resp.headers.get("Retry-After"))
            if wait is not None and wait > p.max_wait:
                return resp  # the service asks for a longer break than a check run can take
            resp.close()
            self._pause(self._backoff(attempt) if wait is None else wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _backoff(self, attempt: int) -> float:
        return min(self.politeness.max_wait, self.politeness.backoff * 2 ** attempt)

    def _proxies(self, url: str, proxies: Any) -> Any:
        if self.politeness.proxy:
            return {"http": self.politeness.proxy, "https": self.politeness.proxy}
        if proxies and is_loopback(url):
            return {}  # a proxy from the environment is for the outside world, not for this machine
        return proxies

    def _wait_turn(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()
        if self.limiter is not None:
            wait = self.limiter.reserve()
            if wait > 0 and self.cancel.wait(wait):
                raise Cancelled()

    def _pause(self, seconds: float) -> None:
        with self._count_lock:
            self.retried += 1
        if self.cancel.wait(max(0.0, seconds)):
            raise Cancelled()

