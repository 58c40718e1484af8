"""Exit code and outcome of a judged run: the team's verdict policy in one function."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ..results import CheckResult


def verdict(checks: Iterable[CheckResult], strict: bool, problems: bool = False) -> tuple[int, str]:
    """A failed MUST → 1; the kit could not do its job → 2; warnings fail only under --strict."""
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return EXIT_FINDINGS, "fail"
    if "error" in statuses or problems:
        return EXIT_USAGE, "error"
    if strict and "warn" in statuses:
        return EXIT_FINDINGS, "fail"
    return EXIT_OK, "pass"
