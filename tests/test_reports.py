"""Reports of a check run: JUnit XML, HTML, Markdown, results.json; redaction; atomic writes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from scs_kit import spec as spec_module
from scs_kit.check.reports import FILENAMES, curl_command, write_reports
from scs_kit.check.reports.view import MAX_BODY_CHARS, build_view, format_body
from scs_kit.results import CheckResult, CreatedRecord, Exchange, RunResults

SPEC = spec_module.load()
BASE = "http://127.0.0.1:55963/CTI_SmartConnectService/RestService"
SECRETS = ("hunter2-SIP-pw", "LINE-tok-ZZ9", "license-KEY-777")  # must reach no file
SCRIPT = "<script>alert('x')</script>"
WRITE_OK = '{"result": "True", "msg": "正常終了"}'


def _exchange(method, path, body=None, status=200, response=None, headers=None) -> Exchange:
    url = BASE + path
    req_headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else {}
    return Exchange(
        method=method,
        url=url,
        request_headers=req_headers,
        request_body=body,
        status=status,
        response_headers=headers if headers is not None else {"Content-Type": "application/json; charset=utf-8"},
        response_body=response,
        curl=curl_command(method, url, req_headers, body),
    )


def sample_results() -> RunResults:
    """A run with all five statuses, several resources, Japanese and HTML-special text, and secrets."""
    sip_body = json.dumps({"ID": "0", "サーバーアドレス": "192.0.2.10", "パスワード": SECRETS[0]}, ensure_ascii=False)
    line_listing = json.dumps([{"ID": "3", "名前": "営業部 <b>", "アクセストークン": SECRETS[1]}], ensure_ascii=False)
    huge = json.dumps([{"回線No": str(i), "着信TEL": "0731235678", "種別": "電話"} for i in range(1, 3000)], ensure_ascii=False)
    checks = [
        CheckResult("ENVELOPE-GET-ARRAY", "ENVELOPE", "pass", "GET list answers a JSON array", "ContainmentLine", rule="get-array"),
        CheckResult(
            "ENVELOPE-WRITE-SHAPE", "ENVELOPE", "fail", "write responses carry the envelope", "ContainmentLine",
            rule="write-envelope", source=SPEC.rules["write-envelope"].source,
            message=f'result is the boolean true, not the string "True"; msg was {SCRIPT}',
            evidence=[_exchange("POST", "/ContainmentLine", '{"回線No": "0", "着信TEL": "0731235678", "種別": "電話"}', 200,
                                json.dumps({"result": True, "msg": SCRIPT}, ensure_ascii=False))],
            seed=4242, replay="scs-kit check --seed 4242 --only ENVELOPE",
        ),
        CheckResult(
            "KEYS-POST-MAX-PLUS-ONE", "KEYS", "fail", "POST registers highest key + 1", "SIP-ServerConnection",
            rule="post-key-ignored", source=SPEC.rules["post-key-ignored"].source,
            message=f"expected ID 5, the server answered ID 3 and echoed {{'パスワード': '{SECRETS[0]}'}}",
            evidence=[
                _exchange("POST", "/SIP-ServerConnection", sip_body, 200, WRITE_OK),
                _exchange("GET", "/SIP-ServerConnection/3", None, 200, json.dumps([json.loads(sip_body)], ensure_ascii=False)),
            ],
            seed=4242,
        ),
        CheckResult(
            "ROUNDTRIP-TEXT", "ROUND-TRIP", "warn", "Japanese text survives", "Notification-LINE-AccessToken",
            level="SHOULD", rule="json", source=SPEC.rules["json"].source,
            message="half-width ｶﾀｶﾅ came back as full-width カタカナ & \"quotes\" changed",
            evidence=[_exchange("GET", "/Notification-LINE-AccessToken", None, 200, line_listing)],
        ),
        CheckResult("METHODS-FORBIDDEN", "METHODS", "skip", "undocumented methods never succeed", "ContainmentLine",
                    message="ContainmentLine documents every method"),
        CheckResult(
            "QUERY-MATCHES-MODEL", "QUERY", "error", "query route matches the model", "ReceivedCall-Record",
            rule="query-route", message="setup GET timed out after 10.0 s",
            evidence=[_exchange("GET", "/ReceivedCall-Record/0/true/0/Null", None, None, None, headers={})],
        ),
        CheckResult("SCHEMA-RESPONSES", "SCHEMA", "pass", "responses conform", None, rule="json"),
        CheckResult(
            "MIN-ID-NEVER-ONE", "MIN-ID", "fail", "ID 1 is never listed", "Online-Activation", rule="min-id",
            source=SPEC.rules["min-id"].source, message="GET /Online-Activation listed ID 1",
            evidence=[_exchange("GET", "/Online-Activation", None, 200,
                                json.dumps([{"ID": "1", "ライセンスキー": SECRETS[2]}], ensure_ascii=False))],
        ),
        CheckResult("ENVELOPE-GET-ARRAY", "ENVELOPE", "pass", "GET list answers a JSON array", "Online-Activation", rule="get-array"),
        CheckResult(
            "ENVELOPE-GET-ARRAY", "ENVELOPE", "warn", "GET list answers a JSON array", "CustomerAddress", level="SHOULD",
            message="a 3 MB listing", evidence=[_exchange("GET", "/ContainmentLine", None, 200, huge)],
        ),
    ]
    return RunResults(
        kit_version="0.1.0", base_url=BASE, target="external", profile="default", mode="full", seed=4242,
        strict=False, spec_path="openapi/scs-restful-api.yaml", spec_sha256="ab" * 32, started_at="2025-01-02T03:04:05Z",
        duration_s=42.5, requests_sent=1234, exit_code=1, outcome="fail",
        resources=[r.name for r in SPEC.resources], checks=checks,
        created_records=[CreatedRecord("ContainmentLine", "7", True), CreatedRecord("MessDef-Mail", "4", False, "no DELETE")],
        warnings=[f"server sent an HTML page {SCRIPT} for 404"],
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    return write_reports(sample_results(), tmp_path_factory.mktemp("reports"), SPEC)


def test_writes_all_four_files(written):
    assert {k: p.name for k, p in written.items()} == FILENAMES
    assert all(p.stat().st_size > 0 for p in written.values())
    assert not [p for p in written["json"].parent.iterdir() if p.name not in FILENAMES.values()]  # no temp files left


def test_junit_parses_with_counts(written):
    root = ET.parse(written["junit"]).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("10", "3", "1", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["ENVELOPE", "METHODS", "KEYS", "MIN-ID", "QUERY", "ROUND-TRIP", "SCHEMA"]
    env = suites["ENVELOPE"]
    assert (env.get("tests"), env.get("failures"), env.get("errors"), env.get("skipped")) == ("4", "1", "0", "0")
    case = env.find("testcase[@name='ENVELOPE-WRITE-SHAPE [ContainmentLine]']")
    assert case.get("classname") == "scs.ENVELOPE"
    failure = case.find("failure")
    assert failure.get("type") == "MUST" and failure.get("message").startswith("result is the boolean true")
    assert SPEC.rules["write-envelope"].source in failure.text  # the vendor sentence
    assert "curl -sS -i -X POST" in failure.text and "scs-kit check --seed 4242" in failure.text
    assert suites["QUERY"].find("testcase/error") is not None
    assert suites["METHODS"].find("testcase/skipped").get("message") == "ContainmentLine documents every method"
    warn = suites["ROUND-TRIP"].find("testcase")
    assert warn.find("failure") is None and warn.find("error") is None
    assert warn.find("system-out").text.startswith("WARNING")
    assert warn.find("properties/property[@name='warning']") is not None


def test_junit_survives_control_characters(tmp_path):
    results = sample_results()
    results.checks[1].evidence[0].response_body = "raw \x00\x01\x1b bytes"
    results.checks[1].message = "server said \x07 beep"
    path = write_reports(results, tmp_path, SPEC, formats=["junit"])["junit"]
    failure = ET.parse(path).getroot().find(".//failure")
    assert "\\x00" in failure.text and failure.get("message") == "server said \\x07 beep"


def test_secrets_reach_no_file(written):
    for path in written.values():
        text = path.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked into {path.name}"
    assert "***" in written["md"].read_text(encoding="utf-8")


def test_secret_in_request_response_and_curl_is_redacted_and_input_untouched(tmp_path):
    results = sample_results()
    ex = results.checks[2].evidence[0]
    assert SECRETS[0] in ex.request_body and SECRETS[0] in ex.curl  # the fixture really carries it
    assert SECRETS[0] in results.checks[2].evidence[1].response_body
    paths = write_reports(results, tmp_path, SPEC)
    saved = json.loads(paths["json"].read_text(encoding="utf-8"))
    saved_ex = saved["checks"][2]["evidence"]
    assert json.loads(saved_ex[0]["request_body"])["パスワード"] == "***"
    assert '"パスワード": "***"' in saved_ex[0]["curl"]
    assert json.loads(saved_ex[1]["response_body"])[0]["パスワード"] == "***"
    assert SECRETS[0] not in saved["checks"][2]["message"]
    assert SECRETS[0] in ex.request_body  # the caller's object is not modified


def test_ascii_escaped_secret_is_redacted(tmp_path):
    results = sample_results()
    body = json.dumps([{"ID": "2", "パスワード": "escaped-secret-9"}])  # \u30d1... spelling
    results.checks[0].evidence = [_exchange("GET", "/SIP-ServerConnection", None, 200, body)]
    results.checks[0].message = 'saw "escaped-secret-9"'
    for path in write_reports(results, tmp_path, SPEC).values():
        assert "escaped-secret-9" not in path.read_text(encoding="utf-8"), path.name


def test_secret_quoted_in_a_message_only_is_redacted(tmp_path):
    results = sample_results()
    results.checks[0].message = "GET returned {'パスワード': 'ab'} and \"アクセストークン\": \"zq\""  # in no body
    for path in write_reports(results, tmp_path, SPEC).values():
        text = path.read_text(encoding="utf-8")
        assert "'ab'" not in text and '"zq"' not in text, path.name


def test_html_escapes_everything(written):
    html = written["html"].read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(" in html
    assert "営業部 &lt;b&gt;" in html
    assert '<meta charset="utf-8">' in html and '<html lang="en">' in html  # the report's language
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # self-contained: no external assets


def test_html_matrix_cells(written):
    html = written["html"].read_text(encoding="utf-8")
    rows = dict(re.findall(r'<th class="res"[^>]*><span class="ja">[^<]*</span><span class="name">([^<]+)</span></th>(.*?)</tr>', html, re.S))
    assert len(rows) == 19
    cells = lambda name: re.findall(r'<td class="(\w+)"', rows[name])  # noqa: E731
    # families: ENVELOPE METHODS KEYS MIN-ID QUERY ROUND-TRIP SCHEMA STATEFUL ROBUSTNESS CONCURRENCY LATENCY;
    # SCHEMA has no resource → every row
    assert cells("ContainmentLine") == ["fail", "skip", "na", "na", "na", "na", "pass", "na", "na", "na", "na"]
    assert cells("SIP-ServerConnection")[2] == "fail"
    assert cells("ReceivedCall-Record")[4] == "error"
    assert cells("Notification-LINE-AccessToken")[5] == "warn"
    assert cells("Online-Activation")[:4] == ["pass", "na", "na", "fail"]
    assert "収容回線" in html and "SIPサーバー接続設定" in html
    # each non-pass cell links to an element that exists
    for anchor in re.findall(r'<td class="(?:fail|warn|skip|error)"[^>]*><a href="#(\w+)"', html):
        assert f'id="{anchor}"' in html
    assert re.search(r'<td class="fail"[^>]*><a href="#f\d+">✗ fail</a>', rows["ContainmentLine"])


def test_html_shows_finding_details(written):
    html = written["html"].read_text(encoding="utf-8")
    assert html.count('class="finding ') == 6  # 3 fail, 1 error, 2 warn
    assert SPEC.rules["post-key-ignored"].source in html
    assert "curl -sS -i -X POST" in html
    assert "HTTP 200 OK" in html and "no response arrived" in html
    assert "&#34;着信TEL&#34;: &#34;0731235678&#34;" in html  # request body pretty-printed JSON, escaped
    assert "truncated" in html and "the full body is in results.json" in html
    assert "hunter2" not in html
    assert "scs-kit check --base-url" in html and "--seed 4242" in html
    assert "MessDef-Mail" in html and '<span class="no">no</span>' in html  # created records, not deleted
    assert "server sent an HTML page &lt;script&gt;" in html  # run warnings


def test_markdown_report(written):
    md = written["md"].read_text(encoding="utf-8")
    assert "**Verdict: FAIL**" in md
    assert SPEC.rules["write-envelope"].source in md
    assert "curl -sS -i -X POST" in md
    assert "scs-kit check --seed 4242 --only ENVELOPE" in md
    prose = re.sub(r"(`{3,})[^\n]*\n.*?\n\1\n", "", md, flags=re.S)  # code blocks are inert; prose must be escaped
    assert "msg was <script>" in md and "<script>" not in prose
    assert "server sent an HTML page &lt;script&gt;" in prose
    matrix_row = next(line for line in md.splitlines() if line.startswith("| 収容回線"))
    assert "[✗ fail](#f" in matrix_row and "[– skip](#s1)" in matrix_row and "✓ pass" in matrix_row
    assert '"着信TEL": "0731235678"' in md  # pretty-printed JSON in a fence
    assert "| MessDef-Mail | 4 | **no** | no DELETE |" in md


def test_body_truncation_keeps_reports_readable():
    body = format_body(json.dumps([{"k": "v" * 50}] * 5000))
    assert len(body.text) <= MAX_BODY_CHARS and body.truncated_note
    one_line = format_body("x" * 100_000)  # not JSON, one enormous line
    assert len(one_line.text) == MAX_BODY_CHARS and "100,000 characters" in one_line.truncated_note
    small = format_body('{"a":1}')
    assert small.text == '{\n  "a": 1\n}' and not small.truncated_note
    assert format_body("not json <b>").text == "not json <b>" and not format_body("not json").is_json


def test_reference_target_replay_has_no_url():
    results = sample_results()
    results.target = "reference"
    view = build_view(results, SPEC)
    assert "--base-url" not in view.run_replay and "--seed 4242" in view.run_replay


def test_atomic_write_keeps_old_file_when_rendering_fails(tmp_path, monkeypatch):
    old = write_reports(sample_results(), tmp_path, SPEC, formats=["html"])["html"]
    before = old.read_text(encoding="utf-8")
    from scs_kit import files as atomic

    # the disk fills up as the new file is put in place
    monkeypatch.setattr(atomic.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    from scs_kit.errors import KitError

    with pytest.raises(KitError, match="No space left"):
        write_reports(sample_results(), tmp_path, SPEC, formats=["html"])
    assert old.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # the temp file is gone too


def test_unknown_format_is_a_kit_error(tmp_path):
    from scs_kit.errors import KitError

    with pytest.raises(KitError, match="unknown report format pdf"):
        write_reports(sample_results(), tmp_path, SPEC, formats=["pdf"])


def test_results_json_round_trips(written):
    loaded = RunResults.load(written["json"])
    assert loaded.summary() == {"pass": 3, "fail": 3, "warn": 2, "skip": 1, "error": 1, "known": 0}
    assert loaded.checks[1].source == SPEC.rules["write-envelope"].source


# -- scs-kit report ------------------------------------------------------------------------------

def _report(capsys, *argv) -> tuple[int, str, str]:
    from scs_kit import cli

    code = cli.main(["report", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_command_rerenders(tmp_path, capsys):
    source = write_reports(sample_results(), tmp_path / "run", SPEC, formats=["json"])["json"]
    code, out, err = _report(capsys, source, "--out", tmp_path / "again", "--format", "html,junit")
    assert (code, err) == (0, "")
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["junit.xml", "report.html"]
    assert str(tmp_path / "again" / "report.html") in out
    assert ET.parse(tmp_path / "again" / "junit.xml").getroot().get("failures") == "3"


def test_report_command_defaults_beside_the_results(tmp_path, capsys):
    source = write_reports(sample_results(), tmp_path, SPEC, formats=["json"])["json"]
    assert _report(capsys, source)[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.html", "report.md", "results.json"]


@pytest.mark.parametrize("content", [None, "not json {", '{"format_version": 1}', '[1, 2]',
                                     '{"format_version": 99}'])
def test_report_command_bad_file_exits_2_with_one_line(tmp_path, capsys, content):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = _report(capsys, path)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("scs-kit report: error: ")
    assert "Traceback" not in err


def test_report_command_wrong_field_types_exit_2(tmp_path, capsys):
    data = sample_results().to_dict()
    data["resources"] = 5
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = _report(capsys, path)
    assert code == 2 and "malformed results file" in err and len(err.strip().splitlines()) == 1


def test_report_command_unknown_status_exits_2(tmp_path, capsys):
    data = sample_results().to_dict()
    data["checks"][0]["status"] = "bogus"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = _report(capsys, path)
    assert code == 2 and "unknown status bogus" in err and len(err.strip().splitlines()) == 1
