"""Checking resources concurrently (`--workers N`) and the politeness options, end to end: the same
verdicts as one worker, never two requests on one resource at a time, extra headers on every request
(generated ones included), the rate limit over a whole run, and one clear line when the service
stops answering."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections import Counter
from itertools import pairwise
from typing import ClassVar

import pytest
from faulty import faulty_server
from faulty.live import changed_records, new_keys, preloaded_records, snapshot
from faulty.run import describe, quick_check
from scs_kit import spec as spec_mod
from scs_kit.check.workers import ALONE_FAMILIES, Queue, combined, default_workers
from scs_kit.cli import main
from scs_kit.errors import KitError

SPEC = spec_mod.load()
NO_DELETE = {r.name for r in SPEC.resources if not r.allows("DELETE")}


class Observed:
    """ASGI middleware: records (start, end, method, resource, headers) of every request and holds
    each answer back a little, so that concurrent requests overlap measurably."""

    log: ClassVar[list[tuple[float, float, str, str, dict[str, str]]]] = []
    delay = 0.003

    def __init__(self, app, service=None, spec=None):
        self.app = app
        self.base = (spec or SPEC).base_path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.monotonic()
        await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)
        path = scope["path"].removeprefix(self.base)
        resource = path.strip("/").split("/")[0]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        type(self).log.append((start, time.monotonic(), scope["method"], resource, headers))


def _statuses(results) -> Counter:
    return Counter((c.id, c.resource, c.status) for c in results.checks)


def test_workers_give_the_same_results_as_one_worker():
    with faulty_server(records=preloaded_records(SPEC)) as server:
        one = quick_check(server.base_url, workers=1)
    with faulty_server(records=preloaded_records(SPEC)) as server:
        four = quick_check(server.base_url, workers=4)
    assert one.exit_code == four.exit_code == 0, describe(four)
    assert _statuses(four) == _statuses(one)
    assert len(four.checks) == len(one.checks)
    assert four.summary() == one.summary()
    assert sorted((c.resource, c.deleted) for c in four.created_records) == \
        sorted((c.resource, c.deleted) for c in one.created_records)


def test_resources_run_concurrently_but_each_resource_serially():
    Observed.log = []
    with faulty_server(Observed, records=preloaded_records(SPEC)) as server:
        before = snapshot(server.base_url, SPEC)
        Observed.log = []
        results = quick_check(server.base_url, workers=4, only=("KEYS", "ROUND-TRIP", "ENVELOPE", "METHODS"))
        log = list(Observed.log)
        after = snapshot(server.base_url, SPEC)
    assert results.exit_code == 0, describe(results)
    assert not changed_records(before, after)
    assert set(new_keys(before, after)) <= NO_DELETE
    by_resource: dict[str, list[tuple[float, float]]] = {}
    for start, end, _, resource, _ in log:
        by_resource.setdefault(resource, []).append((start, end))
    for resource, spans in by_resource.items():
        spans.sort()
        overlaps = [(a, b) for a, b in pairwise(spans) if b[0] < a[1]]
        assert not overlaps, f"{resource}: {len(overlaps)} requests overlapped another one on the same resource"
    spans = sorted((s, e) for s, e, *_ in log)
    concurrent = sum(1 for a, b in pairwise(spans) if b[0] < a[1])
    assert concurrent > 10, "the workers never had two requests in flight"


def test_one_worker_sends_one_request_at_a_time():
    Observed.log = []
    with faulty_server(Observed) as server:
        Observed.log = []
        quick_check(server.base_url, workers=1, only=("ENVELOPE",), resources=("ContainmentLine", "CustomerAddress"))
        spans = sorted((s, e) for s, e, *_ in Observed.log)
    assert spans
    assert not [(a, b) for a, b in pairwise(spans) if b[0] < a[1]]


def test_headers_reach_the_server_on_every_request_generated_ones_included():
    Observed.log = []
    with faulty_server(Observed) as server:
        Observed.log = []
        results = quick_check(server.base_url, workers=2, headers=(("X-Gateway-Token", "t0ken"), ("X-Tenant", "7")),
                              only=("SCHEMA", "ROBUSTNESS", "ENVELOPE"), resources=("ContainmentLine", "UserManagement"))
        log = list(Observed.log)
    assert results.exit_code == 0, describe(results)
    assert len(log) > 50
    methods = Counter(m for _, _, m, _, _ in log)
    assert methods["POST"] and methods["PUT"] and methods["GET"], methods
    missing = [(m, r) for _, _, m, r, h in log if h.get("x-gateway-token") != "t0ken" or h.get("x-tenant") != "7"]
    assert not missing, f"{len(missing)} of {len(log)} requests without the headers: {missing[:5]}"


def test_rate_limit_holds_over_a_whole_run_with_workers():
    Observed.log = []
    with faulty_server(Observed) as server:
        Observed.log = []
        started = time.monotonic()
        quick_check(server.base_url, workers=4, rate_limit=50.0, only=("ENVELOPE", "METHODS"))
        elapsed = time.monotonic() - started
        starts = sorted(s for s, *_ in Observed.log)
    assert len(starts) >= 100, len(starts)
    windows = [b - a for a, b in zip(starts, starts[50:])]  # 51 consecutive requests span at least 1 s
    assert min(windows) >= 0.9, min(windows)
    assert elapsed >= (len(starts) - 1) / 50 * 0.95, (elapsed, len(starts))


def test_the_service_stopping_mid_run_is_one_line_exit_2(capsys):
    from scs_kit.server import Service

    holder: dict = {}

    class StopsAfterCreates(Service):
        creates = 0

        def create(self, resource_name, body):
            key = super().create(resource_name, body)
            type(self).creates += 1
            if type(self).creates == 3:
                threading.Thread(target=holder["server"].stop, daemon=True).start()
            return key

    with faulty_server(StopsAfterCreates) as server:
        holder["server"] = server
        code = main(["check", "--base-url", server.base_url, "--profile", "quick", "--only", "KEYS",
                     "--workers", "3", "--no-reports", "--progress", "none", "--timeout", "2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1 or all(line.startswith("scs-kit check: note:") for line in err[1:]), err
    line = next(line for line in err if "stopped answering" in line)
    assert line.startswith("scs-kit check: error: the implementation stopped answering"), line
    assert "http://127.0.0.1:" in line and any(m in line for m in ("GET ", "POST ", "PUT ", "DELETE ")), line


@pytest.mark.parametrize("args, needle", [(["--workers", "0"], "--workers"), (["--workers", "999"], "--workers"),
                                          (["--rate-limit", "fast"], "--rate-limit"),
                                          (["--header", "no colon"], "--header"),
                                          (["--proxy", "nonsense"], "--proxy")])
def test_bad_politeness_options_are_one_line_errors(args, needle, capsys):
    code = main(["check", "--no-reports", "--progress", "none", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("scs-kit check: error:") and needle in err[0], err


def test_defaults_and_helpers():
    assert default_workers("live") == 1
    assert default_workers("full") > 1
    assert "CONCURRENCY" in ALONE_FAMILIES
    q = Queue(["a", "b"])
    assert [q.take(), q.take(), q.take()] == ["a", "b", None]
    assert combined([0, 1, 0]) == 1
    assert combined([1, 2]) == 2
    assert combined([5, 5]) == 5
    assert combined([0, 5]) == 0
    with pytest.raises(KitError):
        from scs_kit.check.runner import CheckOptions, run_check

        run_check(CheckOptions(workers=-1, report_dir=None, progress=None))


# --- safe on a live system, with workers -----------------------------------------------------------


def _clean(before, after, results=None, allow_undeletable=False) -> None:
    assert not changed_records(before, after), "\n".join(changed_records(before, after))
    listed = {(c.resource, c.key) for c in (results.created_records if results else []) if not c.deleted}
    for name, keys in new_keys(before, after).items():
        assert allow_undeletable and name in NO_DELETE, f"kit records left on {name}: {sorted(keys)}"
        assert not {k for k in keys if (name, k) not in listed}, f"{name}: unlisted records {sorted(keys)}"


@pytest.mark.parametrize("mode", ["full", "live"])
def test_workers_keep_existing_data_and_remove_what_they_created(mode):
    with faulty_server(records=preloaded_records(SPEC)) as server:
        before = snapshot(server.base_url, SPEC)
        results = quick_check(server.base_url, mode=mode, workers=4)
        after = snapshot(server.base_url, SPEC)
    assert results.exit_code == 0, describe(results)
    _clean(before, after, results, allow_undeletable=mode == "full")


def test_ctrl_c_with_workers_still_cleans_up():
    import _thread

    from scs_kit.server import Service

    creates = Counter()

    class InterruptingService(Service):
        def create(self, resource_name, body):
            key = super().create(resource_name, body)
            creates["n"] += 1
            if creates["n"] == 6:
                _thread.interrupt_main()
            return key

    with faulty_server(InterruptingService, records=preloaded_records(SPEC)) as server:
        before = snapshot(server.base_url, SPEC)
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            quick_check(server.base_url, mode="live", workers=4, only=("KEYS", "ROUND-TRIP"))
        assert time.monotonic() - started < 60
        after = snapshot(server.base_url, SPEC)
    assert creates["n"] >= 6
    _clean(before, after)


def test_sigint_to_the_cli_with_workers_cleans_up_and_exits_130(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from faulty import WireFault
    from faulty.run import SEED

    class SigintAfterPosts(WireFault):
        target: ClassVar[dict] = {"after": 5}

        def on_response(self, req, resp):
            if req.method == "POST":
                self.target["posts"] = self.target.get("posts", 0) + 1
                if self.target["posts"] == self.target["after"] and self.target.get("pid"):
                    threading.Timer(0.01, os.kill, (self.target["pid"], signal.SIGINT)).start()

    cli = Path(sys.executable).with_name("scs-kit")
    with faulty_server(SigintAfterPosts, records=preloaded_records(SPEC)) as server:
        before = snapshot(server.base_url, SPEC)
        proc = subprocess.Popen(
            [str(cli), "check", "--base-url", server.base_url, "--profile", "quick", "--mode", "live", "--workers", "4",
             "--only", "KEYS,ROUND-TRIP", "--seed", str(SEED), "--report-dir", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        SigintAfterPosts.target["pid"] = proc.pid
        try:
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        after = snapshot(server.base_url, SPEC)
    assert SigintAfterPosts.target.get("posts", 0) >= 5, "the run never reached the interrupting POST"
    assert proc.returncode == 130, f"exit {proc.returncode}\n{out[-2000:]}\n{err[-2000:]}"
    assert "Traceback" not in err, err[-3000:]
    _clean(before, after)


def test_run_concurrently_runs_every_test_once_and_each_group_in_one_thread(tmp_path):
    """workers.py on its own, over a tiny suite: per-resource tests and one that is not per resource."""
    from scs_kit.check.workers import THREAD_UNSAFE_PLUGINS, run_concurrently

    (tmp_path / "test_tiny.py").write_text(
        "import threading, time, pytest\n"
        "RAN = []\n"
        "@pytest.mark.parametrize('resource', ['a', 'b', 'c', 'd'])\n"
        "@pytest.mark.parametrize('n', [1, 2, 3])\n"
        "def test_per_resource(resource, n):\n"
        "    time.sleep(0.01)\n"
        "    RAN.append((resource, n, threading.current_thread().name))\n"
        "def test_not_per_resource():\n"
        "    RAN.append((None, 0, threading.current_thread().name))\n",
        encoding="utf-8")

    def resource_of(item):
        callspec = getattr(item, "callspec", None)
        return callspec.params.get("resource") if callspec else None

    args = [str(tmp_path), "-p", "no:cacheprovider", "-p", "no:terminal", "-c", os.devnull,
            "--rootdir", str(tmp_path), *[a for p in THREAD_UNSAFE_PLUGINS for a in ("-p", f"no:{p}")]]
    code = run_concurrently(lambda extra: pytest.main(args, plugins=extra), ["a", "b", "c", "d"], 3, resource_of,
                            threading.Event())
    import test_tiny  # imported by the sessions above

    try:
        ran = list(test_tiny.RAN)
    finally:
        sys.modules.pop("test_tiny", None)
    assert code == 0
    assert Counter((r, n) for r, n, _ in ran) == Counter([(r, n) for r in "abcd" for n in (1, 2, 3)] + [(None, 0)])
    threads_of = {r: {t for rr, _, t in ran if rr == r} for r in "abcd"}
    assert all(len(t) == 1 for t in threads_of.values()), threads_of
    assert len({t for _, _, t in ran}) > 1, "one thread did everything"


def test_plain_pytest_takes_the_politeness_options():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    Observed.log = []
    with faulty_server(Observed) as server:
        Observed.log = []
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", str(root / "contract_tests"), "-q", "-p", "no:cacheprovider",
             "--base-url", server.base_url, "--scs-profile", "quick", "--scs-only", "ENVELOPE,SCHEMA",
             "--scs-resources", "ContainmentLine", "--scs-header", "X-Gateway-Token: t0ken",
             "--scs-rate-limit", "200/s", "--scs-retries", "1"],
            cwd=root, capture_output=True, text=True, timeout=300, check=False)
        log = list(Observed.log)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert log and all(h.get("x-gateway-token") == "t0ken" for *_, h in log), len(log)
    bad = subprocess.run([sys.executable, "-m", "pytest", str(root / "contract_tests"), "-p", "no:cacheprovider",
                          "--base-url", "http://127.0.0.1:9/x", "--scs-rate-limit", "fast"],
                         cwd=root, capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 4 and "--rate-limit" in bad.stderr, (bad.returncode, bad.stderr[-2000:])
