"""Every check can fail: each registered fault is caught by the check it targets, every check in
the catalogue has a fault, and the reference server itself passes."""

from __future__ import annotations

import pytest
from faulty import FAULTS, faulty_server
from faulty.run import describe, quick_check, statuses


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_fault_is_caught_by_its_check(fault):
    with faulty_server(fault) as server:
        results = quick_check(server.base_url, only=(fault.family,), resources=(fault.resource,), **dict(fault.options))
        found = statuses(results, fault.check, fault.resource)
        report = f"fault {fault.name} ({fault.doc})\n{describe(results)}"
        assert found, f"{fault.check} did not run on {fault.resource}\n{report}"
        assert fault.expect in found, f"{fault.check} ended {found}, expected {fault.expect}\n{report}"
        if fault.expect == "fail":
            assert results.exit_code == 1, report
        else:
            assert "fail" not in found and "error" not in found, report
            assert results.exit_code == 0, f"a warning alone must exit 0\n{report}"
            strict = quick_check(server.base_url, only=(fault.family,), resources=(fault.resource,), strict=True,
                                 **dict(fault.options))
            assert fault.expect in statuses(strict, fault.check, fault.resource), describe(strict)
            assert strict.exit_code == 1, f"--strict turns the warning into exit 1\n{describe(strict)}"


def test_every_check_in_the_catalogue_has_a_fault():
    from scs_kit.check.catalog import CHECKS

    catalogue = {c.id: c for c in CHECKS}
    covered = {f.check for f in FAULTS}
    assert not covered - set(catalogue), f"faults target checks the catalogue no longer has: {covered - set(catalogue)}"
    assert not set(catalogue) - covered, f"checks without a fault that makes them fail: {set(catalogue) - covered}"
    for fault in FAULTS:
        check = catalogue[fault.check]
        assert fault.family == check.family, f"{fault.name}: {fault.check} is in {check.family}"
        # A MUST check must be shown failing; a SHOULD check can at most warn.
        if check.level == "SHOULD":
            assert fault.expect == "warn", fault.name
    must = {c.id for c in CHECKS if c.level == "MUST"}
    failing = {f.check for f in FAULTS if f.expect == "fail"}
    assert not must - failing, f"MUST checks never shown failing: {must - failing}"


def test_reference_server_passes_every_check():
    results = quick_check(None)  # no URL: the kit starts the reference server with demo data
    report = describe(results)
    assert results.target == "reference", report
    assert len(results.resources) == 19, report
    bad = [c for c in results.checks if c.status in ("fail", "error")]
    assert not bad, report
    assert results.exit_code == 0, report
    assert {c.id for c in results.checks} >= {f.check for f in FAULTS}, "every check ran"
