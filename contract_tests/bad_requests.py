"""Bad requests to every documented write (the `bad_requests` fixture), shared by ROBUSTNESS-NO-5XX (no
answer may be a 5xx or a dropped connection) and ROBUSTNESS-TRUTHFUL (a success answer had its effect, a
refusal changed nothing).

Sent once per resource and run, on every resource that has the method:
- bodies that cannot be a record (not JSON, not an object, empty) to POST and PUT;
- records the kit marks, made invalid (a nested value, a key out of range), to POST and PUT;
- PUT and DELETE of a valid key under which there is no record.
Writes follow the safety rule: every POST through the records component, ledgered before it is sent
(only where records can be deleted); PUT to the kit's own record or, on a resource without POST, to a
record snapshotted and restored exactly; PUT of an absent key ledgered under that key (an
implementation may upsert it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scs_kit.check.context import Kit
from scs_kit.check.http import NoAnswer, Unreachable
from scs_kit.check.reading import keyint, one
from scs_kit.check.transport import Answer
from scs_kit.check.verdict import documented
from scs_kit.i18n import _

# Bodies no implementation can read as a record: a success answer to any of them is untrue.
NOT_RECORDS = (b"", b"{", b"[]", b"null", b'"text"', b"\x00\xff\xfe", b"[" * 64, "{\"壊れた\": ".encode(),
               b"123", b'[{"result": true}]')
TIMEOUTS = (NoAnswer.TIMEOUT, NoAnswer.TOO_SLOW)  # the run's error (--timeout), not a finding


@dataclass
class Probe:
    """One request of the probe and what it did."""

    label: str  # "POST /R with body b'{'"
    answer: Answer | None  # None: no answer (the connection dropped)
    failure: str = ""  # why there was no answer
    lie: str = ""  # a success answer whose effect did not happen, or a refusal that changed data
    doubt: str = ""  # the same, shown only by a field the page does not document (it may be server-managed)
    evidence: list = field(default_factory=list)


class BadRequests:
    def __init__(self, kit: Kit):
        self.kit = kit
        self._done: dict[str, list[Probe]] = {}

    def of(self, resource: Any) -> list[Probe]:
        if resource.name not in self._done:
            self._done[resource.name] = out = []
            if self.kit.can_write():
                _posts(self.kit, resource, out)
                _puts(self.kit, resource, out)
                _absent(self.kit, resource, out)
        return self._done[resource.name]


def _sent(out: list[Probe], label: str, send) -> Probe:
    try:
        probe = Probe(label, send())
    except Unreachable as exc:
        if exc.failure in TIMEOUTS:
            raise
        probe = Probe(label, None, failure=str(exc))
    out.append(probe)
    return probe


def _invalid_records(kit: Kit, resource: Any, key: str) -> list[tuple[str, dict]]:
    """Marked records the document's schema refuses: (what is wrong, body)."""
    mf = kit.marker_field(resource)
    others = [f.name for f in resource.fields if f.name not in (resource.key, mf)]
    base = kit.body(resource, key, kit.records.next_marker())
    cases = [(_("an unknown member holding a nested value"), {**base, "scs-kit-nested": {"x": [1, {"y": None}]}}),
             (_("a key out of range"), {**base, resource.key: "99999999999"})]
    if others:
        cases.insert(0, (f"{others[0]!r} as a JSON object", {**base, others[0]: {"value": base.get(others[0])}}))
    return cases


def _posts(kit: Kit, resource: Any, out: list[Probe]) -> None:
    # a record registered by a bad body may not carry the kit's marker: only where it can be deleted
    if not (resource.allows("POST") and resource.allows("DELETE")) or kit.creation_blocker(resource):
        return
    mf = kit.marker_field(resource)
    # each POST is ledgered and lists the records before and after: one body of each kind that cannot be
    # a record (not JSON, not an object, not UTF-8), and the invalid records (the body key is POST's to ignore)
    raws = NOT_RECORDS if kit.profile.name == "thorough" else NOT_RECORDS[:3] + NOT_RECORDS[4:6]
    cases: list[tuple[str, dict | None, bytes | None]] = [(f"body {raw[:20]!r}", None, raw) for raw in raws]
    cases += [(what, body, None) for what, body in _invalid_records(kit, resource, "0") if "key" not in what]
    for what, body, raw in cases:
        marker = body.get(mf) if body and mf else None
        holder: dict = {}

        def send(body=body, raw=raw, marker=marker, holder=holder):
            posted = kit.records.post(resource, body, raw=raw, marker=marker, note=_("registered by a bad POST"))
            holder["posted"] = posted
            return posted.answer

        probe = _sent(out, f"POST {resource.collection} with {what}", send)
        posted = holder.get("posted")
        if posted is None or probe.answer is None:
            continue
        if posted.after_answer is not None:
            probe.evidence = [posted.after_answer.exchange]
        new = posted.unsettled or ([posted.key] if posted.key else [])
        if probe.answer.succeeded and body is None:
            probe.lie = _("answered success to a body that cannot be a record")
        elif probe.answer.succeeded and posted.key is None and not posted.unsettled:
            probe.lie = _("answered success, but no record was registered")
        elif probe.answer.refused and new:
            probe.lie = _("was refused, but new records appeared: {new}").format(new=new)
        if posted.key is not None:
            kit.remove(resource, posted.key)
        elif posted.unsettled:
            kit.records.problems.append(_("{label} was followed by new records {unsettled}; the kit cannot tell which is its own").format(label=probe.label, unsettled=posted.unsettled))


def _puts(kit: Kit, resource: Any, out: list[Probe]) -> None:
    if not resource.allows("PUT"):
        return
    if resource.allows("POST"):
        if not kit.has_own(resource):
            return
        key = kit.spare_key(resource)
        try:
            _put_cases(kit, resource, key, out, own=True)
        finally:
            kit.remove(resource, key)
        return
    rows, _unused = kit.list(resource)
    if rows:
        key = str(max(rows, key=lambda r: keyint(r.get(resource.key)) or 0).get(resource.key))
        with kit.touching(resource, [key]):
            _put_cases(kit, resource, key, out, own=False)


def _put_cases(kit: Kit, resource: Any, key: str, out: list[Probe], own: bool) -> None:
    path = resource.item_path(key)
    mf = kit.marker_field(resource)
    raws = NOT_RECORDS if kit.profile.name == "thorough" else NOT_RECORDS[:8]
    cases: list[tuple[str, dict | None, bytes | None]] = [(f"body {raw[:20]!r}", None, raw) for raw in raws]
    if own:  # a foreign record gets only bodies that cannot be records
        cases += [(what, body, None) for what, body in _invalid_records(kit, resource, key)]
    now = kit.record(resource, key)
    for what, body, raw in cases:
        before = now
        probe = _sent(out, f"PUT {path} with {what}",
                      lambda body=body, raw=raw: kit.client.request("PUT", path, body=body, raw=raw))
        get = kit.get_item(resource, key)
        now = one(get)
        probe.evidence = [get.exchange]
        if probe.answer is None:
            continue
        if probe.answer.succeeded:
            if body is None:
                probe.lie = _("answered success to a body that cannot be a record")
            elif mf and mf in (before or {}) and (now or {}).get(mf) == before.get(mf) != body.get(mf):
                unchanged = _("answered success, but the record still shows {mf} {value!r}: nothing changed").format(
                    mf=mf, value=before.get(mf))
                if documented(resource, mf):
                    probe.lie = unchanged
                else:  # an undocumented field may be one the implementation sets itself
                    probe.doubt = unchanged + _(" ({field} is a field the page does not document)").format(field=mf)
            else:  # the record holds what was sent, in every documented field sent as a plain value
                wrong = [f for f, v in body.items() if f != resource.key and documented(resource, f)
                         and isinstance(v, str) and (now or {}).get(f) != v]
                if wrong:
                    probe.lie = _("answered success, but the record does not hold the documented field(s) {wrong} sent").format(wrong=wrong)
        elif probe.answer.refused and now != before:
            changed = sorted(f for f in set(now or {}) | set(before or {}) if (now or {}).get(f) != (before or {}).get(f))
            probe.lie = _("was refused, but the record changed in {changed}").format(changed=changed)


def _absent(kit: Kit, resource: Any, out: list[Probe]) -> None:
    rows, _unused = kit.list(resource)
    absent = kit.absent_key(rows, resource)
    path = resource.item_path(absent)
    # an implementation may turn this PUT into a new record (an upsert): where records cannot be deleted,
    # only in --mode full
    if resource.allows("PUT") and (resource.allows("DELETE") or kit.mode == "full"):
        body, _unused = kit.records.marked(resource, kit.body(resource, absent))
        holder: dict = {}

        def send():
            holder["posted"] = kit.records.put_new(resource, absent, body, _("registered by a PUT of a key with no record"))
            return holder["posted"].answer

        probe = _sent(out, _("{method} {path} (a key with no record)").format(method="PUT", path=path), send)
        posted = holder.get("posted")
        if posted is not None and probe.answer is not None:
            now = one(posted.after_answer) if posted.after_answer is not None else None
            probe.evidence = [posted.after_answer.exchange] if posted.after_answer is not None else []
            if probe.answer.succeeded and now is None:
                probe.lie = _("answered success, but there is still no record under that key")
            elif probe.answer.refused and now is not None:
                probe.lie = _("was refused, but a record appeared under that key")
            if posted.key is not None:
                kit.remove(resource, posted.key)
    if resource.allows("DELETE"):
        _sent(out, _("{method} {path} (a key with no record)").format(method="DELETE", path=path), lambda: kit.delete(resource, absent))
