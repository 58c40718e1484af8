"""Console output on Windows code pages: every line survives, the verdict line and exit code never go.

Redirected output on Windows is written in the ANSI code page; PYTHONIOENCODING simulates cp932
(Japanese) and cp1252 (Western) here.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from faulty import faulty_server
from scs_kit.console import SafeStream, fallback, hardened_stdio

ENCODINGS = ("cp932", "cp1252")
LINE = "PASS: 5 pass, 0 fail · 14 requests — ✓ ✗ ≈ 回線No ｶﾅ\n"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_line_the_encoding_cannot_show_is_written_with_stand_ins(encoding):
    raw = io.BytesIO()
    stream = SafeStream(io.TextIOWrapper(raw, encoding=encoding, errors="strict", write_through=True))
    stream.write(LINE)
    stream.flush()
    text = raw.getvalue().decode(encoding)
    assert text.startswith("PASS: 5 pass, 0 fail") and text.endswith("\n")
    expected = {"cp932": "PASS: 5 pass, 0 fail | 14 requests - ok x ~ 回線No ｶﾅ\n",
                "cp1252": "PASS: 5 pass, 0 fail · 14 requests — ok x ~ ??No ??\n"}
    assert text == expected[encoding]  # Japanese stays readable where the code page has it


def test_fallback_keeps_what_the_encoding_has():
    assert fallback("a — b", "ascii") == "a - b"
    assert fallback("✓ 光", "ascii") == "ok ?"
    assert fallback("— · 光", "cp932") == "- | 光"
    assert fallback("— · 光", "cp1252") == "— · ?"


def test_hardened_stdio_restores_the_streams():
    out, err = sys.stdout, sys.stderr
    with hardened_stdio():
        assert isinstance(sys.stdout, SafeStream) and isinstance(sys.stderr, SafeStream)
    assert sys.stdout is out and sys.stderr is err


def _check(base_url: str, encoding: str, progress: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONUTF8": "0"}
    env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "scs_kit", "check", "--base-url", base_url, "--profile", "quick", "--seed", "7",
         "--only", "ENVELOPE", "--resources", "ContainmentLine", "--report-dir", str(tmp_path), "--progress", progress],
        capture_output=True, timeout=300, env=env, cwd=tmp_path)


@pytest.mark.parametrize("progress", ["plain", "none"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_check_ends_with_the_verdict_and_exit_code_in_any_code_page(encoding, progress, tmp_path):
    # A JSON object instead of the array: the finding quotes Japanese field names (回線No, 着信TEL).
    with faulty_server("list-as-object") as server:
        proc = _check(server.base_url, encoding, progress, tmp_path)
    out, err = proc.stdout.decode(encoding), proc.stderr.decode(encoding)
    assert "Traceback" not in out + err and "internal error" not in err, err
    assert proc.returncode == 1, (proc.returncode, out, err)
    last = [line for line in out.splitlines() if line.strip()][-1]
    assert last.startswith(("FAIL: ", "scs-kit check: fail ")), f"the verdict is not the last line:\n{out}\n{err}"
    assert last.endswith("exit 1") or progress == "none"
    if progress == "plain":
        assert "ENVELOPE-GET-ARRAY" in err and "fail" in err  # the progress lines made it too
    assert (tmp_path / "report.md").read_text(encoding="utf-8").count("回線No")  # files stay UTF-8


# --- Windows: PowerShell forms of every reproduction command, no POSIX-only calls -----------------

def test_powershell_quoting():
    from scs_kit.shell import posix_to_powershell
    from scs_kit.shell import quote

    def powershell_quote(text):
        return quote(text, "powershell")

    assert powershell_quote("http://h:55963/CTI_SmartConnectService/RestService") == "http://h:55963/CTI_SmartConnectService/RestService"
    assert powershell_quote("A,B") == "'A,B'"  # a bare comma would make an array
    assert powershell_quote("/R/0/True/0/0731&0732") == "'/R/0/True/0/0731&0732'"
    assert powershell_quote("O'Brien ‘x’") == "'O''Brien ‘‘x’’'"
    assert posix_to_powershell("scs-kit check --base-url http://h:1/x --resources 'A,B' --seed 7") == \
        "scs-kit check --base-url http://h:1/x --resources 'A,B' --seed 7"


def test_invoke_webrequest_line_sends_the_body_as_utf8_bytes():
    from scs_kit.shell import invoke_webrequest as powershell_command

    line = powershell_command("post", "http://h:1/R/ContainmentLine",
                              {"Content-Type": "application/json; charset=utf-8", "X-Trace": "a'b", "Host": "h"},
                              '{"種別": "電話", "名前": "O\'Brien"}')
    assert line == ("Invoke-WebRequest -UseBasicParsing -Method POST -Uri http://h:1/R/ContainmentLine "
                    "-Headers @{'X-Trace'='a''b'} -ContentType 'application/json; charset=utf-8' "
                    "-Body ([Text.Encoding]::UTF8.GetBytes('{\"種別\": \"電話\", \"名前\": \"O''Brien\"}'))")
    assert powershell_command("GET", "http://h:1/R") == "Invoke-WebRequest -UseBasicParsing -Method GET -Uri http://h:1/R"


def test_reports_show_the_powershell_form_beside_the_posix_one(tmp_path):
    from scs_kit import spec as specmod
    from scs_kit.check.reports import write_reports
    from scs_kit.check.results import CheckResult, Exchange, RunResults

    url = "http://127.0.0.1:55963/CTI_SmartConnectService/RestService/ContainmentLine"
    check = CheckResult("ENVELOPE-GET-ARRAY", "ENVELOPE", "fail", "t", "ContainmentLine", message="not an array",
                        evidence=[Exchange("GET", url, status=200, response_body="{}")],
                        replay="scs-kit check --seed 3 --only ENVELOPE --resources ContainmentLine")
    results = RunResults(kit_version="0", base_url=url.rsplit("/", 1)[0], target="external", profile="quick",
                         mode="full", seed=3, strict=False, spec_path="", spec_sha256="", started_at="2026-01-01",
                         resources=["ContainmentLine"], checks=[check], outcome="fail", exit_code=1)
    write_reports(results, tmp_path, specmod.load(), formats=("md", "html"))
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "```powershell\nInvoke-WebRequest -UseBasicParsing -Method GET -Uri " + url + "\n```" in md
    assert "```powershell\nscs-kit check --seed 3 --only ENVELOPE --resources ContainmentLine\n```" in md
    assert "Invoke-WebRequest -UseBasicParsing -Method GET" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_check_runs_where_os_has_no_getuid(monkeypatch, tmp_path):
    """Windows has no os.getuid: the check command must not depend on it."""
    import os

    from scs_kit.cli import main

    monkeypatch.delattr(os, "getuid", raising=False)
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--profile", "quick", "--only", "MIN-ID", "--resources", "SIP-ServerConnection",
                 "--progress", "none", "--no-reports"]) == 0
    assert os.environ["HYPOTHESIS_STORAGE_DIRECTORY"].endswith("scs-kit-hypothesis-0")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_progress_keeps_plain_lines_and_the_summary_on_a_narrow_stream(encoding):
    """Used without the CLI too: a code page without "…" or "·" must not silence the progress or the summary."""
    from scs_kit.check.progress import Progress
    from scs_kit.check.results import CheckResult, RunResults

    err, out = io.BytesIO(), io.BytesIO()
    wrap = lambda raw: io.TextIOWrapper(raw, encoding=encoding, errors="strict", write_through=True)  # noqa: E731
    progress = Progress("plain", stream=wrap(err), out=wrap(out))
    progress.start(["ContainmentLine"], ["ENVELOPE"], total=2)
    check = CheckResult("ENVELOPE-GET-ARRAY", "ENVELOPE", "fail", "t", "ContainmentLine", message="回線No ✗ — wrong")
    progress.record(check)
    progress.record(CheckResult("ENVELOPE-JSON", "ENVELOPE", "pass", "t", "ContainmentLine"))
    results = RunResults(kit_version="0", base_url="http://h", target="external", profile="quick", mode="full", seed=1,
                         strict=False, spec_path="", spec_sha256="", started_at="", resources=["ContainmentLine"],
                         families=["ENVELOPE"], checks=[check], outcome="fail", exit_code=1)
    progress.finish(results)
    lines = err.getvalue().decode(encoding).splitlines()
    assert len(lines) == 3 and lines[-1].startswith("[2/2] ContainmentLine ENVELOPE ENVELOPE-JSON")
    assert out.getvalue().decode(encoding).splitlines()[-1].startswith("FAIL: 0 pass, 1 fail")
    assert out.getvalue().decode(encoding).splitlines()[-1].endswith("exit 1")
