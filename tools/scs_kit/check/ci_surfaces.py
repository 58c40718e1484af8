"""What a check run shows inside CI systems beyond its exit code and report files.

- `GITHUB_STEP_SUMMARY` set: a Markdown summary (verdict, counts, findings) is appended to that file,
  which GitHub Actions shows on the run's page.
- `GITHUB_ACTIONS` set: each failure and error is also printed as a workflow command
  (`::error title=…::…`), warnings as `::warning`, so they appear as annotations.
GitLab CI reads junit.xml (`artifacts:reports:junit`) and needs nothing here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import IO

from ..i18n import _
from ..results import CheckResult, RunResults
from . import labels

MAX_ANNOTATIONS = 50  # GitHub shows only the first few per step; the rest would be noise
MAX_SUMMARY_FINDINGS = 100


def _first_line(check: CheckResult) -> str:
    text = check.message or (_(check.title) if check.title else "")  # titles are catalogue ids in English
    return text.splitlines()[0][:300] if text else ""


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_annotations(results: RunResults) -> list[str]:
    """Workflow commands for the findings: errors and failures first, then warnings."""
    lines = []
    order = {"error": 0, "fail": 1, "warn": 2}
    findings = sorted((c for c in results.checks if c.status in order), key=lambda c: order[c.status])
    for check in findings[:MAX_ANNOTATIONS]:
        level = "warning" if check.status == "warn" else "error"
        title = f"scs-kit {labels.status(check.status)}: {check.id}" + (f" [{check.resource}]" if check.resource else "")
        message = _first_line(check) + (_(" (replay: {command})").format(command=check.replay) if check.replay else "")
        lines.append(f"::{level} title={_escape_property(title)}::{_escape_data(message)}")
    if len(findings) > MAX_ANNOTATIONS:
        lines.append("::notice title=scs-kit::" + _("{n} more findings in the reports").format(
            n=len(findings) - MAX_ANNOTATIONS))
    return lines


def step_summary(results: RunResults, paths: Mapping[str, object] | None = None) -> str:
    """A short Markdown summary for the GitHub Actions run page."""
    from .reports.markdown import code, inline

    summary = results.summary()
    statuses = results.shown_statuses()
    out = [
        f"### scs-kit check: **{labels.status(results.outcome).upper()}** (exit {results.exit_code})",
        "",
        _("Target {url} · profile {profile} · mode {mode} · seed {seed} · {requests} requests in {seconds} s").format(
            url=code(results.base_url), profile=results.profile, mode=results.mode, seed=results.seed,
            requests=results.requests_sent, seconds=f"{results.duration_s:.1f}"),
        "",
        "| " + " | ".join(labels.status(s) for s in statuses) + " |",
        "|" + "---|" * len(statuses),
        "| " + " | ".join(str(summary[s]) for s in statuses) + " |",
        "",
    ]
    for status in ("fail", "error", "warn", "known"):
        found = [c for c in results.checks if c.status == status]
        if not found:
            continue
        out += [f"#### {_(labels.PLURAL_LABELS[status])} ({len(found)})", ""]
        for check in found[:MAX_SUMMARY_FINDINGS]:
            where = f" · {inline(check.resource)}" if check.resource else ""
            out.append(f"- {code(check.id)}{where}: {inline(_first_line(check))}")
        if len(found) > MAX_SUMMARY_FINDINGS:
            out.append("- " + _("… {n} more in the reports").format(n=len(found) - MAX_SUMMARY_FINDINGS))
        out.append("")
    stale = (results.baseline or {}).get("stale") or []
    if stale:
        out += [f"#### {_('Stale baseline entries')} ({len(stale)})", ""]
        out += [f"- {code(str(e.get('check')))} · {inline(str(e.get('resource') or '-'))} · {code(str(e.get('fingerprint')))}"
                for e in stale] + [""]
    if paths:
        out += [_("Reports: ") + ", ".join(code(str(p)) for p in paths.values()), ""]
    return "\n".join(out) + "\n"


def publish(results: RunResults, paths: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None,
            out: IO[str] | None = None) -> None:
    """Write the step summary and print the annotations when running under GitHub Actions."""
    from .. import spec as specmod
    from .reports.redaction import redact_results

    environ = os.environ if environ is None else environ
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    annotate = bool(environ.get("GITHUB_ACTIONS"))
    if not summary_file and not annotate:
        return
    try:
        secrets = specmod.load(results.spec_path or None).secret_fields
    except Exception:  # noqa: BLE001 - the run is over; redact with the kit's own document then
        secrets = specmod.load().secret_fields
    safe = redact_results(results, secrets)
    if annotate:
        stream = out if out is not None else sys.stdout
        for line in workflow_annotations(safe):
            print(line, file=stream)
    if summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(step_summary(safe, paths))
        except OSError as exc:
            print(_("scs-kit check: note: cannot write GITHUB_STEP_SUMMARY {path} ({reason})").format(
                path=summary_file, reason=exc.strerror or exc), file=sys.stderr)
