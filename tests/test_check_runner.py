"""The runner, the command and the safety of `scs-kit check` against the reference server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from scs_kit import spec as spec_mod
from scs_kit.check import runner
from scs_kit.check.catalog import CHECKS
from scs_kit.check.runner import CheckOptions, run_check
from scs_kit.cli import main
from scs_kit.errors import KitError
from scs_kit.server import create_app, start_server

SPEC = spec_mod.load()
SEED = 12345

# Pre-existing records with awkward values, beside the demo data set: they must survive untouched.
PRELOADED = {
    r.name: [{r.key: str(r.min_id + 40 + i), **{f.name: f"既存 {f.name} {i} &%\"ｶﾅ" for f in r.fields if f.name != r.key}}
             for i in range(2)]
    for r in SPEC.resources
}


def _snapshot(base_url) -> dict:
    """Each resource's list and each record's GET-by-key answer, as raw text."""
    out = {}
    for r in SPEC.resources:
        text = requests.get(base_url + r.collection, timeout=10).text
        rows = json.loads(text)
        out[r.name] = {str(row[r.key]): requests.get(base_url + r.item_path(row[r.key]), timeout=10).content
                       for row in rows}
    return out


def _quick(base_url=None, **kw):
    opts = dict(base_url=base_url, profile="quick", seed=SEED, report_dir=None, progress=None)
    opts.update(kw)
    return run_check(CheckOptions(**opts))


def _bad(results):
    return [f"{c.status} {c.id}[{c.resource}]: {c.message[:300]}" for c in results.checks if c.status in ("fail", "error")]


def test_reference_server_passes_quick_all_families():
    results = _quick()
    assert results.exit_code == 0, _bad(results)
    assert not _bad(results)
    assert results.target == "reference" and results.seed == SEED
    ids = {c.id for c in results.checks}
    assert ids == {c.id for c in CHECKS}  # every check ran (or was skipped with a reason) on some resource
    assert {c.resource for c in results.checks} == {r.name for r in SPEC.resources}
    assert all(c.message for c in results.checks if c.status == "skip")
    assert results.requests_sent > 100


def test_safety_preexisting_records_byte_identical_and_no_kit_record_left():
    server = start_server(host="127.0.0.1", port=0, demo=True, fixtures=PRELOADED)
    try:
        before = _snapshot(server.base_url)
        results = _quick(server.base_url, mode="full")
        after = _snapshot(server.base_url)
    finally:
        server.stop()
    assert results.exit_code == 0, _bad(results)
    for r in SPEC.resources:
        for key, raw in before[r.name].items():
            assert after[r.name].get(key) == raw, f"{r.name}/{key} changed: {raw!r} → {after[r.name].get(key)!r}"
        extra = set(after[r.name]) - set(before[r.name])
        if r.allows("DELETE"):
            assert not extra, f"kit records left on {r.name}: {extra}"
        else:
            listed = {c.key for c in results.created_records if c.resource == r.name and not c.deleted}
            assert extra <= listed, f"{r.name}: {extra - listed} created but not listed"


class _Counting:
    """ASGI wrapper that counts request methods."""

    def __init__(self, app):
        self.app, self.spec, self.methods = app, app.spec, []

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http":
            self.methods.append(scope["method"])
        await self.app(scope, receive, send)


def test_read_only_mode_sends_only_gets():
    app = _Counting(create_app(demo=True))
    server = start_server(host="127.0.0.1", port=0, app=app)
    try:
        results = _quick(server.base_url, mode="read-only", only=("ENVELOPE", "METHODS", "KEYS", "MIN-ID", "QUERY",
                                                                  "ROUND-TRIP", "SCHEMA", "STATEFUL", "ROBUSTNESS",
                                                                  "CONCURRENCY", "LATENCY"))
    finally:
        server.stop()
    assert set(app.methods) == {"GET"}, sorted(set(app.methods))
    assert results.exit_code == 0, _bad(results)
    assert not results.created_records
    skipped = [c for c in results.checks if c.status == "skip" and "read-only" in c.message]
    assert skipped


def test_interrupt_still_cleans_up(monkeypatch):
    server = start_server(host="127.0.0.1", port=0, demo=True, fixtures=PRELOADED)

    class Interrupting:
        n = 0

        def start(self, *a, **k):
            pass

        def begin(self, *a):
            pass

        def record(self, check):
            self.n += 1
            if self.n == 60:  # somewhere inside KEYS, with kit records alive
                raise KeyboardInterrupt

        def finish(self, *a):
            pass

    monkeypatch.setattr(runner, "_progress", lambda mode: Interrupting())
    try:
        before = _snapshot(server.base_url)
        with pytest.raises(KeyboardInterrupt):
            _quick(server.base_url, progress="plain", only=("ENVELOPE", "METHODS", "KEYS"), mode="live")
        after = _snapshot(server.base_url)
    finally:
        server.stop()
    assert after == before


def test_cli_writes_reports_and_prints_where(tmp_path, capsys):
    code = main(["check", "--profile", "quick", "--seed", "3", "--only", "ENVELOPE,KEYS", "--resources",
                 "ContainmentLine,ReceivedCall-Record", "--report-dir", str(tmp_path), "--progress", "none"])
    out = capsys.readouterr().out
    assert code == 0, out
    for name in ("results.json", "junit.xml", "report.html", "report.md"):
        assert (tmp_path / name).is_file(), name
    assert str(tmp_path) in out
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert data["seed"] == 3 and data["families"] == ["ENVELOPE", "KEYS"]
    assert data["resources"] == ["ContainmentLine", "ReceivedCall-Record"]


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_url_is_one_line_exit_2(capsys):
    url = f"http://127.0.0.1:{_free_port()}/CTI_SmartConnectService/RestService"
    code = main(["check", "--base-url", url, "--profile", "quick", "--no-reports", "--progress", "none"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == f"scs-kit check: error: cannot reach {url}: connection refused"


class _Html(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><body>It works!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_server_answering_no_json_is_exit_2(capsys):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/wrong/base"
        code = main(["check", "--base-url", url, "--profile", "quick", "--no-reports", "--progress", "none"])
    finally:
        httpd.shutdown()
        httpd.server_close()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "answers no JSON at all" in err[0], err


@pytest.mark.parametrize("kwargs, text", [
    ({"only": ("KEYS", "NOPE")}, "unknown check family NOPE"),
    ({"resources": ("Nope",)}, "unknown resource Nope"),
    ({"profile": "huge"}, "unknown profile"),
    ({"mode": "yolo"}, "unknown mode"),
    ({"base_url": "ftp://x"}, "not an http:// URL"),
])
def test_bad_options_are_kit_errors(kwargs, text):
    with pytest.raises(KitError, match=text):
        run_check(CheckOptions(report_dir=None, progress=None, **kwargs))


def test_failure_carries_evidence_seed_and_replay():
    from scs_kit.server import Service

    class HonoursBodyKey(Service):  # a fault: POST registers the body's key
        def create(self, resource_name, body):
            r = self.spec.resource(resource_name)
            key = int(body.get(r.key, "0") or 0)
            if key <= 0:
                return super().create(resource_name, body)
            self.load_records(resource_name, [{**body, r.key: str(key)}])
            return key

    app = create_app(service=HonoursBodyKey(SPEC), demo=True)
    server = start_server(host="127.0.0.1", port=0, app=app)
    try:
        results = _quick(server.base_url, only=("KEYS",), resources=("ContainmentLine",))
    finally:
        server.stop()
    assert results.exit_code == 1
    fail = next(c for c in results.checks if c.status == "fail")
    assert fail.id == "KEYS-POST-MAX-PLUS-ONE"
    assert fail.source.startswith("※POSTする際")
    assert fail.evidence and fail.evidence[0].curl.startswith("curl ")
    assert fail.seed == SEED and f"--seed {SEED}" in fail.replay and "--resources ContainmentLine" in fail.replay


def test_sigterm_to_the_cli_cleans_up_and_exits_130(tmp_path):
    import subprocess
    import sys
    import time

    app = _Counting(create_app(demo=True, fixtures=PRELOADED))
    server = start_server(host="127.0.0.1", port=0, app=app)
    try:
        before = _snapshot(server.base_url)
        app.methods.clear()
        proc = subprocess.Popen([sys.executable, "-m", "scs_kit", "check", "--base-url", server.base_url, "--mode", "live",
                                 "--only", "KEYS,STATEFUL", "--seed", "4", "--progress", "none", "--no-reports"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        deadline = time.monotonic() + 60
        while app.methods.count("POST") < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(15)
        out, err = proc.communicate(timeout=60)
        after = _snapshot(server.base_url)
    finally:
        server.stop()
    assert proc.returncode == 130, (proc.returncode, err.decode())
    assert err.decode().strip().splitlines()[-1] == "scs-kit check: interrupted"
    assert after == before


def test_silent_server_is_a_timeout_exit_2(capsys):
    import socket

    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(5)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/CTI_SmartConnectService/RestService"
        code = main(["check", "--base-url", url, "--timeout", "0.5", "--no-reports", "--progress", "none"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == f"scs-kit check: error: {url} did not answer within 0.5 s (timeout)"
