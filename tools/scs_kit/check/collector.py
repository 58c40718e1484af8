"""The pytest plugin that turns the suite's test outcomes into CheckResult objects.

A test carries `@pytest.mark.scs_check("ID")` and, when per resource, a `resource` parameter.
Outcome mapping: passed → pass (warn if the test called kit.warn), skipped → skip,
CheckFailed/AssertionError → fail (warn for SHOULD checks), anything else → error.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from .catalog import BY_ID, source_of
from .context import CheckFailed, Kit, PremiseBroken, TestState
from .http import Unreachable
from .results import CheckResult

EVIDENCE_MAX = 6


def check_id_of(item) -> str | None:
    marker = item.get_closest_marker("scs_check")
    return marker.args[0] if marker else None


def resource_of(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    res = callspec.params.get("resource") if callspec else None
    return getattr(res, "name", res)


def replay_command(kit: Kit, family: str, resource: str | None, base_url: str | None) -> str:
    parts = ["scs-kit", "check"]
    if base_url:
        parts += ["--base-url", base_url]
    parts += ["--seed", str(kit.seed), "--mode", kit.mode, "--profile", kit.profile.name, "--only", family]
    if resource:
        parts += ["--resources", resource]
    return " ".join(parts)


def _message(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_message(e) for e in exc.exceptions[:3])
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, (CheckFailed, PremiseBroken, Unreachable, AssertionError)):
        text = f"{type(exc).__name__}: {text}"
    notes = [n for n in getattr(exc, "__notes__", []) if "Falsifying" in n or "example" in n.lower()]
    if notes:
        text += "\n" + "\n".join(notes[:4])
    return text.strip()


def _evidence_of(exc: BaseException | None) -> list:
    if exc is None:
        return []
    if isinstance(exc, BaseExceptionGroup):
        return [e for sub in exc.exceptions for e in _evidence_of(sub)]
    return list(getattr(exc, "evidence", []) or [])


def _is_failure(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return all(_is_failure(e) for e in exc.exceptions)
    return isinstance(exc, AssertionError)


class Collector:
    """Registered as plugin "scs_collector"; `kit` is set once the session fixture exists."""

    def __init__(self, kit: Kit | None = None, progress: Any = None, replay_base_url: str | None = None):
        self.kit = kit
        self.progress = progress
        self.replay_base_url = replay_base_url
        self.results: list[CheckResult] = []
        self._start: dict[str, float] = {}
        self._done: set[str] = set()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        cid = check_id_of(item)
        if self.kit is not None:
            self.kit.state = TestState(mark=self.kit.client.mark())
        self._start[item.nodeid] = time.monotonic()
        if self.progress is not None and cid in BY_ID:
            try:
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
            self._done.add(item.nodeid)
            self.results.append(self._result(item, cid, call, report))
            if self.progress is not None:
                try:
                    self.progress.record(self.results[-1])
                except Exception:  # noqa: BLE001
                    pass

    def _result(self, item, cid, call, report) -> CheckResult:
        check = BY_ID[cid]
        kit = self.kit
        state = kit.state if kit else TestState()
        exc = call.excinfo.value if call.excinfo else None
        evidence = list(state.evidence)
        if report.skipped:
            status = "skip"
            reason = call.excinfo.value.msg if call.excinfo and hasattr(call.excinfo.value, "msg") else str(report.longrepr)
            message = str(reason)
        elif report.passed:
            status = "warn" if state.warnings else "pass"
            message = "\n".join(state.warnings)
        elif exc is not None and _is_failure(exc):
            status = "fail" if check.level == "MUST" else "warn"
            message = _message(exc)
            if state.warnings:
                message += "\nalso: " + "\n".join(state.warnings)
            evidence = _evidence_of(exc) + evidence
        else:
            status = "error"
            message = _message(exc) if exc is not None else str(report.longrepr)[-2000:]
            evidence = _evidence_of(exc) + evidence
        if status in ("fail", "warn", "error") and not evidence and kit is not None:
            evidence = kit.client.since(state.mark)[-EVIDENCE_MAX:]
        elif status == "pass":
            evidence = []
        resource = resource_of(item)
        spec = kit.spec if kit else None
        return CheckResult(
            id=cid,
            family=check.family,
            status=status,
            title=check.title,
            resource=resource,
            level=check.level,
            rule=check.rule,
            source=source_of(check, spec) if spec else "",
            message=message,
            evidence=_dedupe(evidence)[:EVIDENCE_MAX],
            seed=kit.seed if kit else None,
            replay=replay_command(kit, check.family, resource, self.replay_base_url) if kit and status != "pass" else "",
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
        from _pytest.reports import TestReport

        excinfo = call.excinfo
        if excinfo is None:
            outcome, longrepr = "passed", None
        elif isinstance(excinfo.value, pytest.skip.Exception):
            outcome, longrepr = "skipped", (str(item.path), 0, f"Skipped: {excinfo.value.msg}")
        else:
            outcome, longrepr = "failed", _message(excinfo.value)
        return TestReport(item.nodeid, item.location, {k: 1 for k in item.keywords}, outcome, longrepr, call.when,
                          [], call.duration, call.start, call.stop, [])
