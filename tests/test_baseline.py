"""Baseline of known deviations: an accepted deviation passes as "known", anything new still fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from faulty import faulty_server
from scs_kit.check import baseline
from scs_kit.cli import main
from scs_kit.results import CheckResult, Exchange

SCOPE = ["--profile", "quick", "--only", "METHODS", "--resources", "ConnectedClient,CustomerAddress", "--progress", "none"]
KNOWN = "get-only-delete-deletes"  # METHODS-FORBIDDEN on ConnectedClient: DELETE of a GET-only resource deletes


def _check(report_dir: Path, faults, *extra: str) -> tuple[int, dict]:
    with faulty_server(*faults) as server:
        code = main(["check", "--base-url", server.base_url, *SCOPE, "--report-dir", str(report_dir), *extra])
    return code, json.loads((report_dir / "results.json").read_text(encoding="utf-8"))


def _statuses(results: dict) -> dict[tuple[str, str], str]:
    return {(c["id"], c["resource"]): c["status"] for c in results["checks"]}


@pytest.fixture(scope="module")
def accepted(tmp_path_factory) -> Path:
    """A baseline written from a run with one known deviation."""
    where = tmp_path_factory.mktemp("baseline")
    code, results = _check(where, [KNOWN], "--baseline", str(where / "b.json"), "--baseline-update")
    assert code == 0, results  # the deviation is accepted the moment it is written
    return where / "b.json"


def test_update_writes_the_finding_by_check_resource_and_fingerprint(accepted):
    data = json.loads(accepted.read_text(encoding="utf-8"))
    assert data["format"] == "scs-kit-baseline"
    [entry] = data["findings"]
    assert (entry["check"], entry["resource"], entry["status"]) == ("METHODS-FORBIDDEN", "ConnectedClient", "fail")
    assert len(entry["fingerprint"]) == 12 and entry["summary"]


def test_the_known_deviation_passes_as_known_and_is_in_every_report(accepted, tmp_path):
    without, _ = _check(tmp_path, [KNOWN])
    assert without == 1  # the same run without the baseline fails
    code, results = _check(tmp_path, [KNOWN], "--baseline", str(accepted), "--seed", "99")  # other data, same finding
    assert code == 0 and results["outcome"] == "pass"
    assert _statuses(results)[("METHODS-FORBIDDEN", "ConnectedClient")] == "known"
    assert results["summary"]["known"] == 1 and results["baseline"]["known"] == 1 and not results["baseline"]["stale"]
    assert "Known deviations (baseline) (1)" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Known deviations (baseline)" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "KNOWN DEVIATION" in (tmp_path / "junit.xml").read_text(encoding="utf-8")


def test_a_second_different_fault_still_fails(accepted, tmp_path):
    code, results = _check(tmp_path, [KNOWN, "documented-put-refused"], "--baseline", str(accepted))
    assert code == 1 and results["outcome"] == "fail"
    statuses = _statuses(results)
    assert statuses[("METHODS-FORBIDDEN", "ConnectedClient")] == "known"
    assert statuses[("METHODS-ALLOWED", "CustomerAddress")] == "fail"


def test_another_deviation_in_the_same_check_is_not_the_known_one(accepted, tmp_path):
    # PUT that updates a GET-only resource: same check, same resource, different exchange.
    code, results = _check(tmp_path, [KNOWN, "get-only-put-updates"], "--baseline", str(accepted))
    assert code == 1, results
    assert _statuses(results)[("METHODS-FORBIDDEN", "ConnectedClient")] == "fail"
    assert len(results["baseline"]["stale"]) == 1


def test_a_fixed_deviation_leaves_a_stale_entry(accepted, tmp_path, capsys):
    code, results = _check(tmp_path, [], "--baseline", str(accepted))
    assert code == 0
    [stale] = results["baseline"]["stale"]
    assert stale["check"] == "METHODS-FORBIDDEN"
    assert "1 stale entries" in capsys.readouterr().err


def test_refresh_keeps_reasons_and_entries_of_checks_that_did_not_run(accepted, tmp_path):
    copy = tmp_path / "b.json"
    data = json.loads(accepted.read_text(encoding="utf-8"))
    data["findings"][0]["reason"] = "accepted by the vendor, ticket 42"
    data["findings"].append({"check": "KEYS-GET-EXACT", "resource": "ConnectedClient", "fingerprint": "0" * 12})
    copy.write_text(json.dumps(data), encoding="utf-8")
    code, _ = _check(tmp_path, [KNOWN], "--baseline", str(copy), "--baseline-update")
    assert code == 0
    findings = json.loads(copy.read_text(encoding="utf-8"))["findings"]
    assert [f["check"] for f in findings] == ["METHODS-FORBIDDEN", "KEYS-GET-EXACT"]
    assert findings[0]["reason"] == "accepted by the vendor, ticket 42"


@pytest.mark.parametrize("content, needle", [
    (None, "no such baseline file (write one with --baseline-update)"),
    ("{", "not a readable baseline file"),
    ('{"findings": []}', "not a scs-kit baseline file"),
    ('{"format": "scs-kit-baseline", "findings": [{"check": 1}]}', "finding 1 needs"),
])
def test_a_bad_baseline_is_one_line_before_the_run(tmp_path, capsys, content, needle):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["check", "--base-url", "http://127.0.0.1:9/x", "--baseline", str(path), "--no-reports"]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "cannot reach" not in err


def test_baseline_update_needs_a_file(capsys):
    assert main(["check", "--baseline-update", "--no-reports"]) == 2
    assert "--baseline-update needs --baseline FILE" in capsys.readouterr().err


def _finding(*exchanges: tuple[str, str, int, str], message: str = "") -> CheckResult:
    evidence = [Exchange(method=m, url="http://h:1/CTI_SmartConnectService/RestService" + p, status=s, response_body=b)
                for m, p, s, b in exchanges]
    return CheckResult(id="ENVELOPE-GET-ARRAY", family="ENVELOPE", status="fail", title="t", resource="ContainmentLine",
                       message=message, evidence=evidence)


def test_the_fingerprint_ignores_text_keys_and_data_but_not_the_kind_of_answer():
    names = ["ContainmentLine"]
    one = _finding(("GET", "/ContainmentLine/7", 200, '{"items": [1, 2'), message="answered {\"items\": [1, 2")
    same = _finding(("GET", "/ContainmentLine/12", 200, '{"items": []}'), message="reworded entirely")
    other_kind = _finding(("GET", "/ContainmentLine/7", 200, '"[]"'))
    other_status = _finding(("GET", "/ContainmentLine/7", 500, '{"items": []}'))
    assert baseline.fingerprint(one, names) == baseline.fingerprint(same, names)
    assert baseline.fingerprint(one, names) != baseline.fingerprint(other_kind, names)
    assert baseline.fingerprint(one, names) != baseline.fingerprint(other_status, names)
