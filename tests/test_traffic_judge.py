"""The passive judge on hand-written traffic: data the service changes by itself (calls arriving, clients
disconnecting) is not mistaken for a fault, and what a later listing confirms still is one."""

from __future__ import annotations

import json

from scs_kit import spec as spec_mod
from scs_kit.traffic.judge import judge
from scs_kit.traffic.model import Recorded

SPEC = spec_mod.load()
BASE = "http://cti-pc:55963" + SPEC.base_path


def _traffic(*calls: tuple[str, str, object]) -> list[Recorded]:
    """GETs answered 200 with the given JSON (or a status for a bare int)."""
    out = []
    for i, (method, path, answer) in enumerate(calls, 1):
        status, body = (answer, b"") if isinstance(answer, int) else (200, json.dumps(answer).encode())
        out.append(Recorded(index=i, started=f"2026-12-01T01:30:{i:02d}.000Z", method=method, url=BASE + path,
                            status=status, response_headers=[("Content-Type", "application/json; charset=utf-8")],
                            response_body=body))
    return out


def _call(key: int, tel: str = "0312345678") -> dict:
    return {"ID": str(key), "顧客ID": "0", "相手TEL": tel, "着信日時": f"2026/11/26 09:00:0{key}"}


def _status(results, check: str, resource: str) -> str:
    return next(c.status for c in results.checks if c.id == check and c.resource == resource)


def test_a_call_arriving_between_listing_and_query_is_no_fault():
    two, three = [_call(1), _call(2)], [_call(1), _call(2), _call(3)]
    results = judge(_traffic(("GET", "/ReceivedCall-Record", two),
                             ("GET", "/ReceivedCall-Record/0/False/0/Null", three),
                             ("GET", "/ReceivedCall-Record", three)), SPEC)
    assert _status(results, "QUERY-MATCHES-MODEL", "ReceivedCall-Record") == "pass"
    assert results.exit_code == 0 and any("dropped" in w for w in results.warnings)


def test_a_wrong_query_answer_the_next_listing_confirms_fails():
    two = [_call(1), _call(2)]
    results = judge(_traffic(("GET", "/ReceivedCall-Record", two),
                             ("GET", "/ReceivedCall-Record/0/True/0/Null", two),  # ascending for DESCENDING True
                             ("GET", "/ReceivedCall-Record", two)), SPEC)
    check = next(c for c in results.checks if c.id == "QUERY-MATCHES-MODEL" and c.resource == "ReceivedCall-Record")
    assert check.status == "fail" and results.exit_code == 1
    assert "#1 (" in check.message and "#2 (" in check.message and "confirms" in check.message
    assert len(check.evidence) == 3


def test_a_client_disconnecting_between_listing_and_get_is_no_fault():
    client = {"ID": "5", "クライアント名": "受付PC", "IPアドレス": "192.0.2.5", "接続日時": "2026/11/26 09:00:00"}
    results = judge(_traffic(("GET", "/ConnectedClient", [client]),
                             ("GET", "/ConnectedClient/5", []),
                             ("GET", "/ConnectedClient", [])), SPEC)
    assert _status(results, "ENVELOPE-GET-SINGLE", "ConnectedClient") == "pass"
    assert results.exit_code == 0


def test_a_404_for_a_record_that_went_away_is_blamed_on_the_absent_get():
    # the next listing explains why the record is missing, but not the 404: the page's answer is 200 []
    client = {"ID": "5", "クライアント名": "受付PC", "IPアドレス": "192.0.2.5", "接続日時": "2026/11/26 09:00:00"}
    results = judge(_traffic(("GET", "/ConnectedClient", [client]),
                             ("GET", "/ConnectedClient/5", 404),
                             ("GET", "/ConnectedClient", [])), SPEC)
    assert _status(results, "ENVELOPE-GET-SINGLE", "ConnectedClient") == "pass"
    assert _status(results, "ENVELOPE-GET-ABSENT", "ConnectedClient") == "fail"
    assert results.exit_code == 1


def test_what_the_traffic_does_not_show_is_not_observed():
    results = judge(_traffic(("GET", "/ContainmentLine", [])), SPEC)
    assert _status(results, "ENVELOPE-GET-ARRAY", "ContainmentLine") == "pass"
    for check in ("KEYS-POST-MAX-PLUS-ONE", "ROUNDTRIP-PUT", "STATEFUL-MODEL"):
        found = next(c for c in results.checks if c.id == check and c.resource == "ContainmentLine")
        assert found.status == "skip" and found.message.startswith("not observed"), check
    assert _status(results, "MIN-ID-NEVER-ONE", "ContainmentLine") == "skip"  # not applicable, no minimum
    assert _status(results, "ENVELOPE-GET-ARRAY", "CustomerAddress") == "skip"


def _x(i: int, method: str, path: str, status: int, answer: object = None, body: object = None,
       content_type: str = "application/json; charset=utf-8", start: float | None = None,
       ms: float = 5.0) -> Recorded:
    """One exchange with a request body and an answer; `start`: seconds after 01:30:00 (default: i)."""
    at = float(i) if start is None else start
    return Recorded(index=i, started=f"2026-12-01T01:30:{at:06.3f}Z", method=method, url=BASE + path,
                    request_body=b"" if body is None else (body if isinstance(body, bytes) else
                                                           json.dumps(body, ensure_ascii=False).encode()),
                    status=status, response_headers=[("Content-Type", content_type)],
                    response_body=b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode(),
                    duration_ms=ms)


OK = {"result": "True", "msg": "正常終了"}
NO = {"result": "False", "msg": "不正"}
LINE = {"回線No": "1", "着信TEL": "0312345678", "代表TEL": "0312345600", "種別": "1", "代理内線番号": "200"}


def test_single_exchange_rules_follow_the_policy():
    results = judge([
        _x(1, "GET", "/ContainmentLine", 200, [LINE], content_type="text/html; charset=utf-8"),
        _x(2, "PUT", "/CustomerAddress/77", 500, None, {"顧客ID": "77"}),
        _x(3, "POST", "/ContainmentLine", 200, OK, b"{not json"),
        _x(4, "PUT", "/ContainmentLine/1", 400, {"result": "false", "msg": "x"}, {**LINE, "種別": {"a": 1}}),
        _x(5, "GET", "/ContainmentLine/1", 200, [LINE], ms=2500),
    ], SPEC)
    assert _status(results, "ENVELOPE-JSON", "ContainmentLine") == "fail"
    assert _status(results, "ROBUSTNESS-NO-5XX", "CustomerAddress") == "fail"
    assert _status(results, "ROBUSTNESS-TRUTHFUL", "ContainmentLine") == "fail"
    assert _status(results, "ENVELOPE-WRITE-SHAPE", "ContainmentLine") == "warn"  # a refusal's "false"
    assert _status(results, "LATENCY-SLOW", "ContainmentLine") == "warn"
    assert judge([_x(1, "GET", "/ContainmentLine/1", 200, [LINE], ms=2500)], SPEC, slow=3.0).exit_code == 0


def test_a_refused_write_that_changed_the_record_is_untruthful():
    changed = {**LINE, "代理内線番号": "999"}
    results = judge([
        _x(1, "GET", "/ContainmentLine/1", 200, [LINE]),
        _x(2, "PUT", "/ContainmentLine/1", 400, NO, {**LINE, "代理内線番号": 999}),
        _x(3, "GET", "/ContainmentLine/1", 200, [changed]),
    ], SPEC)
    assert _status(results, "ROBUSTNESS-TRUTHFUL", "ContainmentLine") == "fail"


def test_a_body_key_refused_where_another_was_accepted():
    body = {k: v for k, v in LINE.items() if k != "回線No"}
    results = judge([
        _x(1, "POST", "/ContainmentLine", 200, OK, {"回線No": "0", **body}),
        _x(2, "POST", "/ContainmentLine", 400, NO, {"回線No": "999999", **body}),
    ], SPEC)
    assert _status(results, "KEYS-BODY-KEY", "ContainmentLine") == "fail"
    results = judge([
        _x(1, "POST", "/ContainmentLine", 200, OK, {"回線No": "0", **body}),
        _x(2, "POST", "/ContainmentLine", 400, NO, {"回線No": 0, **body}),
    ], SPEC)
    assert _status(results, "KEYS-BODY-KEY", "ContainmentLine") == "warn"


def test_overlapping_posts_that_lose_a_record_fail_concurrency():
    body = {k: v for k, v in LINE.items() if k != "回線No"}
    two = [LINE, {**LINE, "回線No": "2"}]
    posts = [_x(2 + i, "POST", "/ContainmentLine", 200, OK, {"回線No": "0", **body}, start=2.0 + i * 0.01, ms=50)
             for i in range(3)]
    results = judge([_x(1, "GET", "/ContainmentLine", 200, [LINE]), *posts,
                     _x(9, "GET", "/ContainmentLine", 200, two)], SPEC)
    assert _status(results, "CONCURRENCY-POST", "ContainmentLine") == "fail"
    apart = [_x(2 + i, "POST", "/ContainmentLine", 200, OK, {"回線No": "0", **body}, start=2.0 + i, ms=50)
             for i in range(3)]
    results = judge([_x(1, "GET", "/ContainmentLine", 200, [LINE]), *apart,
                     _x(9, "GET", "/ContainmentLine", 200, two)], SPEC)
    assert _status(results, "CONCURRENCY-POST", "ContainmentLine") == "skip"  # not concurrent: not observed


def test_query_with_percent_26_only_warns():
    calls = [_call(1, "0311111111"), _call(2, "0322222222")]
    results = judge(_traffic(("GET", "/ReceivedCall-Record", calls),
                             ("GET", "/ReceivedCall-Record/0/True/0/0311111111%260322222222", [])), SPEC)
    assert _status(results, "QUERY-SPELLINGS", "ReceivedCall-Record") == "warn"
    assert results.exit_code == 0
