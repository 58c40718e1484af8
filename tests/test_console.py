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
    verdict = [line for line in out.splitlines() if line.startswith(("FAIL", "scs-kit check: fail"))]
    assert verdict, f"no verdict line in:\n{out}\n{err}"
    assert "exit 1" in verdict[-1] or "scs-kit check: fail" in verdict[-1]
    if progress == "plain":
        assert "ENVELOPE-GET-ARRAY" in err and "fail" in err  # the progress lines made it too
    assert (tmp_path / "report.md").read_text(encoding="utf-8").count("回線No")  # files stay UTF-8
