"""Data-level faults: small `Service` subclasses. They compose by cooperative `super()`; the HTTP
layer of the reference server is untouched, so every fault is exactly the one broken rule."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import ClassVar

from scs_kit.server import Service


def _key_of(service: Service, resource_name: str, body: dict) -> int:
    value = str(body.get(service.spec.resource(resource_name).key, "0"))
    return int(value) if value.isdigit() else 0


def _max_key(service: Service, resource_name: str) -> int:
    r = service.spec.resource(resource_name)
    return max([int(rec[r.key]) for rec in Service.list(service, resource_name)], default=r.min_id - 1)


# --- KEYS --------------------------------------------------------------------------------
class PostHonoursBodyKey(Service):
    """POST registers under the body's key when it is not 0 (and so overwrites that record)."""

    def create(self, resource_name, body):
        key = _key_of(self, resource_name, body)
        if key >= self.spec.resource(resource_name).min_id:
            self.load_records(resource_name, [{**body, self.spec.resource(resource_name).key: key}])
            return key
        return super().create(resource_name, body)


class PostMaxPlusTwo(Service):
    """POST registers under the highest key + 2."""

    def create(self, resource_name, body):
        key = _max_key(self, resource_name) + 2
        self.load_records(resource_name, [{**body, self.spec.resource(resource_name).key: key}])
        return key


class PostMonotonicCounter(Service):
    """POST uses a counter that never goes down: after the highest record is deleted the next
    key is max_ever + 1, not (new highest) + 1."""

    def create(self, resource_name, body):
        marks = self.__dict__.setdefault("_high_water", {})
        key = max(_max_key(self, resource_name), marks.get(resource_name, 0)) + 1
        marks[resource_name] = key
        self.load_records(resource_name, [{**body, self.spec.resource(resource_name).key: key}])
        return key

    def list(self, resource_name):
        rows = super().list(resource_name)
        marks = self.__dict__.setdefault("_high_water", {})
        key = self.spec.resource(resource_name).key
        marks[resource_name] = max([marks.get(resource_name, 0)] + [int(r[key]) for r in rows])
        return rows


class PostReusesFreedKey(Service):
    """POST reuses the lowest key a DELETE freed (a free list) before falling back to highest + 1."""

    def delete(self, resource_name, key):
        done = super().delete(resource_name, key)
        if done:
            self.__dict__.setdefault("_freed", {}).setdefault(resource_name, set()).add(int(key))
        return done

    def create(self, resource_name, body):
        freed = self.__dict__.setdefault("_freed", {}).get(resource_name)
        if not freed:
            return super().create(resource_name, body)
        key = min(freed)
        freed.discard(key)
        self.load_records(resource_name, [{**body, self.spec.resource(resource_name).key: key}])
        return key


class DeleteTakesNeighbours(Service):
    """DELETE also removes the records with the next lower and next higher keys."""

    def delete(self, resource_name, key):
        done = super().delete(resource_name, key)
        if done:
            super().delete(resource_name, key - 1)
            super().delete(resource_name, key + 1)
        return done


class DeleteDoesNothing(Service):
    """DELETE answers success and keeps the record."""

    def delete(self, resource_name, key):
        return self.get(resource_name, key) is not None


class GetIgnoresKey(Service):
    """GET by key answers the first record whatever the key."""

    def get(self, resource_name, key):
        rows = self.list(resource_name)
        return rows[0] if rows else None


# --- MIN-ID ------------------------------------------------------------------------------
class _VirtualOne(Service):
    """Keeps a record with key 1 outside the store (the store itself refuses keys below min-id)."""

    def _ones(self) -> dict:
        return self.__dict__.setdefault("_virtual_one", {})

    def list(self, resource_name):
        rows = super().list(resource_name)
        one = self._ones().get(resource_name)
        return [one, *rows] if one else rows

    def get(self, resource_name, key):
        one = self._ones().get(resource_name)
        if key == 1 and one:
            return one
        return super().get(resource_name, key)

    def update(self, resource_name, key, body):
        if key == 1 and resource_name in self._ones():
            r = self.spec.resource(resource_name)
            self._ones()[resource_name] = {r.key: "1", **{k: v for k, v in body.items() if k != r.key}}
            return True
        return super().update(resource_name, key, body)

    def delete(self, resource_name, key):
        if key == 1 and resource_name in self._ones():
            del self._ones()[resource_name]
            return True
        return super().delete(resource_name, key)


class ListsIdOne(_VirtualOne):
    """Min-id resources show a built-in record with ID 1."""

    def list(self, resource_name):
        r = self.spec.resource(resource_name)
        if r.min_id > 1 and resource_name not in self._ones():
            self._ones()[resource_name] = {r.key: "1", **{f.name: "built-in" for f in r.fields if f.name != r.key}}
        return super().list(resource_name)

    def get(self, resource_name, key):
        self.list(resource_name)
        return super().get(resource_name, key)


class NewRecordGetsIdOne(_VirtualOne):
    """On min-id resources a new record takes the lowest free key, starting at 1."""

    def create(self, resource_name, body):
        r = self.spec.resource(resource_name)
        if r.min_id > 1 and resource_name not in self._ones():
            self._ones()[resource_name] = {r.key: "1", **{k: str(v) for k, v in body.items() if k != r.key}}
            return 1
        return super().create(resource_name, body)


# --- QUERY -------------------------------------------------------------------------------
class QueryIgnoresCustomer(Service):
    def query(self, resource_name, top, descending, k_id, numbers):
        return super().query(resource_name, top, descending, 0, numbers)


class QueryIgnoresOrder(Service):
    def query(self, resource_name, top, descending, k_id, numbers):
        return super().query(resource_name, top, False, k_id, numbers)


class QueryTopOffByOne(Service):
    def query(self, resource_name, top, descending, k_id, numbers):
        return super().query(resource_name, top + 1 if top else 0, descending, k_id, numbers)


class QueryFirstNumberOnly(Service):
    def query(self, resource_name, top, descending, k_id, numbers):
        return super().query(resource_name, top, descending, k_id, numbers[:1] if numbers else numbers)


# --- ROUND-TRIP --------------------------------------------------------------------------
class _StoreTransform(Service):
    """Applies `transform(field, value)` to what POST (and PUT) store."""

    on_create = True
    on_update = True

    def transform(self, resource_name, name, value):
        return value

    def _apply(self, resource_name, body):
        key = self.spec.resource(resource_name).key
        return {k: (v if k == key or not isinstance(v, str) else self.transform(resource_name, k, v)) for k, v in body.items()}

    def create(self, resource_name, body):
        return super().create(resource_name, self._apply(resource_name, body) if self.on_create else body)

    def update(self, resource_name, key, body):
        return super().update(resource_name, key, self._apply(resource_name, body) if self.on_update else body)


class TruncatesLongValues(_StoreTransform):
    """Stores at most 32 characters per value (a too-narrow column)."""

    def transform(self, resource_name, name, value):
        return value[:32]


class MangleHalfWidthKana(_StoreTransform):
    """NFKC-normalises stored text: half-width ｶﾅ become full-width カナ, full-width ＡＢＣ become ABC."""

    def transform(self, resource_name, name, value):
        return unicodedata.normalize("NFKC", value)


class HtmlEscapesAmpersand(_StoreTransform):
    """Stores `&` as `&amp;`."""

    def transform(self, resource_name, name, value):
        return value.replace("&", "&amp;")


def _documented_non_key(service, resource_name):
    r = service.spec.resource(resource_name)
    return [f.name for f in r.fields if f.evidence == "documented" and f.name != r.key]


class PostDropsDocumentedField(Service):
    """POST forgets the last documented non-key field (e.g. 代理内線番号 of ContainmentLine)."""

    def create(self, resource_name, body):
        names = _documented_non_key(self, resource_name)
        if names:
            body = {k: v for k, v in body.items() if k != names[-1]}
        return super().create(resource_name, body)


class PutKeepsOldDocumentedField(Service):
    """PUT keeps the old value of the last documented non-key field although the body sets it."""

    def update(self, resource_name, key, body):
        names = _documented_non_key(self, resource_name)
        old = self.get(resource_name, key)
        if names and old is not None:
            body = {**body, names[-1]: old.get(names[-1], "")}
        return super().update(resource_name, key, body)


# --- STATEFUL ----------------------------------------------------------------------------
class DeleteResurrects(Service):
    """DELETE only hides the record: it comes back with the next write (POST, PUT or DELETE) on
    the resource, like a soft delete whose flag the next save overwrites."""

    def _revive(self, resource_name):
        hidden = self.__dict__.setdefault("_hidden", {}).pop(resource_name, [])
        if hidden:
            self.load_records(resource_name, hidden)

    def delete(self, resource_name, key):
        self._revive(resource_name)
        rec = self.get(resource_name, key)
        done = super().delete(resource_name, key)
        if done and rec is not None:
            self.__dict__.setdefault("_hidden", {}).setdefault(resource_name, []).append(rec)
        return done

    def create(self, resource_name, body):
        self._revive(resource_name)
        return super().create(resource_name, body)

    def update(self, resource_name, key, body):
        self._revive(resource_name)
        return super().update(resource_name, key, body)


class PutSilentlyFailsAfterWrites(Service):
    """Once a resource has seen three writes (POST, PUT or DELETE), PUT answers success and
    changes nothing (a cache that stops flushing)."""

    limit = 3

    def _written(self, resource_name) -> int:
        counts = self.__dict__.setdefault("_writes", {})
        counts[resource_name] = counts.get(resource_name, 0) + 1
        return counts[resource_name]

    def create(self, resource_name, body):
        self._written(resource_name)
        return super().create(resource_name, body)

    def delete(self, resource_name, key):
        self._written(resource_name)
        return super().delete(resource_name, key)

    def update(self, resource_name, key, body):
        if self._written(resource_name) > self.limit:
            return self.get(resource_name, key) is not None
        return super().update(resource_name, key, body)


# --- behaviours the page leaves open (must pass) -----------------------------------------
class PutUpserts(Service):
    """PUT of a key with no record registers it under that key (an upsert), IDs below the minimum aside."""

    def update(self, resource_name, key, body):
        if super().update(resource_name, key, body):
            return True
        r = self.spec.resource(resource_name)
        if key < r.min_id:
            return False
        self.load_records(resource_name, [{**body, r.key: key}])
        return True


class ListsByLastWrite(Service):
    """GET /R lists records in the order they were last written (a heap table without ORDER BY); the
    query route still orders by key as the page says."""

    def _seq(self) -> dict:
        return self.__dict__.setdefault("_last_write", {})

    def _touch(self, resource_name, key):
        seq = self._seq()
        seq[(resource_name, key)] = len(seq) + 1 + max(seq.values(), default=0)

    def list(self, resource_name):
        rows = super().list(resource_name)
        if self.__dict__.get("_by_key"):
            return rows
        key = self.spec.resource(resource_name).key
        return sorted(rows, key=lambda rec: self._seq().get((resource_name, int(rec[key])), 0))

    def query(self, *args, **kwargs):
        self._by_key = True
        try:
            return super().query(*args, **kwargs)
        finally:
            self._by_key = False

    def create(self, resource_name, body):
        key = super().create(resource_name, body)
        self._touch(resource_name, key)
        return key

    def update(self, resource_name, key, body):
        done = super().update(resource_name, key, body)
        if done:
            self._touch(resource_name, key)
        return done


class ServerManagedFields(Service):
    """Records carry fields the document does not declare, of every JSON type, one of them a
    timestamp the server sets on every write (更新日時); writes cannot change them."""

    SERVER_MANAGED = ("更新日時",)  # changes whenever the record is written, a restoring PUT included

    def _stamps(self) -> dict:
        return self.__dict__.setdefault("_stamp_of", {})

    def _stamp(self, resource_name, key):
        stamps = self._stamps()
        stamps[(resource_name, key)] = f"2026/11/27 10:{len(stamps) // 60:02d}:{len(stamps) % 60:02d}.{len(stamps)}"

    def _decorate(self, resource_name, rec):
        if rec is None:
            return None
        key = int(rec[self.spec.resource(resource_name).key])
        return {**rec, "更新日時": self._stamps().get((resource_name, key), "2026/01/01 00:00:00"),
                "削除フラグ": False, "バージョン": 3, "備考": None, "タグ": ["a", "b"]}

    def list(self, resource_name):
        return [self._decorate(resource_name, rec) for rec in super().list(resource_name)]

    def get(self, resource_name, key):
        return self._decorate(resource_name, super().get(resource_name, key))

    def create(self, resource_name, body):
        key = super().create(resource_name, body)
        self._stamp(resource_name, key)
        return key

    def update(self, resource_name, key, body):
        done = super().update(resource_name, key, body)
        if done:
            self._stamp(resource_name, key)
        return done


class KnowsOnlyPageFields(Service):
    """Stores only the key and the fields the page documents or implies: every inferred field the
    document guesses is dropped on write and absent from records."""

    def __init__(self, spec, *args, **kwargs):
        super().__init__(spec, *args, **kwargs)
        self._fields = {r.name: [f.name for f in r.fields if f.name != r.key and f.evidence != "inferred"]
                        for r in spec.resources}


class ReadOnlyCallFacts(Service):
    """PUT cannot change the inferred facts of a call record (着信日時, 回線No): the service wrote them
    when the call came in; PUT changes the other fields (a read-only column the page does not rule out)."""

    READ_ONLY = {"ReceivedCall-Record": ("着信日時", "回線No")}

    def update(self, resource_name, key, body):
        old = self.get(resource_name, key)
        if old is not None:
            body = {**body, **{f: old.get(f, "") for f in self.READ_ONLY.get(resource_name, ())}}
        return super().update(resource_name, key, body)


class ServerSetsStatus(Service):
    """Online-Activation's 状態 is the server's: a new record starts "未認証", a PUT keeps whatever the
    server had; what a client sends for it is ignored (a field the document only infers)."""

    RESOURCES = ("Online-Activation",)
    WARNS = ("ROUNDTRIP-POST",)
    MANAGED: ClassVar[dict[str, str]] = {"Online-Activation": "状態"}

    def create(self, resource_name, body):
        name = self.MANAGED.get(resource_name)
        return super().create(resource_name, {**body, name: "未認証"} if name else body)

    def update(self, resource_name, key, body):
        name = self.MANAGED.get(resource_name)
        old = self.get(resource_name, key) if name else None
        if old is not None:
            body = {**body, name: old.get(name, "")}
        return super().update(resource_name, key, body)


class QueryOrderedByTime(Service):
    """The query route orders call records by 着信日時 (the page says 降順/昇順 without naming the field),
    filtering and cutting correctly; records imported from an older system carry keys that do not follow
    time (every third record is stamped a day earlier), so the order differs from the key order."""

    WARNS = ("QUERY-MATCHES-MODEL",)
    ORDER: ClassVar[dict[str, str]] = {"ReceivedCall-Record": "着信日時"}

    def load_records(self, resource_name, records):
        if resource_name in self.ORDER:
            field = self.ORDER[resource_name]
            records = [({**rec, field: _a_day_earlier(rec.get(field))} if i % 3 == 2 else rec)
                       for i, rec in enumerate(records)]
        return super().load_records(resource_name, records)

    def query(self, resource_name, top, descending, k_id, numbers):
        rows = super().query(resource_name, 0, False, k_id, numbers)
        field = self.ORDER.get(resource_name)
        if field:
            key = self.spec.resource(resource_name).key
            rows.sort(key=lambda rec: (rec.get(field) or "", int(rec[key])), reverse=descending)
        elif descending:
            rows.reverse()
        return rows[:top] if top else rows


def _a_day_earlier(stamp):
    try:
        when = dt.datetime.strptime(str(stamp), "%Y/%m/%d %H:%M:%S")
    except ValueError:
        return stamp
    return (when - dt.timedelta(days=1)).strftime("%Y/%m/%d %H:%M:%S")


class HoldsNoTypedRecords(Service):
    """The resources with typed members (IncomingCall-URL, SIP-ServerConnection) start empty: the kit has no
    record to learn the members' types from, and its first POST with invented text values is refused."""

    RESOURCES = ("IncomingCall-URL",)
    NOTES = ("POST /IncomingCall-URL with the fields the document infers", "retried with the key and the documented fields")
    EMPTY = ("IncomingCall-URL", "SIP-ServerConnection")

    def load_records(self, resource_name, records):
        if resource_name not in self.EMPTY:
            super().load_records(resource_name, records)


class PutChangesNothing(Service):
    """PUT answers success and changes nothing (on a resource whose fields the page does not document,
    so each field alone would only warn: the update as a whole must still be seen)."""

    def update(self, resource_name, key, body):
        return self.get(resource_name, key) is not None
