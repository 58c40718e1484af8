"""Throughput and latency of `scs-kit serve` on loopback, beside the same stack answering a constant.

    python benchmarks/bench_server.py [--duration 5] [--connections 16] [--client auto|wrk|python]

Prints req/s and p50/p99 latency for GET list (100 records), GET single, PUT, POST and a constant
JSON ASGI app under the same uvicorn configuration (the ceiling, measured before and after), with
each result's ratio to the ceiling; how fast a 1 MiB header is refused and how another client's
GETs fare meanwhile; then runs 8 concurrent writers x 500 POSTs and checks for 4,000 distinct keys. Each server
runs in its own process (a file database in a temporary directory), so the client does not share
its GIL. Uses `wrk` when installed (apt-get install wrk), else a threaded Python client.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

TARGETS = {"GET single": 2000, "POST": 500}
LINE = {"回線No": "0", "着信TEL": "0731235678", "代表TEL": "0731237777", "種別": "電話", "代理内線番号": "30"}


# -- the servers (child processes) ------------------------------------------------------------
async def ceiling_app(scope, receive, send):
    """The same stack's ceiling: read the request, answer a constant JSON array."""
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    body = b'[{"ok":"1"}]'
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"access-control-allow-origin", b"*")]})
    await send({"type": "http.response.body", "body": body})


def child(kind: str, db: str) -> None:
    import uvicorn
    from scs_kit.server import create_app
    from scs_kit.server.background import bind_socket, uvicorn_config

    if kind == "ceiling":
        app = ceiling_app
    else:
        records = [{**LINE, "回線No": str(i), "代理内線番号": str(100 + i)} for i in range(1, 101)]
        app = create_app(db=db, fixtures={"ContainmentLine": records})
    sock = bind_socket("127.0.0.1", 0)
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn_config(app)).run(sockets=[sock])


class Server:
    def __init__(self, kind: str, db: str):
        self.proc = subprocess.Popen([sys.executable, __file__, "--child", kind, "--db", db],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.origin = f"http://127.0.0.1:{self.port}"
        for _ in range(200):  # wait until it accepts connections
            try:
                HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


# -- clients ----------------------------------------------------------------------------------
def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, method: str, body: bytes | None, duration: float, connections: int) -> tuple[float, float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\n')
        if body is not None:
            script.write(f"wrk.body = {json.dumps(body.decode())}\n")  # ASCII-escaped JSON, a valid Lua string
            script.write('wrk.headers["Content-Type"] = "application/json"\n')
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "-s", script.name, url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"non-2xx responses from {method} {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    return rps, p50, p99


def run_python(url: str, method: str, body: bytes | None, duration: float, connections: int) -> tuple[float, float, float]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + duration
    headers = {"Content-Type": "application/json"} if body is not None else {}

    def worker():
        conn, mine = HTTPConnection(parts.hostname, parts.port, timeout=10), []
        while (start := time.perf_counter()) < stop:
            conn.request(method, parts.path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise SystemExit(f"{method} {url}: HTTP {resp.status}")
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    n = len(latencies)
    return n / (time.perf_counter() - began), latencies[n // 2] * 1000, latencies[min(n - 1, int(n * 0.99))] * 1000


def concurrent_writers(base: str, writers: int = 8, each: int = 500) -> str:
    errors: list[str] = []

    def writer(n):
        conn = HTTPConnection("127.0.0.1", int(base.split(":")[2].split("/")[0]), timeout=10)
        path = base.split(str(conn.port), 1)[1] + "/CustomerAddress"
        for i in range(each):
            conn.request("POST", path, body=json.dumps({"顧客ID": "0", "顧客名": f"w{n}-{i}"}).encode(),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            if json.loads(resp.read()).get("result") != "True":
                errors.append(str(resp.status))

    began = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    conn = HTTPConnection("127.0.0.1", int(base.split(":")[2].split("/")[0]))
    conn.request("GET", base.split(str(conn.port), 1)[1] + "/CustomerAddress")
    rows = json.loads(conn.getresponse().read())
    keys = {r["顧客ID"] for r in rows}
    names = {r["顧客名"] for r in rows}
    total = writers * each
    ok = not errors and len(rows) == total and len(keys) == total and len(names) == total
    return (f"{writers} writers x {each} POSTs: {len(keys)} distinct keys, {len(names)} distinct records, "
            f"{len(errors)} errors in {elapsed:.1f} s ({total / elapsed:.0f} POST/s) -> {'OK' if ok else 'FAILED'}"), ok


def hostile_header(origin: str, path: str) -> str:
    """One client sends a 1 MiB header while another keeps reading a record: the first must get 431
    at once, the second must not notice."""
    import socket

    host, port = origin.rsplit("/", 1)[1].split(":")
    latencies: list[float] = []
    done = threading.Event()

    def reader():
        conn = HTTPConnection(host, int(port), timeout=10)
        while not done.is_set() or len(latencies) < 50:
            began = time.perf_counter()
            conn.request("GET", path + "/ContainmentLine/1")
            conn.getresponse().read()
            latencies.append((time.perf_counter() - began) * 1000)

    thread = threading.Thread(target=reader)
    thread.start()
    began = time.perf_counter()
    reply = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {path}/ContainmentLine HTTP/1.1\r\nHost: {host}\r\nX-Big: ".encode())
        try:
            for _ in range(16):
                sock.sendall(b"a" * 65536)
        except OSError:
            pass  # closed after the 431: expected
        try:
            reply = sock.recv(100)
        except OSError:
            pass
    refused_ms = (time.perf_counter() - began) * 1000
    done.set()
    thread.join()
    latencies.sort()
    status = reply.split(b" ")[1].decode() if reply.startswith(b"HTTP/") else "no answer"
    return (f"1 MiB header: {status} after {refused_ms:.1f} ms; another client's GET meanwhile: "
            f"p50 {latencies[len(latencies) // 2]:.2f} ms, max {latencies[-1]:.2f} ms ({len(latencies)} requests)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db)
        return 0

    client = "wrk" if args.client == "wrk" or (args.client == "auto" and shutil.which("wrk")) else "python"
    measure = run_wrk if client == "wrk" else run_python
    print(f"client: {client}, {args.connections} connections, {args.duration:g} s per run, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        server = Server("scs", str(Path(tmp) / "bench.sqlite3"))
        base = server.origin + "/CTI_SmartConnectService/RestService"
        body = json.dumps(LINE).encode()  # ASCII-escaped, as most clients send it
        runs = [("GET list (100 records)", base + "/ContainmentLine", "GET", None),
                ("GET single", base + "/ContainmentLine/1", "GET", None),
                ("PUT", base + "/ContainmentLine/2", "PUT", body),
                ("POST", base + "/ContainmentLine", "POST", body)]
        results = []
        ceiling = Server("ceiling", "")
        try:  # measured before and after (averaged), so a change in machine load biases the ratio less
            first = measure(ceiling.origin + "/", "GET", None, args.duration / 2, args.connections)
            try:
                for label, url, method, payload in runs:
                    results.append((label, *measure(url, method, payload, args.duration, args.connections)))
                hostile = hostile_header(server.origin, base[len(server.origin):])
            finally:
                server.stop()
            last = measure(ceiling.origin + "/", "GET", None, args.duration / 2, args.connections)
        finally:
            ceiling.stop()
            server.stop()  # also when a measurement failed
        results.append(("constant JSON (ceiling)", *((a + b) / 2 for a, b in zip(first, last))))
        top = results[-1][1]
        print(f"{'endpoint':<26}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs ceiling':>12}  target")
        failed = False
        for label, rps, p50, p99 in results:
            target = TARGETS.get(label)
            verdict = "" if target is None else (f">= {target}: " + ("met" if rps >= target else "MISSED"))
            failed |= target is not None and rps < target
            print(f"{label:<26}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{rps / top:>11.0%}  {verdict}")
        single = next(rps for label, rps, *_ in results if label == "GET single")
        print(f"GET single / ceiling: {single / top:.0%} (target: above 50 %)")
        print(hostile)

        server = Server("scs", str(Path(tmp) / "writers.sqlite3"))
        try:
            line, ok = concurrent_writers(server.origin + "/CTI_SmartConnectService/RestService")
            print(line)
        finally:
            server.stop()
    return 1 if failed or not ok else 0


if __name__ == "__main__":
    sys.exit(main())
