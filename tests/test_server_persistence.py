"""Persistence across restarts and kill -9, and atomic keys under concurrent writers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import pytest
import requests
from scs_kit import spec as spec_module
from scs_kit.server import Service, start_server

SPEC = spec_module.load()
SCS_KIT = [sys.executable, "-m", "scs_kit"]


def serve(*args, cwd=None) -> tuple[subprocess.Popen, str]:
    """Start `scs-kit serve --port 0 ...` and return (process, base URL) once it prints its URL."""
    proc = subprocess.Popen([*SCS_KIT, "serve", "--port", "0", "--no-docs", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+/RestService)", line)
    if not match:
        proc.kill()
        raise AssertionError(f"no URL in {line!r}; stderr: {proc.stderr.read()}")
    return proc, match.group(1)


def test_restart_keeps_records(tmp_path):
    db = str(tmp_path / "data.sqlite3")
    with start_server(db=db) as s:
        for i in range(5):
            requests.post(s.base_url + "/CustomerAddress", json={"顧客ID": "0", "顧客名": f"顧客{i}"})
        requests.delete(s.base_url + "/CustomerAddress/2")
        requests.put(s.base_url + "/CustomerAddress/3", json={"顧客ID": "3", "顧客名": "更新"})
        before = requests.get(s.base_url + "/CustomerAddress").json()
    with start_server(db=db) as s:
        assert requests.get(s.base_url + "/CustomerAddress").json() == before
        assert [r["顧客ID"] for r in before] == ["1", "3", "4", "5"] and before[1]["顧客名"] == "更新"
        requests.post(s.base_url + "/CustomerAddress", json={"顧客ID": "0"})
        assert requests.get(s.base_url + "/CustomerAddress").json()[-1]["顧客ID"] == "6"


def test_kill_9_loses_no_acknowledged_write(tmp_path):
    db = str(tmp_path / "crash.sqlite3")
    proc, base = serve("--db", db)
    try:
        with requests.Session() as http:
            for i in range(50):
                resp = http.post(base + "/UserManagement", json={"ID": "0", "ユーザー名": f"user{i}"})
                assert resp.json()["result"] == "True"
            assert http.put(base + "/UserManagement/7", json={"ID": "7", "ユーザー名": "changed"}).json()["result"] == "True"
            assert http.delete(base + "/UserManagement/8").json()["result"] == "True"
        os.kill(proc.pid, signal.SIGKILL)  # right after the last acknowledged write
        proc.wait(timeout=10)
    finally:
        proc.kill()
        proc.communicate()
    assert os.path.exists(db + "-wal")  # the writes were only in the WAL: this is what is being tested
    proc, base = serve("--db", db)
    try:
        rows = requests.get(base + "/UserManagement").json()
        assert len(rows) == 49 and "8" not in {r["ID"] for r in rows}
        assert requests.get(base + "/UserManagement/7").json()[0]["ユーザー名"] == "changed"
        assert rows[-1]["ユーザー名"] == "user49"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def _concurrent_posts(base: str, writers: int, each: int) -> list[int]:
    errors = []

    def writer(n):
        with requests.Session() as http:
            for i in range(each):
                resp = http.post(base + "/CustomerAddress", json={"顧客ID": "0", "顧客名": f"w{n}-{i}"})
                if resp.status_code != 200 or resp.json() != {"result": "True", "msg": "正常終了"}:
                    errors.append(resp.text)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    return requests.get(base + "/CustomerAddress").json()


@pytest.mark.parametrize("db", [":memory:", "file"])
def test_concurrent_writers_get_distinct_keys(tmp_path, db):
    db = str(tmp_path / "c.sqlite3") if db == "file" else db
    with start_server(db=db) as s:
        rows = _concurrent_posts(s.base_url, 8, 50)
    keys = [int(r["顧客ID"]) for r in rows]
    assert sorted(keys) == list(range(1, 401))  # distinct, gap-free
    assert {r["顧客名"] for r in rows} == {f"w{n}-{i}" for n in range(8) for i in range(50)}  # none overwritten


def test_two_processes_on_one_file_never_share_a_key(tmp_path):
    """The key is computed inside the INSERT, so even two servers on the same file stay distinct."""
    db = str(tmp_path / "shared.sqlite3")
    a, b = Service(SPEC, db=db), Service(SPEC, db=db)
    keys = []
    lock = threading.Lock()

    def run(svc):
        for _ in range(100):
            k = svc.create("CustomerAddress", {"顧客名": "x"})
            with lock:
                keys.append(k)

    threads = [threading.Thread(target=run, args=(svc,)) for svc in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(keys) == list(range(1, 401))
    a.close()
    b.close()


def test_service_create_is_max_plus_one_even_with_gaps():
    svc = Service(SPEC)
    svc.load_records("CustomerAddress", [{"顧客ID": "5"}, {"顧客ID": "40"}])
    assert svc.create("CustomerAddress", {"顧客ID": "3"}) == 41
    svc.load_records("SIP-ServerConnection", [])
    assert svc.create("SIP-ServerConnection", {}) == 2
    svc.load_records("UserManagement", [{"ID": "2147483647"}])
    from scs_kit.server.service import KeySpaceExhausted

    with pytest.raises(KeySpaceExhausted):
        svc.create("UserManagement", {})
    with pytest.raises(ValueError):
        svc.load_records("SIP-ServerConnection", [{"ID": "1"}])
    svc.close()


def test_key_space_exhausted_is_409_not_5xx():
    svc = Service(SPEC)
    svc.load_records("UserManagement", [{"ID": "2147483647"}])
    with start_server(service=svc) as s:
        resp = requests.post(s.base_url + "/UserManagement", json={"ID": "0"})
        assert resp.status_code == 409 and resp.json()["result"] == "False"
