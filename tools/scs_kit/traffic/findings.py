"""What the traffic showed, per check and resource: findings with the exchanges they rest on, and which
checks the traffic exercised at all (the rest is "not observed", never a pass)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..check.catalog import BY_ID, CHECKS, source_of
from ..i18n import N_, _
from ..results import CheckResult, Exchange
from ..shell import curl as curl_line
from ..spec import METHODS, Resource, Spec
from .model import Recorded

EVIDENCE_MAX = 6
MESSAGES_MAX = 5
NOT_OBSERVED = N_("not observed: the traffic holds no exchange that shows this")


@dataclass
class Finding:
    check: str
    resource: str
    status: str  # fail | warn
    message: str
    cites: list[Recorded] = field(default_factory=list)


@dataclass
class Deferred:
    """A finding that rests on a listing the service may have changed by itself since (a call arrived, a
    client disconnected): kept until the next listing of the resource says whether the data changed."""

    finding: Finding
    still: Callable[[dict[str, dict]], bool]  # given the next listing (key → record): is it still a finding?
    otherwise: Finding | None = None  # what stands instead when the listing explains the answer


class Findings:
    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.observed: dict[tuple[str, str], int] = {}  # (check, resource) → exchanges judged
        self.deferred: dict[str, list[Deferred]] = {}  # resource → findings awaiting the next listing
        self.dropped = 0  # deferred findings a later listing explained

    def observe(self, check: str, resource: str) -> None:
        key = (check, resource)
        self.observed[key] = self.observed.get(key, 0) + 1

    def fail(self, check: str, resource: str, message: str, *cites: Recorded) -> None:
        """A broken promise: fails a MUST check, warns a SHOULD check (the catalogue's level decides)."""
        status = "fail" if BY_ID[check].level == "MUST" else "warn"
        self._add(check, resource, status, message, cites)

    def warn(self, check: str, resource: str, message: str, *cites: Recorded) -> None:
        self._add(check, resource, "warn", message, cites)

    def _add(self, check: str, resource: str, status: str, message: str, cites: tuple[Recorded, ...]) -> None:
        self.observe(check, resource)
        where = ", ".join(c.cite for c in cites)
        self.items.append(Finding(check, resource, status, _("{message} [exchange {where}]").format(message=message, where=where) if where else message,
                                  list(cites)))

    def defer(self, check: str, resource: str, message: str, still: Callable[[dict[str, dict]], bool],
              *cites: Recorded, otherwise: str | None = None, otherwise_check: str | None = None) -> None:
        """Like `fail`, unless the next listing of the resource shows the data changed in a way that
        explains the answer (`still` returns False); then `otherwise`, if given, stands instead: a warning
        of the same check, or a finding of `otherwise_check` at that check's level."""
        self.observe(check, resource)
        status = "fail" if BY_ID[check].level == "MUST" else "warn"
        where = ", ".join(c.cite for c in cites)
        finding = Finding(check, resource, status, _("{message} [exchange {where}]").format(message=message, where=where),
                          list(cites))
        fallback = None
        if otherwise:
            other = otherwise_check or check
            level = "fail" if otherwise_check and BY_ID[other].level == "MUST" else "warn"
            if otherwise_check:
                self.observe(other, resource)
            fallback = Finding(other, resource, level, _("{message} [exchange {where}]").format(message=otherwise, where=where),
                               list(cites))
        self.deferred.setdefault(resource, []).append(Deferred(finding, still, fallback))

    def recheck(self, resource: str, rows: dict[str, dict], listing: Recorded) -> None:
        """The next listing (nothing written since): confirm or drop the resource's deferred findings."""
        for d in self.deferred.pop(resource, []):
            if d.still(rows):
                d.finding.cites.append(listing)
                d.finding.message += _("; the next listing {exchange} confirms it").format(exchange=listing.cite)
                self.items.append(d.finding)
            else:
                self.dropped += 1
                if d.otherwise is not None:
                    self.items.append(d.otherwise)

    def settle(self, resource: str | None = None) -> None:
        """No listing can tell any more (a write, or the end of the traffic): deferred findings stand."""
        for name in [resource] if resource else list(self.deferred):
            self.items.extend(d.finding for d in self.deferred.pop(name, []))

    @property
    def count(self) -> int:
        return len(self.items)

    def results(self, spec: Spec, resources: list[str]) -> list[CheckResult]:
        """One CheckResult per catalogue check and resource, in the form every report renders."""
        by_key: dict[tuple[str, str], list[Finding]] = {}
        for item in self.items:
            by_key.setdefault((item.check, item.resource), []).append(item)
        out = []
        for name in resources:
            for check in CHECKS:
                found = by_key.get((check.id, name), [])
                seen = self.observed.get((check.id, name), 0)
                if found:
                    status = "fail" if any(f.status == "fail" for f in found) else "warn"
                    ordered = sorted(found, key=lambda f: f.status != status)
                    message = "\n".join(f.message for f in ordered[:MESSAGES_MAX])
                    if len(found) > MESSAGES_MAX:
                        message += "\n" + _("… and {n} more").format(n=len(found) - MESSAGES_MAX)
                    evidence = _evidence([c for f in ordered for c in f.cites])
                elif seen:
                    status, message, evidence = "pass", _("judged from traffic: {n} observation(s), no finding").format(n=seen), []
                else:
                    status, message, evidence = "skip", not_applicable(check.id, spec.resource(name)) or _(NOT_OBSERVED), []
                out.append(CheckResult(
                    id=check.id, family=check.family, status=status, title=check.title, resource=name,
                    level=check.level, rule=check.rule, source=source_of(check, spec), message=message,
                    evidence=evidence,
                ))
        return out


def not_applicable(check: str, resource: Resource) -> str | None:
    """Why a check cannot apply to a resource at all, whatever the traffic (as the active checks skip)."""
    if check.startswith("MIN-ID") and resource.min_id <= 1:
        return _("not applicable: the page sets no minimum ID for {resource}").format(resource=resource.name)
    if check.startswith("QUERY") and not resource.query:
        return _("not applicable: {resource} has no query route").format(resource=resource.name)
    if check in ("METHODS-FORBIDDEN", "METHODS-ALLOW-HEADER") and len(resource.methods) == len(METHODS):
        return _("not applicable: {resource} documents every method").format(resource=resource.name)
    if check.startswith(("KEYS-POST", "ROUNDTRIP-POST", "MIN-ID-NEW")) and not resource.allows("POST"):
        return _("not applicable: {resource} has no POST").format(resource=resource.name)
    return None


def _evidence(cites: list[Recorded]) -> list[Exchange]:
    seen: set[int] = set()
    out = []
    for x in cites:
        if x.index in seen:
            continue
        seen.add(x.index)
        out.append(exchange_of(x))
        if len(out) == EVIDENCE_MAX:
            break
    return out


def exchange_of(x: Recorded) -> Exchange:
    request_headers = dict(x.request_headers)
    body = x.request_text if x.request_body else None
    return Exchange(
        method=x.method, url=x.url, request_headers=request_headers, request_body=body, status=x.status,
        response_headers=dict(x.response_headers), response_body=x.text, curl=curl_line(x.method, x.url,
                                                                                          request_headers, body),
    )
