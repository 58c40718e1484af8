"""The reference server beside a browser and under hostile clients: keys as the page says, Host and
Origin checks, bounded resources, storage faults in one line, only regular files from --docs-dir.

Timing bounds here are generous (the machine may be loaded); benchmarks/bench_server.py prints the
precise numbers.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests
from scs_kit import spec as spec_module
from scs_kit.cli import main
from scs_kit.server import Service, create_app, start_server
from scs_kit.server.guard import Access
from scs_kit.server.protocol import _SLICE, Limits

SPEC = spec_module.load()
LINE = {"回線No": "0", "着信TEL": "0731235678", "代表TEL": "0731237777", "種別": "電話", "代理内線番号": "30"}


@pytest.fixture()
def server():
    with start_server(demo=True) as s:
        yield s


def raw(server, method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host="Host" in (headers or {}), skip_accept_encoding=True)
        for k, v in {"Content-Length": str(len(body)), **(headers or {})}.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def api(server, path):
    return server.base_url[len(server.origin):] + path


def lines(server):
    return requests.get(server.base_url + "/ContainmentLine", timeout=10).json()


# -- 1. faithful keys -------------------------------------------------------------------------
@pytest.mark.parametrize("key", [0, 99, -5, 1.5, 1e3, "0", "99", " 7 ", "-1", "2.0"])
def test_post_accepts_any_number_as_body_key_and_ignores_it(server, key):
    before = [int(r["回線No"]) for r in lines(server)]
    resp = requests.post(server.base_url + "/ContainmentLine", json={**LINE, "回線No": key}, timeout=10)
    assert resp.status_code == 200 and resp.json() == {"result": "True", "msg": "正常終了"}
    after = [int(r["回線No"]) for r in lines(server)]
    assert after == before + [max(before) + 1]


@pytest.mark.parametrize("key", [99, 0, "99", 2.5])
def test_put_accepts_any_number_as_body_key_and_the_uri_key_wins(server, key):
    resp = requests.put(server.base_url + "/ContainmentLine/2", json={**LINE, "回線No": key, "種別": "FAX"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["result"] == "True"
    assert requests.get(server.base_url + "/ContainmentLine/2", timeout=10).json()[0] == {**LINE, "回線No": "2", "種別": "FAX"}
    assert requests.get(server.base_url + "/ContainmentLine/99", timeout=10).json() == []


@pytest.mark.parametrize("key", [True, None, "abc", "", [1], {"a": 1}])
def test_body_keys_that_are_not_numbers_keep_todays_validation(server, key):
    resp = requests.post(server.base_url + "/ContainmentLine", json={**LINE, "回線No": key}, timeout=10)
    assert resp.status_code == 400 and resp.json()["result"] == "False"


# -- 2. Host and Origin -------------------------------------------------------------------------
def test_rebinding_host_is_refused_and_changes_nothing(server):
    for method in ("GET", "DELETE"):
        status, _, body = raw(server, method, api(server, "/CustomerAddress/1"),
                                    headers={"Host": "rebind.attacker.example"})
        assert status == 421 and json.loads(body)["result"] == "False"
        assert "顧客名" not in body.decode()
    assert requests.get(server.base_url + "/CustomerAddress/1", timeout=10).json()[0]["顧客ID"] == "1"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST.", "[::1]", "localhost:55963"])
def test_loopback_hosts_are_accepted(server, host):
    assert raw(server, "GET", api(server, "/ContainmentLine/1"), headers={"Host": host})[0] == 200


def test_allow_host_adds_a_name():
    with start_server(demo=True, access=Access(allow_hosts=("cti-dev.local",))) as s:
        assert raw(s, "GET", api(s, "/ContainmentLine/1"), headers={"Host": "cti-dev.local:8080"})[0] == 200
        assert raw(s, "GET", api(s, "/ContainmentLine/1"), headers={"Host": "other.local"})[0] == 421


def test_access_policy_for_addresses():
    wildcard = Access(bound="0.0.0.0")
    assert wildcard.host_ok(b"192.0.2.7:55963") and wildcard.host_ok(b"localhost")
    assert not wildcard.host_ok(b"evil.example")
    lan = Access(bound="192.0.2.7")
    assert lan.host_ok(b"192.0.2.7:55963") and not lan.host_ok(b"192.0.2.8") and not lan.host_ok(b"localhost")
    assert Access().host_ok(None)  # HTTP/1.0 without Host is not a browser


def test_cross_origin_read_is_refused(server):
    status, headers, body = raw(server, "GET", api(server, "/Mail-Account"), headers={"Origin": "http://evil.example"})
    assert status == 403 and "access-control-allow-origin" not in headers
    assert json.loads(body) == {"result": "False", "msg": json.loads(body)["msg"]}


def test_cross_origin_writes_are_refused_and_change_nothing(server):
    before = requests.get(server.base_url + "/IncomingCall-Command", timeout=10).json()
    command = json.dumps({"ID": "0", "コマンド": "calc.exe"}).encode()
    for method, path in (("POST", "/IncomingCall-Command"), ("PUT", "/CustomerAddress/1"), ("DELETE", "/CustomerAddress/1")):
        status, headers, _ = raw(server, method, api(server, path), command,
                                 {"Origin": "http://evil.example", "Content-Type": "text/plain"})
        assert status == 403 and "access-control-allow-origin" not in headers, method
    assert requests.get(server.base_url + "/IncomingCall-Command", timeout=10).json() == before
    assert requests.get(server.base_url + "/CustomerAddress/1", timeout=10).json()[0]["顧客名"] == "山田 太郎"
    # a preflight from that origin gets no CORS permission either
    status, headers, _ = raw(server, "OPTIONS", api(server, "/CustomerAddress/1"), headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "DELETE"})
    assert status == 403 and "access-control-allow-origin" not in headers


def test_same_origin_writes_from_the_docs_site_work(server):
    status, _, body = raw(server, "PUT", api(server, "/ContainmentLine/1"), json.dumps({**LINE, "種別": "FAX"}).encode(),
                          {"Origin": server.origin, "Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["result"] == "True"


def test_cors_origin_star_allows_every_site():
    with start_server(demo=True, access=Access(cors_origins=("*",))) as s:
        status, headers, _ = raw(s, "GET", api(s, "/ContainmentLine"), headers={"Origin": "http://app.example"})
        assert status == 200 and headers["access-control-allow-origin"] == "*"


def test_serve_warns_about_cors_star_and_rejects_bad_origins(tmp_path):
    code = main(["serve", "--port", "0", "--db", ":memory:", "--no-docs", "--cors-origin", "app.example"])
    assert code == 2


# -- 3. bounded resources ----------------------------------------------------------------------
def _timed_get(server, out: list) -> None:
    began = time.perf_counter()
    status = requests.get(server.base_url + "/ContainmentLine/1", timeout=30).status_code
    out.append((status, time.perf_counter() - began))


def test_huge_header_is_431_quickly_and_others_are_unaffected(server):
    began = time.perf_counter()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET " + api(server, "/ContainmentLine").encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        other: list = []
        try:
            for _ in range(16):  # 1 MiB of one header value, 64 KiB at a time
                sock.sendall(b"a" * 65536)
                if not other:
                    _timed_get(server, other)
        except OSError:
            pass  # the server closed the connection after answering 431: fine
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 431"), reply[:100]
    assert time.perf_counter() - began < 10
    assert other and other[0][0] == 200 and other[0][1] < 2.0, other


def test_long_request_line_is_414(server):
    status, _, _ = raw(server, "GET", "/" + "a" * 20000)
    assert status == 414


def test_pipelining_is_bounded_and_the_server_stays_responsive(server):
    one = b"GET " + api(server, "/ContainmentLine/1").encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    count = 5000
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sender = threading.Thread(target=sock.sendall, args=(one * count,), daemon=True)
        sender.start()
        time.sleep(1.0)  # the client reads nothing yet: the server must hold back, not queue everything
        protocols = list(server._server.server_state.connections)
        limit = Limits().max_pipeline + _SLICE // len(one) + 1  # the cap, plus what one parsed slice holds
        queued = [(len(p.pipeline), len(p._backlog)) for p in protocols]
        assert queued and all(n <= limit and backlog <= 256 * 1024 for n, backlog in queued), queued
        assert requests.get(server.base_url + "/ContainmentLine/1", timeout=10).status_code == 200
        data = b""
        while data.count(b"HTTP/1.1 200") < count:
            chunk = sock.recv(1 << 20)
            assert chunk, data.count(b"HTTP/1.1 200")
            data += chunk
        sender.join(timeout=30)
    assert data.count(b"HTTP/1.1 200") == count  # every request answered, in order, none lost


def test_slowloris_and_silent_connections_are_closed():
    limits = Limits(header_timeout=0.5)
    with start_server(demo=True, limits=limits) as s:
        began = time.perf_counter()
        with socket.create_connection((s.host, s.port), timeout=10) as slow, \
                socket.create_connection((s.host, s.port), timeout=10) as silent:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for _ in range(3):
                time.sleep(0.1)
                slow.sendall(b"X-A: b\r\n")
            assert slow.recv(1024).startswith(b"HTTP/1.1 408")
            assert silent.recv(1024).startswith(b"HTTP/1.1 408")
        assert time.perf_counter() - began < 8


def test_connection_cap_evicts_idle_connections_first():
    with start_server(demo=True, limits=Limits(max_connections=8)) as s:
        idle = [socket.create_connection((s.host, s.port), timeout=10) for _ in range(8)]
        try:
            time.sleep(0.2)
            assert requests.get(s.base_url + "/ContainmentLine/1", timeout=10).status_code == 200
            assert idle[0].recv(1024) == b""  # the longest-idle connection made room
        finally:
            for sock in idle:
                sock.close()


# -- 3. the database off the event loop, busy database -----------------------------------------
def test_locked_database_is_503_retry_after_and_reads_go_on(tmp_path):
    db = str(tmp_path / "data.sqlite3")
    with start_server(demo=True, db=db) as s:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            results: list = []
            writer = threading.Thread(target=lambda: results.append(
                requests.post(s.base_url + "/ContainmentLine", json=LINE, timeout=30)))
            writer.start()
            time.sleep(0.1)
            began = time.perf_counter()
            assert requests.get(s.base_url + "/ContainmentLine/1", timeout=10).status_code == 200
            assert time.perf_counter() - began < 0.9  # not behind the writer's wait for the lock
            writer.join()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        resp = results[0]
        assert resp.status_code == 503 and resp.headers["retry-after"] == "1"
        assert resp.json()["result"] == "False" and "再試行" in resp.json()["msg"]
        assert requests.post(s.base_url + "/ContainmentLine", json=LINE, timeout=10).json()["result"] == "True"


# -- 4. storage faults ----------------------------------------------------------------------------
class DiskFull(Service):
    def create(self, resource_name, body):
        raise sqlite3.OperationalError("database or disk is full")


def test_full_disk_is_507_with_one_log_line_per_minute(caplog):
    app = create_app(service=DiskFull(SPEC), demo=True)
    with start_server(app=app) as s, caplog.at_level(logging.ERROR, logger="scs_kit.server"):
        for _ in range(3):
            resp = requests.post(s.base_url + "/ContainmentLine", json=LINE, timeout=10)
            assert resp.status_code == 507 and resp.json()["result"] == "False"
        assert requests.get(s.base_url + "/ContainmentLine/1", timeout=10).status_code == 200
    records = [r for r in caplog.records if r.name == "scs_kit.server"]
    assert len(records) == 1 and "full" in records[0].getMessage() and not records[0].exc_info


def test_real_full_database_is_507(tmp_path):
    """SQLite's own SQLITE_FULL, provoked by a page limit instead of a full disk."""
    db = str(tmp_path / "data.sqlite3")
    service = Service(SPEC, db=db)
    app = create_app(service=service)
    with start_server(app=app) as s:
        assert requests.post(s.base_url + "/ContainmentLine", json=LINE, timeout=10).status_code == 200
        pages = service._main.execute("PRAGMA page_count").fetchone()[0]
        service._main.execute(f"PRAGMA max_page_count={pages}")
        for conn in service._connections:
            conn.execute(f"PRAGMA max_page_count={pages}")
        big = {**LINE, "種別": "x" * 200_000}
        resp = requests.post(s.base_url + "/ContainmentLine", json=big, timeout=10)
        assert resp.status_code == 507 and resp.json()["result"] == "False"
    service.close()


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", ["other-tables", "other-version", "not-sqlite"])
def test_foreign_database_is_refused_at_startup_and_left_unmodified(tmp_path, capsys, case):
    db = tmp_path / "foreign.sqlite3"
    if case == "not-sqlite":
        db.write_bytes(b"this is somebody's text file\n" * 100)
    else:
        conn = sqlite3.connect(db)
        if case == "other-tables":
            conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
            conn.execute("INSERT INTO customers VALUES (1, 'x')")
        else:
            conn.execute("CREATE TABLE records (resource TEXT, key INTEGER, body TEXT)")
            conn.execute("PRAGMA user_version=7")
        conn.commit()
        conn.close()
    before = _digest(db)
    code = main(["serve", "--port", "0", "--db", str(db), "--no-docs"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "not a database of this server" in err[0], err
    assert _digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.sqlite3"]  # no -wal / -shm either


def test_database_file_removed_while_running_is_detected(tmp_path, caplog):
    db = tmp_path / "data.sqlite3"
    with start_server(demo=True, db=str(db)) as s, caplog.at_level(logging.ERROR, logger="scs_kit.server"):
        assert requests.get(s.base_url + "/ContainmentLine/1", timeout=10).status_code == 200
        for p in tmp_path.iterdir():
            p.unlink()
        time.sleep(1.1)
        resp = requests.post(s.base_url + "/ContainmentLine", json=LINE, timeout=10)
        assert resp.status_code == 503 and "データベースファイル" in resp.json()["msg"]
        assert requests.get(s.base_url + "/ContainmentLine/1", timeout=10).status_code == 503
    assert any("removed or replaced" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX-only")
def test_fifo_in_docs_dir_is_not_served(tmp_path):
    (tmp_path / "index.html").write_text("<h1>docs</h1>")
    os.mkfifo(tmp_path / "pipe.html")
    with start_server(docs_dir=tmp_path) as s:
        began = time.perf_counter()
        resp = requests.get(s.origin + "/docs/pipe.html", timeout=10)
        assert resp.status_code == 404 and time.perf_counter() - began < 5
        assert requests.get(s.origin + "/docs/", timeout=10).status_code == 200


# -- Windows: no uvloop --------------------------------------------------------------------------
def test_serve_answers_when_uvloop_cannot_be_imported(tmp_path):
    code = ("import sys; sys.modules['uvloop'] = None; from scs_kit.cli import main; "
            "sys.exit(main(['serve', '--port', '0', '--db', ':memory:', '--no-docs']))")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)
    try:
        line = proc.stdout.readline()
        assert "listening on" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        url = line.split("listening on ", 1)[1].split(" ", 1)[0]
        assert requests.get(url + "/ContainmentLine", timeout=10).status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
