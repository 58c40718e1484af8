"""How fast `scs-kit check` verifies the reference server, beside a plain `schemathesis run`.

Both runs target a fresh `scs-kit serve --db :memory: --demo` on a free loopback port, over the
same OpenAPI document and all 19 resources. Schemathesis gets the kit's per-operation example
budget (the default profile's Schemathesis examples per operation), all phases, -w 1 and no
example database; its request count comes from its VCR cassette, the kit's from its own counter.

    python benchmarks/bench_check.py [--profile default] [--seed 1] [-n N] [--kit-only]
"""

from __future__ import annotations

import argparse
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(base_path: str):
    """`scs-kit serve --db :memory: --demo` on a free port; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "scs-kit"), "serve", "--db", ":memory:", "--demo", "--no-docs", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base_url = f"http://127.0.0.1:{port}{base_path}"
    try:
        for _ in range(200):
            try:
                requests.get(base_url + "/ContainmentLine", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None:
                    raise SystemExit(f"scs-kit serve exited: {proc.stderr.read()}") from None
                time.sleep(0.05)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_kit(base_url: str, profile: str, seed: int) -> dict:
    from scs_kit.check.runner import CheckOptions, run_check

    start = time.perf_counter()
    results = run_check(CheckOptions(base_url=base_url, profile=profile, seed=seed, report_dir=None, progress=None))
    wall = time.perf_counter() - start
    summary = results.summary()
    per_check: dict[str, float] = {}
    for c in results.checks:
        per_check[c.id] = per_check.get(c.id, 0.0) + c.duration_s
    slowest = sorted(per_check.items(), key=lambda kv: -kv[1])[:5]
    return {"name": f"scs-kit check --profile {profile}", "wall": wall, "requests": results.requests_sent,
            "rc": results.exit_code, "note": ", ".join(f"{k} {v}" for k, v in summary.items() if v), "slowest": slowest}


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
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
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

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-n", "--examples", type=int, action="append",
                        help="schemathesis examples per operation (repeatable; default: the profile's budget and 50)")
    parser.add_argument("--kit-only", action="store_true", help="time scs-kit check alone (no schemathesis runs)")
    args = parser.parse_args(argv)
    spec = spec_mod.load()
    budgets = [] if args.kit_only else args.examples or [PROFILES[args.profile].schema_examples, 50]

    rows = []
    with served(spec.base_path) as url:
        rows.append(run_kit(url, args.profile, args.seed))
    for n in budgets:
        with served(spec.base_path) as url:
            rows.append(run_schemathesis(url, spec.path, n, args.seed))

    print(f"\n{len(spec.resources)} resources, {len(spec.document['paths'])} paths, seed {args.seed}, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{'run':34} {'wall s':>7} {'requests':>9} {'req/s':>7} {'exit':>4}  note")
    for r in rows:
        rate = r["requests"] / r["wall"] if r["wall"] else 0.0
        print(f"{r['name']:34} {r['wall']:7.1f} {r['requests']:9d} {rate:7.0f} {r['rc']:>4}  {r['note']}")
    kit = rows[0]
    verdict = "within" if kit["wall"] <= TARGET_S else "OVER"
    print(f"\nscs-kit check --profile {args.profile}: {kit['wall']:.1f} s for all {len(spec.resources)} resources "
          f"({verdict} the {TARGET_S} s target)")
    if kit.get("slowest"):
        print("slowest checks (s, summed over resources): " + ", ".join(f"{k} {v:.1f}" for k, v in kit["slowest"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
