"""`scs-kit proxy` and `scs-kit check --traffic` as users run them: the ready line, SIGTERM writing the
reports with exit 0/1/2, a HAR exported by Chromium's developer tools, bad input as one line with exit 2,
and byte-for-byte forwarding on a kept-alive connection."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from faulty import faulty_server
from scs_kit import spec as spec_mod
from scs_kit.cli import main
from scs_kit.server import start_server
from scs_kit.traffic.running import start_proxy
from traffic.client import exercise

SCS_KIT = [sys.executable, "-m", "scs_kit"]
CHROMIUM_HAR = Path(__file__).parent / "fixtures" / "chromium-devtools.har"
SPEC = spec_mod.load()


def _results(report_dir: Path) -> dict:
    return json.loads((report_dir / "results.json").read_text(encoding="utf-8"))


def _status(results: dict, check: str, resource: str) -> str:
    return next(c["status"] for c in results["checks"] if c["id"] == check and c["resource"] == resource)


# ---------- check --traffic -------------------------------------------------------------------------
def test_chromium_har_is_accepted(tmp_path, capsys):
    code = main(["check", "--traffic", str(CHROMIUM_HAR), "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    results = _results(tmp_path)
    assert results["target"] == "traffic" and results["requests_sent"] == 11
    for check in ("KEYS-POST-MAX-PLUS-ONE", "ROUNDTRIP-PUT", "KEYS-DELETE-EXACT", "ENVELOPE-WRITE-SUCCESS"):
        assert _status(results, check, "ContainmentLine") == "pass", check
    assert _status(results, "QUERY-MATCHES-MODEL", "ReceivedCall-Record") == "pass"
    assert _status(results, "STATEFUL-MODEL", "ContainmentLine") == "skip"  # not observed, never a pass
    assert any("got no answer" in w for w in results["warnings"])  # Chromium's status 0 entry
    assert "⇄" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_chromium_har_with_a_fault_fails_citing_the_exchanges(tmp_path, capsys):
    har = json.loads(CHROMIUM_HAR.read_text(encoding="utf-8"))
    listing = har["log"]["entries"][4]  # the listing right after the POST
    rows = json.loads(listing["response"]["content"]["text"])
    rows = [rows[0], {**rows[2], "回線No": "2"}]  # the POST overwrote record 2 instead of adding 3
    listing["response"]["content"]["text"] = json.dumps(rows, ensure_ascii=False)
    path = tmp_path / "faulty.har"
    path.write_text(json.dumps(har, ensure_ascii=False), encoding="utf-8")
    code = main(["check", "--traffic", str(path), "--report-dir", str(tmp_path / "r")])
    assert code == 1, capsys.readouterr().out
    check = next(c for c in _results(tmp_path / "r")["checks"]
                 if c["id"] == "KEYS-POST-MAX-PLUS-ONE" and c["resource"] == "ContainmentLine")
    assert check["status"] == "fail"
    assert "#4 (2026-12-01T01:30:03.121Z)" in check["message"] and "#5 (" in check["message"]
    assert len(check["evidence"]) == 2 and check["replay"] == f"scs-kit check --traffic {path}"


@pytest.mark.parametrize("content, expected", [
    ("not json at all", "not a HAR file (not JSON"),
    ('{"log": {}}', "not a HAR file (no log.entries array)"),
    ('{"log": {"entries": [{"request": 5}]}}', "HAR entry 1 is malformed"),
    (('{"log": {"entries": [{"startedDateTime": "x", "request": {"method": "GET", "url": "http://h/x"}, '
     '"response": {"status": 200}}]}}'), "no answered exchange with the service"),
])
def test_check_traffic_bad_input_is_one_line(tmp_path, capsys, content, expected):
    path = tmp_path / "in.har"
    path.write_text(content, encoding="utf-8")
    assert main(["check", "--traffic", str(path), "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_check_traffic_missing_file_and_base_url(tmp_path, capsys):
    assert main(["check", "--traffic", str(tmp_path / "absent.har"), "--no-reports"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["check", "--traffic", str(CHROMIUM_HAR), "--base-url", "http://127.0.0.1:1/x", "--no-reports"]) == 2
    assert "leave out --base-url" in capsys.readouterr().err


# ---------- scs-kit proxy ---------------------------------------------------------------------------
def _run_proxy(upstream: str, tmp_path: Path, *extra: str) -> tuple[int, str, str, Path]:
    """Start the proxy CLI, drive the sample client through it, SIGTERM it; (exit, stdout, stderr, har)."""
    har = tmp_path / "rec.har"
    proc = subprocess.Popen([*SCS_KIT, "proxy", "--upstream", upstream, "--port", "0", "--record", str(har),
                             "--report-dir", str(tmp_path / "rep"), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        ready = proc.stdout.readline()
        found = re.search(r"clients use (http://\S+)", ready)
        assert found, ready + proc.stderr.read()
        assert found.group(1).endswith(SPEC.base_path)
        exercise(found.group(1), SPEC, ["ContainmentLine", "SIP-ServerConnection", "CustomerAddress"])
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, ready + out, err, har


def test_proxy_cli_passes_the_reference_server_and_records_har(tmp_path):
    server = start_server(host="127.0.0.1", port=0, demo=True, db=":memory:")
    try:
        code, out, err, har = _run_proxy(server.base_url, tmp_path)
    finally:
        server.stop()
    assert code == 0, out + err
    assert "Traceback" not in err
    assert {"results.json", "junit.xml", "report.html", "report.md"} <= {p.name for p in (tmp_path / "rep").iterdir()}
    text = har.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["log"]["version"] == "1.2" and len(data["log"]["entries"]) > 10
    assert "サンプル パスワード" not in text and "***" in text  # the secret the client POSTed is redacted
    assert main(["check", "--traffic", str(har), "--no-reports"]) == 0


def test_proxy_cli_exits_1_on_a_broken_must(tmp_path):
    with faulty_server("msg-ok-english") as server:
        code, out, err, har = _run_proxy(server.base_url, tmp_path)
    assert code == 1, out + err
    assert "ENVELOPE-WRITE-SUCCESS" in out
    assert main(["check", "--traffic", str(har), "--no-reports"]) == 1


@pytest.mark.parametrize("args, expected", [
    (["--upstream", "http://127.0.0.1:1/CTI_SmartConnectService/RestService", "--port", "0"], "cannot reach the upstream"),
    (["--upstream", "ftp://x/y", "--port", "0"], "not an http:// URL"),
    (["--upstream", "http://127.0.0.1:1/x", "--port", "70000"], "--port must be"),
])
def test_proxy_bad_input_is_one_line(args, expected, capsys):
    assert main(["proxy", *args, "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1


def test_proxy_port_in_use_is_one_line(capsys):
    server = start_server(host="127.0.0.1", port=0, demo=True, db=":memory:")
    try:
        assert main(["proxy", "--upstream", server.base_url, "--port", str(server.port), "--no-reports"]) == 2
    finally:
        server.stop()
    assert "cannot listen on" in capsys.readouterr().err


# ---------- byte-for-byte forwarding ----------------------------------------------------------------
RAW_RESPONSES = [
    (b"HTTP/1.1 200 OK\r\ncontent-TYPE: application/json; charset=utf-8\r\nX-Odd:  spaced \r\n"
    b"Transfer-Encoding: chunked\r\n\r\n5\r\n[{\"a\"\r\n6\r\n:\"1\"}]\r\n0\r\n\r\n"),
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n[]",
]


BODY = '{"a": "あ"}'.encode()
RAW_REQUESTS = [
    (b"PUT /CTI_SmartConnectService/RestService/ContainmentLine/1 HTTP/1.1\r\nHost: x\r\nX-CASE: Keep\r\n"
     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)),
    b"GET /CTI_SmartConnectService/RestService/ContainmentLine/9 HTTP/1.1\r\nHost: x\r\n\r\n",
]


class _RawUpstream:
    """Answers the canned raw responses in turn on one connection and keeps every byte it received."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            expected = b""
            for request, answer in zip(RAW_REQUESTS, RAW_RESPONSES, strict=True):
                expected += request
                while len(self.received) < len(expected):
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    self.received += chunk
                conn.sendall(answer)
            conn.recv(1)


def test_forwarding_is_byte_for_byte_on_one_kept_alive_connection():
    upstream = _RawUpstream()
    proxy = start_proxy(f"http://127.0.0.1:{upstream.port}{SPEC.base_path}", SPEC)
    try:
        with socket.create_connection(proxy.proxy.sock.getsockname()[:2], timeout=30) as c:
            got = b""
            for i, raw in enumerate(RAW_REQUESTS):
                c.sendall(raw)
                want = b"".join(RAW_RESPONSES[: i + 1])
                while len(got) < len(want):
                    got += c.recv(65536)
            assert got == b"".join(RAW_RESPONSES)
    finally:
        proxy.stop()
    assert upstream.received == b"".join(RAW_REQUESTS)
    recorded = proxy.proxy.exchanges
    assert [(x.method, x.status) for x in recorded] == [("PUT", 200), ("GET", 404)]
    assert recorded[0].response_body == b'[{"a":"1"}]'  # de-chunked for judging
    assert ("X-CASE", "Keep") in recorded[0].request_headers


def test_mitmproxy_har_export_is_accepted(tmp_path, capsys):
    """mitmproxy's HAR export: a standard HAR whose binary-looking bodies are base64; here a write answer
    with a boolean result, which fails ENVELOPE-WRITE-SHAPE as in active mode."""
    import base64

    base = "http://cti-pc:55963" + SPEC.base_path
    def entry(method, path, status, body, b64=False, sent=None):
        content = {"size": len(body.encode()), "compression": 0, "mimeType": "application/json"}
        content.update({"text": base64.b64encode(body.encode()).decode(), "encoding": "base64"} if b64 else {"text": body})
        request = {"method": method, "url": base + path, "httpVersion": "HTTP/1.1", "cookies": [], "queryString": [],
                   "headers": [{"name": "host", "value": "cti-pc:55963"}], "headersSize": 60, "bodySize": 0}
        if sent is not None:
            request["postData"] = {"mimeType": "application/json", "text": sent, "params": []}
        return {"startedDateTime": "2026-12-01T01:30:00.000000+00:00", "time": 2.5, "request": request,
                "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                             "headers": [{"name": "Content-Type", "value": "application/json; charset=utf-8"}],
                             "content": content, "redirectURL": "", "headersSize": 80, "bodySize": len(body)},
                "cache": {}, "timings": {"send": 0.1, "receive": 0.2, "wait": 2.2, "connect": -1, "ssl": -1},
                "serverIPAddress": "192.0.2.10"}
    har = {"log": {"version": "1.2", "creator": {"name": "mitmproxy", "version": "11.0.0", "comment": ""},
                   "pages": [], "entries": [
                       entry("GET", "/CustomerAddress", 200, "[]", b64=True),
                       entry("POST", "/CustomerAddress", 200, '{"result": true, "msg": "正常終了"}',
                             sent='{"顧客ID": "0", "氏名": "山田"}')]}}
    path = tmp_path / "mitm.har"
    path.write_text(json.dumps(har, ensure_ascii=False), encoding="utf-8")
    assert main(["check", "--traffic", str(path), "--report-dir", str(tmp_path / "r")]) == 1
    results = _results(tmp_path / "r")
    assert _status(results, "ENVELOPE-WRITE-SHAPE", "CustomerAddress") == "fail"
    assert _status(results, "ENVELOPE-GET-ARRAY", "CustomerAddress") == "pass"
    assert results["base_url"] == base
    capsys.readouterr()


def test_docs_results_page_shows_a_traffic_run(tmp_path, capsys):
    from scs_kit.check.policy import rows as policy_rows
    from scs_kit.docs.build import build_site

    assert main(["check", "--traffic", str(CHROMIUM_HAR), "--report-dir", str(tmp_path / "r")]) == 0
    site = build_site(tmp_path / "site", results=tmp_path / "r" / "results.json", policy=policy_rows)
    page = (site / "results.html").read_text(encoding="utf-8")
    assert "pass ⇄" in page and "not observed" in page and "recorded traffic" in page
    capsys.readouterr()


def test_status_line_counts_exchanges_and_findings(capsys):
    from types import SimpleNamespace

    from scs_kit.traffic.command import _StatusLine

    line = _StatusLine()
    line.show(SimpleNamespace(seen=3, findings=1))
    line.show(SimpleNamespace(seen=3, findings=1))  # unchanged: not written again
    line.clear()
    err = capsys.readouterr().err
    assert err.count("3 exchanges · 1 findings so far") == 1 and err.startswith("\r")


def test_proxy_exits_2_when_the_upstream_goes_away(tmp_path):
    server = start_server(host="127.0.0.1", port=0, demo=True, db=":memory:")
    proxy = start_proxy(server.base_url, SPEC)
    try:
        import requests

        assert requests.get(proxy.base_url + "/ContainmentLine", timeout=10).status_code == 200
        server.stop()
        gone = requests.get(proxy.base_url + "/ContainmentLine", headers={"Connection": "close"}, timeout=10)
        assert gone.status_code == 502
    finally:
        proxy.stop()
    results = proxy.proxy.results()
    assert results.exit_code == 2 and results.outcome == "error"
    assert any("502 Bad Gateway" in w for w in results.warnings)
