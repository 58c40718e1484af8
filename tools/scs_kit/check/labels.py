"""Display words for statuses and outcomes; results files keep the English codes."""

from __future__ import annotations

from ..i18n import N_, _

STATUS_LABELS = {
    "pass": N_("pass"), "fail": N_("fail"), "warn": N_("warn"), "error": N_("error"), "skip": N_("skip"),
    "known": N_("known"),
}
PLURAL_LABELS = {  # headings: "Failures (3)"
    "fail": N_("Failures"), "error": N_("Errors"), "warn": N_("Warnings"), "known": N_("Known deviations (baseline)"),
    "skip": N_("Skipped"), "pass": N_("Passed"),
}


def status(code: str) -> str:
    """`pass` → "pass" / "合格"; an unknown code is shown as it is."""
    label = STATUS_LABELS.get(code)
    return _(label) if label else code


def counts(summary: dict[str, int]) -> str:
    """ "3 pass, 1 fail" in the current language (statuses with a count only)."""
    return _(", ").join(_("{n} {status}").format(n=n, status=status(s)) for s, n in summary.items() if n)
