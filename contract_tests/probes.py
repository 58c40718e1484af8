"""Bad requests to every documented write, shared by ROBUSTNESS-NO-5XX (no answer may be a 5xx or a
dropped connection) and ROBUSTNESS-TRUTHFUL (a success answer had its effect, a refusal changed nothing).

Sent once per resource and run (cached on the kit), on every resource that has the method:
- bodies that cannot be a record (not JSON, not an object, empty) to POST and PUT;
- records the kit marks, made invalid (a nested value, a number where the document infers text, a key
  out of range), to POST and PUT;
- PUT and DELETE of a valid key under which there is no record.
Writes follow the safety rule: POST only where the kit may create records (each ledgered before it is
sent), PUT to the kit's own record or, on a resource without POST, to a snapshotted record restored
afterwards, and PUT of an absent key ledgered under that key (an implementation may upsert it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scs_kit.check.context import keyint
from scs_kit.check.http import Answer, Unreachable

# Bodies no implementation can read as a record: a success answer to any of them is untrue.
NOT_RECORDS = (b"", b"{", b"[]", b"null", b'"text"', b"123", b"\x00\xff\xfe", b"[" * 64,
               "{\"壊れた\": ".encode(), b'[{"result": true}]')


@dataclass
class Probe:
    """One request of the probe and what it did."""

    label: str  # "POST /R with body b'{'"
    answer: Answer | None  # None: no answer (the connection dropped or timed out)
    failure: str = ""  # why there was no answer
    record: bool = False  # the body can be a record (an object carrying the kit's marker)
    effect: str | None = None  # what changed ("" nothing; else a description), None when not judged
    lie: str = ""  # a success answer whose effect did not happen, or a refusal that changed data
    evidence: list = field(default_factory=list)


def probes(kit, resource) -> list[Probe]:
    key = ("bad-requests", resource.name)
    if key not in kit.cache:
        out: list[Probe] = []
        kit.cache[key] = out
        if kit.can_write():
            _posts(kit, resource, out)
            _puts(kit, resource, out)
            _absent(kit, resource, out)
    return kit.cache[key]


def _send(kit, out: list[Probe], label: str, method: str, path: str, **kwargs: Any) -> Probe:
    try:
        probe = Probe(label, kit.client.request(method, path, **kwargs))
    except Unreachable as exc:
        if "no answer within" in str(exc):  # a timeout is the run's error, not a finding
            raise
        probe = Probe(label, None, failure=str(exc))
    out.append(probe)
    return probe


def _invalid_records(kit, resource, key: str) -> list[tuple[str, dict]]:
    """Marked records the document's schema refuses: (what is wrong, body)."""
    others = [f.name for f in resource.fields if f.name != resource.key and f.name != kit.marker_field(resource)]
    base = kit.body(resource, key, kit.next_marker())
    cases = [("an unknown member holding a nested value", {**base, "scs-kit-nested": {"x": [1, {"y": None}]}}),
             ("a key out of range", {**base, resource.key: "99999999999"})]
    if others:
        cases.insert(0, (f"{others[0]!r} as a JSON object", {**base, others[0]: {"value": base.get(others[0])}}))
    return cases


def _posts(kit, resource, out: list[Probe]) -> None:
    if not resource.allows("POST") or kit.creation_blocker(resource):
        return
    # records of a resource without DELETE stay if accepted: there, only bodies that cannot be records
    cases = [(f"body {raw[:20]!r}", None, raw) for raw in NOT_RECORDS]
    if resource.allows("DELETE"):
        cases += [(what, body, None) for what, body in _invalid_records(kit, resource, "0")]
    mf = kit.marker_field(resource)
    start, _ = kit.list(resource)
    before = start
    refused: list[Probe] = []
    for what, body, raw in cases:
        marker = body.get(mf) if body and mf else None
        entry = kit.ledger.pending(resource.name, marker)
        probe = _send(kit, out, f"POST {resource.collection} with {what}", "POST", resource.collection,
                      body=body, raw=raw)
        probe.record = body is not None
        if probe.answer is not None and probe.answer.refused and body is None:
            entry.deleted, entry.note = True, "POST registered nothing"  # verified by the list after the batch
            refused.append(probe)
            continue
        after, lst = kit.list(resource)
        unsettled = kit.claim(resource, entry, before, after, bool(probe.answer and probe.answer.succeeded))
        new = [k for k in kit.keys(after, resource) if k not in kit.keys(before, resource)]
        probe.evidence = [lst.exchange]
        if probe.answer is not None and probe.answer.succeeded:
            if body is None:
                probe.lie = "answered success to a body that cannot be a record"
            elif entry.key is None:
                probe.lie = "answered success, but no record carries the body's marker"
        elif probe.answer is not None and probe.answer.refused and (entry.key is not None or new):
            probe.lie = f"was refused, but new records appeared: {new or [entry.key]}"
        if unsettled:
            kit.ledger.problems.append(f"{probe.label} was followed by new records {unsettled}; the kit cannot tell "
                                       "which is its own")
        if entry.key is not None:
            kit.remove(resource, entry.key)
        before, _ = kit.list(resource) if entry.key is not None else (after, None)
    if refused:
        end_rows, lst = kit.list(resource)
        appeared = [k for k in kit.keys(end_rows, resource) if k not in kit.keys(start, resource)]
        if appeared:
            refused[0].lie = (f"was refused (as were {len(refused) - 1} other bodies that cannot be records), but new "
                              f"records {appeared} appeared meanwhile")
            refused[0].evidence = [lst.exchange]
            kit.ledger.problems.append(f"new {resource.name} records {appeared} appeared after refused POSTs of bodies "
                                       "that cannot be records; the kit cannot tell whether they are its own")


def _puts(kit, resource, out: list[Probe]) -> None:
    if not resource.allows("PUT"):
        return
    if resource.allows("POST"):
        if kit.creation_blocker(resource):
            return
        key = kit.spare_key(resource)
        try:
            _put_cases(kit, resource, key, out)
        finally:
            kit.remove(resource, key)
        return
    rows, _ = kit.list(resource)
    if not rows:
        return
    key = str(max(rows, key=lambda r: keyint(r.get(resource.key)) or 0).get(resource.key))
    with kit.touching(resource, [key]):
        _put_cases(kit, resource, key, out)


def _put_cases(kit, resource, key: str, out: list[Probe]) -> None:
    path = resource.item_path(key)
    mf = kit.marker_field(resource)
    cases = [(f"body {raw[:20]!r}", None, raw) for raw in NOT_RECORDS]
    if resource.allows("POST"):  # a foreign record gets only bodies that cannot be records
        cases += [(what, body, None) for what, body in _invalid_records(kit, resource, key)]
    now = kit.record(resource, key)
    for what, body, raw in cases:
        before = now
        probe = _send(kit, out, f"PUT {path} with {what}", "PUT", path, body=body, raw=raw)
        probe.record = body is not None
        get = kit.get_item(resource, key)
        now = kit.one(get)
        probe.evidence = [get.exchange]
        if probe.answer is None:
            continue
        if probe.answer.succeeded:
            if body is None:
                probe.lie = "answered success to a body that cannot be a record"
            elif mf and body.get(mf) is not None and (now or {}).get(mf) != body.get(mf) and before != now:
                probe.lie = f"answered success, but the record shows {mf} {(now or {}).get(mf)!r}, not the value sent"
        elif probe.answer.refused and now != before:
            changed = sorted(f for f in set(now or {}) | set(before or {}) if (now or {}).get(f) != (before or {}).get(f))
            probe.lie = f"was refused, but the record changed in {changed}"


def _absent(kit, resource, out: list[Probe]) -> None:
    rows, _ = kit.list(resource)
    absent = kit.absent_key(rows, resource)
    path = resource.item_path(absent)
    # an implementation may turn this PUT into a new record (an upsert): where records cannot be deleted,
    # only in --mode full
    if resource.allows("PUT") and (resource.allows("DELETE") or kit.mode == "full"):
        marker = kit.next_marker()
        entry = kit.ledger.pending(resource.name, marker)
        entry.key = absent
        body = kit.body(resource, absent, marker)
        probe = _send(kit, out, f"PUT {path} (a key with no record)", "PUT", path, body=body)
        probe.record = True
        get = kit.get_item(resource, absent)
        now = kit.one(get)
        probe.evidence = [get.exchange]
        if now is None:
            entry.deleted, entry.note = True, "PUT registered nothing"
        else:
            entry.note = "registered by a PUT of a key with no record (an upsert)"
        mf = kit.marker_field(resource)
        if probe.answer is not None and probe.answer.succeeded and now is None:
            probe.lie = "answered success, but there is still no record under that key"
        elif probe.answer is not None and probe.answer.succeeded and mf and now.get(mf) != body.get(mf):
            probe.lie = f"answered success, but the record under that key shows {mf} {now.get(mf)!r}, not the value sent"
        elif probe.answer is not None and probe.answer.refused and now is not None:
            probe.lie = "was refused, but a record appeared under that key"
        if now is not None:
            kit.remove(resource, absent)
    if resource.allows("DELETE"):
        _send(kit, out, f"DELETE {path} (a key with no record)", "DELETE", path)
