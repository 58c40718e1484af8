"""`scs-kit report --compare OLD NEW` and the CI surfaces (GitHub step summary, annotations, --report)."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from scs_kit.check import ci_surfaces
from scs_kit.check.compare import compare
from scs_kit.cli import main
from scs_kit.results import CheckResult, Exchange, RunResults

BASE = "http://127.0.0.1:55963/CTI_SmartConnectService/RestService"


def _check(check_id: str, resource: str | None, status: str, message: str = "", status_code: int = 200,
           body: str = "[]") -> CheckResult:
    evidence = [Exchange("GET", f"{BASE}/{resource or 'ContainmentLine'}", status=status_code, response_body=body)]
    return CheckResult(check_id, check_id.split("-")[0], status, "title", resource, message=message,
                       evidence=evidence if status != "pass" else [])


def _results(*checks: CheckResult, outcome: str = "pass") -> RunResults:
    return RunResults(kit_version="0", base_url=BASE, target="external", profile="quick", mode="full", seed=1,
                      strict=False, spec_path="", spec_sha256="", started_at="2026-01-01T00:00:00+00:00",
                      resources=["ContainmentLine", "CustomerAddress"], checks=list(checks), outcome=outcome)


OLD = _results(
    _check("ENVELOPE-GET-ARRAY", "ContainmentLine", "pass"),
    _check("KEYS-GET-EXACT", "ContainmentLine", "fail", "GET /ContainmentLine/5 answered record 6"),
    _check("QUERY-SPELLINGS", "ContainmentLine", "fail", "lower-case true refused", 400, "text"),
    _check("METHODS-ALLOWED", "CustomerAddress", "fail", "PUT refused", 405, "<html>"),
    _check("ROUNDTRIP-PUT", "CustomerAddress", "warn", "PUT merged"),
    outcome="fail",
)


def _new(*changes: tuple[str, str, str, int, str]) -> RunResults:
    new = copy.deepcopy(OLD)
    for check_id, status, message, code, body in changes:
        check = next(c for c in new.checks if c.id == check_id)
        check.status, check.message = status, message
        check.evidence = [Exchange("GET", f"{BASE}/{check.resource}", status=code, response_body=body)] if status != "pass" else []
    return new


def test_regressed_fixed_and_unchanged():
    new = _new(("ENVELOPE-GET-ARRAY", "fail", "answered an object", 200, "{}"),
               ("KEYS-GET-EXACT", "pass", "", 200, ""),
               ("QUERY-SPELLINGS", "fail", "lower-case true refused, reworded", 400, "text, different"))
    result = compare(OLD, new)
    assert [c.check_id for c in result.regressed] == ["ENVELOPE-GET-ARRAY"]
    assert [c.check_id for c in result.fixed] == ["KEYS-GET-EXACT"]
    assert {c.check_id for c in result.unchanged} == {"QUERY-SPELLINGS", "METHODS-ALLOWED", "ROUNDTRIP-PUT"}
    assert result.exit_code == 1


def test_the_same_check_failing_differently_is_a_regression():
    new = _new(("METHODS-ALLOWED", "fail", "PUT crashed", 500, "<html>"))
    result = compare(OLD, new)
    assert [c.check_id for c in result.regressed] == ["METHODS-ALLOWED"] and result.exit_code == 1


def test_no_regression_exits_0():
    assert compare(OLD, _new(("KEYS-GET-EXACT", "pass", "", 200, ""))).exit_code == 0
    assert compare(OLD, copy.deepcopy(OLD)).exit_code == 0


def test_report_compare_on_the_command_line(tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    OLD.save(old)
    _new(("ENVELOPE-GET-ARRAY", "error", "no answer", 500, ""), ("KEYS-GET-EXACT", "pass", "", 200, "")).save(new)
    assert main(["report", "--compare", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "regressed (1):\n  ENVELOPE-GET-ARRAY [ContainmentLine]: pass -> error: no answer" in out
    assert "fixed (1):\n  KEYS-GET-EXACT [ContainmentLine]: fail -> pass" in out
    assert "unchanged (3), still not passing (3):" in out and out.rstrip().endswith("3 unchanged)")
    assert main(["report", "--compare", str(old), str(old)]) == 0
    assert "no regression: exit 0" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["report"], "the following arguments are required: RESULTS_JSON (or --compare OLD NEW)"),
    (["report", "x.json", "--compare", "a.json", "b.json"], "either RESULTS_JSON or --compare"),
    (["report", "--compare", "missing.json", "missing.json"], "missing.json: no such file"),
])
def test_report_compare_usage_errors(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # usage errors leave through argparse, as for every command
        code = exc.code
    assert code == 2
    assert needle in capsys.readouterr().err


def test_github_annotations_escape_and_cover_failures_and_warnings():
    results = _results(_check("KEYS-GET-EXACT", "ContainmentLine", "fail", "50% off, a: b\nsecond line"),
                       _check("ROUNDTRIP-PUT", None, "warn", "merged"), _check("ENVELOPE-JSON", "ContainmentLine", "pass"))
    lines = ci_surfaces.workflow_annotations(results)
    assert lines == ["::error title=scs-kit fail%3A KEYS-GET-EXACT [ContainmentLine]::50%25 off, a: b",
                     "::warning title=scs-kit warn%3A ROUNDTRIP-PUT::merged"]


def test_publish_writes_the_step_summary_and_annotations_only_under_github(tmp_path):
    results = _results(_check("KEYS-GET-EXACT", "ContainmentLine", "fail", "wrong record"),
                       _check("METHODS-ALLOWED", "CustomerAddress", "known", "PUT refused"), outcome="fail")
    results.exit_code = 1
    summary, out = tmp_path / "summary.md", io.StringIO()
    ci_surfaces.publish(results, {}, environ={}, out=out)
    assert out.getvalue() == "" and not summary.exists()
    summary.write_text("earlier step\n", encoding="utf-8")
    ci_surfaces.publish(results, {"md": Path("reports/report.md")},
                        environ={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}, out=out)
    assert out.getvalue().startswith("::error title=scs-kit fail%3A KEYS-GET-EXACT")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### scs-kit check: **FAIL** (exit 1)")
    assert "#### Failures (1)" in text and "#### Known deviations (baseline) (1)" in text and "report.md" in text


def test_check_honours_github_variables_and_report_formats(tmp_path, monkeypatch, capsys):
    from faulty import faulty_server

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with faulty_server("documented-put-refused") as server:
        code = main(["check", "--base-url", server.base_url, "--profile", "quick", "--only", "METHODS",
                     "--resources", "CustomerAddress", "--progress", "none", "--report-dir", str(tmp_path / "r"),
                     "--report", "junit,md"])
    assert code == 1
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["junit.xml", "report.md"]
    assert "::error title=scs-kit fail%3A METHODS-ALLOWED [CustomerAddress]::" in capsys.readouterr().out
    assert "### scs-kit check: **FAIL** (exit 1)" in summary.read_text(encoding="utf-8")


def test_an_unknown_report_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--report", "pdf"])
    assert exit_info.value.code == 2
    assert "unknown report format pdf" in capsys.readouterr().err
