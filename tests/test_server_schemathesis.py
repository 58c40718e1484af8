"""Schemathesis (all phases, all default checks) against the reference server finds nothing; and the
same run does fail against a server with a deliberate fault, so this test can fail."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path


from scs_kit import spec as spec_module
from scs_kit.server import Service, start_server

SPEC = spec_module.load()
ST = [sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"]

# use_after_free cannot pass on an API that answers
# 200 [] for a deleted key; inferred links use the body key "0"; caches off for reproducibility.
CONFIG = """
hooks = "st_hooks.py"
seed = 1
workers = 1
[generation]
database = "none"
[cache]
enabled = false
[checks]
use_after_free.enabled = false
[phases.stateful.inference]
algorithms = []
"""


# The page: any number may be sent as the body's key, and it is ignored. The document's request schema
# asks for a digit string, so a generated "negative" body whose key is a JSON number or a numeric string
# is one the server rightly accepts; leave those out (other negative bodies still must be refused).
HOOKS = f"""
import re

import schemathesis

KEYS = {sorted({r.key for r in SPEC.resources})!r}
NUMBER = re.compile(r"\\s*[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?\\s*")


@schemathesis.hook
def filter_case(ctx, case):
    body = case.body
    if not isinstance(body, dict):
        return True
    for key in KEYS:
        value = body.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return False
        if isinstance(value, str) and NUMBER.fullmatch(value) and not re.fullmatch(r"[0-9]{{1,10}}", value):
            return False
    return True
"""


def run_schemathesis(tmp_path: Path, base_url: str, *extra: str) -> subprocess.CompletedProcess:
    (tmp_path / "st.toml").write_text(CONFIG)
    (tmp_path / "st_hooks.py").write_text(HOOKS)
    cmd = [*ST, "--config-file", str(tmp_path / "st.toml"), "run", str(SPEC.path), "--url", base_url,
           "--phases", "examples,coverage,fuzzing,stateful", "--mode", "all", "--no-color", "--request-timeout", "10",
           "--checks", "all", "--exclude-checks", "use_after_free", *extra]
    # cwd outside the repository, so no schemathesis.toml is discovered
    return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_schemathesis_finds_no_failure(tmp_path):
    with start_server(demo=True) as server:
        proc = run_schemathesis(tmp_path, server.base_url, "-n", "25")
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert "No issues found" in proc.stdout


class CrashingList(Service):
    """A faulty implementation: listing ContainmentLine raises (the app answers 500)."""

    def list(self, resource_name):
        if resource_name == "ContainmentLine":
            raise RuntimeError("deliberate fault")
        return super().list(resource_name)


def test_schemathesis_run_fails_on_a_server_error(tmp_path, caplog):
    caplog.set_level(logging.CRITICAL, logger="scs_kit.server")
    with start_server(service=CrashingList(SPEC)) as server:
        proc = run_schemathesis(tmp_path, server.base_url, "-n", "3", "--include-path-regex", "^/ContainmentLine$",
                                "--phases", "examples,coverage")
    assert proc.returncode == 1
    assert "Server error" in proc.stdout or "not_a_server_error" in proc.stdout, proc.stdout[-3000:]
