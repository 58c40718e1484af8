"""The persisted ledger and `scs-kit cleanup`: a `scs-kit check` killed with SIGKILL at any point —
also inside the window where a pre-existing call record holds the kit's data — followed by `scs-kit
cleanup` leaves the service exactly as before, apart from at most one marked record per resource
without DELETE; repeated runs keep that one record; nothing the kit creates is unmarked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from faulty import WireFault, faulty_server
from faulty.live import changed_records, new_keys, preloaded_records, snapshot
from faulty.run import SEED, describe, quick_check
from scs_kit import spec as spec_mod
from scs_kit.check.ledger import ledger_name
from scs_kit.check.records import MARKER_PREFIX, PAUSE_ENV
from scs_kit.server import Service

SPEC = spec_mod.load()
NO_DELETE = {r.name for r in SPEC.resources if not r.allows("DELETE")}
KEEPS_ONE = {r.name for r in SPEC.resources if r.allows("POST") and not r.allows("DELETE")}
CLI = str(Path(sys.executable).with_name("scs-kit"))
# every kind of resource: with DELETE, without DELETE (kept record), without POST (snapshot and restore)
RESOURCES = "ContainmentLine,CustomerAddress,MessDef-Mail,Mail-Account,ReceivedCall-Record"


def _server(*faults, service=None):
    parts = (*faults, service) if service else faults
    return faulty_server(*parts, records=preloaded_records(SPEC))


def _check(base_url: str, report_dir: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [CLI, "check", "--base-url", base_url, "--profile", "quick", "--seed", str(SEED), "--report-dir",
         str(report_dir), "--progress", "none", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def _cleanup(base_url: str, report_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "cleanup", "--base-url", base_url, "--report-dir", str(report_dir), *extra],
                          capture_output=True, text=True, timeout=300)


def _marked(base_url: str, name: str, key: str) -> bool:
    resource = SPEC.resource(name)
    body = requests.get(base_url + resource.item_path(key), timeout=10).json()
    return bool(body) and any(str(v).startswith(MARKER_PREFIX) for v in body[0].values())


def _assert_as_before(base_url: str, before: dict, after: dict) -> None:
    """Pre-existing records byte-identical; new records only on resources without DELETE, at most one
    each, carrying the kit's marker."""
    assert not changed_records(before, after), "\n".join(changed_records(before, after))
    for name, keys in new_keys(before, after).items():
        assert name in NO_DELETE, f"kit records left on {name}: {sorted(keys)}"
        assert len(keys) <= 1, f"{name}: {len(keys)} kit records left: {sorted(keys)}"
        assert all(_marked(base_url, name, k) for k in keys), f"{name}: record {sorted(keys)} is not marked"


def _ledger(report_dir: Path, base_url: str) -> Path:
    return report_dir / ledger_name(base_url)


class _KillAfter(WireFault):
    """SIGKILLs `target["pid"]` once the Nth request of `target["method"]` has been processed (before the
    kit reads the answer)."""

    target: dict = {}

    def on_response(self, req, resp):
        t = self.target
        if req.method == t.get("method") and t.get("pid"):
            t["seen"] = t.get("seen", 0) + 1
            if t["seen"] == t["after"]:
                os.kill(t["pid"], signal.SIGKILL)


def _run_and_kill(tmp_path: Path, method: str, after: int) -> None:
    _KillAfter.target = {"method": method, "after": after}
    with _server(_KillAfter) as server:
        before = snapshot(server.base_url, SPEC)
        proc = _check(server.base_url, tmp_path, "--resources", RESOURCES)
        _KillAfter.target["pid"] = proc.pid
        try:
            proc.communicate(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL, f"the run ended on its own (exit {proc.returncode}) before " \
                                                   f"{method} #{after}: pick a smaller number"
        assert _ledger(tmp_path, server.base_url).exists(), "the killed run left no ledger"
        done = _cleanup(server.base_url, tmp_path)
        after_ = snapshot(server.base_url, SPEC)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not _ledger(tmp_path, server.base_url).exists(), "cleanup left the ledger although all was undone"
        _assert_as_before(server.base_url, before, after_)


@pytest.mark.parametrize("method, after", [("POST", 1), ("POST", 9), ("POST", 40), ("PUT", 2), ("PUT", 30),
                                           ("DELETE", 5)])
def test_sigkill_at_any_point_then_cleanup_restores_everything(tmp_path, method, after):
    _run_and_kill(tmp_path, method, after)


def test_sigkill_inside_the_call_record_snapshot_window(tmp_path):
    """The window where a pre-existing call record holds the kit's data is hit deliberately: the test hook
    pauses the kit there, the test checks the record really is changed, then kills the kit."""
    flag = tmp_path / "paused"
    name = "ReceivedCall-Record"
    with _server() as server:
        before = snapshot(server.base_url, SPEC)
        proc = _check(server.base_url, tmp_path, "--only", "ENVELOPE", "--resources", name, env={PAUSE_ENV: str(flag)})
        try:
            deadline = time.monotonic() + 120
            while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert flag.exists(), f"the run never reached the snapshot window (exit {proc.poll()})"
            during = snapshot(server.base_url, SPEC)
            assert changed_records(before, during), "inside the window a call record should hold the kit's data"
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        journal = _ledger(tmp_path, server.base_url)
        assert any(json.loads(line)["op"] == "snapshot" for line in journal.read_text("utf-8").splitlines())
        done = _cleanup(server.base_url, tmp_path)
        after = snapshot(server.base_url, SPEC)
        assert done.returncode == 0, done.stdout + done.stderr
        _assert_as_before(server.base_url, before, after)


def test_two_full_runs_leave_at_most_one_marked_record_per_resource_without_delete(tmp_path):
    with _server() as server:
        before = snapshot(server.base_url, SPEC)
        first = quick_check(server.base_url, mode="full", report_dir=tmp_path)
        middle = snapshot(server.base_url, SPEC)
        second = quick_check(server.base_url, mode="full", report_dir=tmp_path)
        after = snapshot(server.base_url, SPEC)
        _assert_as_before(server.base_url, before, after)
    for results in (first, second):
        assert results.exit_code == 0, describe(results)
    assert set(new_keys(before, middle)) == KEEPS_ONE, new_keys(before, middle)
    assert new_keys(before, after) == new_keys(before, middle), "the second run made records of its own"
    kept = {(c.resource, c.key) for c in second.created_records if not c.deleted}
    assert {(n, k) for n, keys in new_keys(before, after).items() for k in keys} <= kept, second.created_records
    assert not list(tmp_path.glob("scs-kit-ledger-*")), "a finished run leaves no ledger"


def _recording_service():
    class RecordingService(Service):
        bodies: list = []

        def create(self, resource_name, body):
            type(self).bodies.append((resource_name, dict(body) if isinstance(body, dict) else body))
            return super().create(resource_name, body)

    return RecordingService


def test_no_record_the_kit_creates_is_unmarked():
    service = _recording_service()
    with _server(service=service) as server:
        results = quick_check(server.base_url, mode="full")
    assert results.exit_code == 0, describe(results)
    assert service.bodies, "the run created nothing"
    unmarked = [(n, b) for n, b in service.bodies
                if not (isinstance(b, dict) and any(str(v).startswith(MARKER_PREFIX) for v in b.values()))]
    assert not unmarked, unmarked[:5]


def test_check_refuses_to_start_over_an_unfinished_ledger_and_force_moves_it_aside(tmp_path):
    with _server() as server:
        journal = _ledger(tmp_path, server.base_url)
        journal.write_text(json.dumps({"op": "start", "format": "scs-kit-ledger/1", "base_url": server.base_url,
                                       "run_id": "deadbeef"}) + "\n", encoding="utf-8")
        proc = _check(server.base_url, tmp_path, "--only", "ENVELOPE", "--resources", "ContainmentLine")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2 and "scs-kit cleanup --base-url" in err and "--force" in err, err
        proc = _check(server.base_url, tmp_path, "--only", "ENVELOPE", "--resources", "ContainmentLine", "--force")
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert list(tmp_path.glob(journal.name + ".abandoned-*")), "--force should keep the old ledger aside"
    assert not journal.exists()


def test_cleanup_exit_codes(tmp_path):
    with _server() as server:
        nothing = _cleanup(server.base_url, tmp_path)
        assert nothing.returncode == 0 and "nothing to undo" in nothing.stdout
        journal = _ledger(tmp_path, server.base_url)
        journal.write_text(json.dumps({"op": "start", "format": "scs-kit-ledger/1", "base_url": "http://other:1/x",
                                       "run_id": "deadbeef"}) + "\n", encoding="utf-8")
        wrong = _cleanup(server.base_url, tmp_path)
        assert wrong.returncode == 2 and "not " + server.base_url in wrong.stderr, wrong.stderr
        missing = subprocess.run([CLI, "cleanup", "--base-url", server.base_url, "--ledger", str(tmp_path / "nope")],
                                 capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "no such ledger" in missing.stderr
