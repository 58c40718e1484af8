"""`scs-kit serve` as a process: startup errors are one line + exit 2, signals exit 0."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import pytest
import requests
from test_server_persistence import SCS_KIT, serve


def run_fail(*args, cwd=None):
    proc = subprocess.run([*SCS_KIT, "serve", "--port", "0", "--no-docs", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stdout, proc.stderr


def assert_one_line_error(rc, out, err, *needles):
    assert rc == 2, (rc, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scs-kit serve: error: "), err
    assert "Traceback" not in err and out == ""
    for needle in needles:
        assert needle in lines[0]


def test_port_in_use():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run([*SCS_KIT, "serve", "--port", str(port), "--db", ":memory:", "--no-docs"],
                              capture_output=True, text=True, timeout=30)
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, str(port))


BAD_FIXTURES = {
    "invalid-json": b'{"ContainmentLine": [',
    "not-utf8": '{"CustomerAddress": [{"顧客ID": "1", "顧客名": "山田"}]}'.encode("shift_jis"),
    "not-object": b"[]",
    "unknown-resource": b'{"Nope": []}',
    "records-not-list": '{"ContainmentLine": {"回線No": "1"}}'.encode(),
    "record-not-object": b'{"ContainmentLine": ["x"]}',
    "missing-key": '{"ContainmentLine": [{"着信TEL": "1"}]}'.encode(),
    "bad-key": '{"ContainmentLine": [{"回線No": "abc"}]}'.encode(),
    "key-below-min-id": b'{"SIP-ServerConnection": [{"ID": "1"}]}',
    "key-too-big": '{"ContainmentLine": [{"回線No": "2147483648"}]}'.encode(),
    "nested-value": '{"ContainmentLine": [{"回線No": "1", "種別": {"a": 1}}]}'.encode(),
}


@pytest.mark.parametrize("case", list(BAD_FIXTURES))
def test_bad_fixtures(tmp_path, case):
    path = tmp_path / "fixtures.json"
    path.write_bytes(BAD_FIXTURES[case])
    assert_one_line_error(*run_fail("--db", ":memory:", "--fixtures", str(path)), "fixtures.json")


def test_missing_fixtures_file(tmp_path):
    assert_one_line_error(*run_fail("--db", ":memory:", "--fixtures", str(tmp_path / "none.json")), "none.json")


@pytest.mark.parametrize("case", ["directory", "not-sqlite", "missing-dir"])
def test_unusable_db(tmp_path, case):
    path = {"directory": tmp_path, "not-sqlite": tmp_path / "x.sqlite3", "missing-dir": tmp_path / "no" / "x.db"}[case]
    if case == "not-sqlite":
        path.write_bytes(b"this is not a database" * 100)
    assert_one_line_error(*run_fail("--db", str(path)))


def test_bad_docs_dir(tmp_path):
    proc = subprocess.run([*SCS_KIT, "serve", "--port", "0", "--db", ":memory:", "--docs-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, "index.html")


def test_fixtures_are_served_and_sigterm_exits_0(tmp_path):
    fixtures = tmp_path / "f.json"
    calls = [{"ID": "1", "顧客ID": "1", "相手TEL": "0312345678"}, {"ID": "5", "顧客ID": "2", "相手TEL": "0667891234"}]
    fixtures.write_text(json.dumps({"ReceivedCall-Record": calls, "ConnectedClient": [{"ID": "3", "クライアント名": "PC"}]}),
                        encoding="utf-8")
    proc, base = serve("--db", ":memory:", "--fixtures", str(fixtures))
    try:
        assert [r["ID"] for r in requests.get(base + "/ReceivedCall-Record").json()] == ["1", "5"]
        assert requests.get(base + "/ConnectedClient/3").json()[0]["クライアント名"] == "PC"
        assert requests.get(base + "/ReceivedCall-Record/0/True/2/Null").json()[0]["ID"] == "5"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_ctrl_c_exits_0(tmp_path):
    proc, base = serve("--db", str(tmp_path / "d.sqlite3"))
    assert requests.get(base + "/ContainmentLine").json() == []
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_default_db_is_created_in_cwd(tmp_path):
    proc, base = serve(cwd=tmp_path)
    try:
        requests.post(base + "/UserManagement", json={"ID": "0"})
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
    assert (tmp_path / "scs-data.sqlite3").is_file()


def test_demo_answers_vendor_examples_and_docs_dir(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<title>docs</title>")
    proc = subprocess.Popen([*SCS_KIT, "serve", "--port", "0", "--db", ":memory:", "--demo", "--docs-dir", str(site)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        base = line.split("listening on ")[1].split()[0]
        origin = base.split("/CTI_SmartConnectService")[0]
        assert requests.get(origin + "/docs/").text == "<title>docs</title>"
        lines = requests.get(base + "/ContainmentLine").json()
        assert lines[0] == {"回線No": "1", "着信TEL": "0731235678", "代表TEL": "0731237777", "種別": "電話", "代理内線番号": "30"}
        assert requests.get(base + "/ContainmentLine/1").json() == [lines[0]]
        ok = {"result": "True", "msg": "正常終了"}
        body = {"回線No": "0", "着信TEL": "0731235678", "代表TEL": "0731237777", "種別": "電話", "代理内線番号": "30"}
        assert requests.post(base + "/ContainmentLine", json=body).json() == ok
        assert requests.put(base + "/ContainmentLine/2", json=body).json() == ok
        assert requests.delete(base + "/ContainmentLine/3").json() == ok
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def test_non_loopback_host_warns_about_missing_authentication():
    proc = subprocess.Popen([*SCS_KIT, "serve", "--host", "0.0.0.0", "--port", "0", "--db", ":memory:", "--no-docs"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on" in proc.stdout.readline()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=15)
    assert "no authentication" in err and "warning" in err


def test_loopback_host_does_not_warn():
    proc, _ = serve("--db", ":memory:")
    proc.terminate()
    _, err = proc.communicate(timeout=15)
    assert "authentication" not in err


def test_docs_build_failure_is_one_line_and_serves_without_docs(monkeypatch, capsys, tmp_path):
    import argparse
    import types

    from scs_kit.server import command

    broken = types.ModuleType("scs_kit.docs.build")

    def build_site(out_dir, results=None, policy=None):
        raise RuntimeError("template missing\nsecond line")

    broken.build_site = build_site
    monkeypatch.setitem(sys.modules, "scs_kit.docs.build", broken)
    args = argparse.Namespace(no_docs=False, docs_dir=None)
    assert command._docs_dir(args, str(tmp_path)) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "template missing" in err and "second line" not in err


def test_docs_are_built_when_no_option_given(monkeypatch, tmp_path):
    import argparse
    import types

    from scs_kit.server import command

    fake = types.ModuleType("scs_kit.docs.build")

    def build_site(out_dir, results=None, policy=None):
        out_dir.mkdir(parents=True)
        (out_dir / "index.html").write_text("built")
        return out_dir

    fake.build_site = build_site
    monkeypatch.setitem(sys.modules, "scs_kit.docs.build", fake)
    site = command._docs_dir(argparse.Namespace(no_docs=False, docs_dir=None), str(tmp_path))
    assert (site / "index.html").read_text() == "built"
    assert command._docs_dir(argparse.Namespace(no_docs=True, docs_dir=None), str(tmp_path)) is None
