"""One pass over every documented operation of a resource, shared by ENVELOPE and METHODS checks.

The tour is run once per resource and session (the session fixture `tours`); each check judges the
exchanges it recorded. Writes follow the safety rules: POST/PUT/DELETE only on a kit record,
PUT on a foreign record (a resource without POST) only with snapshot and exact restore.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scs_kit.check.context import Kit
from scs_kit.check.transport import Answer
from scs_kit.check.verdict import PremiseBroken
from scs_kit.i18n import _


@dataclass
class Tour:
    rows: list = field(default_factory=list)
    list_answer: Answer | None = None
    get_existing: Answer | None = None
    absent_key: str = ""
    get_absent: Answer | None = None
    post: Answer | None = None
    created_key: str | None = None
    get_created: Answer | None = None
    put: Answer | None = None
    put_effect: bool | None = None  # did GET show the PUT's values?
    get_after_put: Answer | None = None
    delete: Answer | None = None
    delete_effect: bool | None = None
    get_after_delete: Answer | None = None
    delete_absent: Answer | None = None
    write_blocker: str | None = None  # why the tour made no writes
    write_error: Exception | None = None  # the writes could not be made (e.g. the list is not an array)

    def require_writes(self) -> None:
        if self.write_error is not None:
            raise self.write_error

    def writes(self) -> list[tuple[str, Answer]]:
        return [(n, a) for n, a in (("POST", self.post), ("PUT", self.put), ("DELETE", self.delete),
                                    (_("DELETE of a key with no record"), self.delete_absent)) if a is not None]

    def answers(self) -> list[Answer]:
        return [a for a in (self.list_answer, self.get_existing, self.get_absent, self.post, self.get_created,
                            self.put, self.get_after_put, self.delete, self.get_after_delete, self.delete_absent)
                if a is not None]


class Tours:
    """The tour of each resource, run on first use (an error in it is every tour check's error)."""

    def __init__(self, kit: Kit):
        self.kit = kit
        self._done: dict[str, Tour | Exception] = {}

    def of(self, resource) -> Tour:
        if resource.name not in self._done:
            try:
                self._done[resource.name] = _run(self.kit, resource)
            except Exception as exc:  # noqa: BLE001 - every check of the tour reports the same error
                self._done[resource.name] = exc
        value = self._done[resource.name]
        if isinstance(value, Exception):
            raise value
        return value


def _rows(answer: Answer) -> list:
    body = answer.json
    return body if answer.ok and isinstance(body, list) else []


def _run(kit: Kit, r) -> Tour:
    t = Tour()
    t.list_answer = kit.read(r, kit.client.get(r.collection))
    t.rows = [row for row in _rows(t.list_answer) if isinstance(row, dict)]
    if t.rows:
        t.get_existing = kit.get_item(r, str(t.rows[0].get(r.key)))
    t.absent_key = kit.absent_key(t.rows, r)
    t.get_absent = kit.get_item(r, t.absent_key)
    if not kit.can_write():
        t.write_blocker = _("mode read-only sends GET only")
        return t
    try:
        _writes(kit, r, t)
    except PremiseBroken as exc:  # judged by the read checks; the write checks report it as their error
        t.write_error = exc
    return t


def _writes(kit: Kit, r, t: Tour) -> None:
    if r.allows("POST") and not kit.creation_blocker(r):
        key, ans, _unused, _unused, _unused = kit.create(r)
        t.post, t.created_key = ans, key
        if key is not None:
            t.get_created = kit.get_item(r, key)
    elif r.allows("POST"):
        t.write_blocker = kit.creation_blocker(r)
    if r.allows("PUT"):
        kept = kit.records.reusable(r) if r.allows("POST") and t.created_key is None else []
        if t.created_key is not None:
            _put(kit, r, t, t.created_key, kit.body(r, t.created_key))
        elif kept:  # the kit's one record on a resource without DELETE
            _put(kit, r, t, kept[-1], kit.body(r, kept[-1], kit.records.next_marker()))
        elif not r.allows("POST") and t.rows:
            target = str(t.rows[-1].get(r.key))
            with kit.touching(r, [target]) as snaps:
                _put(kit, r, t, target, kit.mutated(r, snaps[target]))
    if r.allows("DELETE"):
        if t.created_key is not None:
            t.delete = kit.delete(r, t.created_key)
            t.get_after_delete = kit.get_item(r, t.created_key)
            gone = kit.one(t.get_after_delete) is None if t.get_after_delete.ok else None
            if gone is None:  # the single GET refused: look at the list instead
                gone = all(str(x.get(r.key)) != t.created_key for x in kit.list(r)[0])
            t.delete_effect = gone
            if gone:
                kit.records.forget(r, t.created_key)
        t.delete_absent = kit.delete(r, t.absent_key)


def _put(kit: Kit, r, t: Tour, key: str, body: dict) -> None:
    before = kit.record(r, key) or {}
    t.put = kit.put(r, key, body)
    t.get_after_put = kit.get_item(r, key)
    after: dict[str, Any] = kit.one(t.get_after_put) or {}
    changed = [f for f, v in body.items() if f != r.key and f in before and before[f] != v]  # fields the PUT changed
    t.put_effect = any(after.get(f) == body[f] for f in changed) if changed else None
