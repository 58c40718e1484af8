"""The state one check run shares between the tests: options, client, ledger and safe helpers.

The helpers enforce the safety rules: records are created through `create` (ledgered first),
foreign records are written only through `touch` (snapshot, then restore exactly), and modes
decide which writes are allowed at all.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

from .. import spec as specmod
from .catalog import PROFILES, Profile
from .field_types import FieldTypes
from .http import Answer, Client
from .latency import Latency
from .ledger import Ledger
from .results import Exchange

MODES = ("full", "live", "read-only")


class CheckFailed(AssertionError):
    """The implementation broke the promise the check enforces."""

    def __init__(self, message: str, evidence: list[Exchange] | None = None):
        super().__init__(message)
        self.evidence = list(evidence or [])


class PremiseBroken(Exception):
    """The check could not run to a verdict (foreign writes, a setup request that failed, ...)."""

    def __init__(self, message: str, evidence: list[Exchange] | None = None):
        super().__init__(message)
        self.evidence = list(evidence or [])


def keyint(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class TestState:
    warnings: list[str] = field(default_factory=list)
    evidence: list[Exchange] = field(default_factory=list)
    mark: int = 0


class Kit:
    def __init__(self, base_url: str, *, profile: str = "default", seed: int | None = None, mode: str = "full",
                 timeout: float = 10.0, spec=None, slow: float = 2.0):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.spec = spec or specmod.load()
        self.base_url = base_url.rstrip("/")
        self.profile: Profile = PROFILES[profile]
        self.seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
        self.mode = mode
        self.client = Client(self.base_url, timeout)
        self.slow = slow  # answers slower than this (seconds) warn in LATENCY-SLOW
        self.latency = Latency(self.spec)
        self.client.timer = self.latency.record
        self.ledger = Ledger()
        self.run_id = uuid.uuid4().hex[:8]
        self.rng = random.Random(self.seed)
        self.state = TestState()
        self._counter = 0
        self.cache: dict[Any, Any] = {}
        self.results: list = []  # CheckResult, filled by the collector
        self.cleaned = False
        self.type_notes: set[str] = set()  # "Resource.field" answered as a JSON number or boolean
        self.types = FieldTypes()  # the JSON types the implementation gives undocumented fields
        self.page_fields_only: set[str] = set()  # resources whose POST refused the document's inferred fields
        self.forms: dict[str, str] = {}  # resource → "text" | "typed": the form of values its writes take
        self.notes: list[str] = []  # run-level notes of the kit's own adaptations

    # ---------- test outcome helpers ----------
    def warn(self, message: str, *evidence: Exchange) -> None:
        self.state.warnings.append(message)
        self.state.evidence.extend(e for e in evidence if e is not None)

    def fail(self, message: str, *evidence: Exchange):
        raise CheckFailed(message, [e for e in evidence if e is not None])

    def broken(self, message: str, *evidence: Exchange):
        raise PremiseBroken(message, [e for e in evidence if e is not None])

    def evidence(self, *exchanges: Exchange) -> None:
        self.state.evidence.extend(e for e in exchanges if e is not None)

    # ---------- modes ----------
    def can_write(self) -> bool:
        return self.mode != "read-only"

    def creation_blocker(self, resource) -> str | None:
        """Why the kit may not create records of this resource (None if it may)."""
        if not resource.allows("POST"):
            return f"{resource.name} has no POST: the kit cannot create records"
        if self.mode == "read-only":
            return "mode read-only sends GET only"
        if not resource.allows("DELETE") and self.mode != "full":
            return "needs --mode full: records of this resource cannot be deleted"
        return None

    def require_create(self, resource) -> None:
        reason = self.creation_blocker(resource)
        if reason:
            pytest.skip(reason)

    def require_write(self) -> None:
        if not self.can_write():
            pytest.skip("mode read-only sends GET only")

    # ---------- bodies ----------
    def next_marker(self) -> str:
        self._counter += 1
        return f"scs-kit-{self.run_id}-{self._counter}"

    def _example(self, resource) -> dict:
        examples = resource.schema.get("examples") or [{}]
        return examples[0] if isinstance(examples[0], dict) else {}

    def marker_field(self, resource) -> str | None:
        """The field that carries the kit's marker: the first non-key field whose example is text."""
        cached = self.cache.get(("marker", resource.name), False)
        if cached is not False:
            return cached
        example = self._example(resource)
        # never a secret: an implementation may mask secrets on GET, and the marker must be readable
        others = [f.name for f in resource.fields if f.name != resource.key and not f.secret]
        texty = [n for n in others if not str(example.get(n, "x")).isdigit()]
        chosen = (texty or others or [None])[0]
        self.cache[("marker", resource.name)] = chosen
        return chosen

    def value_like(self, example: Any, keep_zero: bool = True) -> str:
        """A fresh value shaped like the document's example (digits stay digits of the same length).
        Without keep_zero a leading zero is avoided, so that an implementation storing the field as a
        number (the page does not say it is a string) gives the same value back."""
        text = str(example) if example is not None else ""
        if text.isdigit() and text:
            first = self.rng.randrange(0 if keep_zero and text[0] == "0" else 1, 10)
            return str(first) + "".join(str(self.rng.randrange(10)) for _ in text[1:])
        return f"scs-kit {self.run_id} {self.rng.randrange(10**6)}"

    @staticmethod
    def _documented(resource, name: str) -> bool:
        field = resource.field(name)
        return field is not None and field.evidence == "documented"

    def body(self, resource, key: str = "0", marker: str | None = None, fields: dict | None = None) -> dict:
        """A valid record body: every field of the document a string, the key a digit string."""
        example = self._example(resource)
        body = {resource.key: str(key)}
        for f in resource.fields:
            if f.name == resource.key or (resource.name in self.page_fields_only and f.evidence != "documented"):
                continue
            body[f.name] = self._fresh(resource, f.name, example.get(f.name))
        mf = self.marker_field(resource)
        if mf and marker and mf in body:
            body[mf] = marker
        if fields:
            body.update(fields)
        return body

    def _fresh(self, resource, name: str, example: Any) -> str:
        """A fresh value for a field, in the form of the type the implementation gave it (learned from its
        records: "True"/"False" for a boolean, digits for a number), else shaped like the example."""
        kind = self.types.of(resource, name)
        if kind == "boolean":
            return self.rng.choice(["True", "False"])
        if kind in ("integer", "number") and not str(example or "").isdigit():
            return str(self.rng.randrange(1, 65536))
        return self.value_like(example, keep_zero=self._documented(resource, name))

    def mutated(self, resource, record: dict) -> dict:
        """The record with each field the document declares given a fresh value of the same shape; the key
        and any field the document does not declare (server-managed, perhaps) keep their values."""
        declared = {f.name for f in resource.fields if f.name != resource.key}
        return {k: (self._fresh(resource, k, v) if k in declared else v) for k, v in record.items()}

    # ---------- reads ----------
    def read(self, resource, answer: Answer) -> Answer:
        """Read an answer's records leniently: values of fields the page does not document that come
        back as JSON numbers or booleans are taken in their string form. The page shows string values
        only for ContainmentLine's fields and is silent on the others' types; each such field is noted
        once as a run-level warning instead of failing every comparison."""
        body = answer.json
        if isinstance(body, list):
            answer._json = [self._lenient(resource, row) for row in body]
        elif isinstance(body, dict) and "result" not in body:
            answer._json = self._lenient(resource, body)
        return answer

    def _lenient(self, resource, row):
        # `null` in such a field is read as the field being absent (a value the implementation does not
        # store): comparisons then treat it like a dropped field (a warning), not like a changed value.
        if not isinstance(row, dict):
            return row
        self.types.observe(resource, row)
        out = dict(row)
        for name, value in row.items():
            if self._documented(resource, name):
                continue
            if value is None:
                del out[name]
                self.type_notes.add(f"{resource.name}.{name} (null, read as absent)")
            elif isinstance(value, (bool, int, float)):
                out[name] = ("True" if value else "False") if isinstance(value, bool) else str(value)
                self.type_notes.add(f"{resource.name}.{name}")
        return out

    def list(self, resource) -> tuple[list[dict], Answer]:
        ans = self.read(resource, self.client.get(resource.collection))
        rows = ans.json
        if not ans.ok or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            self.broken(f"GET {resource.collection} did not answer a JSON array of records (HTTP {ans.status})",
                        ans.exchange)
        return rows, ans

    def keys(self, rows: list[dict], resource) -> dict[str, dict]:
        return {str(r.get(resource.key)): r for r in rows}

    def max_key(self, rows: list[dict], resource) -> int:
        ints = [keyint(r.get(resource.key)) for r in rows]
        return max([i for i in ints if i is not None], default=0)

    def absent_key(self, rows: list[dict], resource) -> str:
        """A key with no record, far above the highest."""
        return str(min(self.max_key(rows, resource) + 1_000_003, 2_147_483_000))

    def get_item(self, resource, key) -> Answer:
        return self.read(resource, self.client.get(resource.item_path(key)))

    def record(self, resource, key) -> dict | None:
        """The record under key as GET by key shows it (None for [] or a refusal)."""
        return self.one(self.get_item(resource, key))

    @staticmethod
    def one(answer: Answer) -> dict | None:
        """The record of a GET-by-key answer; a bare object is tolerated here (ENVELOPE-GET-SINGLE judges
        the form), so that one broken form does not cascade into every other check."""
        body = answer.json
        if not answer.ok:
            return None
        if isinstance(body, list):
            return body[0] if body and isinstance(body[0], dict) else None
        return body if isinstance(body, dict) and body and "result" not in body else None

    def find_marker(self, resource, marker: str) -> str | None:
        mf = self.marker_field(resource)
        rows, _ = self.list(resource)
        hits = [r for r in rows if mf and r.get(mf) == marker]
        return str(hits[0].get(resource.key)) if len(hits) == 1 else None

    # ---------- writes ----------
    def post(self, resource, body: dict) -> Answer:
        return self._write("POST", resource.collection, resource, body)

    def put(self, resource, key, body: dict) -> Answer:
        return self._write("PUT", resource.item_path(key), resource, body)

    def _write(self, method: str, path: str, resource, body: dict) -> Answer:
        """Send a record body in the form the implementation takes: the document's strings, or, where its
        records show numbers and booleans and it refuses strings there, those types (a number stays a
        number). The form is settled by the first write that only one of them passes."""
        typed = self.types.typed(resource, body, self.rng)
        if typed == body:
            return self.client.request(method, path, body=body)
        form = self.forms.get(resource.name)
        first, other = (typed, body) if form == "typed" else (body, typed)
        ans = self.client.request(method, path, body=first)
        if form is None and ans.refused:
            retry = self.client.request(method, path, body=other)
            if retry.succeeded:
                self.forms[resource.name] = "typed" if other is typed else "text"
                return retry
        elif form is None and ans.succeeded:
            self.forms[resource.name] = "text"
        return ans

    def delete(self, resource, key) -> Answer:
        return self.client.request("DELETE", resource.item_path(key))

    def create(self, resource, body_key: str = "0", fields: dict | None = None):
        """POST a kit record; returns (key or None, answer, body, rows_before, rows_after).

        The ledger entry exists before the POST is sent; the key is found by the marker (or, if
        the implementation drops that field, as the only new key).
        """
        self.require_create(resource)
        marker = self.next_marker()
        body = self.body(resource, body_key, marker, fields)
        before, _ = self.list(resource)
        entry = self.ledger.pending(resource.name, marker)
        ans = self.post(resource, body)
        after, list_ans = self.list(resource)
        unsettled = self.claim(resource, entry, before, after, ans.succeeded)
        guessed = [f for f in body if f != resource.key and not self._documented(resource, f)]
        if (entry.key is None and ans.refused and guessed and fields is None and not unsettled
                and resource.name not in self.page_fields_only):
            # The document only infers these fields (names, types, values): a refusal of the kit's invented
            # values says nothing about the page's promises. Write what the page states, and say so.
            self.page_fields_only.add(resource.name)
            note = (f"POST {resource.collection} with the fields the document infers {guessed} was refused "
                    f"(HTTP {ans.status}); the kit retried with the key and the documented fields only, and from then "
                    "on wrote the types the implementation's records showed")
            if note not in self.notes:
                self.notes.append(note)
            self.warn(note, ans.exchange)
            return self.create(resource, body_key)
        if entry.key is not None and resource.name in self.page_fields_only and any(
                self.types.of(resource, f.name) for f in resource.fields):
            self.page_fields_only.discard(resource.name)  # its record showed the types: write them from now on
        if unsettled:
            self.broken(f"cannot tell which new {resource.name} record the kit's POST created "
                        f"(new keys {unsettled}): another client is writing?", ans.exchange, list_ans.exchange)
        if not resource.allows("DELETE"):
            entry.note = entry.note or "resource has no DELETE: left in place (--mode full)"
        return entry.key, ans, body, before, after

    def claim(self, resource, entry, before: list[dict], after: list[dict], succeeded: bool = True) -> list[str]:
        """Settle a pending ledger entry once its POST was answered, from the lists before and after: the
        one record carrying the entry's marker, or (an implementation that does not store the marker
        field) the only new key. Returns the new keys it could not attribute ([] when settled)."""
        old = self.keys(before, resource)
        new = [str(r.get(resource.key)) for r in after if str(r.get(resource.key)) not in old]
        mf = self.marker_field(resource)
        mine = [r for r in after if mf and entry.marker and r.get(mf) == entry.marker]
        if len(mine) == 1:
            entry.key = str(mine[0].get(resource.key))
        elif not mine and len(new) == 1 and succeeded:
            entry.key = new[0]
            entry.note = "identified as the only new key (marker field not stored)"
        elif not mine and not new:
            entry.deleted = True
            entry.note = "POST registered nothing"
        else:
            return new
        return []

    def create_ok(self, resource, body_key: str = "0", fields: dict | None = None):
        key, ans, body, before, after = self.create(resource, body_key, fields)
        if key is None:
            self.broken(f"setup: POST {resource.collection} registered no record (HTTP {ans.status})", ans.exchange)
        return key, body, before, after

    def _reusable(self, resource) -> list[str]:
        # Records of a resource without DELETE stay on the implementation, so checks that only need
        # a kit record to write to reuse the ones the kit already made instead of adding more.
        return [] if resource.allows("DELETE") else [e.key for e in self.ledger.live(resource.name)]

    def spare_key(self, resource) -> str:
        """A kit record to write to: a reused one where records cannot be deleted, else a new one."""
        reuse = self._reusable(resource)
        return reuse[-1] if reuse else self.create_ok(resource)[0]

    @contextlib.contextmanager
    def cleaning(self, resource) -> Iterator[list]:
        """A list to put the keys of records a check creates in; they are removed when it ends."""
        created: list = []
        try:
            yield created
        finally:
            for key in created:
                if key is not None:
                    self.remove(resource, key)

    def existing(self, resource, key) -> dict:
        """The record under key, which the check's premise needs to exist."""
        record = self.record(resource, key)
        if record is None:
            self.broken(f"setup: {resource.item_path(key)} could not be read")
        return record

    def remove(self, resource, key) -> None:
        """Delete a kit record now (when the resource has DELETE) and mark it in the ledger."""
        if not resource.allows("DELETE") or not self.ledger.owns(resource.name, key):
            return
        self.delete(resource, key)
        if self.record(resource, key) is None:
            self.ledger.forget(resource.name, key)

    @contextlib.contextmanager
    def writable(self, resource, n: int = 1) -> Iterator[list[str]]:
        """Keys of n records the kit may PUT: its own (created, deleted afterwards), or, for a
        resource without POST, existing records snapshotted and restored exactly afterwards."""
        if not resource.allows("PUT"):
            pytest.skip(f"{resource.name} has no PUT")
        self.require_write()
        if resource.allows("POST"):
            self.require_create(resource)
            keys = self._reusable(resource)[:n]
            try:
                while len(keys) < n:
                    keys.append(self.create_ok(resource)[0])
                yield keys
            finally:
                for k in keys:
                    self.remove(resource, k)
        else:
            rows, _ = self.list(resource)
            if len(rows) < n:
                pytest.skip(f"{resource.name} needs {n} existing record(s) to update (it has no POST) and holds {len(rows)}")
            picks = sorted(rows, key=lambda r: keyint(r.get(resource.key)) or 0)[-n:]
            keys = [str(r.get(resource.key)) for r in picks]
            with self.touching(resource, keys):
                yield keys

    @contextlib.contextmanager
    def touching(self, resource, keys: list[str]) -> Iterator[None]:
        """Snapshot foreign records before the kit writes them; restore them exactly afterwards."""
        for k in keys:
            snap = self.record(resource, k)
            if snap is None:
                self.broken(f"setup: {resource.item_path(k)} vanished before the kit could snapshot it")
            self.ledger.snapshots[(resource.name, k)] = snap
        try:
            yield
        finally:
            for k in keys:
                snap = self.ledger.snapshots.get((resource.name, k))
                if snap is not None:
                    self.restore(resource, k, snap)

    def restore(self, resource, key: str, snap: dict) -> None:
        declared = {f.name for f in resource.fields}
        now = None
        for _ in range(2):
            self.put(resource, key, snap)
            now = self.record(resource, key)
            if now == snap:
                self.ledger.snapshots.pop((resource.name, key), None)
                return
            if now is not None and all(now.get(f) == snap.get(f) for f in declared | set(snap) if f in declared):
                break
        else:
            self.ledger.problems.append(f"{resource.name}/{key} could not be restored exactly to {snap} (now {now})")
            self.ledger.snapshots.pop((resource.name, key), None)
            return
        self.ledger.snapshots.pop((resource.name, key), None)
        odd = sorted(f for f in set(now) | set(snap) if now.get(f) != snap.get(f))
        self.ledger.notes.append(f"{resource.name}/{key} restored; fields the document does not declare changed "
                                 f"on the implementation's own account: {odd}")

    def cleanup(self) -> None:
        if self.cleaned:
            return
        self.cleaned = True
        self.client.failures = 0  # give a target that stalled one more chance to take its records back
        self.ledger.cleanup(self)
