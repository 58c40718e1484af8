"""`--style wcf` beside the default `rest`, and failure injection (`--delay`, `--fail-rate`, `--seed`)."""

from __future__ import annotations

import json
import time

import pytest
import requests
from scs_kit.cli import main
from scs_kit.server import start_server
from scs_kit.server.guard import Chaos, parse_delay

LINE = {"回線No": "0", "着信TEL": "0731235678", "代表TEL": "0731237777", "種別": "電話", "代理内線番号": "30"}


@pytest.fixture(scope="module")
def wcf():
    with start_server(demo=True, style="wcf") as s:
        yield s


def test_wcf_failures_are_200_with_false(wcf):
    for method, path, body in (("PUT", "/ContainmentLine/999", LINE), ("DELETE", "/ContainmentLine/999", None),
                               ("GET", "/ContainmentLine/abc", None), ("POST", "/ContainmentLine", {"回線No": "0"})):
        resp = requests.request(method, wcf.base_url + path, json=body, timeout=10)
        assert resp.status_code == 200, (method, path)
        assert resp.json()["result"] == "False" and resp.json()["msg"]


def test_wcf_unknown_uri_and_forbidden_method_are_html_pages(wcf):
    resp = requests.get(wcf.base_url + "/Nope", timeout=10)
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
    assert "Endpoint not found" in resp.text
    resp = requests.delete(wcf.base_url + "/ConnectedClient/1", timeout=10)
    assert resp.status_code == 405 and resp.headers["content-type"].startswith("text/html")
    assert resp.headers["allow"] == "GET" and "Method not allowed" in resp.text


def test_wcf_json_is_escaped_without_charset_and_drops_undeclared_fields(wcf):
    resp = requests.post(wcf.base_url + "/ContainmentLine", json={**LINE, "種別": "ＦＡＸ", "extra": "x"}, timeout=10)
    assert resp.headers["content-type"] == "application/json"
    assert resp.content == b'{"result":"True","msg":"\\u6b63\\u5e38\\u7d42\\u4e86"}'
    rows = requests.get(wcf.base_url + "/ContainmentLine", timeout=10)
    assert rows.headers["content-type"] == "application/json" and rows.content.isascii()
    assert rows.json()[-1] == {**LINE, "回線No": rows.json()[-1]["回線No"], "種別": "ＦＡＸ"}  # no "extra"


def test_rest_style_keeps_4xx_envelopes():
    with start_server(demo=True) as s:
        resp = requests.put(s.base_url + "/ContainmentLine/999", json=LINE, timeout=10)
        assert resp.status_code == 404 and resp.json()["result"] == "False"
        assert resp.headers["content-type"] == "application/json; charset=utf-8"


def test_check_passes_against_the_wcf_style(wcf):
    code = main(["check", "--base-url", wcf.base_url, "--profile", "quick", "--seed", "7", "--no-reports",
                 "--progress", "none"])
    assert code == 0


# -- failure injection ----------------------------------------------------------------------------
def _statuses(server, n: int) -> list[int]:
    with requests.Session() as http:
        return [http.get(server.base_url + "/ContainmentLine/1", timeout=10).status_code for _ in range(n)]


def test_fail_rate_is_deterministic_with_a_seed_and_answers_503_envelopes():
    runs = []
    for _ in range(2):
        with start_server(demo=True, chaos=Chaos(fail_rate=0.5, seed=42)) as s:
            runs.append(_statuses(s, 40))
            failed = requests.Session()
            for _ in range(40):
                resp = failed.get(s.base_url + "/ContainmentLine/1", timeout=10)
                if resp.status_code == 503:
                    assert resp.headers["retry-after"] == "1" and resp.json()["result"] == "False"
                    break
            assert requests.get(s.origin + "/docs/", timeout=10).status_code != 503  # the docs are never failed
    assert runs[0] == runs[1] and set(runs[0]) == {200, 503}


def test_delay_fixed_and_range():
    assert parse_delay("250") == (0.25, 0.25) and parse_delay("100-300") == (0.1, 0.3)
    for bad in ("abc", "300-100", "-5"):
        with pytest.raises(ValueError):
            parse_delay(bad)
    with start_server(demo=True, chaos=Chaos(delay=(0.3, 0.3))) as s:
        began = time.perf_counter()
        assert requests.get(s.base_url + "/ContainmentLine/1", timeout=10).status_code == 200
        assert time.perf_counter() - began >= 0.3


@pytest.mark.parametrize("args, text", [
    (["--fail-rate", "1.5"], "--fail-rate"), (["--delay", "soon"], "--delay"), (["--style", "soap"], "--style"),
])
def test_bad_injection_options_are_one_line_exit_2(capsys, args, text):
    try:
        code = main(["serve", "--port", "0", "--db", ":memory:", "--no-docs", *args])
    except SystemExit as exc:  # argparse's own usage error
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and text in err[0], err


def test_envelopes_are_json_in_both_styles(wcf):
    resp = requests.get(wcf.base_url + "/ContainmentLine/0", timeout=10)
    assert resp.status_code == 200 and json.loads(resp.content)["result"] == "False"
