"""Safe on a live system: pre-existing records stay byte-identical, kit records are removed (also
after failures and Ctrl-C), records that cannot be deleted are created only in full mode and
listed, and read-only mode sends GETs only."""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from faulty import BY_NAME, WireFault, faulty_server
from faulty.live import changed_records, new_keys, preloaded_records, snapshot
from faulty.run import SEED, describe, quick_check
from scs_kit import spec as spec_mod
from scs_kit.server import Service

SPEC = spec_mod.load()
NO_DELETE = {r.name for r in SPEC.resources if not r.allows("DELETE")}


def _server(*faults):
    return faulty_server(*faults, records=preloaded_records(SPEC))


def _assert_clean(before, after, results=None, allow_undeletable=False):
    assert not changed_records(before, after), "\n".join(changed_records(before, after))
    left = new_keys(before, after)
    listed = {(c.resource, c.key) for c in (results.created_records if results else []) if not c.deleted}
    for name, keys in left.items():
        assert allow_undeletable and name in NO_DELETE, f"kit records left on {name}: {sorted(keys)}"
        unlisted = {k for k in keys if (name, k) not in listed}
        assert not unlisted, f"{name}: records {sorted(unlisted)} created but not in results.created_records"


def test_full_mode_keeps_existing_data_and_lists_what_it_cannot_delete():
    with _server() as server:
        before = snapshot(server.base_url, SPEC)
        results = quick_check(server.base_url, mode="full")
        after = snapshot(server.base_url, SPEC)
    assert not [c for c in results.checks if c.status == "error"], describe(results)
    _assert_clean(before, after, results, allow_undeletable=True)
    assert new_keys(before, after), "full mode was expected to create records on resources without DELETE"
    for rec in results.created_records:
        if rec.resource not in NO_DELETE:
            assert rec.deleted, f"{rec} not deleted although {rec.resource} has DELETE"


def test_live_mode_creates_nothing_it_cannot_delete():
    with _server() as server:
        before = snapshot(server.base_url, SPEC)
        results = quick_check(server.base_url, mode="live")
        after = snapshot(server.base_url, SPEC)
    assert results.exit_code == 0, describe(results)
    _assert_clean(before, after)
    assert all(c.deleted for c in results.created_records), results.created_records
    assert not {c.resource for c in results.created_records} & NO_DELETE


def test_read_only_mode_sends_only_get():
    with _server() as server:
        before = snapshot(server.base_url, SPEC)
        server.request_log.requests.clear()
        results = quick_check(server.base_url, mode="read-only")
        methods = server.request_log.methods()
        count = len(server.request_log.requests)
        after = snapshot(server.base_url, SPEC)
    assert count > 0, "read-only mode sent nothing"
    assert methods == {"GET"}, f"read-only mode sent {methods - {'GET'}}"
    assert results.exit_code == 0, describe(results)
    assert not results.created_records
    _assert_clean(before, after)


_SUBSET = dict(only=("KEYS", "ROUND-TRIP", "STATEFUL", "ENVELOPE"),
               resources=("ContainmentLine", "CustomerAddress", "ReceivedCall-Record"))


@pytest.mark.parametrize("fault", ["truncates-long-values", "result-boolean", "post-honours-body-key",
                                   "put-uses-body-key"])
def test_cleanup_after_a_failing_check(fault):
    with _server(BY_NAME[fault]) as server:
        before = snapshot(server.base_url, SPEC)
        results = quick_check(server.base_url, mode="live", **_SUBSET)
        after = snapshot(server.base_url, SPEC)
    assert results.exit_code == 1, describe(results)
    _assert_clean(before, after)


def test_deleted_records_that_come_back_are_swept_away():
    """A soft delete brings the kit's deleted records back with the next write; the ledger no longer
    knows them, so the final sweep finds them by this run's marker and deletes them again. This fault
    revives one record with every DELETE, so some always remain: the run must name them."""
    with _server(BY_NAME["delete-resurrects"]) as server:
        before = snapshot(server.base_url, SPEC)
        results = quick_check(server.base_url, only=("STATEFUL",), resources=("IncomingCall-URL",),
                              profile="default")
        after = snapshot(server.base_url, SPEC)
    assert results.exit_code == 1, describe(results)
    assert any("were back after the run; deleted them again" in w for w in results.warnings), results.warnings
    assert not changed_records(before, after)
    left = new_keys(before, after).get("IncomingCall-URL", set())
    assert left, "the fault always leaves a revived record"
    named = [w for w in results.warnings if "still there" in w]
    assert named and all(k in named[0] for k in left), (left, results.warnings)


def test_a_record_the_implementation_will_not_restore_is_reported():
    """When the implementation itself swallows the restoring PUT, the kit cannot undo its change;
    it must say so, naming the record."""
    with _server(BY_NAME["put-silently-fails"]) as server:
        before = snapshot(server.base_url, SPEC)
        results = quick_check(server.base_url, mode="live", **_SUBSET)
        after = snapshot(server.base_url, SPEC)
    assert results.exit_code == 1, describe(results)
    changed = [p.split(":")[0] for p in changed_records(before, after)]
    assert changed, "the fault was expected to defeat the restore"
    for record in changed:
        assert any(record in w for w in results.warnings), f"{record} changed but not reported: {results.warnings}"


def _interrupting_service(after_creates: int):
    """A Service whose Nth create delivers Ctrl-C to the main thread (where run_check runs)."""

    class InterruptingService(Service):
        creates = 0

        def create(self, resource_name, body):
            key = super().create(resource_name, body)
            type(self).creates += 1
            if type(self).creates == after_creates:
                _thread.interrupt_main()
            return key

    return InterruptingService


def test_cleanup_after_ctrl_c_in_process():
    with _server(_interrupting_service(3)) as server:
        before = snapshot(server.base_url, SPEC)
        with pytest.raises(KeyboardInterrupt):
            quick_check(server.base_url, mode="live", only=("KEYS", "ROUND-TRIP"),
                        resources=("ContainmentLine", "CustomerAddress", "ReceivedCall-Record"))
        after = snapshot(server.base_url, SPEC)
    _assert_clean(before, after)


class _SigintAfterPosts(WireFault):
    """Sends SIGINT to `target["pid"]` right after answering the Nth POST."""

    target: dict = {}

    def on_response(self, req, resp):
        if req.method == "POST":
            self.target["posts"] = self.target.get("posts", 0) + 1
            if self.target["posts"] == self.target["after"] and self.target.get("pid"):
                threading.Timer(0.01, os.kill, (self.target["pid"], signal.SIGINT)).start()


def test_cleanup_after_sigint_to_the_cli(tmp_path):
    cli = Path(sys.executable).with_name("scs-kit")
    _SigintAfterPosts.target = {"after": 3}
    with _server(_SigintAfterPosts) as server:
        before = snapshot(server.base_url, SPEC)
        proc = subprocess.Popen(
            [str(cli), "check", "--base-url", server.base_url, "--profile", "quick", "--mode", "live",
             "--only", "KEYS,ROUND-TRIP", "--seed", str(SEED), "--report-dir", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        _SigintAfterPosts.target["pid"] = proc.pid
        try:
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        after = snapshot(server.base_url, SPEC)
    assert _SigintAfterPosts.target.get("posts", 0) >= 3, "the run never reached the interrupting POST"
    assert proc.returncode == 130, f"exit {proc.returncode}\n{out[-2000:]}\n{err[-2000:]}"
    assert "Traceback" not in err, err[-3000:]
    _assert_clean(before, after)


def test_the_safety_assertions_can_fail():
    """The snapshot comparison and the request log notice a changed, a removed and an added record
    and a non-GET request (so the tests above are not vacuous)."""
    import requests

    with _server() as server:
        before = snapshot(server.base_url, SPEC)
        service = server.service
        service.update("ReceivedCall-Record", 900, {**service.get("ReceivedCall-Record", 900), "メモ": "changed"})
        service.delete("ContainmentLine", 901)
        requests.post(server.base_url + "/CustomerAddress", json={"顧客ID": "0"}, timeout=10)
        after = snapshot(server.base_url, SPEC)
        methods = server.request_log.methods()
    problems = changed_records(before, after)
    assert any(p.startswith("ReceivedCall-Record/900") for p in problems), problems
    assert any(p.startswith("ContainmentLine/901") and p.endswith("GONE") for p in problems), problems
    assert new_keys(before, after) == {"CustomerAddress": {"902"}}
    assert "POST" in methods
    with pytest.raises(AssertionError):
        _assert_clean(before, after)
