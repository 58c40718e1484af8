"""The one place that turns what a check found into pass / warn / fail (or skip / error).

Checks report typed findings: `fail(...)` raises a binding one, `Verdict.warn(...)` records one the
page does not decide, and Schemathesis' failure classes become findings in `from_schemathesis`. A
finding about one record field binds only where the page documents that field (`documented`).
`judge` decides from the check's level (MUST fails, SHOULD at most warns) and those findings; no
decision anywhere looks at message text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .catalog import Check
from .results import Exchange

EVIDENCE_MAX = 6  # exchanges kept per check result


def documented(resource: Any, name: str) -> bool:
    """Whether the page documents this field of the resource: the one answer to "may a difference here
    fail?". Fields it does not document (inferred, implied or unknown ones) are open: at most a warning."""
    return resource is not None and resource.documented(name)


@dataclass
class Finding:
    """Something a check found. `silent`: the page does not state the point (it can only warn).
    `field`: (resource, field name) when the finding is about one record field, which binds only where the
    page documents that field."""

    message: str
    evidence: list[Exchange] = field(default_factory=list)
    silent: bool = False
    field: tuple[Any, str] | None = None

    @property
    def binding(self) -> bool:
        """Whether this finding can fail a MUST check."""
        return not self.silent and (self.field is None or documented(*self.field))


def _exchanges(evidence: Iterable[Exchange | None]) -> list[Exchange]:
    return [e for e in evidence if e is not None]


class CheckFailed(AssertionError):
    """The implementation broke the promise the check enforces."""

    def __init__(self, message: str, evidence: Sequence[Exchange | None] = ()):
        super().__init__(message)
        self.finding = Finding(message, _exchanges(evidence))

    @property
    def evidence(self) -> list[Exchange]:
        return self.finding.evidence


class PremiseBroken(Exception):
    """The check could not run to a verdict (foreign writes, a setup request that failed, ...)."""

    def __init__(self, message: str, evidence: Sequence[Exchange | None] = ()):
        super().__init__(message)
        self.evidence = _exchanges(evidence)


def fail(message: str, *evidence: Exchange | None) -> Any:
    """End the check with a binding finding."""
    raise CheckFailed(message, evidence)


def broken(message: str, *evidence: Exchange | None) -> Any:
    """End the check without a verdict: its premise does not hold."""
    raise PremiseBroken(message, evidence)


@dataclass
class Verdict:
    """Per-test verdict state (the `verdict` fixture): findings that warn and extra evidence."""

    mark: int = 0  # the client's log position when the test started (evidence of an unexplained outcome)
    findings: list[Finding] = field(default_factory=list)
    exhibits: list[Exchange] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def warn(self, message: str, *evidence: Exchange | None) -> None:
        """A finding on a point the page does not state: the check warns."""
        self.findings.append(Finding(message, _exchanges(evidence), silent=True))

    def note(self, finding: Finding) -> None:
        """A typed finding; `judge` decides what it means."""
        self.findings.append(finding)

    def evidence(self, *exchanges: Exchange | None) -> None:
        self.exhibits.extend(_exchanges(exchanges))

    fail = staticmethod(fail)
    broken = staticmethod(broken)


def decide(level: str, findings: Sequence[Finding]) -> str:
    """pass, warn or fail: a binding finding fails a MUST check; anything else found warns."""
    if not findings:
        return "pass"
    return "fail" if level == "MUST" and any(f.binding for f in findings) else "warn"


@dataclass
class Judgement:
    status: str  # one of results.STATUSES
    message: str
    evidence: list[Exchange]


def _failures(exc: BaseException) -> list[Finding] | None:
    """The findings an exception carries when it is a check failure (every member of a group must be one)."""
    if isinstance(exc, BaseExceptionGroup):
        parts = [_failures(e) for e in exc.exceptions]
        return None if any(p is None for p in parts) else [f for p in parts for f in p or []]
    if isinstance(exc, CheckFailed):
        return [exc.finding]
    if isinstance(exc, AssertionError):  # a plain assert or a Hypothesis-reported failure in a check
        return [Finding(message(exc), _evidence_of(exc))]
    return None


def message(exc: BaseException) -> str:
    """A one-paragraph description of an exception for a report (type named unless it is ours)."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(message(e) for e in exc.exceptions[:3])
    from .http import Unreachable

    text = str(exc) or type(exc).__name__
    if not isinstance(exc, (CheckFailed, PremiseBroken, Unreachable, AssertionError)):
        text = f"{type(exc).__name__}: {text}"
    notes = [n for n in getattr(exc, "__notes__", []) if "Falsifying" in n or "example" in n.lower()]
    if notes:
        text += "\n" + "\n".join(notes[:4])
    return text.strip()


def _evidence_of(exc: BaseException | None) -> list[Exchange]:
    if exc is None:
        return []
    if isinstance(exc, BaseExceptionGroup):
        return [e for sub in exc.exceptions for e in _evidence_of(sub)]
    return list(getattr(exc, "evidence", []) or [])


def judge(check: Check, verdict: Verdict, exc: BaseException | None, skipped: bool = False) -> Judgement:
    """The status of one check on one resource from its level, its findings and how the test ended."""
    warned = list(verdict.findings)
    if skipped:
        reason = getattr(exc, "msg", None) if exc is not None else None
        return Judgement("skip", str(reason if reason is not None else exc or ""), [])
    failures = None if exc is None else _failures(exc)
    if exc is not None and failures is None:
        return Judgement("error", message(exc), _evidence_of(exc) + verdict.exhibits)
    failures = failures or []
    status = decide(check.level, failures + warned)
    if status == "pass":
        return Judgement("pass", "", [])
    evidence = [e for f in failures for e in f.evidence] + [e for f in warned for e in f.evidence] + verdict.exhibits
    if failures:
        text = message(exc) if exc is not None else failures[0].message
        if warned:
            text += "\nalso: " + "\n".join(f.message for f in warned)
    else:
        text = "\n".join(f.message for f in warned)
    return Judgement(status, text, evidence)


def from_schemathesis(failure: BaseException, response: Any, resource: Any = None) -> Finding:
    """A typed finding from one of Schemathesis' failure classes. The page is silent on Content-Type
    details, on everything about a 4xx answer (it states neither failure status codes nor failure bodies),
    on which success status code a write answers, and on the types of the fields it does not document."""
    from schemathesis.openapi.checks import (JsonSchemaError, MalformedMediaType, MissingContentType,
                                             UndefinedContentType, UndefinedStatusCode)

    title = getattr(failure, "title", "") or type(failure).__name__
    text = (getattr(failure, "message", "") or str(failure)).strip()
    status = getattr(response, "status_code", 0) or 0
    silent = (isinstance(failure, (UndefinedContentType, MissingContentType, MalformedMediaType))
              or 400 <= status < 500
              or (isinstance(failure, UndefinedStatusCode) and 200 <= status < 300))
    place = None
    if isinstance(failure, JsonSchemaError):
        path = list(failure.instance_path or [])
        if resource is not None and len(path) >= 2 and isinstance(path[0], int) and isinstance(path[1], str):
            place = (resource, path[1])  # a record field: it binds only where the page documents it
    return Finding(f"{title}: {text}", silent=silent, field=place)

