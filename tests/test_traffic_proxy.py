"""Passive conformance: real clients (a client doing what the vendor's fetch samples do, and the kit's own
`check`) talk to implementations through `scs-kit proxy`. Correct implementations and every behaviour the
page leaves open pass; every fault the traffic can show is caught by the check that catches it in active
mode; `check --traffic` on the recorded HAR gives the same verdict."""

from __future__ import annotations

import pytest
from faulty import FAULTS, OPEN_VARIANTS, faulty_server
from faulty.live import preloaded_records
from faulty.run import quick_check
from scs_kit import spec as spec_mod
from scs_kit.traffic.har import read_har, write_har
from scs_kit.traffic.judge import judge
from scs_kit.traffic.running import start_proxy
from traffic.client import exercise

SPEC = spec_mod.load()
# One resource of each kind, as in test_check_open_behaviour: documented fields, GET only, GET+PUT with
# the query route, no DELETE, minimum id 2.
RESOURCES = ("ContainmentLine", "ConnectedClient", "ReceivedCall-Record", "MessDef-Mail", "SIP-ServerConnection")
# Variants whose behaviour lives on one resource: the kit's check runs there only (the sample client still
# exercises every resource), which keeps the parametrised cases fast.
VARIANT_RESOURCES = {
    "percent-26-literal": ("ReceivedCall-Record",),
    "query-ordered-by-time": ("ReceivedCall-Record",),
    "read-only-call-facts": ("ReceivedCall-Record",),
    "server-sets-status": ("Online-Activation",),
}

# Faults no client of the document shows in traffic a passive judge can read: a state machine's model
# has to drive the writes, and the quick sample of traffic never resurrects or stops flushing.
NOT_TRAFFIC_VISIBLE = {
    "delete-resurrects": "the record only comes back after a later write; only the STATEFUL model tracks it",
    "put-silently-fails": "needs more writes on one resource than the sample clients send before reading back",
}


def describe(results) -> str:
    lines = [f"exit {results.exit_code}, outcome {results.outcome}, {results.summary()}"]
    lines += [f"  {c.status:5} {c.id} [{c.resource}] {c.message[:400]}" for c in results.checks
              if c.status not in ("pass", "skip")]
    return "\n".join(lines)


def _verdicts(results) -> dict[tuple[str, str | None], str]:
    return {(c.id, c.resource): c.status for c in results.checks}


def _through_proxy(server_url: str, tmp_path, resources=None, kit: dict | None = None, slow: float = 2.0):
    """Run the sample client (and the kit's check when `kit` gives its options) through a proxy; returns the
    proxy's results and the results of `check --traffic` on the HAR it recorded. `slow` as `--slow`."""
    proxy = start_proxy(server_url, SPEC, slow=slow)
    try:
        exercise(proxy.base_url, SPEC, list(resources) if resources else None)
        if kit is not None:
            quick_check(proxy.base_url, **kit)
    finally:
        proxy.stop()
    live = proxy.proxy.results()
    har = write_har(tmp_path / "traffic.har", proxy.proxy.exchanges, SPEC.secret_fields)
    offline = judge(read_har(har), SPEC, slow=slow)
    a, b = _verdicts(offline), _verdicts(live)
    differ = {k: (b.get(k), a.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert not differ, f"check --traffic on the recorded HAR differs from the proxy (proxy, HAR): {differ}\n" + "\n".join(
        c.message[:600] for c in live.checks + offline.checks if (c.id, c.resource) in differ and c.status != "pass")
    assert offline.exit_code == live.exit_code
    return live


def test_reference_server_passes(tmp_path):
    from scs_kit.server import start_server

    server = start_server(host="127.0.0.1", port=0, demo=True, db=":memory:")
    try:
        results = _through_proxy(server.base_url, tmp_path, kit={"resources": RESOURCES})
    finally:
        server.stop()
    bad = [c for c in results.checks if c.status in ("fail", "error")]
    assert not bad, describe(results)
    assert results.exit_code == 0 and results.target == "traffic", describe(results)
    observed = {c.id for c in results.checks if c.status == "pass"}
    # the traffic exercises each family that a sequence of ordinary requests can show
    for check in ("ENVELOPE-WRITE-SHAPE", "ENVELOPE-GET-SINGLE", "METHODS-FORBIDDEN", "KEYS-POST-MAX-PLUS-ONE",
                  "KEYS-DELETE-EXACT", "MIN-ID-NEVER-ONE", "QUERY-MATCHES-MODEL", "ROUNDTRIP-PUT"):
        assert check in observed, f"{check} never judged\n{describe(results)}"
    assert any(c.status == "skip" and c.message.startswith("not observed") for c in results.checks)


@pytest.mark.parametrize("variant", sorted(OPEN_VARIANTS))
def test_open_behaviour_passes_through_proxy(variant, tmp_path):
    parts = OPEN_VARIANTS[variant]
    with faulty_server(*parts, records=preloaded_records(SPEC)) as server:
        results = _through_proxy(server.base_url, tmp_path, kit={"resources": VARIANT_RESOURCES.get(variant, RESOURCES)})
    report = f"{variant}: {' / '.join((p.__doc__ or p.__name__).strip() for p in parts)}\n" + describe(results)
    assert not [c for c in results.checks if c.status in ("fail", "error")], report
    assert results.exit_code == 0, report


VISIBLE = [f for f in FAULTS if f.name not in NOT_TRAFFIC_VISIBLE]


@pytest.mark.parametrize("fault", VISIBLE, ids=str)
def test_fault_is_caught_from_traffic(fault, tmp_path):
    kit = {"only": (fault.family,), "resources": (fault.resource,), **dict(fault.options)}
    with faulty_server(fault) as server:
        results = _through_proxy(server.base_url, tmp_path, [fault.resource], kit=kit,
                                 slow=dict(fault.options).get("slow", 2.0))
    found = [c.status for c in results.checks if c.id == fault.check and c.resource == fault.resource]
    report = f"fault {fault.name} ({fault.doc})\n{describe(results)}"
    assert found == [fault.expect], f"{fault.check} ended {found}, expected {fault.expect}\n{report}"
    assert results.exit_code == (1 if fault.expect == "fail" else 0), report


def test_invisible_faults_are_registered():
    names = {f.name for f in FAULTS}
    assert set(NOT_TRAFFIC_VISIBLE) <= names
    assert set(VARIANT_RESOURCES) <= set(OPEN_VARIANTS)
