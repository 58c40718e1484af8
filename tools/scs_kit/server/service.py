"""The reference server's business logic: records of every resource in one SQLite table.

The HTTP layer (app.py) validates and shapes requests and calls only the public methods here, so
a test can subclass `Service` (e.g. make `create` honour the body key) to get a faithful faulty
implementation. Records are dicts of strings in the order of the record schema, key first.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ..errors import KitError
from ..i18n import _
from ..spec import Spec

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 1000

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


class StorageFault(Exception):
    """A storage problem the HTTP layer answers in one line: kind is "busy", "full", "lost" or "error"."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


def storage_fault(exc: sqlite3.Error) -> StorageFault:
    """Classify an SQLite error by its result code (or, for errors without one, its text)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text or "busy" in text:
        return StorageFault("busy", str(exc))
    if primary == sqlite3.SQLITE_FULL or "disk is full" in text or "disk full" in text:
        return StorageFault("full", str(exc))
    return StorageFault("error", str(exc))


def _check_foreign(db: str) -> None:
    """Refuse, without changing it, an existing file that is not this server's database."""
    path = Path(db)
    if db == ":memory:" or db.startswith("file:") or not path.exists():
        return
    if not path.is_file():
        raise KitError(_("{db}: not a regular file").format(db=db))
    if path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')")}
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise KitError(_("{db}: not a database of this server ({exc}); left unchanged").format(db=db, exc=exc)) from None
    if tables - {"records"} or version not in (0, SCHEMA_VERSION) or (version == 0 and tables):
        raise KitError(
            _("{db}: not a database of this server (tables: {sorted}, user_version {version}, expected table "
              "records and user_version {SCHEMA_VERSION}); left unchanged").format(db=db, sorted=', '.join(sorted(tables)) or 'none', version=version,
                SCHEMA_VERSION=SCHEMA_VERSION)
        )


def connect(db: str) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    if db != ":memory:":
        # WAL + NORMAL: a commit is in the WAL before we answer, so a process crash (kill -9)
        # never loses an acknowledged write; only an OS crash could lose the last commits.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Another writer holding the lock longer than this is answered 503 + Retry-After.
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def open_database(db: str) -> sqlite3.Connection:
    """Open (creating if needed) the store; any problem is a one-line KitError."""
    _check_foreign(db)
    try:
        conn = connect(db)
        conn.execute(_DDL)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        elif version != SCHEMA_VERSION:
            raise KitError(_("{db}: database schema version {version} is not supported (expected {SCHEMA_VERSION})").format(db=db, version=version, SCHEMA_VERSION=SCHEMA_VERSION))
        conn.execute("SELECT COUNT(*) FROM records").fetchone()
    except sqlite3.Error as exc:
        raise KitError(_("{db}: cannot use as the server's database ({exc})").format(db=db, exc=exc)) from None
    return conn


class Service:
    """CRUD and the query route over SQLite, driven by the spec's resource table."""

    def __init__(self, spec: Spec, db: str = ":memory:"):
        self.spec = spec
        self.db = db
        self._main = open_database(db)
        # A file database gets one connection per thread: WAL lets readers go on while a writer
        # waits for the lock, so one slow statement holds up only its own request. An in-memory
        # database exists on one connection only; there a lock takes turns.
        self._shared = db == ":memory:" or db.startswith("file:")
        self._lock: threading.Lock | contextlib.nullcontext = threading.Lock() if self._shared else contextlib.nullcontext()
        # Writers of this process take turns here; SQLite's busy timeout is left for other processes.
        self._write_lock = self._lock if self._shared else threading.Lock()
        self._local = threading.local()
        self._connections = [self._main]
        self._connections_lock = threading.Lock()
        self._fields = {r.name: [f.name for f in r.fields if f.name != r.key] for r in spec.resources}
        self._identity = _identity(db)
        self._checked = time.monotonic()
        self._lost: StorageFault | None = None

    @property
    def concurrent_reads(self) -> bool:
        """True when a read never waits for another request's statement (own connection, WAL)."""
        return not self._shared

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._shared:
            return self._main
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.db)
            with self._connections_lock:
                self._connections.append(conn)
            self._local.conn = conn
        return conn

    def check_storage(self, interval: float = 1.0) -> None:
        """Raise StorageFault("lost") once the database file is gone or replaced (checked at most
        every `interval` seconds): SQLite would go on writing into the unlinked file and lose it all."""
        if self._lost is not None:
            raise self._lost
        if self._identity is None or time.monotonic() - self._checked < interval:
            return
        self._checked = time.monotonic()
        if _identity(self.db) != self._identity:
            self._lost = StorageFault("lost", _("{db}: the database file was removed or replaced while the server ran").format(
                db=self.db))
            raise self._lost

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
        with self._write_lock:
            row = self._conn.execute(
                _INSERT_NEXT, (resource_name, r.min_id - 1, self._body(resource_name, body), r.max_id)
            ).fetchone()
        if row is None:
            raise KeySpaceExhausted(resource_name)
        return int(row[0])

    def update(self, resource_name: str, key: int, body: dict) -> bool:
        with self._write_lock:
            cur = self._conn.execute(
                "UPDATE records SET body = ? WHERE resource = ? AND key = ?",
                (self._body(resource_name, body), resource_name, key),
            )
        return cur.rowcount > 0

    def delete(self, resource_name: str, key: int) -> bool:
        with self._write_lock:
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
            raise KitError(_("{resource_name} has no query route").format(resource_name=resource_name))
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
        with self._write_lock:
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
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


def _identity(db: str) -> tuple[int, int] | None:
    """(device, inode) of a file database, None for :memory: or a missing file."""
    if db == ":memory:" or db.startswith("file:"):
        return None
    try:
        st = os.stat(db)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _as_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None
