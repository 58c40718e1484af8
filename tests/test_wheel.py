"""Installed like a tool: the built wheel in a fresh virtual environment beside pytest-base-url.

Pipelines install the kit from its wheel next to the pytest plugins their images already carry
(pytest-base-url comes with pytest-playwright and pytest-selenium) and run it from their own
directory. This builds the wheel, installs it into a new venv (the pip cache makes reruns fast) and
runs `scs-kit check`, `scs-kit serve` and the pytest entry from temporary directories.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
QUICK = ["--profile", "quick", "--only", "ENVELOPE", "--resources", "ContainmentLine", "--progress", "none"]
NO_NETWORK = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
              "Max retries exceeded", "ConnectTimeout", "No route to host")


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def _clean_env(venv: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SCS_", "PYTEST_", "VIRTUAL_ENV")) and k not in ("PYTHONPATH", "PYTHONHOME", "CI")}
    if venv is not None:
        env["PATH"] = str(_bin(venv, "python").parent) + os.pathsep + env.get("PATH", "")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["SCS_LANG"] = "en"  # the assertions read English, whatever the machine's locale
    return {**env, **extra}


def _pip(args: list[str], what: str, timeout: float = 900) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=_clean_env())
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        if any(marker in output for marker in NO_NETWORK):
            pytest.skip(f"{what} needs the package index, which is unreachable from here: "
                        f"{next(m for m in NO_NETWORK if m in output)}")
        pytest.fail(f"{what} failed (exit {proc.returncode}):\n{output[-4000:]}")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        pytest.skip("pip is not available to this Python, so no wheel can be built or installed")
    out = tmp_path_factory.mktemp("dist")
    _pip([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)], "building the wheel")
    (built,) = out.glob("scs_contract_kit-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    _pip([str(_bin(path, "python")), "-m", "pip", "install", "-q", str(wheel), "pytest-base-url"],
         "installing the wheel with pytest-base-url")
    return path


def _run(venv: Path, args: list[str], cwd: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=_clean_env(venv, **env), stdin=subprocess.DEVNULL)


def test_the_wheel_ships_the_suite_inside_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("contract_tests/")], "no generic top-level package"
    assert "scs_kit/contract_tests/conftest.py" in names and "scs_kit/openapi/scs-restful-api.yaml" in names
    assert "scs_kit/pytest_plugin.py" in names
    assert "scs_kit/locale/ja/LC_MESSAGES/scs_kit.po" in names and "scs_kit/locale/en/LC_MESSAGES/scs_kit.po" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text and "scs_kit = scs_kit.pytest_plugin" in text


def test_check_runs_from_any_directory_beside_pytest_base_url(venv, tmp_path):
    proc = _run(venv, [str(_bin(venv, "scs-kit")), "check", *QUICK, "--report", "junit,json"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "scs-kit check: pass" in proc.stdout and "Traceback" not in proc.stderr
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["junit.xml", "results.json"]


def test_the_installed_wheel_speaks_japanese(venv, tmp_path):
    """The catalogue is compiled at first use, also where site-packages is not writable."""
    proc = _run(venv, [str(_bin(venv, "scs-kit")), "lint", "--lang", "ja"], tmp_path)
    assert proc.returncode == 0 and "OpenAPI 3.1 として妥当" in proc.stdout, proc.stdout + proc.stderr
    proc = _run(venv, [str(_bin(venv, "scs-kit")), "report"], tmp_path, LANG="ja_JP.UTF-8", SCS_LANG="")
    assert proc.stderr.startswith("scs-kit report: エラー: "), proc.stderr


class _Served:
    def __init__(self, venv: Path, cwd: Path):
        self.proc = subprocess.Popen([str(_bin(venv, "scs-kit")), "serve", "--port", "0", "--db", ":memory:", "--demo",
                                      "--no-docs"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     cwd=cwd, env=_clean_env(venv), stdin=subprocess.DEVNULL)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.proc.stdout], daemon=True).start()
        seen = []
        while True:
            try:
                line = lines.get(timeout=120)
            except queue.Empty:
                self.stop()
                pytest.fail("scs-kit serve did not start within 120 s:\n" + "".join(seen))
            seen.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                self.url = match.group(1)
                return

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def served(venv, tmp_path_factory):
    server = _Served(venv, tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


def _target(cwd: Path) -> tuple[str, str]:
    results = json.loads((cwd / "reports" / "results.json").read_text(encoding="utf-8"))
    return results["target"], results["base_url"]


def test_serve_answers(served):
    answer = requests.get(served.url + "/ContainmentLine", timeout=30)
    assert answer.status_code == 200 and isinstance(answer.json(), list) and answer.json()


def test_check_finds_the_service_from_scs_base_url_alone(venv, served, tmp_path):
    proc = _run(venv, [str(_bin(venv, "scs-kit")), "check", *QUICK, "--report", "json"], tmp_path, SCS_BASE_URL=served.url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _target(tmp_path) == ("external", served.url)


def test_check_finds_the_service_from_scs_kit_toml_alone(venv, served, tmp_path):
    (tmp_path / "scs-kit.toml").write_text(f'base-url = "{served.url}"\nreport = ["json"]\n', encoding="utf-8")
    proc = _run(venv, [str(_bin(venv, "scs-kit")), "check", *QUICK], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _target(tmp_path) == ("external", served.url)


def test_the_pytest_entry_runs_the_installed_suite(venv, served, tmp_path):
    args = [str(_bin(venv, "python")), "-m", "pytest", "--pyargs", "scs_kit.contract_tests", "-p", "no:cacheprovider",
            "-q", "--scs-profile", "quick", "--scs-only", "ENVELOPE", "--scs-resources", "ContainmentLine"]
    proc = _run(venv, [*args, "--scs-base-url", served.url], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ran = re.search(r"(\d+) passed", proc.stdout)
    assert ran and int(ran.group(1)) >= 5 and "failed" not in proc.stdout, proc.stdout  # the ENVELOPE checks ran
    # The ini-file key is read (a closed port fails the run), the environment wins over it, and
    # pytest-base-url keeps its own --base-url.
    closed = "http://127.0.0.1:9/CTI_SmartConnectService/RestService"
    (tmp_path / "pytest.ini").write_text(f"[pytest]\nscs_base_url = {closed}\n", encoding="utf-8")
    proc = _run(venv, args, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    proc = _run(venv, [*args, "--base-url", "http://example.invalid"], tmp_path, SCS_BASE_URL=served.url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
