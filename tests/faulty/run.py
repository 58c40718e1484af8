"""Running `scs-kit check` in-process against a test server, small and silent."""

from __future__ import annotations

import os
from collections import Counter

# Fixed, so a run is reproducible; SCS_FAULT_SEED=N tries another seed (every fault should still be caught).
SEED = int(os.environ.get("SCS_FAULT_SEED", "20261126"))


def quick_check(base_url: str | None, only=None, resources=None, **options):
    """run_check with the quick profile, no report files, no progress output."""
    from scs_kit.check.runner import CheckOptions, run_check

    kwargs = dict(base_url=base_url, profile="quick", seed=SEED, report_dir=None, progress=None,
                  only=tuple(only) if only else None, resources=tuple(resources) if resources else None)
    if os.environ.get("SCS_CHECK_WORKERS"):  # run the same tests with resources checked concurrently
        kwargs["workers"] = int(os.environ["SCS_CHECK_WORKERS"])
    kwargs.update(options)
    return run_check(CheckOptions(**kwargs))


def describe(results) -> str:
    """A compact account of a run for assertion messages."""
    counts = Counter(c.status for c in results.checks)
    lines = [f"exit {results.exit_code}, outcome {results.outcome}, {dict(counts)}"]
    for c in results.checks:
        if c.status != "pass":
            lines.append(f"  {c.status:5} {c.id} [{c.resource}] {c.message[:300]}")
    return "\n".join(lines)


def statuses(results, check_id: str, resource: str | None = None) -> list[str]:
    return [c.status for c in results.checks if c.id == check_id and (resource is None or c.resource in (resource, None))]
