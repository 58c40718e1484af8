"""The results of one `scs-kit check` run: the data model every report is rendered from.

`results.json` is this model serialised; `scs-kit report` and `scs-kit docs --results` read it back.
Secret field values are redacted before anything is stored (see `redact`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import KitError
from .files import read_text, write_text_atomic
from .i18n import _

FORMAT_VERSION = 1
# A check ends in exactly one of these; "known" is a fail or warn listed in the --baseline file.
STATUSES = ("pass", "fail", "warn", "skip", "error", "known")
# Worst first: the status a matrix cell shows when several checks share it.
SEVERITY = {"error": 5, "fail": 4, "warn": 3, "known": 2, "pass": 1, "skip": 0}
FAMILIES = ("ENVELOPE", "METHODS", "KEYS", "MIN-ID", "QUERY", "ROUND-TRIP", "SCHEMA", "STATEFUL", "ROBUSTNESS",
            "CONCURRENCY", "LATENCY")
REDACTED = "***"


@dataclass
class Exchange:
    """One HTTP request and its response, as evidence for a finding."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None  # None when no response arrived
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    curl: str = ""


@dataclass
class CheckResult:
    id: str  # stable, e.g. "KEYS-POST-MAX-PLUS-ONE"
    family: str  # one of FAMILIES
    status: str  # one of STATUSES
    title: str
    resource: str | None = None  # None for checks that are not per resource
    level: str = "MUST"  # MUST fails the implementation; SHOULD at most warns
    rule: str | None = None  # id in the document's x-scs-rules
    source: str = ""  # the vendor sentence the check enforces
    message: str = ""
    evidence: list[Exchange] = field(default_factory=list)
    seed: int | None = None
    replay: str = ""  # a command line that replays this check
    duration_s: float = 0.0
    fingerprint: str = ""  # of a finding (fail, warn, known): what identifies it in a baseline
    known_status: str = ""  # for "known": the status the baseline accepted (fail or warn)


@dataclass
class CreatedRecord:
    resource: str
    key: str
    deleted: bool
    note: str = ""


@dataclass
class RunResults:
    kit_version: str
    base_url: str
    target: str  # "reference" (the bundled server) or "external"
    profile: str
    mode: str
    seed: int
    strict: bool
    spec_path: str
    spec_sha256: str
    started_at: str  # ISO 8601, UTC
    duration_s: float = 0.0
    requests_sent: int = 0
    exit_code: int = 0
    outcome: str = "pass"  # pass | fail | error
    resources: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=lambda: list(FAMILIES))
    checks: list[CheckResult] = field(default_factory=list)
    created_records: list[CreatedRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # run-level notes, not check outcomes
    baseline: dict[str, Any] | None = None  # {"file", "known", "new", "stale", "updated"} with --baseline
    latency: dict[str, dict[str, float]] = field(default_factory=dict)  # operation → n, p50, p95, max (s)
    format_version: int = FORMAT_VERSION

    def summary(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for check in self.checks:
            counts[check.status] += 1
        return counts

    def shown_statuses(self) -> tuple[str, ...]:
        """The statuses a summary shows: "known" only for a run with a baseline."""
        if self.baseline is not None or any(c.status == "known" for c in self.checks):
            return STATUSES
        return tuple(s for s in STATUSES if s != "known")

    def matrix(self) -> dict[str, dict[str, str]]:
        """resource → family → worst status; checks without a resource count for every resource."""
        cells: dict[str, dict[str, str]] = {r: {} for r in self.resources}
        for check in self.checks:
            for resource in [check.resource] if check.resource else self.resources:
                row = cells.setdefault(resource, {})
                current = row.get(check.family)
                if current is None or SEVERITY[check.status] > SEVERITY[current]:
                    row[check.family] = check.status
        return cells

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary()
        return data

    def save(self, path: str | Path) -> Path:
        return write_text_atomic(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2), what="results file")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResults:
        data = dict(data)
        data.pop("summary", None)
        checks = [
            CheckResult(**{**c, "evidence": [Exchange(**e) for e in c.get("evidence", [])]})
            for c in data.pop("checks", [])
        ]
        created = [CreatedRecord(**r) for r in data.pop("created_records", [])]
        return cls(**data, checks=checks, created_records=created)

    @classmethod
    def load(cls, path: str | Path) -> RunResults:
        path = Path(path)
        try:
            data = json.loads(read_text(path, "results file"))
        except json.JSONDecodeError as exc:
            raise KitError(_("{path}: not a readable results file ({exc})").format(path=path, exc=exc)) from None
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise KitError(_("{path}: not a scs-kit results file (format_version {FORMAT_VERSION} expected)").format(path=path, FORMAT_VERSION=FORMAT_VERSION))
        try:
            return cls.from_dict(data)
        except TypeError as exc:
            raise KitError(_("{path}: malformed results file ({exc})").format(path=path, exc=exc)) from None


def redact(value: Any, secret_fields: Iterable[str]) -> Any:
    """Replace the values of secret fields in JSON data (or JSON text) with `***`."""
    secrets = frozenset(secret_fields)
    if isinstance(value, dict):
        return {k: (REDACTED if k in secrets and v not in (None, "") else redact(v, secrets)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str) and secrets:
        try:
            parsed = json.loads(value)
        except ValueError:
            return _redact_text(value, secrets)
        if isinstance(parsed, (dict, list)):
            return json.dumps(redact(parsed, secrets), ensure_ascii=False)
        return value
    return value


def _redact_text(text: str, secrets: frozenset[str]) -> str:
    # Non-JSON text (a curl line, a truncated body): redact `"field": "value"` pairs, escaped or not.
    for name in secrets:
        for spelled in {name, name.encode("unicode_escape").decode("ascii")}:
            text = re.sub(r'("' + re.escape(spelled) + r'"\s*:\s*)"(?:[^"\\]|\\.)*"', r'\1"' + REDACTED + '"', text)
    return text


def load_results(path: Path) -> RunResults:
    """A results file of `scs-kit check`, checked enough to render; KitError (one line) otherwise."""
    path = Path(path)
    try:
        results = RunResults.load(path)
    except RecursionError:
        raise KitError(_("{path}: malformed results file (nested too deeply)").format(path=path)) from None
    bad = sorted({str(c.status) for c in results.checks if c.status not in STATUSES})
    if bad:
        raise KitError(_("{path}: malformed results file (unknown status {statuses})").format(
            path=path, statuses=", ".join(bad)))
    return results
