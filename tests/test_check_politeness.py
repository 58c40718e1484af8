"""Politeness and reach of the kit's HTTP transport, against a tiny local server: the rate limit is
honoured (measured), idempotent requests are retried after a dropped connection or a 503 and POST
never is, extra headers reach the server, and proxies from the environment are used for remote
targets but not for loopback ones."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scs_kit.check.http import Client, Unreachable
from scs_kit.check.politeness import (
    Cancelled,
    PoliteAdapter,
    Politeness,
    RateLimiter,
    is_loopback,
    parse_header,
    parse_headers,
    parse_rate,
    retry_after,
)
from scs_kit.errors import KitError


class Recorder:
    """What the server saw, and how many more times each path misbehaves."""

    def __init__(self):
        self.requests: list[tuple[float, str, str, dict[str, str]]] = []  # (time, method, path, headers)
        self.misbehave: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, method: str, path: str) -> int:
        return sum(1 for _, m, p, _ in self.requests if m == method and p == path)


def _handler(rec: Recorder):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            with rec.lock:
                rec.requests.append((time.monotonic(), self.command, self.path, dict(self.headers.items())))
                left = rec.misbehave.get(self.path, 0)
                if left:
                    rec.misbehave[self.path] = left - 1
            kind = self.path.strip("/").split("/")[0]
            if left and kind == "drop":
                self.close_connection = True  # no answer at all
                return
            if left and kind.startswith("busy"):
                body = b'{"result": "False", "msg": "busy"}'
                self.send_response(503)
                after = kind.removeprefix("busy")
                if after:
                    self.send_header("Retry-After", after)
            else:
                body = b"[]"
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _any

    return Handler


@contextlib.contextmanager
def tiny_server():
    rec = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", rec
    finally:
        server.shutdown()
        server.server_close()


FAST = {"backoff": 0.01, "max_wait": 2.0}


# --- rate limit ------------------------------------------------------------------------------------


def test_rate_limit_50_per_second_is_honoured_over_120_requests():
    with tiny_server() as (url, rec):
        client = Client(url, timeout=5, politeness=Politeness(rate=parse_rate("50/s")))
        started = time.monotonic()
        for i in range(120):
            assert client.get(f"/ok/{i}").status == 200
        elapsed = time.monotonic() - started
    # 120 requests at 50/s start over at least 119/50 = 2.38 s; a loaded machine may only be slower
    assert elapsed >= 119 / 50 * 0.98, elapsed
    assert elapsed < 30, elapsed
    times = [t for t, *_ in rec.requests]
    assert len(times) == 120
    # measured at the server: no stretch of 51 consecutive requests arrived within one second
    windows = [b - a for a, b in zip(times, times[50:])]
    assert min(windows) >= 0.95, min(windows)


def test_rate_limit_is_shared_by_threads():
    with tiny_server() as (url, rec):
        client = Client(url, timeout=5, politeness=Politeness(rate=100))
        started = time.monotonic()
        threads = [threading.Thread(target=lambda: [client.get("/ok") for _ in range(25)]) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    assert len(rec.requests) == 100
    assert elapsed >= 99 / 100 * 0.98, elapsed


def test_rate_limiter_spaces_reservations():
    now = [10.0]
    limiter = RateLimiter(4, clock=lambda: now[0])
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.25, 0.5]
    now[0] = 20.0  # idle for a while: no burst credit is saved up beyond the next slot
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == 0.25


@pytest.mark.parametrize("text, rate", [("50/s", 50.0), ("50", 50.0), (" 2.5/s ", 2.5), ("120/min", 2.0)])
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "fast", "0/s", "-1", "nan", "inf", "50/h", "1e9"])
def test_parse_rate_rejects(text):
    with pytest.raises(KitError, match="--rate-limit"):
        parse_rate(text)


# --- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_idempotent_requests_are_retried_after_a_dropped_connection(method):
    with tiny_server() as (url, rec):
        rec.misbehave["/drop/1"] = 2
        client = Client(url, timeout=5, politeness=Politeness(retries=2, **FAST))
        answer = client.request(method, "/drop/1", body={"ID": "1"} if method == "PUT" else None)
        assert answer.status == 200
        assert rec.count(method, "/drop/1") == 3
        assert client.adapter.retried == 2
        assert client.sent == 1  # one request as far as the checks are concerned


def test_a_put_is_sent_again_with_the_same_body():
    with tiny_server() as (url, rec):
        rec.misbehave["/busy/1"] = 1
        client = Client(url, timeout=5, politeness=Politeness(**FAST))
        assert client.request("PUT", "/busy/1", body={"ID": "1", "名前": "x"}).status == 200
        first, second = [r for r in rec.requests if r[2] == "/busy/1"]
        assert first[3]["Content-Length"] == second[3]["Content-Length"]


def test_post_is_never_retried():
    with tiny_server() as (url, rec):
        rec.misbehave["/drop/new"] = 1
        rec.misbehave["/busy/new"] = 1
        client = Client(url, timeout=5, politeness=Politeness(retries=3, **FAST))
        with pytest.raises(Unreachable, match="POST"):
            client.request("POST", "/drop/new", body={"ID": "0"})
        assert rec.count("POST", "/drop/new") == 1
        assert client.request("POST", "/busy/new", body={"ID": "0"}).status == 503
        assert rec.count("POST", "/busy/new") == 1
        assert client.adapter.retried == 0


def test_patch_is_not_retried():
    with tiny_server() as (url, rec):
        rec.misbehave["/busy/x"] = 1
        client = Client(url, timeout=5, politeness=Politeness(**FAST))
        assert client.request("PATCH", "/busy/x", body={}).status == 503
        assert rec.count("PATCH", "/busy/x") == 1


def test_503_is_retried_and_retry_after_honoured():
    with tiny_server() as (url, rec):
        rec.misbehave["/busy1/a"] = 1
        client = Client(url, timeout=5, politeness=Politeness(backoff=0.01, max_wait=5))
        started = time.monotonic()
        assert client.get("/busy1/a").status == 200
        elapsed = time.monotonic() - started
        first, second = [r[0] for r in rec.requests if r[2] == "/busy1/a"]
    assert second - first >= 0.95, "Retry-After: 1 was not waited for"
    assert elapsed < 10


def test_a_retry_after_beyond_the_bound_is_not_waited_for():
    with tiny_server() as (url, rec):
        rec.misbehave["/busy3600/a"] = 1
        client = Client(url, timeout=5, politeness=Politeness(backoff=0.01, max_wait=5))
        started = time.monotonic()
        assert client.get("/busy3600/a").status == 503
        assert time.monotonic() - started < 3
        assert rec.count("GET", "/busy3600/a") == 1


def test_retries_are_bounded():
    with tiny_server() as (url, rec):
        rec.misbehave["/busy/a"] = 100
        client = Client(url, timeout=5, politeness=Politeness(retries=2, **FAST))
        assert client.get("/busy/a").status == 503  # the last answer is what the check sees
        assert rec.count("GET", "/busy/a") == 3


def test_no_retries_when_turned_off():
    with tiny_server() as (url, rec):
        rec.misbehave["/drop/a"] = 1
        client = Client(url, timeout=5, politeness=Politeness(retries=0, **FAST))
        with pytest.raises(Unreachable, match="GET .*/drop/a"):
            client.get("/drop/a")
        assert rec.count("GET", "/drop/a") == 1


def test_a_cancelled_run_sends_nothing_more():
    with tiny_server() as (url, rec):
        client = Client(url, timeout=5, politeness=Politeness(rate=1))
        client.get("/ok")
        client.adapter.cancel.set()
        started = time.monotonic()
        with pytest.raises(Cancelled):
            client.get("/ok")  # would wait a second for its turn
        assert time.monotonic() - started < 0.5
        assert len(rec.requests) == 1


@pytest.mark.parametrize("value, seconds", [("3", 3.0), ("0", 0.0), ("", None), ("soon", None),
                                            ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0)])
def test_retry_after_values(value, seconds):
    from email.utils import parsedate_to_datetime

    now = parsedate_to_datetime("Wed, 21 Oct 2015 07:28:00 GMT").timestamp()
    assert retry_after(value, now=now) == seconds


# --- headers ---------------------------------------------------------------------------------------


def test_headers_reach_the_server_on_every_request_also_through_the_bare_session():
    headers = parse_headers(["X-Gateway-Token: abc 123", "X-Tenant:7"])
    with tiny_server() as (url, rec):
        client = Client(url, timeout=5, politeness=Politeness(headers=headers))
        client.get("/ok")
        client.request("POST", "/ok", body={"ID": "0"})
        client.session.request("DELETE", url + "/ok/1", timeout=5)  # as Schemathesis sends: the session itself
    assert len(rec.requests) == 3
    for _, method, _, seen in rec.requests:
        assert seen.get("X-Gateway-Token") == "abc 123", (method, seen)
        assert seen.get("X-Tenant") == "7", (method, seen)


@pytest.mark.parametrize("text, needle", [("NoColon", "NAME:VALUE"), (": value", "NAME:VALUE"),
                                          ("Bad Name: x", "NAME:VALUE"), ("X-A: a\r\nX-B: b", "line breaks"),
                                          ("X-A: 名前", "ISO-8859-1")])
def test_bad_headers_are_kit_errors(text, needle):
    with pytest.raises(KitError, match=needle):
        parse_header(text)


def test_a_header_given_twice_is_an_error():
    with pytest.raises(KitError, match="twice"):
        parse_headers(["X-A: 1", "x-a: 2"])


# --- proxies ---------------------------------------------------------------------------------------


def test_loopback_targets_bypass_environment_proxies(monkeypatch):
    with tiny_server() as (proxy, seen_by_proxy), tiny_server() as (url, rec):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("http_proxy", proxy)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = Client(url, timeout=5)
        assert client.get("/ok").status == 200
    assert len(rec.requests) == 1
    assert not seen_by_proxy.requests


def test_remote_targets_use_the_environment_proxy(monkeypatch):
    with tiny_server() as (proxy, seen_by_proxy):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("http_proxy", proxy)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = Client("http://cti-pc.example:55963/base", timeout=5)
        assert client.get("/ContainmentLine").status == 200
    assert [r[2] for r in seen_by_proxy.requests] == ["http://cti-pc.example:55963/base/ContainmentLine"]


def test_no_proxy_is_honoured(monkeypatch):
    with tiny_server() as (proxy, seen_by_proxy):
        monkeypatch.setenv("http_proxy", proxy)
        monkeypatch.setenv("no_proxy", "cti-pc.example")
        client = Client("http://cti-pc.example:9/base", timeout=2, politeness=Politeness(retries=0))
        with pytest.raises(Unreachable):
            client.get("/x")  # straight to a host that does not exist, not to the proxy
    assert not seen_by_proxy.requests


def test_an_explicit_proxy_is_used_also_for_loopback():
    with tiny_server() as (proxy, seen_by_proxy), tiny_server() as (url, rec):
        client = Client(url, timeout=5, politeness=Politeness(proxy=proxy))
        assert client.get("/ok").status == 200
    assert [r[2] for r in seen_by_proxy.requests] == [url + "/ok"]
    assert not rec.requests


@pytest.mark.parametrize("url, loopback", [("http://127.0.0.1:1/x", True), ("http://localhost/x", True),
                                           ("http://[::1]:8/x", True), ("http://10.0.0.5/x", False),
                                           ("http://cti-pc/x", False)])
def test_is_loopback(url, loopback):
    assert is_loopback(url) is loopback


def test_the_adapter_is_a_plain_requests_adapter():
    import requests

    with tiny_server() as (url, rec):
        session = requests.Session()
        session.mount("http://", PoliteAdapter(Politeness(headers=(("X-A", "1"),))))
        assert session.get(url + "/ok", timeout=5).status_code == 200
    assert rec.requests[0][3]["X-A"] == "1"


def test_header_values_stay_out_of_the_evidence():
    import requests as rq

    with tiny_server() as (url, rec):
        client = Client(url, timeout=5, politeness=Politeness(headers=(("X-Gateway-Token", "s3cret"),)))
        answer = client.get("/ok")
        response = client.session.get(url + "/ok/2", timeout=5)  # as Schemathesis sends
        exchange = client.record_response(response)
    assert isinstance(response, rq.Response)
    assert all(r[3]["X-Gateway-Token"] == "s3cret" for r in rec.requests)  # sent ...
    for e in (answer.exchange, exchange):  # ... but never shown
        assert "s3cret" not in repr(e.request_headers) + e.curl, e
        assert e.request_headers["X-Gateway-Token"] == "***"
        assert "X-Gateway-Token: ***" in e.curl
