"""Latency `scs-kit proxy` adds on loopback.

    python benchmarks/bench_proxy.py [--requests 2000] [--path /ContainmentLine/1]

Starts the reference server and, in front of it, the proxy, each in its own process; then sends the
same GET alternately straight to the server and through the proxy on two kept-alive connections, and
prints p50/p95 of both and of the difference (the added latency; target: p50 under 1 ms). Finally it
stops the proxy with SIGTERM and prints how long writing its reports took.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from urllib.parse import urlsplit

KIT = [sys.executable, "-m", "scs_kit"]


def _start(args: list[str], pattern: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([*KIT, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(pattern, line)
        if found:
            return proc, found.group(1)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    sys.exit(f"could not start: {' '.join(args)}")


def _timed(conn: HTTPConnection, path: str) -> float:
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return (time.perf_counter() - start) * 1000


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--requests", type=int, default=2000, help="requests per side (default: 2000)")
    parser.add_argument("--path", default="/ContainmentLine/1", help="path below the base URL to GET")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, base = _start(["serve", "--port", "0", "--db", ":memory:", "--demo", "--no-docs"], r"(http://\S+/RestService)")
        proxy, via = _start(["proxy", "--upstream", base, "--port", "0", "--report-dir", os.path.join(tmp, "r"),
                             "--progress", "none"], r"clients use (http://\S+)")
        try:
            conns = {}
            for name, url in (("direct", base), ("proxy", via)):
                parts = urlsplit(url)
                conns[name] = (HTTPConnection(parts.hostname, parts.port, timeout=10), parts.path + opts.path)
            for conn, path in conns.values():  # warm up both paths
                for _ in range(50):
                    _timed(conn, path)
            times: dict[str, list[float]] = {"direct": [], "proxy": []}
            for _ in range(opts.requests):
                for name, (conn, path) in conns.items():
                    times[name].append(_timed(conn, path))
            added = [p - d for p, d in zip(times["proxy"], times["direct"], strict=True)]
            print(f"GET {opts.path}, {opts.requests} requests each way, kept-alive, loopback")
            for name, values in (("direct", times["direct"]), ("via proxy", times["proxy"])):
                print(f"  {name:10} p50 {_pct(values, 0.5):.3f} ms   p95 {_pct(values, 0.95):.3f} ms   "
                      f"mean {statistics.fmean(values):.3f} ms")
            p50 = _pct(times["proxy"], 0.5) - _pct(times["direct"], 0.5)
            p95 = _pct(times["proxy"], 0.95) - _pct(times["direct"], 0.95)
            print(f"  added latency: p50 {p50:.3f} ms, p95 {p95:.3f} ms "
                  f"(paired differences: p50 {_pct(added, 0.5):.3f} ms, p95 {_pct(added, 0.95):.3f} ms); "
                  f"target p50 < 1 ms: {'met' if p50 < 1 else 'MISSED'}")
            for conn, _ in conns.values():
                conn.close()
            start = time.perf_counter()
            proxy.send_signal(signal.SIGTERM)
            proxy.wait(60)
            print(f"  proxy shutdown (judging {opts.requests + 50} exchanges, writing reports): "
                  f"{time.perf_counter() - start:.2f} s, exit {proxy.returncode}")
        finally:
            for proc in (proxy, server):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()


if __name__ == "__main__":
    main()
