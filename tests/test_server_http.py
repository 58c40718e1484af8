"""HTTP behaviour where the vendor page is silent: bad input, 404/405/413, CORS, docs serving."""

from __future__ import annotations

import http.client
import json

import pytest
import requests

from scs_kit import spec as spec_module
from scs_kit.server import start_server
from scs_kit.server.app import BODY_LIMIT

SPEC = spec_module.load()
LINE = {"回線No": "0", "着信TEL": "0731235678", "代表TEL": "0731237777", "種別": "電話", "代理内線番号": "30"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<h1>ドキュメント</h1>", encoding="utf-8")
    (site / "assets").mkdir()
    (site / "assets" / "app.js").write_text("console.log(1)")
    (site / "assets" / "style.css").write_text("body{}")
    (site / "guide").mkdir()
    (site / "guide" / "index.html").write_text("<p>guide</p>")
    (tmp_path_factory.getbasetemp() / "secret.txt").write_text("top secret")
    with start_server(demo=True, docs_dir=site) as s:
        yield s


def raw(server, method, path, body=b"", headers=None):
    """One request on a fresh connection with exactly these bytes (no client-side normalisation)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = {"Content-Length": str(len(body)), **(headers or {})}
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def api(server, path):
    return server.base_url[len(server.origin):] + path


def assert_envelope(status_body, status):
    got_status, headers, body = status_body
    assert got_status == status, body
    assert headers["content-type"] == "application/json; charset=utf-8"
    doc = json.loads(body)
    assert doc["result"] == "False" and isinstance(doc["msg"], str) and doc["msg"]
    assert "access-control-allow-origin" not in headers  # CORS is off unless --cors-origin
    return doc


# -- bad bodies: 400 with the "False" envelope ---------------------------------------------
BAD_BODIES = {
    "malformed": b'{"\xe5\x9b\x9e\xe7\xb7\x9aNo": "0",',
    "not-utf8-sjis": json.dumps(LINE, ensure_ascii=False).encode("shift_jis"),
    "invalid-utf8-byte": b'{"a": "\xff"}',
    "nul-byte": b"\x00",
    "empty": b"",
    "array": json.dumps([LINE]).encode(),
    "string": b'"text"',
    "number": b"42",
    "null": b"null",
    "wrong-type-number": json.dumps({**LINE, "着信TEL": 731235678}).encode(),
    "wrong-type-null": json.dumps({**LINE, "種別": None}).encode(),
    "wrong-type-object": json.dumps({**LINE, "種別": {"a": 1}}).encode(),
    "key-not-digits": json.dumps({**LINE, "回線No": "abc"}).encode(),
    "key-as-boolean": json.dumps({**LINE, "回線No": True}).encode(),  # numbers are accepted, booleans not
    "missing-required": json.dumps({"回線No": "0"}).encode(),
    "extra-non-string": json.dumps({**LINE, "extra": 1}).encode(),
    "nan": b'{"x": NaN}',
    "huge-int": b'{"x": ' + b"9" * 5000 + b"}",
    "deep-nesting": b"[" * 100000 + b"]" * 100000,
    "lone-surrogate": b'{"\\u56de\\u7ddaNo": "0", "\\u7740TEL": "\\ud800", "\\u4ee3\\u8868TEL": "1", "\\u7a2e\\u5225": "", "\\u4ee3\\u7406\\u5185\\u7dda\\u756a\\u53f7": ""}',
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
@pytest.mark.parametrize("method, path", [("POST", "/ContainmentLine"), ("PUT", "/ContainmentLine/1")])
def test_bad_body_is_400_envelope(server, case, method, path):
    assert_envelope(raw(server, method, api(server, path), BAD_BODIES[case], {"Content-Type": "application/json"}), 400)
    # nothing was stored or changed
    assert requests.get(server.base_url + "/ContainmentLine/1").json()[0]["着信TEL"] == "0731235678"
    assert len(requests.get(server.base_url + "/ContainmentLine").json()) == 3


def test_bom_and_ascii_escaped_json_are_accepted(server):
    body = b"\xef\xbb\xbf" + json.dumps({**LINE, "種別": "電話"}).encode()  # \uXXXX escapes, as schemathesis sends
    status, _, out = raw(server, "PUT", api(server, "/ContainmentLine/1"), body, {"Content-Type": "application/json"})
    assert status == 200 and json.loads(out)["result"] == "True"


def _send_oversized(server, chunked: bool) -> list:
    """Send a >1 MiB body and return the parsed response (uvicorn drains the body, so no RST)."""
    import socket

    body = json.dumps({**LINE, "メモ": "x" * BODY_LIMIT}).encode()
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: " + str(len(body)).encode()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"POST " + api(server, "/ContainmentLine").encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     + b"Content-Type: application/json\r\n" + framing + b"\r\n\r\n")
        for i in range(0, len(body), 65536):
            piece = body[i:i + 65536]
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return resp.status, resp.getheader("content-type"), json.loads(resp.read())


@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_limit_is_413(server, chunked):
    status, ctype, doc = _send_oversized(server, chunked)
    assert status == 413 and ctype == "application/json; charset=utf-8" and doc["result"] == "False"
    assert len(requests.get(server.base_url + "/ContainmentLine").json()) == 3


def test_body_just_under_limit_is_accepted_then_removed(server):
    body = json.dumps({**LINE, "メモ": "x" * (BODY_LIMIT - 200)}).encode()
    status, _, out = raw(server, "POST", api(server, "/ContainmentLine"), body)
    assert status == 200, out
    rows = requests.get(server.base_url + "/ContainmentLine").json()
    assert requests.delete(server.base_url + "/ContainmentLine/" + rows[-1]["回線No"]).json()["result"] == "True"


# -- keys and paths: 404 --------------------------------------------------------------------
@pytest.mark.parametrize("key", ["abc", "0", "-1", "+1", "1.0", "1e3", "%201", "%EF%BC%91", "2147483648",
                                 "9" * 5000, "", "%00", "%FF", "0x10"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_bad_key_is_404_envelope(server, key, method):
    body = json.dumps(LINE).encode() if method == "PUT" else b""
    assert_envelope(raw(server, method, api(server, "/ContainmentLine/" + key), body), 404)


@pytest.mark.parametrize("path", [
    "/Nope", "/containmentline", "/ContainmentLine/1/2", "/ContainmentLine/1/2/3/4", "/ConnectedClient/1/True/0/Null",
    "/%E3%81%82", "/schemathesis-probe%5C%1B%01", "",
])
def test_unknown_path_is_404_envelope(server, path):
    assert_envelope(raw(server, "GET", api(server, path)), 404)


@pytest.mark.parametrize("path", ["/", "/CTI_SmartConnectService", "/RestService/ContainmentLine", "/favicon.ico"])
def test_paths_outside_base_are_404(server, path):
    assert_envelope(raw(server, "GET", path), 404)


# -- 405 with Allow ---------------------------------------------------------------------------
def _allowed(path):
    return {m.upper() for m in SPEC.document["paths"][path] if m in ("get", "post", "put", "delete")}


CASES_405 = []
for _r in SPEC.resources:
    for _tpl, _path in ((_r.collection, _r.collection), (_r.item, _r.item_path(max(_r.min_id, 1)))):
        for _m in ("GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "QUERY", "HEAD", "OPTIONS", "PROPFIND", "PURGE"):
            if _m not in _allowed(_tpl):
                CASES_405.append((_r.name, _tpl, _path, _m))


@pytest.mark.parametrize("name, template, path, method", CASES_405, ids=[f"{c[3]} {c[1]}" for c in CASES_405])
def test_other_methods_are_405_with_exact_allow(server, name, template, path, method):
    status, headers, body = raw(server, method, api(server, path), b'{"a": "b"}', {"Content-Type": "application/json"})
    assert status == 405
    assert set(headers["allow"].split(", ")) == _allowed(template)
    if method != "HEAD":
        assert json.loads(body)["result"] == "False"


@pytest.mark.parametrize("method", ["FOO", "get", "X-CUSTOM"])
def test_methods_unknown_to_the_http_parser_are_refused_without_5xx(server, method):
    """httptools (llhttp) knows a fixed method list; other tokens are refused by uvicorn with 400
    before the app runs (documented trade-off of the fast stack), never with a 5xx."""
    status, _, _ = raw(server, method, api(server, "/ContainmentLine"))
    assert status in (400, 405)


def test_query_route_allows_get_only(server):
    status, headers, _ = raw(server, "DELETE", api(server, "/ReceivedCall-Record/0/True/0/Null"))
    assert status == 405 and headers["allow"] == "GET"


def test_405_keeps_connection_usable(server):
    """The unread body of a refused request must not corrupt the next request on the same connection."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("TRACE", api(server, "/ContainmentLine"), body=b'{"x": "' + b"y" * 5000 + b'"}')
            resp = conn.getresponse()
            assert resp.status == 405
            resp.read()
            conn.request("GET", api(server, "/ContainmentLine/1"))
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())[0]["回線No"] == "1"
    finally:
        conn.close()


# -- CORS (only for origins given with --cors-origin) ------------------------------------------
@pytest.fixture(scope="module")
def cors_server():
    from scs_kit.server.guard import Access

    with start_server(demo=True, access=Access(cors_origins=("http://app.example",))) as s:
        yield s


@pytest.mark.parametrize("path, methods", [
    ("/ContainmentLine", {"GET", "POST"}), ("/ContainmentLine/1", {"GET", "PUT", "DELETE"}),
    ("/ConnectedClient", {"GET"}), ("/ReceivedCall-Record/1", {"GET", "PUT"}),
])
def test_cors_preflight(cors_server, path, methods):
    status, headers, body = raw(cors_server, "OPTIONS", api(cors_server, path), headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and body == b""
    assert headers["access-control-allow-origin"] == "http://app.example"
    assert set(headers["access-control-allow-methods"].split(", ")) == methods
    assert "content-type" in headers["access-control-allow-headers"].lower()


def test_allowed_origin_gets_cors_headers_on_every_answer(cors_server):
    for method, path in (("GET", "/ContainmentLine"), ("POST", "/ConnectedClient"), ("GET", "/Nope")):
        headers = raw(cors_server, method, api(cors_server, path), headers={"Origin": "http://app.example"})[1]
        assert headers["access-control-allow-origin"] == "http://app.example"
        assert headers["vary"] == "Origin"


def test_same_origin_answers_carry_no_cors_headers(server):
    for method, path in (("GET", "/ContainmentLine"), ("POST", "/ConnectedClient"), ("GET", "/Nope")):
        assert "access-control-allow-origin" not in raw(server, method, api(server, path))[1]
    assert "access-control-allow-origin" not in raw(server, "GET", "/docs/")[1]


def test_options_without_preflight_headers_is_405(server):
    status, headers, _ = raw(server, "OPTIONS", api(server, "/ContainmentLine"))
    assert status == 405 and set(headers["allow"].split(", ")) == {"GET", "POST"}


# -- docs -------------------------------------------------------------------------------------
def test_docs_redirect_and_index(server):
    status, headers, _ = raw(server, "GET", "/docs")
    assert status in (301, 302, 307, 308) and headers["location"] == "/docs/"
    status, headers, body = raw(server, "GET", "/docs/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert "ドキュメント" in body.decode("utf-8")


@pytest.mark.parametrize("path, ctype", [
    ("/docs/assets/app.js", "text/javascript"), ("/docs/assets/style.css", "text/css"),
    ("/docs/guide/", "text/html"), ("/docs/index.html", "text/html"),
])
def test_docs_mime_types(server, path, ctype):
    status, headers, _ = raw(server, "GET", path)
    assert status == 200 and headers["content-type"].split(";")[0] == ctype


def test_docs_directory_without_slash_redirects(server):
    status, headers, _ = raw(server, "GET", "/docs/guide")
    assert status == 301 and headers["location"] == "/docs/guide/"


@pytest.mark.parametrize("path", [
    "/docs/../secret.txt", "/docs/%2E%2E/secret.txt", "/docs/..%2Fsecret.txt", "/docs/assets/..%2F..%2Fsecret.txt",
    "/docs/%2e%2e%5csecret.txt", "/docs//etc/passwd", "/docs/%2Fetc%2Fpasswd", "/docs/missing.html", "/docs/assets/%00",
])
def test_docs_no_traversal(server, path):
    status, _, body = raw(server, "GET", path)
    assert status == 404 and b"top secret" not in body and b"root:" not in body


def test_docs_are_read_only(server):
    status, headers, _ = raw(server, "PUT", "/docs/index.html", b"x")
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_no_docs_without_docs_dir():
    with start_server() as s:
        assert raw(s, "GET", "/docs/")[0] == 404
