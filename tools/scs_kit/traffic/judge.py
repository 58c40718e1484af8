"""`judge`: the recorded traffic in, the results every report is rendered from out.

Exchanges are taken in order; each is judged on its own (rules) and as part of the sequence on its
resource (sequences). The same function serves the live proxy and `check --traffic`, so both give the
same verdict for the same exchanges."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from .. import __version__
from ..i18n import _
from ..results import FAMILIES, RunResults
from ..spec import METHODS, Spec
from .findings import Findings
from .model import Recorded
from .routes import Router
from .rules import judge_exchange
from .sequences import Sequences
from .verdict import verdict

TARGET = "traffic"  # RunResults.target of runs judged from traffic (reports mark their cells)


class Judge:
    """Incremental: `feed` exchanges as they come, `results` at any time."""

    def __init__(self, spec: Spec, slow: float = 2.0):
        """`slow`: answers slower than this many seconds warn (LATENCY-SLOW, as `check --slow`)."""
        self.spec = spec
        self.slow = slow
        self.router = Router(spec)
        self.findings = Findings()
        self.sequences = Sequences(spec, self.findings)
        self.judged = 0
        self.ignored = 0
        self.unanswered = 0
        self.bom = 0
        self.base_url = ""

    def feed(self, x: Recorded) -> None:
        route = self.router.route(x.url) if x.method in METHODS else None
        if route is None:
            self.ignored += 1
            return
        if x.status is None:
            self.unanswered += 1
            return
        self.judged += 1
        if not self.base_url:
            self.base_url = _base_url(x.url, route.resource.collection)
        self.bom += x.has_bom
        judge_exchange(self.spec, self.findings, x, route, self.sequences.present(route), self.slow)
        self.sequences.feed(x, route)

    def results(self, *, base_url: str = "", strict: bool = False, started_at: str = "", duration_s: float = 0.0,
                replay: str = "", problems: list[str] | None = None) -> RunResults:
        """`problems`: what kept the kit from seeing the traffic (exit 2 unless a MUST failed)."""
        names = [r.name for r in self.spec.resources]
        self.sequences.finish()
        self.findings.settle()
        checks = self.findings.results(self.spec, names)
        for c in checks:
            if c.status != "pass" and replay:
                c.replay = replay
        run = RunResults(
            kit_version=__version__, base_url=base_url or self.base_url or _("(no exchange of the service)"),
            target=TARGET, profile="passive", mode="traffic", seed=0, strict=strict,
            spec_path=str(self.spec.path or ""), spec_sha256=_sha256(self.spec.path),
            started_at=started_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            duration_s=round(duration_s, 2), requests_sent=self.judged, resources=names, families=list(FAMILIES),
            checks=checks,
        )
        run.warnings.extend(self.notes() + list(problems or []))
        run.exit_code, run.outcome = verdict(run.checks, strict, bool(problems))
        return run

    def notes(self) -> list[str]:
        notes = [_("judged from traffic: {n} exchange(s) of the service; checks the traffic does not "
                   "exercise are reported as skipped (not observed), never as passed").format(n=self.judged)]
        if self.ignored:
            notes.append(_("{n} exchange(s) outside the document's operations were not judged").format(n=self.ignored))
        if self.unanswered:
            notes.append(_("{n} request(s) got no answer (connection failed or cancelled)").format(n=self.unanswered))
        if self.findings.dropped:
            notes.append(_("{n} finding(s) were dropped because a later listing showed the data had changed without "
                           "a write in the traffic (the service changes some data itself)").format(n=self.findings.dropped))
        if self.bom:
            notes.append(_("{n} answers began with a UTF-8 byte order mark, which JSON senders must not add "
                           "(RFC 8259); the kit read past it").format(n=self.bom))
        return notes


def judge(exchanges: Iterable[Recorded], spec: Spec, slow: float = 2.0, **options) -> RunResults:
    j = Judge(spec, slow)
    for x in exchanges:
        j.feed(x)
    return j.results(**options)


def _base_url(url: str, collection: str) -> str:
    parts = urlsplit(url)
    path = parts.path
    cut = path.find(collection + "/") if collection + "/" in path else path.rfind(collection)
    return f"{parts.scheme}://{parts.netloc}{path[:cut] if cut >= 0 else ''}"


def _sha256(path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except (OSError, TypeError):
        return ""
