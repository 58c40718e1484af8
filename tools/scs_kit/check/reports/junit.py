"""JUnit XML for CI (Jenkins, GitLab, GitHub test reporters): one <testsuite> per check family."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET

from ...i18n import _
from ...results import CheckResult, RunResults
from .. import labels
from .view import _families, exchange_view, printable, run_replay_command

MAX_MESSAGE = 500  # the message= attribute is a one-line summary; the full text is the element body


def _clean(text: str) -> str:
    # XML 1.0 cannot carry control characters at all, not even escaped.
    return printable(text or "")


def _case_name(check: CheckResult) -> str:
    return f"{check.id} [{check.resource}]" if check.resource else check.id


def _detail(check: CheckResult, results: RunResults) -> str:
    title = _(check.title) if check.title else ""
    lines = [f"{check.level} {check.id}" + (f" [{check.resource}]" if check.resource else "") + f": {title}"]
    if check.source:
        lines.append(_("Vendor sentence ({rule}): {quote}").format(rule=check.rule or _("rule"), quote=check.source))
    if check.message:
        lines += ["", check.message]
    for ex in map(exchange_view, range(1, len(check.evidence) + 1), check.evidence):
        lines += ["", f"#{ex.number} {ex.request_line} -> {ex.status_line}"]
        if ex.request_body:
            lines.append(_("request body: {body}").format(body=ex.request_body.text))
        if ex.response_body:
            lines.append(_("response body: {body}").format(body=ex.response_body.text)
                         + (f"\n{ex.response_body.truncated_note}" if ex.response_body.truncated_note else ""))
        lines.append(_("reproduce: {command}").format(command=ex.curl))
    lines += ["", _("replay: {command}").format(command=check.replay or run_replay_command(results, only=check.family))]
    if check.seed is not None:
        lines.append(_("seed: {seed}").format(seed=check.seed))
    return "\n".join(lines)


def _title(check: CheckResult) -> str:
    return _(check.title) if check.title else ""


def _first_line(text: str) -> str:
    line = (text or "").strip().split("\n", 1)[0]
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


def _counts(checks: list[CheckResult]) -> dict[str, str]:
    return {
        "tests": str(len(checks)),
        "failures": str(sum(c.status == "fail" for c in checks)),
        "errors": str(sum(c.status == "error" for c in checks)),
        "skipped": str(sum(c.status == "skip" for c in checks)),
        "time": f"{sum(c.duration_s for c in checks):.3f}",
    }


def render_junit(results: RunResults) -> str:
    """`results` must already be redacted."""
    root = ET.Element("testsuites", {"name": "scs-kit check", **_counts(results.checks)})
    root.set("time", f"{results.duration_s:.3f}")
    run_properties = {
        "base_url": results.base_url,
        "target": results.target,
        "kit_version": results.kit_version,
        "spec_sha256": results.spec_sha256,
        "profile": results.profile,
        "mode": results.mode,
        "seed": str(results.seed),
        "strict": str(results.strict).lower(),
        "requests_sent": str(results.requests_sent),
        "outcome": results.outcome,
        "replay": run_replay_command(results),
    }
    hostname = socket.gethostname()
    for family in _families(results):
        checks = [c for c in results.checks if c.family == family]
        if not checks:
            continue
        suite = ET.SubElement(root, "testsuite", {"name": family, **_counts(checks), "timestamp": results.started_at[:19], "hostname": hostname})
        props = ET.SubElement(suite, "properties")
        for name, value in run_properties.items():
            ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
        for check in checks:
            case = ET.SubElement(suite, "testcase", {"name": _clean(_case_name(check)), "classname": f"scs.{family}", "time": f"{check.duration_s:.3f}"})
            if check.status in ("fail", "error"):
                tag = "failure" if check.status == "fail" else "error"
                kind = check.level if check.status == "fail" else "error"
                element = ET.SubElement(case, tag, {"message": _clean(_first_line(check.message or _title(check))), "type": kind})
                element.text = _clean(_detail(check, results))
            elif check.status == "skip":
                ET.SubElement(case, "skipped", {"message": _clean(_first_line(check.message or _("not applicable")))})
            elif check.status == "known":
                case_props = ET.SubElement(case, "properties")
                ET.SubElement(case_props, "property", {"name": "known", "value": _clean(_first_line(check.message or _title(check)))})
                out = ET.SubElement(case, "system-out")
                out.text = _clean(_("KNOWN DEVIATION ({status}, accepted by the baseline; fingerprint {fingerprint})").format(
                    status=labels.status(check.known_status or "fail"), fingerprint=check.fingerprint)
                    + "\n" + _detail(check, results))
            elif check.status == "warn":
                case_props = ET.SubElement(case, "properties")
                ET.SubElement(case_props, "property", {"name": "warning", "value": _clean(_first_line(check.message or _title(check)))})
                out = ET.SubElement(case, "system-out")
                out.text = _clean(_("WARNING (passes; exit 1 only with --strict)") + "\n" + _detail(check, results))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
