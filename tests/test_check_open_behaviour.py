"""Where the vendor page is silent, every reasonable behaviour passes: an implementation that
differs from the reference only there must get exit 0 (warnings allowed, no fail, no error)."""

from __future__ import annotations

import pytest

from faulty import OPEN_VARIANTS, faulty_server
from faulty.run import describe, quick_check

# One resource of each kind: documented fields, GET only, GET+PUT with the query route,
# no DELETE, minimum id 2.
RESOURCES = ("ContainmentLine", "ConnectedClient", "ReceivedCall-Record", "MessDef-Mail", "SIP-ServerConnection")


@pytest.mark.parametrize("variant", sorted(OPEN_VARIANTS))
def test_open_behaviour_passes(variant):
    with faulty_server(*OPEN_VARIANTS[variant]) as server:
        results = quick_check(server.base_url, resources=RESOURCES)
    report = f"{variant}: {' / '.join((p.__doc__ or p.__name__).strip() for p in OPEN_VARIANTS[variant])}\n" + describe(results)
    bad = [c for c in results.checks if c.status in ("fail", "error")]
    assert not bad, report
    assert results.exit_code == 0, report
