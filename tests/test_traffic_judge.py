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
