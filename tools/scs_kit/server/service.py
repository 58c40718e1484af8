"""The reference server's business logic: records of every resource in one SQLite table.

The HTTP layer (app.py) validates and shapes requests and calls only the public methods here, so
a test can subclass `Service` (e.g. make `create` honour the body key) to get a faithful faulty
implementation. Records are dicts of strings in the order of the record schema, key first.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
from typing import Iterable

from ..errors import KitError
from ..spec import Spec

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS records (
    resource TEXT NOT NULL,
    key INTEGER NOT NULL,
    body TEXT NOT NULL,           -- JSON object of the non-key fields
    PRIMARY KEY (resource, key)
) WITHOUT ROWID
"""

# Highest key + 1 (never below min-id), computed inside the INSERT so concurrent writers, even
# other processes on the same file, can never share a key: SQLite serialises writers.
_INSERT_NEXT = """
INSERT INTO records (resource, key, body)
SELECT ?1, MAX(COALESCE(MAX(key), 0), ?2) + 1, ?3 FROM records WHERE resource = ?1
HAVING MAX(COALESCE(MAX(key), 0), ?2) + 1 <= ?4
RETURNING key
"""


class KeySpaceExhausted(Exception):
    """The highest key is already 2147483647: POST has no key left to assign."""


def open_database(db: str) -> sqlite3.Connection:
    """Open (creating if needed) the store; any problem is a one-line KitError."""
    try:
        conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        if db != ":memory:":
            # WAL + NORMAL: a commit is in the WAL before we answer, so a process crash (kill -9)
            # never loses an acknowledged write; only an OS crash could lose the last commits.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=5000")
        conn.execute(_DDL)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        elif version != SCHEMA_VERSION:
            raise KitError(f"{db}: database schema version {version} is not supported (expected {SCHEMA_VERSION})")
        conn.execute("SELECT COUNT(*) FROM records").fetchone()
    except sqlite3.Error as exc:
        raise KitError(f"{db}: cannot use as the server's database ({exc})") from None
    return conn


class Service:
    """CRUD and the query route over SQLite, driven by the spec's resource table."""

    def __init__(self, spec: Spec, db: str = ":memory:"):
        self.spec = spec
        self.db = db
        self._conn = open_database(db)
        self._lock = threading.Lock()  # one writer/reader at a time on the shared connection
        self._fields = {r.name: [f.name for f in r.fields if f.name != r.key] for r in spec.resources}

    # -- helpers --------------------------------------------------------------------------
    def _record(self, resource_name: str, key: int, body: str) -> dict:
        r = self.spec.resource(resource_name)
        return {r.key: str(key), **json.loads(body)}

    def _body(self, resource_name: str, fields: dict) -> str:
        """The stored JSON: every declared non-key field, missing ones as ""."""
        return json.dumps({n: fields.get(n, "") for n in self._fields[resource_name]}, ensure_ascii=False)

    # -- the interface the HTTP layer uses ------------------------------------------------
    def list(self, resource_name: str) -> list[dict]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, body FROM records WHERE resource = ? ORDER BY key", (resource_name,)
            ).fetchall()
        return [self._record(resource_name, k, b) for k, b in rows]

    def get(self, resource_name: str, key: int) -> dict | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT key, body FROM records WHERE resource = ? AND key = ?", (resource_name, key)
            ).fetchone()
        return self._record(resource_name, *row) if row else None

    def create(self, resource_name: str, body: dict) -> int:
        r = self.spec.resource(resource_name)
        with self._lock:
            row = self._conn.execute(
                _INSERT_NEXT, (resource_name, r.min_id - 1, self._body(resource_name, body), r.max_id)
            ).fetchone()
        if row is None:
            raise KeySpaceExhausted(resource_name)
        return int(row[0])

    def update(self, resource_name: str, key: int, body: dict) -> bool:
        with self._lock:
            cur = self._conn.execute(
                "UPDATE records SET body = ? WHERE resource = ? AND key = ?",
                (self._body(resource_name, body), resource_name, key),
            )
        return cur.rowcount > 0

    def delete(self, resource_name: str, key: int) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM records WHERE resource = ? AND key = ?", (resource_name, key))
        return cur.rowcount > 0

    def query(
        self, resource_name: str, top: int, descending: bool, k_id: int, numbers: builtins.list[str] | None
    ) -> builtins.list[dict]:
        """The query route, as its x-scs-query declares it: keep the records whose number-filter field
        (顧客ID) equals k_id unless k_id is the "all" value, and whose text-filter field (相手TEL) is one
        of `numbers` unless None; order by the order key; at most `top` unless top is the "all" value."""
        q = self.spec.resource(resource_name).query_route
        if q is None:
            raise KitError(f"{resource_name} has no query route")
        rows = self.list(resource_name)
        by_number, by_text = q.number_filter, q.text_filter
        if by_number is not None and k_id != by_number.all:
            rows = [rec for rec in rows if _as_int(rec.get(by_number.field)) == k_id]
        if by_text is not None and numbers is not None:
            wanted = set(numbers)
            rows = [rec for rec in rows if rec.get(by_text.field) in wanted]
        rows.sort(key=lambda rec: _as_int(rec.get(q.order.key)) or 0, reverse=descending)
        return rows if top == q.limit.all else rows[:top]

    def load_records(self, resource_name: str, records: Iterable[dict]) -> None:
        """Insert or replace records under their own keys (fixtures, demo data)."""
        r = self.spec.resource(resource_name)
        rows = []
        for rec in records:
            key = int(rec[r.key])
            if not r.min_id <= key <= r.max_id:
                raise ValueError(f"{resource_name}: key {key} outside {r.min_id}..{r.max_id}")
            rows.append((resource_name, key, self._body(resource_name, {k: str(v) for k, v in rec.items()})))
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR REPLACE INTO records (resource, key, body) VALUES (?, ?, ?)", rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _as_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None
