"""Baseline of known deviations: findings a vendor has accepted pass as "known" instead of failing.

A finding is identified by its check id, its resource and a fingerprint of the exchanges that show
it: methods, paths (keys and query values left out), status codes and the kind of body (array,
object, string, text, …). Neither the message text nor generated data enter the fingerprint, so the
same deviation keeps its identity across seeds, data and rewordings of the kit's messages, while a
different deviation in the same check (another status code, another kind of body) gets another one.

File format (JSON, meant to be committed beside the pipeline):

    {"format": "scs-kit-baseline", "version": 1,
     "findings": [{"check": "ENVELOPE-GET-ARRAY", "resource": "ContainmentLine",
                   "fingerprint": "3f0c9a1b2d4e", "status": "fail", "summary": "…", "reason": "…"}]}

`summary` is for people; `reason` (or any other extra field) is kept when the file is refreshed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import KitError
from ..files import read_text, write_text_atomic
from ..i18n import _
from ..results import CheckResult, RunResults

FORMAT = "scs-kit-baseline"
VERSION = 1
BASELINED = ("fail", "warn")  # errors mean the kit could not judge: never accepted as known
Key = tuple[str, "str | None", str]


def _body_kind(body: str | None) -> str:
    # The first character decides, so a body cut short in the evidence keeps its kind.
    text = (body or "").lstrip("\ufeff \t\r\n")
    if not text:
        return "empty"
    first = text[0]
    return {"[": "array", "{": "object", '"': "string", "t": "boolean", "f": "boolean", "n": "null"}.get(
        first, "number" if first in "-0123456789" else "text")


def _path_template(url: str, resources: Iterable[str]) -> str:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    names = set(resources)
    for i, segment in enumerate(segments):
        if segment in names:
            return "/" + "/".join([segment] + ["{}"] * (len(segments) - i - 1))
    return "/?" + "/{}" * max(len(segments) - 1, 0)


def fingerprint(check: CheckResult, resources: Iterable[str]) -> str:
    """12 hex digits identifying the deviation a finding shows (see the module docstring)."""
    resources = list(resources) + ([check.resource] if check.resource else [])
    if check.evidence:
        parts = sorted({f"{e.method.upper()} {_path_template(e.url, resources)} {e.status} {_body_kind(e.response_body)}"
                        for e in check.evidence})
    else:  # nothing exchanged: the finding's level and status are all that is stable about it
        parts = [f"{check.level} {check.status}"]
    digest = hashlib.sha256("\n".join([check.id, check.resource or "", *parts]).encode("utf-8"))
    return digest.hexdigest()[:12]


@dataclass
class Baseline:
    path: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    def keys(self) -> dict[Key, dict[str, Any]]:
        return {_key(e): e for e in self.entries}


def _key(entry: dict[str, Any]) -> Key:
    return (str(entry.get("check")), entry.get("resource") or None, str(entry.get("fingerprint")))


def load(path: Path) -> Baseline:
    path = Path(path)
    try:
        data = json.loads(read_text(path, "baseline file"))
    except json.JSONDecodeError as exc:
        raise KitError(_("{path}: not a readable baseline file ({problem})").format(path=path, problem=exc)) from None
    except KitError:
        if not path.exists():
            raise KitError(_("{path}: no such baseline file (write one with --baseline-update)").format(path=path)) from None
        raise
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise KitError(_("{path}: not a scs-kit baseline file (expected {shape})").format(
            path=path, shape=f'{{"format": "{FORMAT}", "findings": [...]}}'))
    entries = data["findings"]
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("check"), str) or not isinstance(entry.get("fingerprint"), str):
            raise KitError(_('{path}: finding {n} needs a "check" and a "fingerprint" string').format(path=path, n=i + 1))
    return Baseline(path, entries)


def save(baseline: Baseline) -> Path:
    data = {"format": FORMAT, "version": VERSION, "findings": baseline.entries}
    try:
        return write_text_atomic(baseline.path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        raise KitError(_("{path}: cannot write the baseline ({reason})").format(path=baseline.path,
                                                                               reason=exc.strerror or exc)) from None


def _summary(check: CheckResult) -> str:
    return (check.message or check.title).splitlines()[0][:200] if (check.message or check.title) else ""


def _ran(results: RunResults, entry: dict[str, Any]) -> bool:
    """Whether this run could have seen the entry's finding (its check ran on its resource)."""
    return any(c.id == entry.get("check") and (c.resource or None) == (entry.get("resource") or None)
               for c in results.checks)


def apply(results: RunResults, path: Path, update: bool = False) -> dict[str, Any]:
    """Mark baselined findings "known" (in place); with `update`, first rewrite the file from this run.

    Returns what the reports show: {"file", "known", "new", "stale", "updated"}.
    """
    findings = [c for c in results.checks if c.status in BASELINED]
    for check in findings:
        check.fingerprint = fingerprint(check, results.resources)
    if update:
        old = load(path).keys() if Path(path).exists() else {}
        entries: list[dict[str, Any]] = []
        for check in findings:
            key = (check.id, check.resource or None, check.fingerprint)
            entry = {**old.get(key, {}), "check": check.id, "resource": check.resource, "fingerprint": check.fingerprint,
                     "status": check.status, "summary": _summary(check)}
            if key not in {_key(e) for e in entries}:
                entries.append(entry)
        # Entries of checks this run did not cover stay: a partial run must not forget them.
        entries += [e for k, e in old.items() if k not in {_key(x) for x in entries} and not _ran(results, e)]
        baseline = Baseline(Path(path), entries)
        save(baseline)
    else:
        baseline = load(path)
    known_keys = baseline.keys()
    matched: set[Key] = set()
    known, new = 0, 0
    for check in findings:
        key = (check.id, check.resource or None, check.fingerprint)
        if key in known_keys:
            check.known_status = check.status
            check.status = "known"
            matched.add(key)
            known += 1
        else:
            new += 1
    stale = [e for k, e in known_keys.items() if k not in matched and _ran(results, e)]
    info = {"file": str(path), "known": known, "new": new, "updated": update,
            "stale": [{"check": e.get("check"), "resource": e.get("resource"), "fingerprint": e.get("fingerprint"),
                       "summary": e.get("summary", "")} for e in stale]}
    if update:
        results.warnings.append(_("baseline {path} written: {n} known deviations").format(path=path,
                                                                                           n=len(baseline.entries)))
    if stale:
        results.warnings.append(
            _("baseline {path}: {n} stale entries (the deviation was not seen: fixed, or changed into a new "
              "finding; refresh with --baseline-update): ").format(path=path, n=len(stale))
            + "; ".join(f"{e.get('check')} [{e.get('resource') or '-'}] {e.get('fingerprint')}" for e in stale))
    return info
