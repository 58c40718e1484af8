"""What the kit created or touched on the implementation, so that it can all be undone.

Only the records component (`records.Records`) writes here: a created record's entry exists before
the creating request is sent (pending, by marker, until its key is known); a foreign record's
snapshot is taken before the kit changes it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .results import CreatedRecord


@dataclass
class Entry:
    resource: str
    marker: str | None
    key: str | None = None
    deleted: bool = False
    note: str = ""
    by_marker: bool = False  # the key was found by the marker


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)
    snapshots: dict[tuple[str, str], dict] = field(default_factory=dict)  # (resource, key) → record
    problems: list[str] = field(default_factory=list)  # cleanup failures: the run ends in error
    notes: list[str] = field(default_factory=list)  # worth reporting, not a failure
    lock: threading.RLock = field(default_factory=threading.RLock)

    def pending(self, resource: str, marker: str | None, key: str | None = None) -> Entry:
        """A record a request about to be sent may create."""
        with self.lock:
            entry = Entry(resource, marker, key)
            self.entries.append(entry)
            return entry

    def settle(self, entry: Entry, *, key: str | None = None, deleted: bool = False, note: str | None = None,
               by_marker: bool = False) -> None:
        with self.lock:
            if key is not None:
                entry.key, entry.by_marker = key, by_marker
            if deleted:
                entry.deleted = True
            if note is not None:
                entry.note = note

    def live(self, resource: str) -> list[Entry]:
        return [e for e in self.entries if e.resource == resource and e.key is not None and not e.deleted]

    def owns(self, resource: str, key: str) -> bool:
        return any(e.resource == resource and e.key == str(key) and not e.deleted for e in self.entries)

    def forget(self, resource: str, key: str) -> None:
        with self.lock:
            for e in self.entries:
                if e.resource == resource and e.key == str(key):
                    e.deleted = True

    def snapshot(self, resource: str, key: str, record: dict) -> None:
        with self.lock:
            self.snapshots[(resource, key)] = record

    def restored(self, resource: str, key: str) -> None:
        with self.lock:
            self.snapshots.pop((resource, key), None)

    def created_records(self) -> list[CreatedRecord]:
        return [CreatedRecord(e.resource, e.key or "?", e.deleted, e.note) for e in self.entries if e.key or not e.deleted]
