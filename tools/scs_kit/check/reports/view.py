"""The display model shared by the HTML and Markdown reports: what to show, in which order.

Everything here works on results that are already redacted; renderers only lay it out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus

from ...i18n import N_, _
from ...results import FAMILIES, SEVERITY, STATUSES, CheckResult, Exchange, RunResults
from ...shell import curl as curl_command
from ...shell import invoke_webrequest, posix_to_powershell, replay
from ...spec import Spec
from .. import labels

MAX_BODY_CHARS = 6000  # per body shown; the full body stays in results.json
MAX_BODY_LINES = 80
MAX_EXCHANGES = 12  # per finding

SYMBOLS = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "–", "error": "⚠", "known": "≈", None: "·"}
LABELS: dict[str | None, str] = {**{k: v for k, v in labels.STATUS_LABELS.items()}, None: N_("n/a")}
FINDING_STATUSES = ("fail", "error", "warn", "known")  # listed in full, in this order
SECTION_TITLES = {s: labels.PLURAL_LABELS[s] for s in FINDING_STATUSES}
TRAFFIC_MARK = "⇄"  # on matrix cells judged from recorded traffic
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """Control characters (raw bytes a server answered) shown as visible escapes, never raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


@dataclass
class Body:
    text: str
    is_json: bool
    truncated_note: str = ""


def format_body(raw: str | None) -> Body | None:
    """Pretty-printed JSON when it parses, else the text; cut to a readable size with a note."""
    if raw is None or raw == "":
        return None
    try:
        text, is_json = json.dumps(json.loads(raw), ensure_ascii=False, indent=2), True
    except ValueError:
        text, is_json = raw, False
    full = printable(text)
    shown = "\n".join(full.split("\n")[:MAX_BODY_LINES])
    if len(shown) > MAX_BODY_CHARS:
        shown = shown[:MAX_BODY_CHARS]
        if "\n" in shown:
            shown = shown.rsplit("\n", 1)[0]  # end on a whole line
    note = ""
    if len(shown) < len(full):
        note = _("… truncated: {lines:,} of {all_lines:,} lines, {chars:,} of {all_chars:,} characters shown; "
                 "the full body is in results.json").format(lines=shown.count("\n") + 1, all_lines=full.count("\n") + 1,
                                                            chars=len(shown), all_chars=len(full))
    text = shown
    return Body(text, is_json, note)


def status_line(status: int | None) -> str:
    if status is None:
        return _("no response")
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


@dataclass
class ExchangeView:
    number: int
    request_line: str
    request_headers: list[tuple[str, str]]
    request_body: Body | None
    status: int | None
    status_line: str
    response_headers: list[tuple[str, str]]
    response_body: Body | None
    curl: str
    powershell: str = ""

    @property
    def status_class(self) -> str:
        if self.status is None or self.status >= 500:
            return "error"
        return "fail" if self.status >= 400 else "pass"


def exchange_view(number: int, ex: Exchange) -> ExchangeView:
    return ExchangeView(
        number=number,
        request_line=printable(f"{ex.method.upper()} {ex.url}"),
        request_headers=[(printable(k), printable(v)) for k, v in ex.request_headers.items()],
        request_body=format_body(ex.request_body),
        status=ex.status,
        status_line=status_line(ex.status),
        response_headers=[(printable(k), printable(v)) for k, v in ex.response_headers.items()],
        response_body=format_body(ex.response_body),
        curl=printable(ex.curl or curl_command(ex.method, ex.url, ex.request_headers, ex.request_body)),
        powershell=printable(invoke_webrequest(ex.method, ex.url, ex.request_headers, ex.request_body)),
    )


@dataclass
class FindingView:
    anchor: str
    check: CheckResult
    resource_label: str
    rule_summary: str
    exchanges: list[ExchangeView]
    more_exchanges: int
    replay: str

    @property
    def status(self) -> str:
        return self.check.status

    @property
    def replay_powershell(self) -> str:
        return posix_to_powershell(self.replay)


@dataclass
class Cell:
    family: str
    status: str | None
    counts: dict[str, int]
    href: str | None
    traffic: bool = False  # judged from recorded traffic (scs-kit proxy, check --traffic)

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]

    @property
    def label(self) -> str:
        if self.traffic and self.status == "skip":
            return _("not observed")
        return _(LABELS[self.status]) + (f" {TRAFFIC_MARK}" if self.traffic and self.status else "")

    @property
    def tooltip(self) -> str:
        if not self.counts:
            return _("{family}: no check applies or ran").format(family=self.family)
        judged = _(" (judged from recorded traffic; skip = not observed)") if self.traffic else ""
        return f"{self.family}: " + labels.counts(self.counts) + judged


@dataclass
class Row:
    name: str
    title: str
    title_en: str
    cells: list[Cell]


@dataclass
class ReportView:
    results: RunResults
    verdict: str
    summary: dict[str, int]
    families: list[str]
    rows: list[Row]
    sections: list[tuple[str, str, list[FindingView]]]  # (status, title, findings)
    skipped: list[tuple[str, CheckResult, str]]  # (anchor, check, resource label)
    run_replay: str
    header: list[tuple[str, str]] = field(default_factory=list)

    @property
    def run_replay_powershell(self) -> str:
        return posix_to_powershell(self.run_replay)

    @staticmethod
    def title_of(check: CheckResult) -> str:
        """The check's title in the report's language (results files keep the catalogue's English)."""
        return _(check.title) if check.title else ""

    @staticmethod
    def status_label(status: str | None) -> str:
        return _(LABELS[status]) if status in LABELS else str(status)

    @staticmethod
    def section_title(status: str) -> str:
        return _(SECTION_TITLES[status])


def run_replay_command(results: RunResults, only: str | None = None) -> str:
    """`scs-kit check` with everything that makes the run repeatable (no URL for the bundled server)."""
    if results.target == "traffic":  # judged from recorded traffic: replayed from the recording
        return next((c.replay for c in results.checks if c.replay), "scs-kit check --traffic FILE.har")
    return replay(base_url=results.base_url if results.target != "reference" else None, profile=results.profile,
                  mode=results.mode, seed=results.seed, strict=results.strict, only=only)


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return _("{seconds} s").format(seconds=f"{seconds:.1f}")
    minutes, secs = divmod(int(round(seconds)), 60)
    return _("{minutes} min {seconds} s").format(minutes=minutes, seconds=f"{secs:02d}")


def _families(results: RunResults) -> list[str]:
    families = list(results.families or FAMILIES)
    families += [c.family for c in results.checks if c.family not in families]
    return list(dict.fromkeys(families))


def _order_key(resources: list[str], families: list[str]):
    def key(check: CheckResult):
        res = -1 if check.resource is None else (resources.index(check.resource) if check.resource in resources else len(resources))
        fam = families.index(check.family) if check.family in families else len(families)
        return (res, check.resource or "", fam, -SEVERITY.get(check.status, 0), check.id)

    return key


def build_view(results: RunResults, spec: Spec) -> ReportView:
    """`results` must already be redacted."""
    titles = {r.name: r for r in spec.resources}
    matrix = results.matrix()
    resources = list(dict.fromkeys([*results.resources, *matrix]))
    families = _families(results)
    order = _order_key(resources, families)

    def label(resource: str | None) -> str:
        if resource is None:
            return _("all resources")
        res = titles.get(resource)
        return _("{name} ({title})").format(name=resource, title=res.title) if res else resource

    checks = sorted(results.checks, key=order)
    sections: list[tuple[str, str, list[FindingView]]] = []
    anchor_of: dict[int, str] = {}
    number = 0
    for status in FINDING_STATUSES:
        findings = []
        for check in (c for c in checks if c.status == status):
            number += 1
            anchor = f"f{number}"
            anchor_of[id(check)] = anchor
            rule = spec.rules.get(check.rule or "")
            shown = check.evidence[:MAX_EXCHANGES]
            findings.append(
                FindingView(
                    anchor=anchor,
                    check=check,
                    resource_label=label(check.resource),
                    rule_summary=rule.summary if rule else "",
                    exchanges=[exchange_view(i, ex) for i, ex in enumerate(shown, 1)],
                    more_exchanges=len(check.evidence) - len(shown),
                    replay=check.replay or run_replay_command(results, only=check.family),
                )
            )
        if findings:
            sections.append((status, _(SECTION_TITLES[status]), findings))
    skipped = []
    for i, check in enumerate((c for c in checks if c.status == "skip"), 1):
        anchor_of[id(check)] = f"s{i}"
        skipped.append((f"s{i}", check, label(check.resource)))

    rows = []
    for resource in resources:
        res = titles.get(resource)
        cells = []
        for family in families:
            mine = [c for c in checks if c.family == family and c.resource in (resource, None)]
            counts = {s: n for s in STATUSES if (n := sum(1 for c in mine if c.status == s))}
            worst = matrix.get(resource, {}).get(family)
            target = next((c for c in mine if c.status == worst), None) if worst and worst != "pass" else None
            cells.append(Cell(family, worst, counts, f"#{anchor_of[id(target)]}" if target is not None and id(target) in anchor_of else None,
                              results.target == "traffic"))
        rows.append(Row(resource, res.title if res else "", res.title_en if res else "", cells))

    summary = {s: n for s, n in results.summary().items() if s in results.shown_statuses()}
    verdict = labels.status(results.outcome).upper()
    header = [
        (_("Target"), results.base_url + (_(" (bundled reference server)") if results.target == "reference" else "")),
        (_("Verdict"), _("{verdict} (exit code {code})").format(verdict=verdict, code=results.exit_code)),
        (_("Kit version"), f"scs-kit {results.kit_version}"),
        (_("OpenAPI document"), f"{results.spec_path} · sha256 {results.spec_sha256[:16]}"),
        (_("Profile / mode"), f"{results.profile} / {results.mode}" + (" / strict" if results.strict else "")),
        (_("Seed"), str(results.seed)),
        (_("Started"), results.started_at),
        (_("Duration"), format_duration(results.duration_s)),
        (_("Requests sent"), f"{results.requests_sent:,}"),
    ]
    if results.target == "traffic":
        header[0] = (_("Target"), _("{url} (judged from recorded traffic, {mark} in the matrix)").format(
            url=results.base_url, mark=TRAFFIC_MARK))
        header[-1] = (_("Exchanges judged"), f"{results.requests_sent:,}")
    return ReportView(
        results=results,
        verdict=verdict,
        summary=summary,
        families=families,
        rows=rows,
        sections=sections,
        skipped=skipped,
        run_replay=run_replay_command(results),
        header=header,
    )
