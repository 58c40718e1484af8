"""How fast `scs-kit check` verifies the reference server: locally, and over a slow link.

Every run targets a fresh reference server (in-memory database, demo data) on a free loopback port,
started in a subprocess. The slow link is a small ASGI wrapper around the reference server that
holds every answer back by `--delay` seconds (20 ms by default: a VPN to a PC in someone's office).
Optionally a plain `schemathesis run` is timed beside it, with the kit's per-operation example budget
(the profile's Schemathesis examples per operation), all phases, -w 1, no example database; its
request count comes from its VCR cassette, the kit's from its own counter.

    python benchmarks/bench_check.py [--profile default] [--seed 1] [--delay 0.02]
           [--runs local-serial,local,slow] [--schemathesis N ...]

Runs: `local-serial` (--workers 1), `local` (default workers), `slow` (default workers, 20 ms link),
`slow-serial` (--workers 1 over the slow link: minutes, so not run unless asked), and
`inprocess-serial`, `inprocess`: plain `scs-kit check`, which starts the reference server in its own
process (server and checks then share one interpreter).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30  # a default run on all 19 resources stays under this (wall seconds, this 2-core machine)
BIN = Path(sys.executable).parent
RUNS = ("local-serial", "local", "slow", "slow-serial", "inprocess-serial", "inprocess")


class Delayed:
    """ASGI middleware: every HTTP request waits `delay` seconds before the app sees it, as over a
    link with that much latency (the waits of concurrent requests overlap, as on a real link)."""

    def __init__(self, app, delay: float):
        self.app = app
        self.delay = delay

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.delay > 0:
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def serve(port: int, delay: float) -> None:
    """The reference server (in-memory, demo data) behind `Delayed`, in this process, until killed."""
    import uvicorn
    from scs_kit.server.app import create_app
    from scs_kit.server.background import bind_socket, uvicorn_config

    sock = bind_socket("127.0.0.1", port)
    uvicorn.Server(uvicorn_config(Delayed(create_app(demo=True, db=":memory:"), delay))).run(sockets=[sock])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(base_path: str, delay: float = 0.0):
    """A reference server on a free port, answering `delay` seconds late; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--delay", str(delay)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base_url = f"http://127.0.0.1:{port}{base_path}"
    try:
        for _ in range(400):
            try:
                requests.get(base_url + "/ContainmentLine", timeout=5)
                break
            except requests.RequestException:
                if proc.poll() is not None:
                    raise SystemExit(f"the benchmark server exited: {proc.stderr.read() if proc.stderr else ''}")
                time.sleep(0.05)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_kit(name: str, base_url: str | None, profile: str, seed: int, workers: int | None) -> dict:
    from scs_kit.check.runner import CheckOptions, run_check

    start = time.perf_counter()
    results = run_check(CheckOptions(base_url=base_url, profile=profile, seed=seed, report_dir=None, progress=None,
                                     workers=workers))
    wall = time.perf_counter() - start
    summary = results.summary()
    per_check: dict[str, float] = {}
    for c in results.checks:
        per_check[c.id] = per_check.get(c.id, 0.0) + c.duration_s
    slowest = sorted(per_check.items(), key=lambda kv: -kv[1])[:5]
    return {"name": name, "wall": wall, "requests": results.requests_sent, "rc": results.exit_code,
            "note": ", ".join(f"{k} {v}" for k, v in summary.items() if v), "slowest": slowest}


def run_schemathesis(base_url: str, spec_path: Path, examples: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cassette = Path(tmp) / "cassette.yaml"
        cmd = [
            str(BIN / "schemathesis"), "run", str(spec_path), "--url", base_url,
            "-n", str(examples), "--seed", str(seed), "-w", "1",
            "--phases", "examples,coverage,fuzzing,stateful", "--generation-database", "none",
            "--report", "vcr", "--report-vcr-path", str(cassette), "--no-color",
        ]
        start = time.perf_counter()
        proc = subprocess.run(cmd, check=False, cwd=tmp, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        wall = time.perf_counter() - start
        text = cassette.read_text(encoding="utf-8") if cassette.exists() else ""
        count = sum(1 for line in text.splitlines() if line.startswith("- id:"))
    lines = [line.strip() for line in proc.stdout.splitlines()]
    cases = next((lines[i + 1] for i, line in enumerate(lines[:-1]) if line == "Test cases:"), "")
    codes = sorted({line.split()[1] for line in lines if line.startswith("❌ ST")})
    note = cases + (f"; findings {', '.join(codes)} (use_after_free/availability assume 404 semantics)" if codes else "")
    return {"name": f"schemathesis run -n {examples}", "wall": wall, "requests": count, "rc": proc.returncode,
            "note": note}


def main(argv=None) -> int:
    from scs_kit import spec as spec_mod
    from scs_kit.check.catalog import PROFILES
    from scs_kit.check.workers import default_workers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds every answer of the slow link waits")
    parser.add_argument("--runs", default="local-serial,local,slow",
                        help=f"comma-separated, from {', '.join(RUNS)} (default: local-serial,local,slow)")
    parser.add_argument("--schemathesis", type=int, action="append", metavar="N",
                        help="also time `schemathesis run -n N` against the local server (repeatable)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.delay)
        return 0
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    unknown = set(runs) - set(RUNS)
    if unknown:
        parser.error(f"unknown runs: {', '.join(sorted(unknown))}")
    spec = spec_mod.load()
    workers = default_workers("full")
    ms = f"{args.delay * 1000:g} ms"

    rows = []
    for run in runs:
        delay = args.delay if run.startswith("slow") else 0.0
        serial = run.endswith("-serial")
        where = f"{ms} link" if delay else "in-process" if run.startswith("inprocess") else "local"
        name = f"check {where}, --workers {1 if serial else workers}"
        if run.startswith("inprocess"):
            rows.append(run_kit(name, None, args.profile, args.seed, 1 if serial else None))
            continue
        with served(spec.base_path, delay) as url:
            rows.append(run_kit(name, url, args.profile, args.seed, 1 if serial else None))
    for n in args.schemathesis or []:
        with served(spec.base_path) as url:
            rows.append(run_schemathesis(url, spec.path, n, args.seed))

    print(f"\n{len(spec.resources)} resources, profile {args.profile}, seed {args.seed}, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}")
    print(f"{'run':34} {'wall s':>7} {'requests':>9} {'req/s':>7} {'exit':>4}  note")
    for r in rows:
        rate = r["requests"] / r["wall"] if r["wall"] else 0.0
        print(f"{r['name']:34} {r['wall']:7.1f} {r['requests']:9d} {rate:7.0f} {r['rc']:>4}  {r['note']}")
    for r in rows:
        if f"{ms} link" in r["name"] and "--workers 1" not in r["name"]:
            verdict = "within" if r["wall"] <= 60 else "OVER"
            print(f"\n{r['name']}: {r['wall']:.1f} s ({verdict} the 60 s target)")
        elif "link" not in r["name"] and "--workers 1" not in r["name"]:
            verdict = "within" if r["wall"] <= TARGET_S else "OVER"
            print(f"\n{r['name']}: {r['wall']:.1f} s for all resources ({verdict} the {TARGET_S} s target)")
            if r.get("slowest"):
                print("slowest checks (s, summed over resources): " + ", ".join(f"{k} {v:.1f}" for k, v in r["slowest"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
