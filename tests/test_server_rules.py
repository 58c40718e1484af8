"""The vendor page's rules, as the reference server implements them (one in-process server per module)."""

from __future__ import annotations

import pytest
import requests
from scs_kit import spec as spec_module
from scs_kit.server import Service, start_server

SPEC = spec_module.load()
OK = {"result": "True", "msg": "正常終了"}
LINE = {"回線No": "0", "着信TEL": "0731235678", "代表TEL": "0731237777", "種別": "電話", "代理内線番号": "30"}


@pytest.fixture(scope="module")
def server():
    with start_server() as s:
        yield s


@pytest.fixture(scope="module")
def http():
    with requests.Session() as s:
        yield s


def _fresh_resource(server, http, name):
    """Delete everything of a resource that allows DELETE (tests in this module share a server)."""
    r = SPEC.resource(name)
    for rec in http.get(server.base_url + r.collection).json():
        http.delete(server.base_url + r.item_path(rec[r.key]))


def test_get_empty_collection_is_empty_array(server, http):
    for r in SPEC.resources:
        if r.name in ("ConnectedClient", "ReceivedCall-Record"):
            resp = http.get(server.base_url + r.collection)
            assert resp.status_code == 200 and resp.json() == []


def test_crud_round_trip_every_writable_resource(server, http):
    for r in SPEC.resources:
        if not r.allows("POST"):
            continue
        body = {f.name: "値" for f in r.fields} | {r.key: "0"}
        if r.name == "ContainmentLine":
            body = dict(LINE)
        resp = http.post(server.base_url + r.collection, json=body)
        assert (resp.status_code, resp.json()) == (200, OK), r.name
        rows = http.get(server.base_url + r.collection).json()
        assert rows and rows[-1][r.key] == str(max(int(x[r.key]) for x in rows)), r.name
        key = rows[-1][r.key]
        assert int(key) >= r.min_id
        single = http.get(server.base_url + r.item_path(key)).json()
        assert single == [rows[-1]], r.name
        put = {**body, r.key: "999"}
        assert http.put(server.base_url + r.item_path(key), json=put).json() == OK
        assert http.get(server.base_url + r.item_path(key)).json()[0][r.key] == key
        assert http.get(server.base_url + r.item_path(999)).json() == [] or key == "999"
        if r.allows("DELETE"):
            assert http.delete(server.base_url + r.item_path(key)).json() == OK
            assert http.get(server.base_url + r.item_path(key)).json() == []


def test_post_ignores_body_key_and_assigns_max_plus_one(server, http):
    _fresh_resource(server, http, "ContainmentLine")
    base = server.base_url + "/ContainmentLine"
    for body_key in ("0", "57", "1"):
        http.post(base, json={**LINE, "回線No": body_key})
    # the table is empty, so the keys are 1, 2, 3 whatever the bodies said
    assert [x["回線No"] for x in http.get(base).json()] == ["1", "2", "3"]


def test_post_after_delete_of_highest_reuses_nothing_lower(server, http):
    _fresh_resource(server, http, "UserManagement")
    base = server.base_url + "/UserManagement"
    for _ in range(3):
        http.post(base, json={"ID": "0"})
    keys = [int(x["ID"]) for x in http.get(base).json()]
    http.delete(f"{base}/{keys[1]}")
    http.post(base, json={"ID": "0"})
    assert [int(x["ID"]) for x in http.get(base).json()] == [keys[0], keys[2], keys[2] + 1]


@pytest.mark.parametrize("name", [r.name for r in SPEC.resources if r.min_id > 1])
def test_min_id_resources_start_at_min_id_and_never_serve_id_1(server, http, name):
    r = SPEC.resource(name)
    _fresh_resource(server, http, name)
    assert http.post(server.base_url + r.collection, json={r.key: "1"}).json() == OK
    rows = http.get(server.base_url + r.collection).json()
    assert [x[r.key] for x in rows] == [str(r.min_id)]
    for method in ("GET", "PUT", "DELETE"):
        resp = http.request(method, server.base_url + r.item_path(1), json={r.key: "1"})
        assert resp.status_code == 404 and resp.json()["result"] == "False", method


def test_put_uri_key_wins_and_replaces_record(server, http):
    base = server.base_url + "/CustomerAddress"
    http.post(base, json={"顧客ID": "0", "顧客名": "山田", "メモ": "旧"})
    key = http.get(base).json()[-1]["顧客ID"]
    assert http.put(f"{base}/{key}", json={"顧客ID": "12345", "顧客名": "佐藤"}).json() == OK
    rec = http.get(f"{base}/{key}").json()[0]
    assert rec["顧客ID"] == key and rec["顧客名"] == "佐藤" and rec["メモ"] == ""  # replace, not merge
    assert http.get(f"{base}/12345").json() == []


def test_records_hold_declared_fields_only(server, http):
    base = server.base_url + "/CustomerAddress"
    http.post(base, json={"顧客ID": "0", "顧客名": "鈴木", "未定義": "x"})
    rec = http.get(base).json()[-1]
    assert list(rec) == [f.name for f in SPEC.resource("CustomerAddress").fields]
    assert "未定義" not in rec and rec["住所"] == ""


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_write_to_absent_key_is_404_envelope(server, http, method):
    resp = http.request(method, server.base_url + "/ContainmentLine/2147483647", json=LINE)
    assert resp.status_code == 404
    assert resp.json() == {"result": "False", "msg": "該当するレコードがありません。"}


def test_get_absent_key_is_empty_array(server, http):
    resp = http.get(server.base_url + "/ContainmentLine/2147483647")
    assert (resp.status_code, resp.json()) == (200, [])


def test_json_is_utf8_with_charset_not_ascii_escaped(server, http):
    http.post(server.base_url + "/CustomerAddress", json={"顧客ID": "0", "顧客名": "日本語"})
    resp = http.get(server.base_url + "/CustomerAddress")
    assert resp.headers["content-type"] == "application/json; charset=utf-8"
    assert "日本語".encode() in resp.content and b"\\u" not in resp.content


def test_envelope_result_is_a_string(server, http):
    resp = http.post(server.base_url + "/UserManagement", json={"ID": "0"})
    assert b'"result":"True"' in resp.content


# -- the query route ---------------------------------------------------------------------
CALLS = [
    {"ID": str(i), "顧客ID": cid, "相手TEL": tel, "着信日時": f"2026/11/{i:02d} 10:00:00", "回線No": "1", "メモ": ""}
    for i, (cid, tel) in enumerate(
        [("1", "0312345678"), ("2", "0667891234"), ("1", "0312345678"), ("0", "0120123456"), ("2", "0667891234"),
         ("3", "0734561234"), ("01", "0312345678")], 1)
]


@pytest.fixture(scope="module")
def calls_server():
    svc = Service(SPEC)
    svc.load_records("ReceivedCall-Record", CALLS)
    with start_server(service=svc) as s:
        yield s


def _ids(server, path):
    resp = requests.get(server.base_url + "/ReceivedCall-Record/" + path)
    assert resp.status_code == 200, resp.text
    return [int(x["ID"]) for x in resp.json()]


@pytest.mark.parametrize("path, ids", [
    ("0/False/0/Null", [1, 2, 3, 4, 5, 6, 7]),
    ("0/false/0/Null", [1, 2, 3, 4, 5, 6, 7]),
    ("0/True/0/Null", [7, 6, 5, 4, 3, 2, 1]),
    ("0/true/0/Null", [7, 6, 5, 4, 3, 2, 1]),
    ("2/True/0/Null", [7, 6]),
    ("2/False/0/Null", [1, 2]),
    ("100/False/0/Null", [1, 2, 3, 4, 5, 6, 7]),
    ("0/False/1/Null", [1, 3, 7]),  # numeric compare: "01" is customer 1
    ("0/False/2/Null", [2, 5]),
    ("0/False/9/Null", []),
    ("0/False/0/0312345678", [1, 3, 7]),
    ("0/False/0/0312345678&0120123456", [1, 3, 4, 7]),
    ("0/False/0/0312345678%260120123456", [1, 3, 4, 7]),
    ("0/False/0/0312345678%260120123456%260734561234", [1, 3, 4, 6, 7]),
    ("1/True/1/0312345678&0667891234", [7]),
    ("0/False/2/0312345678", []),
    ("0/False/0/0312345678&0667891234&0120123456&0734561234&0999999999&09012345678", [1, 2, 3, 4, 5, 6, 7]),
])
def test_query_route(calls_server, path, ids):
    assert _ids(calls_server, path) == ids


@pytest.mark.parametrize("path", [
    "-1/True/0/Null", "x/True/0/Null", "2147483648/True/0/Null", "1.5/True/0/Null", "%201/True/0/Null",
    "0/TRUE/0/Null", "0/yes/0/Null", "0/1/0/Null", "0/ True/0/Null",
    "0/True/-1/Null", "0/True/abc/Null", "0/True/99999999999/Null",
    "0/True/0/null", "0/True/0/NULL", "0/True/0/", "0/True/0/123",
    "0/True/0/0312345678&", "0/True/0/0312345678,0667891234",
    "0/True/0/0312345678&0312345678&0312345678&0312345678&0312345678&0312345678&0312345678",
])
def test_query_route_rejects_bad_parameters_with_400(calls_server, path):
    resp = requests.get(calls_server.base_url + "/ReceivedCall-Record/" + path)
    assert resp.status_code == 400 and resp.json()["result"] == "False"
    assert resp.json()["msg"]


def test_query_route_wrong_segment_count_is_404(calls_server):
    for path in ("0/True/0", "0/True/0/Null/x", "0/True"):
        assert requests.get(calls_server.base_url + "/ReceivedCall-Record/" + path).status_code == 404
