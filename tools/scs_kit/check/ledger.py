"""What the kit created or touched on the implementation, so that it can all be undone.

Every record the kit creates is written here BEFORE the kit relies on it (pending, by marker,
until its key is known); every foreign record the kit must PUT (ReceivedCall-Record has no
POST) is snapshotted here before the PUT. `cleanup()` deletes and restores; it is idempotent and
runs from finally blocks, atexit and the SIGINT/SIGTERM handlers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .results import CreatedRecord

if TYPE_CHECKING:  # pragma: no cover
    from .context import Kit


@dataclass
class Entry:
    resource: str
    marker: str | None
    key: str | None = None
    deleted: bool = False
    note: str = ""


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)
    snapshots: dict[tuple[str, str], dict] = field(default_factory=dict)  # (resource, key) → record
    problems: list[str] = field(default_factory=list)  # cleanup failures: the run ends in error
    notes: list[str] = field(default_factory=list)  # worth reporting, not a failure
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def pending(self, resource: str, marker: str | None) -> Entry:
        with self._lock:
            entry = Entry(resource, marker)
            self.entries.append(entry)
            return entry

    def live(self, resource: str) -> list[Entry]:
        return [e for e in self.entries if e.resource == resource and e.key is not None and not e.deleted]

    def owns(self, resource: str, key: str) -> bool:
        return any(e.resource == resource and e.key == str(key) and not e.deleted for e in self.entries)

    def forget(self, resource: str, key: str) -> None:
        for e in self.entries:
            if e.resource == resource and e.key == str(key):
                e.deleted = True

    def created_records(self) -> list[CreatedRecord]:
        return [CreatedRecord(e.resource, e.key or "?", e.deleted, e.note) for e in self.entries if e.key or not e.deleted]

    def cleanup(self, kit: "Kit") -> None:
        """Restore snapshots, then delete every kit record that can be deleted. Never raises."""
        with self._lock:
            for (name, key), record in list(self.snapshots.items()):
                try:
                    kit.restore(kit.spec.resource(name), key, record)
                except Exception as exc:  # noqa: BLE001 - cleanup must go on
                    self.problems.append(f"could not restore {name}/{key}: {exc}")
            for entry in self.entries:
                if entry.deleted:
                    continue
                try:
                    resource = kit.spec.resource(entry.resource)
                    if entry.key is None and entry.marker:
                        entry.key = kit.find_marker(resource, entry.marker)
                        if entry.key is None:
                            entry.deleted = True  # the POST never registered a record
                            entry.note = "POST registered nothing"
                            continue
                    if entry.key is None:
                        entry.note = entry.note or "key unknown: not deleted"
                        continue
                    if not resource.allows("DELETE"):
                        entry.note = entry.note or "resource has no DELETE: left in place"
                        continue
                    kit.delete(resource, entry.key)
                    if kit.record(resource, entry.key) is None:
                        entry.deleted = True
                    else:
                        entry.note = "DELETE did not remove it"
                        self.problems.append(f"could not delete {entry.resource}/{entry.key}")
                except Exception as exc:  # noqa: BLE001
                    entry.note = f"cleanup failed: {exc}"
                    self.problems.append(f"could not delete {entry.resource}/{entry.key}: {exc}")
            self._sweep(kit)

    def _sweep(self, kit: "Kit", passes: int = 3) -> None:
        """Delete any record still carrying this run's marker: a record the kit deleted can come
        back (a faulty DELETE that only hides it), and the entries above no longer know it."""
        prefix = f"scs-kit-{kit.run_id}-"
        for name in sorted({e.resource for e in self.entries if e.key is not None}):
            resource = kit.spec.resource(name)
            field = kit.marker_field(resource)
            if not field or not resource.allows("DELETE"):
                continue
            try:
                for attempt in range(passes + 1):
                    rows, _ = kit.list(resource)
                    back = sorted((str(row.get(resource.key)) for row in rows
                                   if str(row.get(field, "")).startswith(prefix)), key=lambda k: (len(k), k))
                    if not back:
                        break
                    if attempt == passes:
                        self.problems.append(f"{name}: records {', '.join(back)} created by the kit are still there: "
                                             "the implementation brings deleted records back")
                        break
                    self.notes.append(f"{name}: records {', '.join(back)} that the kit had deleted were back "
                                      "after the run; deleted them again")
                    for key in back:
                        kit.delete(resource, key)
            except Exception as exc:  # noqa: BLE001 - cleanup must go on
                self.problems.append(f"could not sweep {name} for the kit's records: {exc}")
