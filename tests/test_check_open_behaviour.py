"""Where the vendor page is silent, every reasonable behaviour passes: an implementation that
differs from the reference only there must get exit 0 (warnings allowed, no fail, no error).
Each run also holds pre-existing records, which must come out unchanged, with nothing the kit
created left behind (except records of resources without DELETE, which the run must list)."""

from __future__ import annotations

import json

import pytest

from faulty import OPEN_VARIANTS, faulty_server
from faulty.live import changed_records, new_keys, preloaded_records, snapshot
from faulty.run import describe, quick_check
from scs_kit import spec as spec_mod

SPEC = spec_mod.load()
NO_DELETE = {r.name for r in SPEC.resources if not r.allows("DELETE")}

# One resource of each kind: documented fields, GET only, GET+PUT with the query route,
# no DELETE, minimum id 2.
RESOURCES = ("ContainmentLine", "ConnectedClient", "ReceivedCall-Record", "MessDef-Mail", "SIP-ServerConnection")


def _without(snap: dict, fields: set[str]) -> dict:
    """The snapshot with fields the implementation sets by itself (e.g. a timestamp of the last write)
    removed from every record, so that a restore the server re-stamps still compares equal."""
    if not fields:
        return snap
    out = {}
    for name, records in snap.items():
        out[name] = {}
        for key, body in records.items():
            rows = json.loads(body)
            out[name][key] = json.dumps([{k: v for k, v in r.items() if k not in fields} for r in rows],
                                        ensure_ascii=False).encode()
    return out


@pytest.mark.parametrize("variant", sorted(OPEN_VARIANTS))
def test_open_behaviour_passes(variant):
    parts = OPEN_VARIANTS[variant]
    managed = {f for p in parts for f in getattr(p, "SERVER_MANAGED", ())}
    # a variant may need a resource beyond the usual five (the one holding the field it differs in)
    resources = RESOURCES + tuple(r for p in parts for r in getattr(p, "RESOURCES", ()) if r not in RESOURCES)
    with faulty_server(*parts, records=preloaded_records(SPEC)) as server:
        before = snapshot(server.base_url, SPEC)
        results = quick_check(server.base_url, resources=resources)
        after = snapshot(server.base_url, SPEC)
    report = f"{variant}: {' / '.join((p.__doc__ or p.__name__).strip() for p in parts)}\n" + describe(results)
    bad = [c for c in results.checks if c.status in ("fail", "error")]
    assert not bad, report
    assert results.exit_code == 0, report
    # no warning-free loophole: where the policy relaxes a point, the relaxed point is still reported
    for check_id in {c for p in parts for c in getattr(p, "WARNS", ())}:
        assert "warn" in [c.status for c in results.checks if c.id == check_id], f"{check_id} did not warn\n{report}"
    for note in {n for p in parts for n in getattr(p, "NOTES", ())}:
        assert any(note in w for w in results.warnings), f"no run note {note!r}\n{report}\n{results.warnings}"
    changed = changed_records(_without(before, managed), _without(after, managed))
    assert not changed, report + "\npre-existing records changed:\n" + "\n".join(changed)
    listed = {(c.resource, c.key) for c in results.created_records if not c.deleted}
    for name, keys in new_keys(before, after).items():
        assert name in NO_DELETE, f"{report}\nkit records left on {name}: {sorted(keys)}"
        unlisted = sorted(k for k in keys if (name, k) not in listed)
        assert not unlisted, f"{report}\n{name}: records {unlisted} created but not in results.created_records"
