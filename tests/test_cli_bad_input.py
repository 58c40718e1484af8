"""Bad input to every command: one line on stderr, a defined exit code, never a traceback or a hang.

Every case runs in English and in Japanese (`SCS_LANG`): in Japanese the one line must be Japanese
(kana in it) and still name the option, value or file at fault. CLI-level cases run `scs-kit` as a process. Misbehaving implementations are tiny socket servers on
127.0.0.1 in daemon threads that stop by themselves (a stop event and a time limit per connection).
Cases that only duplicate tests/test_server_cli.py (serve) or tests/test_check_runner.py are left out.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from scs_kit.check import http as kit_http

SCS_KIT = [sys.executable, "-m", "scs_kit"]
BASE_PATH = "/CTI_SmartConnectService/RestService"
QUICK = ["--profile", "quick", "--only", "ENVELOPE", "--resources", "ContainmentLine", "--no-reports",
         "--progress", "none"]
TIMEOUT = 1.0  # --timeout for checks against the misbehaving servers
ERROR_WORD = {"en": "error", "ja": "エラー"}
KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30fa]")
# Parts of an English needle that every language keeps: options, values, paths, numbers, status codes.
NEUTRAL = re.compile(r"[^\s()]*(?:--|[A-Z0-9/$.'_])[^\s()]*")


@pytest.fixture(autouse=True, params=["en", "ja"])
def lang(request, monkeypatch) -> str:
    monkeypatch.setenv("SCS_LANG", request.param)  # inherited by every `scs-kit` process below
    return request.param


def _lang() -> str:
    return os.environ.get("SCS_LANG", "en")


def say(en: str, ja: str) -> str:
    """The text the current language shows."""
    return ja if _lang() == "ja" else en


def scs_kit(*args: str, timeout: float = 60, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*SCS_KIT, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)


def assert_error(proc: subprocess.CompletedProcess, command: str | None, *needles: str, code: int = 2) -> str:
    """Exit `code`, no traceback, stderr exactly one `scs-kit <command>: error: …` line; returns it."""
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    word = ERROR_WORD[_lang()]
    prefix = f"scs-kit {command}: {word}: " if command else f"scs-kit: {word}: "
    assert len(lines) == 1 and lines[0].startswith(prefix), proc.stderr
    if _lang() == "en":
        for needle in needles:
            assert needle in lines[0], (needle, lines[0])
    else:
        assert KANA.search(lines[0][len(prefix):]), f"not in Japanese: {lines[0]}"
        for needle in needles:
            for token in NEUTRAL.findall(needle):
                assert token.strip(".:,") in lines[0], (token, needle, lines[0])
    return lines[0]


# --- scs-kit itself ------------------------------------------------------------------------------


def test_no_command_prints_help_and_one_error_line():
    proc = scs_kit()
    assert_error(proc, None, "a command is required")
    assert say("usage: scs-kit", "使い方: scs-kit") in proc.stdout


@pytest.mark.parametrize("args, command, needle", [
    (["bogus"], None, "invalid choice: 'bogus'"),
    (["check", "--profile", "bogus"], "check", "--profile"),
    (["check", "--seed", "abc"], "check", "--seed"),
    (["serve", "--port", "abc"], "serve", "--port"),
    (["report"], "report", "RESULTS_JSON"),
    (["report", "x.json", "--format", "pdf"], "report", "unknown format pdf"),
    (["docs", "--bogus"], "docs", "unrecognized arguments: --bogus"),
    (["lint", "a.yaml", "b.yaml"], "lint", "unrecognized arguments: b.yaml"),
])
def test_usage_errors_are_one_line(args, command, needle):
    assert_error(scs_kit(*args), command, needle, "--help")


def test_version():
    proc = scs_kit("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("scs-kit "), proc


# --- scs-kit check: option values ----------------------------------------------------------------


@pytest.mark.parametrize("url, needle", [
    ("not a url", "not an http:// URL"),
    ("ftp://x", "not an http:// URL"),
    ("http://", "not an http:// URL"),
    ("http://:80/x", "with a host"),
    ("http://[::1", "not a valid URL"),
    ("http://127.0.0.1:99999/x", "not a valid URL"),
    ("http://127.0.0.1:abc/x", "not a valid URL"),
    ("http://127.0.0.1:1/a b", "spaces"),
    ("http://127.0.0.1:1/x?q=1", "no query"),
])
def test_check_rejects_malformed_base_urls(url, needle):
    assert_error(scs_kit("check", "--base-url", url, *QUICK, "--timeout", "2"), "check", needle)


@pytest.mark.parametrize("args, needle", [
    (["--only", "BOGUS"], "unknown check family BOGUS"),
    (["--only", ","], "unknown check family (empty)"),
    (["--resources", "Bogus"], "unknown resource Bogus"),
    (["--resources", ","], "unknown resource (empty)"),
    (["--timeout", "0"], "--timeout"),
    (["--timeout", "-1"], "--timeout"),
    (["--timeout", "nan"], "--timeout"),
    (["--timeout", "inf"], "--timeout"),
])
def test_check_rejects_bad_option_values(args, needle):
    assert_error(scs_kit("check", *QUICK, *args), "check", needle)


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_check_rejects_an_unusable_report_dir_before_running(tmp_path, where):
    afile = tmp_path / "afile"
    afile.write_text("x")
    report_dir = afile if where == "file" else afile / "reports"
    opts = [a for a in QUICK if a != "--no-reports"]
    started = time.monotonic()
    assert_error(scs_kit("check", *opts, "--report-dir", str(report_dir)), "check", str(report_dir))
    assert time.monotonic() - started < 15  # refused up front, not after a whole run


@pytest.mark.parametrize("seed", ["-1", str(2**70)])
def test_check_accepts_any_integer_seed(seed):
    proc = scs_kit("check", *QUICK, "--seed", seed, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert say(f"(seed {seed})", f"シード {seed}") in proc.stdout and "Traceback" not in proc.stderr


def test_check_with_a_spec_without_resources(tmp_path):
    spec = tmp_path / "empty.json"
    spec.write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}))
    env = {**_environ(), "SCS_SPEC": str(spec)}
    assert_error(scs_kit("check", "--no-reports", "--progress", "none", env=env), "check", "no resources")


def _environ() -> dict:
    import os

    return dict(os.environ)


# --- scs-kit check: implementations that misbehave --------------------------------------------------


def _fixed(status: str, ctype: str, body: bytes):
    def handler(conn, request, stop):
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
    return handler


def _hang(conn, request, stop):
    stop.wait(20)


def _close(conn, request, stop):
    pass  # the connection is closed without a byte


def _endless(conn, request, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
    chunk = b'"x",' * 16384
    limit = time.monotonic() + 20
    while not stop.is_set() and time.monotonic() < limit:
        conn.sendall(chunk)


def _trickle(conn, request, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
    limit = time.monotonic() + 20
    while not stop.is_set() and time.monotonic() < limit:
        conn.sendall(b" ")
        stop.wait(TIMEOUT / 4)


def _gzip(body: bytes):
    def handler(conn, request, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    return handler


def _redirect_loop(conn, request, stop):
    path = request.split(b" ")[1].decode()
    conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())


def _not_http(conn, request, stop):
    conn.sendall(b"\x00\xffthis is not http\r\n\r\n")


def _bad_chunks(conn, request, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"ZZZ\r\n[]\r\n0\r\n\r\n")


@contextlib.contextmanager
def misbehaving_server(handler):
    """A base URL served by `handler(conn, request_bytes, stop)` per connection, on 127.0.0.1."""
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(32)
    listener.settimeout(0.1)

    def one(conn):
        with conn:
            try:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                handler(conn, data, stop)
            except OSError:
                pass

    def accept_loop():
        with listener:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except (TimeoutError, OSError):
                    continue
                threading.Thread(target=one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}{BASE_PATH}"
    finally:
        stop.set()
        thread.join(5)


# (handler, exit code, text of the one error line); exit 2: the kit could not do its job (nothing
# JSON-like at the base path); exit 1: it answers JSON, so it is an implementation that fails promises.
MISBEHAVIOURS = {
    "html-200": (_fixed("200 OK", "text/html", b"<html><body>It works!</body></html>"), 2, "answers no JSON at all"),
    "500-text": (_fixed("500 Internal Server Error", "text/plain", b"boom"), 2, "HTTP 500"),
    "invalid-utf8-html": (_fixed("200 OK", "text/html", b"\xff\xfe\xfd"), 2, "answers no JSON at all"),
    "unknown-charset": (_fixed("200 OK", "text/plain; charset=bogus-8", b"hello"), 2, "answers no JSON at all"),
    "hang": (_hang, 2, f"did not answer within {TIMEOUT:g} s"),
    "close": (_close, 2, "connection closed without an answer"),
    "endless-body": (_endless, 2, "answer larger than"),
    "trickling-body": (_trickle, 2, "answer not complete within"),
    "redirect-loop": (_redirect_loop, 2, "HTTP 302"),
    "not-http": (_not_http, 2, "not HTTP"),
    "bad-chunked": (_bad_chunks, 2, "chunked"),
    "bad-gzip": (_gzip(b"not gzip at all"), 2, "Content-Encoding"),
    "json-object-everywhere": (_fixed("200 OK", "application/json", b"{}"), 1, None),
    "invalid-utf8-json": (_fixed("200 OK", "application/json; charset=utf-8", b'[{"\xff": "\xc3"}]'), 1, None),
}


@pytest.mark.parametrize("case", list(MISBEHAVIOURS))
def test_check_against_a_misbehaving_server(case):
    handler, code, needle = MISBEHAVIOURS[case]
    with misbehaving_server(handler) as url:
        started = time.monotonic()
        proc = scs_kit("check", "--base-url", url, *QUICK, "--timeout", f"{TIMEOUT:g}", timeout=60)
        elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    if code == 2:
        assert_error(proc, "check", needle)
    else:
        assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
        assert say("scs-kit check: fail", "scs-kit check: 不合格") in proc.stdout
    # never a hang: the process start, plus a few read timeouts at most
    assert elapsed < 20, elapsed


def test_session_reads_are_bounded_for_every_caller(monkeypatch):
    """Schemathesis sends through kit.client.session directly: the cap applies there too."""
    monkeypatch.setattr(kit_http, "MAX_RESPONSE_BYTES", 2**20)
    with misbehaving_server(_endless) as url:
        client = kit_http.Client(url, timeout=TIMEOUT)
        try:
            with pytest.raises(requests.ConnectionError, match="larger than"):
                client.session.get(url + "/ContainmentLine", timeout=TIMEOUT)
            with pytest.raises(kit_http.Unreachable, match="larger than"):
                client.get("/ContainmentLine")
        finally:
            client.close()


def test_gzip_answers_are_still_decoded():
    import gzip

    with misbehaving_server(_gzip(gzip.compress('[{"回線No": "1"}]'.encode()))) as url:
        client = kit_http.Client(url, timeout=TIMEOUT)
        try:
            assert client.get("/ContainmentLine").json == [{"回線No": "1"}]
            assert client.session.get(url + "/ContainmentLine", timeout=TIMEOUT).json() == [{"回線No": "1"}]
        finally:
            client.close()


# --- scs-kit lint ------------------------------------------------------------------------------


def _lint_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    spec = (Path(__file__).resolve().parents[1] / "openapi" / "scs-restful-api.yaml").read_text(encoding="utf-8")
    files = {
        "binary": (b"\x00\x01\xff\xfe", "not UTF-8"),
        "empty": (b"", "not an OpenAPI document"),
        "tab": (b"a:\n\tb: 1\n", "line 2, column 1"),
        "deep": (b"[" * 50000 + b"]" * 50000, "nested too deeply"),
        "scalar": (b"42\n", "not an OpenAPI document"),
    }
    out = {}
    for name, (data, needle) in files.items():
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(data)
        out[name] = (path, needle)
    out["directory"] = (tmp_path, "is a directory")
    out["missing"] = (tmp_path / "none.yaml", "no such file")
    (tmp_path / "badref.yaml").write_text(
        spec.replace("$ref: '#/components/schemas/ContainmentLine'\n", "$ref: '#/components/schemas/Missing'\n", 1),
        encoding="utf-8")
    return out


@pytest.mark.parametrize("case", ["binary", "empty", "tab", "deep", "scalar", "directory", "missing"])
def test_lint_unreadable_documents(tmp_path, case):
    path, needle = _lint_inputs(tmp_path)[case]
    assert_error(scs_kit("lint", str(path)), "lint", needle)


def test_lint_a_missing_ref_is_a_short_finding(tmp_path):
    _lint_inputs(tmp_path)
    proc = scs_kit("lint", str(tmp_path / "badref.yaml"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    findings = proc.stdout.strip().splitlines()
    assert any(say("cannot resolve a $ref: ", "$ref を解決できません: ") + "/components/schemas/Missing" in f
               for f in findings), findings
    assert all(len(f) < 600 for f in findings)  # no dump of the whole document


def test_lint_a_json_document_of_the_wrong_shape(tmp_path):
    path = tmp_path / "min.json"
    path.write_text('{"openapi": "3.1.0"}')
    proc = scs_kit("lint", str(path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "[oas-structure]" in proc.stdout


def test_lint_schema_nodes_of_the_wrong_type_are_findings(tmp_path):
    import yaml

    spec = yaml.safe_load((Path(__file__).resolve().parents[1] / "openapi" / "scs-restful-api.yaml").read_text("utf-8"))
    spec["components"]["schemas"]["RecordKey"]["pattern"] = 1
    spec["components"]["schemas"]["CustomerAddress"]["properties"]["メモ"] = ["not", "a", "schema"]
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    proc = scs_kit("lint", str(path))
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert say("schema is invalid", "スキーマが不正です") in proc.stdout


# --- scs-kit report / docs: results files ------------------------------------------------------------


@pytest.fixture(scope="module")
def good_results(tmp_path_factory) -> dict:
    """A real results.json of a tiny run against the reference server."""
    out = tmp_path_factory.mktemp("run")
    opts = [a for a in QUICK if a != "--no-reports"]
    proc = scs_kit("check", *opts, "--report-dir", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def _bad_results(tmp_path: Path, good: dict, case: str) -> tuple[Path, str]:
    path = tmp_path / f"{case}.json"
    data: bytes | None = None
    if case == "missing":
        return path, "no such file (expected a results file)"
    if case == "directory":
        return tmp_path, "is a directory"
    if case == "not-json":
        data = b"garbage{"
    elif case == "binary":
        data = b"\x00\xff\xfe"
    elif case == "deep":
        data = b"[" * 50000 + b"]" * 50000
    elif case == "list":
        data = b"[1, 2]"
    elif case == "unknown-status":
        data = json.dumps({**good, "checks": [{**good["checks"][0], "status": "weird"}]}).encode()
    elif case == "checks-not-objects":
        data = json.dumps({**good, "checks": [1, 2]}).encode()
    elif case == "wrong-types":
        data = json.dumps({**good, "resources": 5, "warnings": 7, "duration_s": {}}).encode()
    path.write_bytes(data)
    needle = {"not-json": "not a readable results file", "binary": "not UTF-8 text",
              "deep": "nested too deeply", "list": "not a scs-kit results file",
              "unknown-status": "unknown status weird"}.get(case, "malformed results file")
    return path, needle


RESULTS_CASES = ["missing", "directory", "not-json", "binary", "deep", "list", "unknown-status",
                 "checks-not-objects", "wrong-types"]


@pytest.mark.parametrize("case", RESULTS_CASES)
def test_report_bad_results_files(tmp_path, good_results, case):
    path, needle = _bad_results(tmp_path, good_results, case)
    assert_error(scs_kit("report", str(path), "--out", str(tmp_path / "out")), "report", needle)


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_report_unusable_out(tmp_path, good_results, where):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(good_results), encoding="utf-8")
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = afile if where == "file" else afile / "x"
    assert_error(scs_kit("report", str(results), "--out", str(out)), "report", str(out))


@pytest.mark.parametrize("case", ["missing", "not-json", "deep", "unknown-status", "wrong-types"])
def test_docs_bad_results_files(tmp_path, good_results, case):
    path, needle = _bad_results(tmp_path, good_results, case)
    site = tmp_path / "site"
    assert_error(scs_kit("docs", "--out", str(site), "--results", str(path)), "docs",
                 needle if case != "wrong-types" else str(path))
    assert not site.exists()


def test_docs_unusable_out(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    unrelated = tmp_path / "unrelated"
    unrelated.mkdir()
    (unrelated / "notes.txt").write_text("keep me too")
    assert_error(scs_kit("docs", "--out", str(afile)), "docs", "not a directory")
    assert_error(scs_kit("docs", "--out", str(afile / "site")), "docs", "cannot create")
    assert_error(scs_kit("docs", "--out", str(unrelated)), "docs", "refusing to overwrite")
    assert afile.read_text() == "keep me" and (unrelated / "notes.txt").read_text() == "keep me too"


@pytest.mark.parametrize("content, needle", [
    (b"a:\n\tb: 1\n", "not parsable"),
    (b"[" * 50000 + b"]" * 50000, "nested too deeply"),
    (b'{"openapi": "3.1.0", "tags": [{"name": {"a": 1}, "x-scs-resource": {}}]}', "malformed x-scs extension"),
], ids=["tab", "deep", "bad-extension"])
def test_docs_and_check_with_a_broken_scs_spec(tmp_path, content, needle):
    spec = tmp_path / "broken.yaml"
    spec.write_bytes(content)
    env = {**_environ(), "SCS_SPEC": str(spec)}
    assert_error(scs_kit("docs", "--out", str(tmp_path / "site"), env=env), "docs", needle)
    assert_error(scs_kit("check", *QUICK, env=env), "check", needle)


def test_report_spec_option_broken(tmp_path, good_results):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(good_results), encoding="utf-8")
    spec = tmp_path / "broken.yaml"
    spec.write_bytes(b"a:\n\tb: 1\n")
    assert_error(scs_kit("report", str(results), "--spec", str(spec), "--out", str(tmp_path / "o")), "report",
                 "not parsable")


# --- scs-kit serve: what tests/test_server_cli.py does not cover ---------------------------------


@pytest.mark.parametrize("args, needle", [
    (["--port", "-1"], "--port -1"),
    (["--port", "70000"], "--port 70000"),
    (["--host", "no.such.host.invalid"], "cannot resolve host"),
])
def test_serve_bad_address(args, needle):
    assert_error(scs_kit("serve", "--db", ":memory:", "--no-docs", *args, timeout=30), "serve", needle)


def test_serve_bad_db_and_fixtures(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 50000 + b"]" * 50000)
    assert_error(scs_kit("serve", "--port", "0", "--no-docs", "--db", str(afile / "x.db"), timeout=30), "serve",
                 "database")
    assert_error(scs_kit("serve", "--port", "0", "--no-docs", "--db", ":memory:", "--fixtures", str(deep),
                         timeout=30), "serve", "deep.json")
    assert_error(scs_kit("serve", "--port", "0", "--no-docs", "--db", ":memory:", "--fixtures", str(tmp_path),
                         timeout=30), "serve", "directory")
