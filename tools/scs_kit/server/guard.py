"""Who may talk to the reference server from a browser, and failure injection for client developers.

The server runs beside a browser, so any web page could send it requests. Two checks keep pages
of other sites out: the Host header must name this server (a DNS-rebinding page sends its own
name), and a request carrying an `Origin` of another site is refused unless `--cors-origin`
allows that origin. The docs site at /docs/ is same-origin and needs no CORS.
"""

from __future__ import annotations

import ipaddress
import random
import socket
from dataclasses import dataclass, field

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _split_host(value: str) -> str:
    """The host part of a Host header value, lowercased, without port or IPv6 brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@dataclass
class Access:
    """The Host and Origin policy. `bound` is the address the server listens on."""

    bound: str = "127.0.0.1"
    allow_hosts: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    _hosts: frozenset[str] = field(init=False, repr=False)
    _any_ip: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        hosts = {_split_host(h) for h in self.allow_hosts}
        ip = _ip(self.bound.strip("[]"))
        wildcard = ip is not None and ip.is_unspecified
        if ip is None or ip.is_loopback or wildcard or self.bound == "localhost":
            hosts.update(LOOPBACK_NAMES)
        if ip is not None and not wildcard:
            hosts.add(str(ip))
        elif ip is None:
            hosts.add(self.bound.lower())
        if wildcard:  # every address of this machine: its names, and any address literal
            hosts.update({socket.gethostname().lower(), socket.getfqdn().lower()})
        self._hosts = frozenset(hosts)
        # A literal address cannot be rebound by DNS; accept any when listening on all of them.
        self._any_ip = wildcard
        self._seen: dict[bytes, bool] = {}
        self.cors_origins = tuple(o.rstrip("/") for o in self.cors_origins)

    def host_ok(self, host: bytes | None) -> bool:
        if host is None:  # HTTP/1.0 without Host: not a browser
            return True
        known = self._seen.get(host)
        if known is None:
            known = self._host_ok(host)
            if len(self._seen) < 64:  # the few Host values real clients send
                self._seen[host] = known
        return known

    def _host_ok(self, host: bytes) -> bool:
        try:
            name = _split_host(host.decode("ascii"))
        except UnicodeDecodeError:
            return False
        if name in self._hosts:
            return True
        return self._any_ip and _ip(name) is not None

    def cross_origin(self, origin: bytes | None, host: bytes | None) -> bytes | None:
        """None when the request is same-origin (or carries no Origin); else the origin."""
        if origin is None or (host is not None and origin == b"http://" + host):
            return None
        return origin

    def allowed_origin(self, origin: bytes) -> bytes | None:
        """The Access-Control-Allow-Origin value for a foreign origin, or None when refused."""
        try:
            text = origin.decode("ascii").rstrip("/")
        except UnicodeDecodeError:
            return None
        if "*" in self.cors_origins:
            return b"*"
        return origin if text in self.cors_origins else None


def parse_delay(text: str) -> tuple[float, float]:
    """`--delay MS` or `--delay MIN-MAX` in milliseconds -> (min, max) in seconds."""
    lo, sep, hi = text.partition("-")
    try:
        low = float(lo)
        high = float(hi) if sep else low
    except ValueError:
        raise ValueError(f"--delay {text}: expected milliseconds, e.g. 200 or 100-500") from None
    if not 0 <= low <= high <= 600_000:
        raise ValueError(f"--delay {text}: expected 0 <= MIN <= MAX <= 600000 milliseconds")
    return low / 1000, high / 1000


@dataclass
class Chaos:
    """Failure injection: a delay before each API answer and a share of 503 answers."""

    delay: tuple[float, float] = (0.0, 0.0)
    fail_rate: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError(f"--fail-rate {self.fail_rate}: expected a share between 0 and 1")
        self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        return self.delay[1] > 0 or self.fail_rate > 0

    def next(self) -> tuple[float, bool]:
        """(seconds to wait, whether to fail) for the next request, in arrival order."""
        low, high = self.delay
        wait = low if low == high else self._rng.uniform(low, high)
        fail = self.fail_rate > 0 and self._rng.random() < self.fail_rate
        return wait, fail
