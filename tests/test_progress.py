"""Progress output: plain lines in CI, a live line on a terminal, silence, and the summary table."""

from __future__ import annotations

import io

import pytest
from scs_kit.check.progress import Progress, summary_table
from scs_kit.results import CheckResult, CreatedRecord, RunResults


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _check(cid, family, status, resource="ContainmentLine", message=""):
    return CheckResult(cid, family, status, cid.lower(), resource, message=message)


CHECKS = [
    _check("KEYS-POST-MAX-PLUS-ONE", "KEYS", "pass"),
    _check("KEYS-PUT-URI-WINS", "KEYS", "fail", message="record 3 was overwritten\nsecond line"),
    _check("ENVELOPE-JSON", "ENVELOPE", "warn", resource=None, message="text/plain content type"),
    _check("METHODS-FORBIDDEN", "METHODS", "skip", message="all methods documented"),
    _check("QUERY-MATCHES-MODEL", "QUERY", "error", "ReceivedCall-Record", message="timed out"),
]


def _results(**kw) -> RunResults:
    base = dict(kit_version="0.1.0", base_url="http://127.0.0.1:1/x", target="reference", profile="quick", mode="full",
                seed=7, strict=False, spec_path="s.yaml", spec_sha256="0" * 64, started_at="2025-01-01T00:00:00Z",
                duration_s=3.25, requests_sent=99, exit_code=1, outcome="fail", resources=["ContainmentLine"],
                families=["ENVELOPE", "METHODS", "KEYS", "QUERY"], checks=list(CHECKS))
    return RunResults(**{**base, **kw})


def _drive(progress: Progress) -> None:
    progress.start(["ContainmentLine", "ReceivedCall-Record"], ["ENVELOPE", "METHODS", "KEYS", "QUERY"], total=180)
    for check in CHECKS:
        progress.begin(check.resource, check.family)
        progress.record(check)


def test_plain_lines(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    stream = io.StringIO()  # not a TTY → plain, even in auto mode
    _drive(Progress("auto", stream=stream))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("scs-kit check: 2 resources × 4 families")
    assert lines[1:] == [
        "[  1/180] ContainmentLine KEYS KEYS-POST-MAX-PLUS-ONE … pass",
        "[  2/180] ContainmentLine KEYS KEYS-PUT-URI-WINS … fail: record 3 was overwritten",
        "[  3/180] - ENVELOPE ENVELOPE-JSON … warn: text/plain content type",
        "[  4/180] ContainmentLine METHODS METHODS-FORBIDDEN … skip",
        "[  5/180] ReceivedCall-Record QUERY QUERY-MATCHES-MODEL … error: timed out",
    ]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_ci_env_forces_plain_on_a_tty(monkeypatch):
    monkeypatch.setenv("CI", "true")
    stream = Tty()
    _drive(Progress("auto", stream=stream))
    assert "\r" not in stream.getvalue() and "[  1/180]" in stream.getvalue()


def test_plain_without_total(monkeypatch):
    stream = io.StringIO()
    p = Progress("plain", stream=stream)
    p.start(["ContainmentLine"], ["KEYS"])
    p.record(CHECKS[0])
    assert stream.getvalue().splitlines()[-1] == "[  1] ContainmentLine KEYS KEYS-POST-MAX-PLUS-ONE … pass"


def test_live_line_on_a_tty(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    stream = Tty()
    progress = Progress("auto", stream=stream)
    assert progress.mode == "live"
    _drive(progress)
    text = stream.getvalue()
    last = text.rsplit("\r", 1)[-1]  # what the terminal shows now
    assert last.startswith("checking ReceivedCall-Record · QUERY  [5/180]")
    assert "✓1 ✗1 !1 -1 E1" in last
    assert "\n" not in last
    # failures are printed as lines of their own above the live line
    assert "FAIL\x1b[0m KEYS-PUT-URI-WINS [ContainmentLine]: record 3 was overwritten\n" in text
    assert "[  1/180]" not in text


def test_silent_mode_prints_nothing(capsys):
    stream = io.StringIO()
    progress = Progress(None, stream=stream)
    _drive(progress)
    progress.finish(_results())
    assert stream.getvalue() == "" and capsys.readouterr() == ("", "")


def test_finish_prints_summary_table_to_stdout(capsys):
    stream = io.StringIO()
    progress = Progress("plain", stream=stream)
    _drive(progress)
    created = [CreatedRecord("MessDef-Mail", "4", False), CreatedRecord("MessDef-Mail", "5", False),
               CreatedRecord("DataBackup", "2", False), CreatedRecord("ContainmentLine", "9", True)]
    progress.finish(_results(created_records=created),
                    {"html": "reports/report.html", "junit": "reports/junit.xml"})
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line and line.split()[0] in
            ("ENVELOPE", "METHODS", "KEYS", "QUERY", "total")}
    # columns: pass fail warn skip error
    assert rows["KEYS"] == ["1", "1", "0", "0", "0"]
    assert rows["ENVELOPE"] == ["0", "0", "1", "0", "0"]
    assert rows["QUERY"] == ["0", "0", "0", "0", "1"]
    assert rows["total"] == ["1", "1", "1", "1", "1"]
    assert "FAIL: 1 pass, 1 fail, 1 warn, 1 skip, 1 error · 99 requests in 3.2 s · seed 7 · exit 1" in out
    assert " html report: reports/report.html" in out and "junit report: reports/junit.xml" in out
    assert "created and not deleted (in the bundled server's temporary database) (3): MessDef-Mail 4,5; DataBackup 2\n" in out
    assert "\x1b" not in out  # captured stdout is not a terminal: no colour codes


def test_summary_table_verdict_pass():
    text = summary_table(_results(checks=[CHECKS[0]], outcome="pass", exit_code=0))
    assert "\nPASS: 1 pass, 0 fail" in text


def test_bad_mode_is_rejected():
    with pytest.raises(ValueError):
        Progress("fancy")
