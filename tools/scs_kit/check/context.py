"""`Kit`: the thin front the conformance tests talk to.

It holds the run's options and its parts, each with one job: the HTTP client (the transport),
the lenient reader, the body builder and the records component, which alone owns the safety rule
(records are created ledgered and marked, foreign records are written only with snapshot and exact
restore, the mode decides which writes are allowed). The methods here only combine those parts
and turn "the mode does not allow this" into a pytest skip.
"""

from __future__ import annotations

import builtins
import contextlib
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from .. import spec as specmod
from ..i18n import _
from .bodies import Bodies
from .catalog import MODES, PROFILES, Profile
from .http import Client
from .latency import Latency
from .politeness import Politeness
from .reading import Reader, keyint, keys, max_key, one
from .records import Posted, Records
from .transport import Answer
from .verdict import CheckFailed, PremiseBroken, broken, documented
from .workers import CheckRandom

__all__ = ["CheckFailed", "Kit", "PremiseBroken", "keyint"]


class Kit:
    def __init__(self, base_url: str, *, profile: str = "default", seed: int | None = None, mode: str = "full",
                 timeout: float = 10.0, spec: Any = None, slow: float = 2.0, politeness: Politeness | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.spec = spec or specmod.load()
        self.base_url = base_url.rstrip("/")
        self.profile: Profile = PROFILES[profile]
        self.seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
        self.mode = mode
        self.client = Client(self.base_url, timeout, politeness)
        self.run_id = uuid.uuid4().hex[:8]
        self.rng = CheckRandom(self.seed)  # the collector starts it afresh for each check
        self.reader = Reader()
        self.bodies = Bodies(self.rng, self.run_id, self.reader.types)
        self.records = Records(self.client, self.spec, mode=mode, run_id=self.run_id, reader=self.reader)
        self.slow = slow  # answers slower than this (seconds) warn in LATENCY-SLOW
        self.latency = Latency(self.spec)
        self.client.timer = self.latency.record
        self.notes: builtins.list[str] = []  # run-level notes on how the kit adapted its writes

    # ---------- modes ----------
    def can_write(self) -> bool:
        return self.records.may_write()

    def creation_blocker(self, resource: Any) -> str | None:
        """Why the kit may not create records of this resource (None if it may)."""
        return self.records.blocker(resource)

    def require_create(self, resource: Any) -> None:
        reason = self.creation_blocker(resource)
        if reason:
            pytest.skip(reason)

    def require_write(self) -> None:
        if not self.can_write():
            pytest.skip(_("mode read-only sends GET only"))

    # ---------- bodies ----------
    def marker_field(self, resource: Any) -> str | None:
        return self.records.marker_field(resource)

    def body(self, resource: Any, key: str = "0", marker: str | None = None, fields: dict | None = None) -> dict:
        """A valid record body (see Bodies.body), carrying `marker` when given."""
        body = self.bodies.body(resource, key)
        if marker:
            body, _unused = self.records.marked(resource, body, marker)
        return {**body, **(fields or {})}

    def mutated(self, resource: Any, record: dict) -> dict:
        return self.bodies.mutated(resource, record)

    # ---------- reads ----------
    def read(self, resource: Any, answer: Answer) -> Answer:
        return self.reader.read(resource, answer)

    def list(self, resource: Any) -> tuple[builtins.list[dict], Answer]:
        return self.records.rows(resource)

    keys = staticmethod(keys)
    max_key = staticmethod(max_key)
    one = staticmethod(one)

    def absent_key(self, rows: builtins.list[dict], resource: Any) -> str:
        """A key with no record, far above the highest, within the document's key maximum."""
        return str(min(max_key(rows, resource) + 1_000_003, resource.max_id))

    def get_item(self, resource: Any, key: Any) -> Answer:
        return self.records.get(resource, key)

    def record(self, resource: Any, key: Any) -> dict | None:
        return self.records.record(resource, key)

    def existing(self, resource: Any, key: Any) -> dict:
        """The record under key, which the check's premise needs to exist."""
        record = self.record(resource, key)
        if record is None:
            broken(_("setup: {item_path} could not be read").format(item_path=resource.item_path(key)))
        return record  # type: ignore[return-value]

    # ---------- writes ----------
    def put(self, resource: Any, key: Any, body: dict) -> Answer:
        return self.records.put(resource, key, body)

    def delete(self, resource: Any, key: Any) -> Answer:
        return self.records.delete(resource, key)

    def create(self, resource: Any, body_key: str = "0", fields: dict | None = None):
        """POST a kit record; returns (key or None, answer, body, rows_before, rows_after).

        The fields the document only infers (names, types, values) are the kit's guesses: when a POST of
        them is refused, the kit retries with the key and the documented fields alone and notes it, and
        writes the types the new record shows from then on. A guessed field never makes a MUST fail."""
        self.require_create(resource)
        body, marker = self.records.marked(resource, self.bodies.body(resource, body_key))
        posted: Posted = self.records.create(resource, {**body, **(fields or {})}, marker)
        guessed = [f for f in posted.body or {} if f != resource.key and not documented(resource, f)]
        pages_only = self.bodies.page_fields_only
        if (posted.key is None and posted.answer is not None and posted.answer.refused and guessed and fields is None
                and resource.name not in pages_only):
            pages_only.add(resource.name)
            note = (_("POST {collection} with the fields the document infers {guessed} was refused (HTTP {status}); "
                      "the kit retried with the key and the documented fields only, and from then on wrote the types "
                      "the implementation's records showed").format(collection=resource.collection, guessed=guessed, status=posted.answer.status))
            if note not in self.notes:
                self.notes.append(note)
            return self.create(resource, body_key)
        if posted.key is not None and resource.name in pages_only and any(
                self.reader.types.of(resource, f.name) for f in resource.fields):
            pages_only.discard(resource.name)  # its record showed the types: write them from now on
        return posted.key, posted.answer, posted.body, posted.before, posted.after

    def post(self, resource: Any, body: dict) -> Answer:
        """A POST the caller has ledgered itself (concurrent POSTs): the body in the form the implementation takes."""
        return self.records.write("POST", resource.collection, resource, body)

    def create_ok(self, resource: Any, body_key: str = "0", fields: dict | None = None):
        key, ans, body, before, after = self.create(resource, body_key, fields)
        if key is None:
            broken(_("setup: POST {collection} registered no record (HTTP {status})").format(collection=resource.collection, status=ans.status), ans.exchange)
        return key, body, before, after

    def has_own(self, resource: Any) -> bool:
        """Whether the kit has (or may make) a record of its own here to write to."""
        return bool(self.records.reusable(resource)) or not self.creation_blocker(resource)

    def spare_key(self, resource: Any) -> str:
        """A kit record to write to: a reused one where records cannot be deleted, else a new one."""
        reuse = self.records.reusable(resource)
        return reuse[-1] if reuse else self.create_ok(resource)[0]

    def remove(self, resource: Any, key: Any) -> None:
        self.records.remove(resource, key)

    @contextlib.contextmanager
    def cleaning(self, resource: Any) -> Iterator[builtins.list]:
        """A list to put the keys of records a check creates in; they are removed when it ends."""
        created: builtins.list = []
        try:
            yield created
        finally:
            for key in created:
                self.remove(resource, key)

    @contextlib.contextmanager
    def writable(self, resource: Any, n: int = 1) -> Iterator[builtins.list[str]]:
        """Keys of n records the kit may PUT: its own (created, deleted afterwards), or, for a
        resource without POST, existing records snapshotted and restored exactly afterwards."""
        if not resource.allows("PUT"):
            pytest.skip(_("{name} has no PUT").format(name=resource.name))
        self.require_write()
        if resource.allows("POST"):
            keys_ = self.records.reusable(resource)[:n]
            if len(keys_) < n:
                self.require_create(resource)
            try:
                while len(keys_) < n:
                    keys_.append(self.create_ok(resource)[0])
                yield keys_
            finally:
                for k in keys_:
                    self.remove(resource, k)
        else:
            rows, _unused = self.list(resource)
            if len(rows) < n:
                pytest.skip(_("{name} needs {n} existing record(s) to update (it has no POST) and holds {n2}").format(name=resource.name, n=n, n2=len(rows)))
            picks = sorted(rows, key=lambda r: keyint(r.get(resource.key)) or 0)[-n:]
            keys_ = [str(r.get(resource.key)) for r in picks]
            with self.records.touching(resource, keys_):
                yield keys_

    def touching(self, resource: Any, keys_: builtins.list[str]):
        """Snapshot foreign records before the kit writes them; restore them exactly afterwards."""
        return self.records.touching(resource, keys_)

    # ---------- the end of a run ----------
    @property
    def type_notes(self) -> set[str]:
        return self.reader.type_notes

    def cleanup(self) -> None:
        if self.records.cleaned:
            return
        self.client.failures = 0  # give a target that stalled one more chance to take its records back
        self.records.cleanup()
