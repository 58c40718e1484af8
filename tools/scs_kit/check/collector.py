"""The pytest plugin that turns the suite's test outcomes into CheckResult objects.

A test carries `@marker("ID")` (catalog.marker: the id must be in the catalogue) and, when per
resource, a `resource` parameter. Its per-test verdict state is the `verdict` fixture, kept in the
item's stash; `verdict.judge` decides the status from the check's level and the findings.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from ..shell import replay
from .catalog import BY_ID, lookup, source_of
from .context import Kit
from .results import CheckResult
from .verdict import EVIDENCE_MAX, Verdict, judge, message

VERDICT = pytest.StashKey[Verdict]()


def check_id_of(item: Any) -> str | None:
    marker = item.get_closest_marker("scs_check")
    return marker.args[0] if marker else None


def resource_of(item: Any) -> str | None:
    callspec = getattr(item, "callspec", None)
    res = callspec.params.get("resource") if callspec else None
    return getattr(res, "name", res)


def replay_command(kit: Kit, family: str, resource: str | None, base_url: str | None) -> str:
    return replay(base_url=base_url, profile=kit.profile.name, mode=kit.mode, seed=kit.seed, only=family,
                  resources=resource)


def verdict_of(item: Any) -> Verdict:
    """The item's verdict state (the `verdict` fixture; a fresh one if the test did not start)."""
    return item.stash.get(VERDICT, None) or Verdict()


class Collector:
    """Registered as plugin "scs_collector"; `kit` is set once the session fixture exists."""

    def __init__(self, kit: Kit | None = None, progress: Any = None, replay_base_url: str | None = None):
        self.kit = kit
        self.progress = progress
        self.replay_base_url = replay_base_url
        self.results: list[CheckResult] = []
        self._start: dict[str, float] = {}
        self._done: set[str] = set()
        self._lock = threading.Lock()  # worker threads (--workers) report concurrently

    def pytest_collection_modifyitems(self, items):
        for item in items:  # a marker built without catalog.marker must not drop its check either
            cid = check_id_of(item)
            if cid is not None:
                lookup(cid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        cid = check_id_of(item)
        item.stash[VERDICT] = Verdict(mark=self.kit.client.mark() if self.kit is not None else 0)
        if self.kit is not None and hasattr(self.kit.rng, "begin"):
            self.kit.rng.begin(item.nodeid)
        self._start[item.nodeid] = time.monotonic()
        if self.progress is not None and cid in BY_ID:
            try:
                with self._lock:
                    self.progress.begin(resource_of(item), BY_ID[cid].family)
            except Exception:  # noqa: BLE001 - progress must never break a run
                pass

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        cid = check_id_of(item)
        if cid not in BY_ID or item.nodeid in self._done:
            return
        if call.when == "call" or (call.when == "setup" and report.outcome != "passed"):
            result = self._result(item, cid, call, report)
            with self._lock:
                self._done.add(item.nodeid)
                self.results.append(result)
                if self.progress is not None:
                    try:
                        self.progress.record(result)
                    except Exception:  # noqa: BLE001
                        pass
            if self.kit is not None and self.kit.client.gave_up:
                # the implementation stopped answering: every further check would only wait and error
                item.session.shouldstop = "the implementation stopped answering"

    def _result(self, item, cid, call, report) -> CheckResult:
        check = BY_ID[cid]
        kit = self.kit
        verdict = verdict_of(item)
        exc = call.excinfo.value if call.excinfo else None
        if report.skipped and exc is None:
            exc = pytest.skip.Exception(str(report.longrepr))
        elif report.failed and exc is None:
            exc = RuntimeError(str(report.longrepr)[-2000:])
        outcome = judge(check, verdict, exc, skipped=report.skipped)
        evidence = outcome.evidence
        if outcome.status in ("fail", "warn", "error") and not evidence and kit is not None:
            evidence = kit.client.since(verdict.mark)[-EVIDENCE_MAX:]
        resource = resource_of(item)
        spec = kit.spec if kit else None
        return CheckResult(
            id=cid,
            family=check.family,
            status=outcome.status,
            title=check.title,
            resource=resource,
            level=check.level,
            rule=check.rule,
            source=source_of(check, spec) if spec else "",
            message=outcome.message,
            evidence=_dedupe(evidence)[:EVIDENCE_MAX],
            seed=kit.seed if kit else None,
            replay=(replay_command(kit, check.family, resource, self.replay_base_url)
                    if kit and outcome.status != "pass" else ""),
            duration_s=round(time.monotonic() - self._start.get(item.nodeid, time.monotonic()), 3),
        )


def _dedupe(exchanges: list) -> list:
    seen, out = set(), []
    for e in exchanges:
        if id(e) not in seen:
            seen.add(id(e))
            out.append(e)
    return out


class FastReports:
    """Under scs-kit check nobody reads pytest's source-annotated tracebacks, which cost ~0.3 s per failure:
    build the reports of check tests without them (pytest_runtest_makereport is a firstresult hook)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        if check_id_of(item) is None:
            return None
        excinfo = call.excinfo
        if excinfo is None:
            outcome, longrepr = "passed", None
        elif isinstance(excinfo.value, pytest.skip.Exception):
            outcome, longrepr = "skipped", (str(item.path), 0, f"Skipped: {excinfo.value.msg}")
        else:
            outcome, longrepr = "failed", message(excinfo.value)
        return pytest.TestReport(item.nodeid, item.location, {k: 1 for k in item.keywords}, outcome, longrepr, call.when,
                          [], call.duration, call.start, call.stop, [])
