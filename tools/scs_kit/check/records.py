"""The records component: the one owner of the kit's safety rule on a live implementation.

- A record the kit creates carries the kit's marker and is in the ledger BEFORE the creating request
  is sent (`create`, `post`, `creating`, `put_new`); its key is settled once the answer is in.
- A record the kit did not create is written only inside `touching`: snapshot first (in the
  ledger), restored exactly afterwards and verified by GET.
- The mode decides which writes are allowed at all (`blocker`). On a resource without DELETE the
  kit keeps at most one record, across runs: it finds its record of an earlier run by the marker
  and reuses it; it creates one only when there is none, and leaves it marked.
- `cleanup` restores every snapshot, deletes every kit record that can be deleted and sweeps for
  records carrying this run's marker that came back; it is idempotent and never raises.

It talks to the implementation only through a `Transport` (one `send(Request) -> Answer` method).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import _
from ..results import CreatedRecord
from .bodies import example
from .field_types import as_text
from .ledger import Entry, Ledger
from .reading import Reader, keyint, keys, max_key, one
from .transport import Answer, Request, Transport
from .verdict import PremiseBroken

MARKER_PREFIX = "scs-kit-"
# A test hook: when set to a file path, the kit creates that file and pauses while a foreign record
# holds the kit's data (between the writes of `touching` and the restore), so that a test can kill
# it exactly there.
PAUSE_ENV = "SCS_KIT_TEST_PAUSE_IN_SNAPSHOT_WINDOW"


class NotAllowed(Exception):
    """A write the mode (or the resource's methods) does not allow; checks skip before asking."""


@dataclass
class Posted:
    """What a creating request did: `key` of the kit's new record (None: none registered or not
    attributable), `unsettled` new keys it could not attribute, the lists before and after."""

    answer: Answer | None
    body: dict | None
    key: str | None = None
    by_marker: bool = False  # the key was found by the marker (not as the only new key)
    unsettled: list[str] = field(default_factory=list)
    before: list[dict] = field(default_factory=list)
    after: list[dict] = field(default_factory=list)
    after_answer: Answer | None = None
    succeeded: bool = False  # set by the caller of `creating` when it sent the request itself


@dataclass
class Batch:
    """What concurrent POSTs did (see `Records.create_many`): an answer and a ledger entry per body, in the
    order of the bodies; the lists before and after; new keys no entry could be given (`unclaimed`)."""

    answers: list[Answer]
    entries: list[Entry]
    before: list[dict]
    after: list[dict]
    after_answer: Answer
    unclaimed: list[str]


class Records:
    def __init__(self, transport: Transport, spec: Any, *, mode: str, run_id: str, reader: Reader | None = None):
        self.transport = transport
        self.spec = spec
        self.mode = mode
        self.run_id = run_id
        self.reader = reader or Reader()
        self.ledger = Ledger()
        self._counter = 0
        self._lock = threading.Lock()
        self._marker_fields: dict[str, str | None] = {}
        self._adopted: set[str] = set()  # resources without DELETE searched for the kit's earlier record
        self.forms: dict[str, str] = {}  # resource → "text" | "typed": the form of values its writes take
        self.cleaned = False

    def journal(self, path: Path, base_url: str) -> None:
        """Keep the ledger in a journal file too (fsynced before every creating or changing request)."""
        self.ledger.open(path, base_url, self.run_id)

    # ---------- policy ----------
    def may_write(self) -> bool:
        return self.mode != "read-only"

    def blocker(self, resource: Any) -> str | None:
        """Why the kit may not create records of this resource (None if it may)."""
        if not resource.allows("POST"):
            return _("{name} has no POST: the kit cannot create records").format(name=resource.name)
        if self.mode == "read-only":
            return _("mode read-only sends GET only")
        if not resource.allows("DELETE") and self.mode != "full":
            return _("needs --mode full: records of this resource cannot be deleted")
        kept = self.kept(resource)
        if kept is not None:
            return (_("{name} has no DELETE and the kit keeps one record there ({kept}): it creates no more").format(name=resource.name, kept=kept))
        return None

    def kept(self, resource: Any) -> str | None:
        """The one kit record on a resource without DELETE: made by this run, or found by its marker from an
        earlier run (then adopted: reused by PUT, never a second one created). None elsewhere."""
        if resource.allows("DELETE") or self.mode != "full":
            return None
        mine = [e for e in self.ledger.live(resource.name) if e.keep]
        if mine:
            return mine[0].key
        if resource.name not in self._adopted:
            self._adopted.add(resource.name)
            mf = self.marker_field(resource)
            try:
                rows, _unused = self.rows(resource)
            except PremiseBroken:  # the list is broken: the checks of that report it; creating fails there too
                return None
            earlier = sorted((r for r in rows if mf and str(r.get(mf, "")).startswith(MARKER_PREFIX)),
                             key=lambda r: (len(str(r.get(resource.key))), str(r.get(resource.key))))
            if earlier and mf:
                key = str(earlier[0].get(resource.key))
                entry = self.ledger.pending(resource.name, str(earlier[0].get(mf)), key=key, keep=True)
                self.ledger.settle(entry, note=_("kept: the kit's record from an earlier run, reused (no DELETE)"))
                if len(earlier) > 1:
                    others = ", ".join(str(r.get(resource.key)) for r in earlier[1:])
                    self.ledger.notes.append(_("{name}: further records carrying the kit's marker ({others}) from earlier runs; "
                                               "the kit reuses only record {key}").format(
                        name=resource.name, others=others, key=key))
                return key
        return None

    # ---------- the marker ----------
    def next_marker(self) -> str:
        with self._lock:
            self._counter += 1
            return f"{MARKER_PREFIX}{self.run_id}-{self._counter}"

    def marker_field(self, resource: Any) -> str | None:
        """The field that carries the kit's marker: the first non-key field whose example is text."""
        if resource.name not in self._marker_fields:
            sample = example(resource)
            # never a secret: an implementation may mask secrets on GET, and the marker must be readable
            others = [f.name for f in resource.fields if f.name != resource.key and not f.secret]
            texty = [n for n in others if not str(sample.get(n, "x")).isdigit()]
            self._marker_fields[resource.name] = (texty or others or [None])[0]
        return self._marker_fields[resource.name]

    def marked(self, resource: Any, body: dict, marker: str | None = None) -> tuple[dict, str]:
        """The body carrying a marker (a fresh one unless given) in the resource's marker field."""
        marker = marker or self.next_marker()
        mf = self.marker_field(resource)
        return ({**body, mf: marker} if mf else dict(body)), marker

    # ---------- reads ----------
    def send(self, request: Request) -> Answer:
        return self.transport.send(request)

    def get(self, resource: Any, key: Any) -> Answer:
        """GET by key, read leniently."""
        return self.reader.read(resource, self.send(Request("GET", resource.item_path(key))))

    def rows(self, resource: Any) -> tuple[list[dict], Answer]:
        """The collection's records; PremiseBroken when it is not a JSON array of records."""
        ans = self.reader.read(resource, self.send(Request("GET", resource.collection)))
        rows = ans.json
        if not ans.ok or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise PremiseBroken(_("GET {collection} did not answer a JSON array of records (HTTP {status})").format(collection=resource.collection, status=ans.status), [ans.exchange])
        return rows, ans

    def record(self, resource: Any, key: Any) -> dict | None:
        """The record under key as GET by key shows it (None for [] or a refusal)."""
        return one(self.get(resource, key))

    def find_marker(self, resource: Any, marker: str) -> str | None:
        """The key of the one record carrying the marker (None for none or several)."""
        mf = self.marker_field(resource)
        rows, _unused = self.rows(resource)
        hits = [r for r in rows if mf and r.get(mf) == marker]
        return str(hits[0].get(resource.key)) if len(hits) == 1 else None

    # ---------- creating ----------
    @contextlib.contextmanager
    def creating(self, resource: Any, marker: str | None, note: str = "") -> Iterator[Posted]:
        """Around a request that may register a record (the caller sends it, e.g. a Schemathesis case, and
        sets `succeeded`): the ledger entry exists before it is sent; afterwards the new record is
        attributed by the marker or, if the implementation drops that field, as the only new key."""
        if not self.may_write():
            raise NotAllowed(_("mode read-only sends GET only"))
        before, _unused = self.rows(resource)
        # an unmarked create (a body that cannot carry the marker): the page's rule says where it lands
        predicted = None if marker else str(max(max_key(before, resource) + 1, resource.min_id))
        entry = self.ledger.pending(resource.name, marker, predicted=predicted, keep=not resource.allows("DELETE"))
        posted = Posted(None, None, before=before)
        yield posted
        posted.after, posted.after_answer = self.rows(resource)
        posted.unsettled = self._claim(resource, entry, before, posted.after, posted.succeeded)
        posted.key = entry.key
        posted.by_marker = entry.by_marker
        if entry.key is not None and note:
            self.ledger.settle(entry, note=note)
        if entry.key is not None and not resource.allows("DELETE"):
            self.ledger.settle(entry, note=entry.note or _("kept: the one record the kit leaves here (no DELETE; reused by later runs)"))

    def post(self, resource: Any, body: dict | None = None, *, raw: bytes | None = None, marker: str | None = None,
             note: str = "") -> Posted:
        """POST to the collection (a marked body, or `raw` bytes that cannot carry a marker), ledgered
        before it is sent; unattributable new keys are left in `unsettled` (see `create`)."""
        with self.creating(resource, marker, note) as posted:
            posted.body = body
            posted.answer = (self.send(Request("POST", resource.collection, raw=raw)) if body is None
                             else self.write("POST", resource.collection, resource, body))
            posted.succeeded = posted.answer.succeeded
        return posted

    def create(self, resource: Any, body: dict, marker: str | None = None) -> Posted:
        """POST a kit record: the body gets the marker; PremiseBroken when the new record cannot be told
        from another client's. NotAllowed where the mode forbids creating records of this resource."""
        reason = self.blocker(resource)
        if reason:
            raise NotAllowed(reason)
        body, marker = self.marked(resource, body, marker)
        posted = self.post(resource, body, marker=marker)
        if posted.unsettled:
            raise PremiseBroken(_("cannot tell which new {name} record the kit's POST created (new keys {unsettled}): another "
                                  "client is writing?").format(name=resource.name, unsettled=posted.unsettled),
                                [posted.answer.exchange if posted.answer else None,
                                 posted.after_answer.exchange if posted.after_answer else None])
        return posted

    def create_many(self, resource: Any, bodies: list[tuple[dict, str]], clients: int) -> Batch:
        """POST many marked bodies ((body, marker) pairs) at once from `clients` threads, each client sending its
        share one after another. Every body is ledgered before any is sent; one list afterwards attributes the
        new records by their markers (or, where the implementation does not store the marker field, as the
        kit's new keys taken together when they number its successful POSTs)."""
        reason = self.blocker(resource)
        if reason:
            raise NotAllowed(reason)
        before, _unused = self.rows(resource)
        entries = [self.ledger.pending(resource.name, marker) for _unused, marker in bodies]
        answers: list[Answer | None] = [None] * len(bodies)

        def client(indices: list[int]) -> None:
            for i in indices:
                answers[i] = self.write("POST", resource.collection, resource, bodies[i][0])

        shares = [list(range(i, len(bodies), clients)) for i in range(clients)]
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(client, [s for s in shares if s]))
        after, after_answer = self.rows(resource)
        old = keys(before, resource)
        unclaimed = [str(r.get(resource.key)) for r in after if str(r.get(resource.key)) not in old]
        mf = self.marker_field(resource)
        hits: dict[Any, list[str]] = {}
        for row in after:
            if mf and row.get(mf) is not None:
                hits.setdefault(row.get(mf), []).append(str(row.get(resource.key)))
        for entry in entries:
            found = hits.get(entry.marker, [])
            if len(found) == 1 and found[0] in unclaimed:
                self.ledger.settle(entry, key=found[0], by_marker=True)
                unclaimed.remove(found[0])
        waiting = [e for e, a in zip(entries, answers, strict=True) if e.key is None and a is not None and a.succeeded]
        if waiting and len(waiting) == len(unclaimed) and not any(e.by_marker for e in entries):
            for entry, key in zip(waiting, sorted(unclaimed, key=lambda k: keyint(k) or 0), strict=False):
                self.ledger.settle(entry, key=key, note=_("a new key of the kit's concurrent POSTs (marker not stored)"))
            unclaimed = []
        if not unclaimed:
            for entry in entries:
                if entry.key is None:
                    self.ledger.settle(entry, deleted=True, note=_("POST registered nothing"))
        for entry in entries:
            if entry.key is not None and not resource.allows("DELETE"):
                self.ledger.settle(entry, note=entry.note or _("resource has no DELETE: left in place (--mode full)"))
        return Batch([a for a in answers if a is not None], entries, before, after, after_answer, unclaimed)

    def put_new(self, resource: Any, key: str, body: dict, note: str) -> Posted:
        """A PUT to a key without a record that a faulty implementation may turn into a new record (an
        upsert): ledgered under that key before it is sent. `key` of the result is set when a record
        appeared; `after_answer` is the GET by key that looked."""
        if not self.may_write():
            raise NotAllowed(_("mode read-only sends GET only"))
        entry = self.ledger.pending(resource.name, body.get(self.marker_field(resource) or ""), key=str(key))
        posted = Posted(self.write("PUT", resource.item_path(key), resource, body), body)
        posted.after_answer = self.get(resource, key)
        if one(posted.after_answer) is not None:
            self.ledger.settle(entry, note=note)
            posted.key = str(key)
        else:
            self.ledger.settle(entry, deleted=True, note=_("PUT registered nothing"))
        return posted

    def _claim(self, resource: Any, entry: Entry, before: list[dict], after: list[dict], succeeded: bool) -> list[str]:
        """Settle a pending entry from the lists before and after its request: the one record carrying the
        entry's marker, or (an implementation that does not store the marker field) the only new key if
        the request succeeded. Returns the new keys it could not attribute ([] when settled)."""
        old = keys(before, resource)
        new = [str(r.get(resource.key)) for r in after if str(r.get(resource.key)) not in old]
        mf = self.marker_field(resource)
        mine = [r for r in after if mf and entry.marker and r.get(mf) == entry.marker]
        if len(mine) == 1:
            self.ledger.settle(entry, key=str(mine[0].get(resource.key)), by_marker=True)
        elif not mine and len(new) == 1 and succeeded:
            self.ledger.settle(entry, key=new[0], note=_("identified as the only new key (marker field not stored)"))
        elif not mine and not new:
            self.ledger.settle(entry, deleted=True, note=_("POST registered nothing"))
        else:
            return new
        return []

    # ---------- the kit's own records ----------
    def owns(self, resource: Any, key: Any) -> bool:
        return self.ledger.owns(resource.name, str(key))

    def reusable(self, resource: Any) -> list[str]:
        """Kit records of a resource without DELETE: they stay on the implementation, so checks that only
        need a kit record to write to reuse them instead of adding more."""
        if resource.allows("DELETE"):
            return []
        if resource.allows("POST"):
            self.kept(resource)  # adopts the kit's record of an earlier run
        return [e.key for e in self.ledger.live(resource.name) if e.key]

    def put(self, resource: Any, key: Any, body: dict) -> Answer:
        return self.write("PUT", resource.item_path(key), resource, body)

    def write(self, method: str, path: str, resource: Any, body: dict) -> Answer:
        """Send a record body in the form the implementation takes: as given; where that is refused, with the
        types the implementation's records show (a number stays a number), or in the document's form (keys
        and values as strings, nulls left out). A form that passed is used first from then on; a retry is
        covered by the same ledger entry as the first try."""
        forms = {"typed": self.reader.types.typed(resource, body), "text": as_text(resource, body)}
        known = self.forms.get(resource.name)
        first = forms[known] if known else body
        answer = self.send(Request(method, path, body=first))
        if answer.refused:  # a form the implementation takes (the one it answers, or the page's) may pass
            for name, other in forms.items():
                if other != first and name != known:
                    retry = self.send(Request(method, path, body=other))
                    if retry.succeeded:
                        self.forms[resource.name] = name
                        return retry
        return answer

    def delete(self, resource: Any, key: Any) -> Answer:
        return self.send(Request("DELETE", resource.item_path(key)))

    def forget(self, resource: Any, key: Any) -> None:
        """A kit record the check deleted and saw gone."""
        self.ledger.forget(resource.name, str(key))

    def remove(self, resource: Any, key: Any) -> None:
        """Done with a kit record: delete it now and mark it in the ledger; on a resource without DELETE
        make sure it still carries the marker (a check may have written other text there)."""
        if key is None or not self.owns(resource, key):
            return
        if not resource.allows("DELETE"):
            self._remark(resource, str(key))
            return
        self.delete(resource, key)
        if self.record(resource, key) is None:
            self.forget(resource, key)

    def _remark(self, resource: Any, key: str) -> None:
        """PUT the kit's marker back into its kept record if a write replaced it."""
        mf = self.marker_field(resource)
        if not mf or not resource.allows("PUT"):
            return
        record = self.raw_record(resource, key)
        if record is None or str(record.get(mf, "")).startswith(MARKER_PREFIX):
            return
        entry = next((e for e in self.ledger.live(resource.name) if e.key == key), None)
        marker = entry.marker if entry and entry.marker else self.next_marker()
        self.put(resource, key, {**record, mf: marker})

    # ---------- records the kit did not create ----------
    def raw_record(self, resource: Any, key: Any) -> dict | None:
        """The record under key exactly as the implementation answers it (no lenient reading)."""
        return one(self.send(Request("GET", resource.item_path(key))))

    def snapshot(self, resource: Any, key: str) -> dict:
        """Ledger the record under key, exactly as answered, before the kit changes it; PremiseBroken if it
        cannot be read."""
        snap = self.raw_record(resource, key)
        if snap is None:
            raise PremiseBroken(_("setup: {item_path} vanished before the kit could snapshot it").format(item_path=resource.item_path(key)))
        self.ledger.snapshot(resource.name, str(key), snap)
        return snap

    @contextlib.contextmanager
    def touching(self, resource: Any, keys_: list[str]) -> Iterator[dict[str, dict]]:
        """Snapshot foreign records before the kit writes them; restore them exactly afterwards. Yields
        key → snapshot."""
        snaps: dict[str, dict] = {}
        try:
            for k in keys_:
                snaps[k] = self.snapshot(resource, k)
            yield snaps
            _pause_in_snapshot_window()
        finally:
            for k in snaps:
                snap = self.ledger.snapshots.get((resource.name, k))
                if snap is not None:
                    self.restore(resource, k, snap)

    def restore(self, resource: Any, key: str, snap: dict) -> None:
        """PUT the snapshot back and verify it by GET; what cannot be restored is a ledger problem. The
        snapshot is sent as answered first; if the implementation refuses or changes that form (it answers
        JSON numbers but takes only strings, or null for fields it does not store), in the lenient form."""
        declared = {f.name for f in resource.fields}
        lenient = self.reader.row(resource, snap)
        now = None
        close = False
        for body in [snap] + ([lenient] if lenient != snap else []):
            for _unused in range(2):
                self.put(resource, key, body)
                now = self.raw_record(resource, key)
                if now == snap:
                    self.ledger.restored(resource.name, key)
                    return
                if now is not None and all(now.get(f) == snap.get(f) for f in declared):
                    close = True
                    break
            if close:
                break
        self.ledger.restored(resource.name, key)
        if not close or now is None:
            self.ledger.problems.append(_("{name}/{key} could not be restored exactly to {snap} (now {now})").format(name=resource.name, key=key, snap=snap, now=now))
            return
        odd = sorted(f for f in set(now) | set(snap) if now.get(f) != snap.get(f))
        self.ledger.notes.append(_("{name}/{key} restored; fields the document does not declare changed on the implementation's own "
                                   "account: {odd}").format(name=resource.name, key=key, odd=odd))

    # ---------- the end of a run ----------
    def cleanup(self) -> None:
        """Restore snapshots, delete every kit record that can be deleted, sweep. Idempotent; never raises."""
        with self.ledger.lock:
            if self.cleaned:
                return
            self.cleaned = True
            for (name, key), record in list(self.ledger.snapshots.items()):
                try:
                    self.restore(self.spec.resource(name), key, record)
                except Exception as exc:  # noqa: BLE001 - cleanup must go on
                    self.ledger.problems.append(_("could not restore {name}/{key}: {exc}").format(name=name, key=key, exc=exc))
            for entry in list(self.ledger.entries):
                if not entry.deleted:
                    self._undo(entry)
            self._sweep()
            self.ledger.close()

    def _undo(self, entry: Entry) -> None:
        try:
            resource = self.spec.resource(entry.resource)
            if entry.key is None and entry.marker:
                key = self.find_marker(resource, entry.marker)
                if key is None:
                    self.ledger.settle(entry, deleted=True, note=_("POST registered nothing"))
                    return
                self.ledger.settle(entry, key=key)
            if entry.key is None:
                where = _(" (the page's rule puts it under {key}: check that record)").format(key=entry.predicted) if entry.predicted else ""
                entry.note = entry.note or _("key unknown: not deleted")
                if entry.predicted and self.record(resource, entry.predicted) is not None:
                    self.ledger.problems.append(_("{resource}: a request without the kit's marker may have registered a record{where}").format(resource=entry.resource, where=where))
                else:
                    self.ledger.settle(entry, deleted=True, note=_("registered nothing"))
                return
            if not resource.allows("DELETE"):
                self._remark(resource, entry.key)
                if not entry.keep:
                    self.ledger.settle(entry, keep=True, note=entry.note or _("resource has no DELETE: left in place"))
                return
            self.delete(resource, entry.key)
            if self.record(resource, entry.key) is None:
                self.ledger.settle(entry, deleted=True)
            else:
                entry.note = _("DELETE did not remove it")
                self.ledger.problems.append(_("could not delete {resource}/{key}").format(resource=entry.resource, key=entry.key))
        except Exception as exc:  # noqa: BLE001
            entry.note = _("cleanup failed: {exc}").format(exc=exc)
            self.ledger.problems.append(_("could not delete {resource}/{key}: {exc}").format(resource=entry.resource, key=entry.key, exc=exc))

    def _sweep(self, passes: int = 3) -> None:
        """Delete any record still carrying this run's marker: a record the kit deleted can come back (a
        faulty DELETE that only hides it), and the entries above no longer know it."""
        prefix = f"{MARKER_PREFIX}{self.run_id}-"
        for name in sorted({e.resource for e in self.ledger.entries if e.key is not None}):
            resource = self.spec.resource(name)
            mf = self.marker_field(resource)
            if not mf or not resource.allows("DELETE"):
                continue
            try:
                for attempt in range(passes + 1):
                    rows, _unused = self.rows(resource)
                    back = sorted((str(row.get(resource.key)) for row in rows
                                   if str(row.get(mf, "")).startswith(prefix)), key=lambda k: (len(k), k))
                    if not back:
                        break
                    if attempt == passes:
                        self.ledger.problems.append(_("{name}: records {back} created by the kit are still there: the implementation brings deleted "
                                                      "records back").format(name=name, back=', '.join(back)))
                        break
                    self.ledger.notes.append(_("{name}: records {back} that the kit had deleted were back after the run; deleted them again").format(name=name, back=', '.join(back)))
                    for key in back:
                        self.delete(resource, key)
            except Exception as exc:  # noqa: BLE001 - cleanup must go on
                self.ledger.problems.append(_("could not sweep {name} for the kit's records: {exc}").format(name=name, exc=exc))

    def created_records(self) -> list[CreatedRecord]:
        return self.ledger.created_records()

    def close(self) -> None:
        """End the journal without cleaning up (a run that has nothing to undo, or gave up)."""
        self.ledger.close()

    @property
    def problems(self) -> list[str]:
        """Cleanup failures: the run ends in error."""
        return self.ledger.problems

    @property
    def notes(self) -> list[str]:
        return self.ledger.notes


def _pause_in_snapshot_window() -> None:
    flag = os.environ.get(PAUSE_ENV)
    if not flag:
        return
    Path(flag).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(60)
