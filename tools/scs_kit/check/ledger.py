"""What the kit created or touched on the implementation, so that it can all be undone.

Only the records component (`records.Records`) writes here: a created record's entry exists before
the creating request is sent (pending, by marker or predicted key, until its key is known); a
foreign record's snapshot is taken before the kit changes it.

With a `path`, every change is also appended to a journal file (one JSON object per line) and
fsynced before the method returns, so the request that follows is always covered: a kit killed at
any moment (SIGKILL, a cancelled CI job, a closed laptop) leaves a journal from which `scs-kit
cleanup` undoes everything. A run that ends with everything undone removes the journal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KitError
from ..files import fsync_dir
from ..i18n import _
from ..results import CreatedRecord

FORMAT = "scs-kit-ledger/1"


def ledger_name(base_url: str) -> str:
    """The journal's file name in a report directory: one per target, so runs against two services can
    share a report directory without one blocking the other."""
    digest = hashlib.sha256(base_url.rstrip("/").encode("utf-8")).hexdigest()[:12]
    return f"scs-kit-ledger-{digest}.jsonl"


@dataclass
class Entry:
    resource: str
    marker: str | None
    key: str | None = None
    deleted: bool = False
    note: str = ""
    by_marker: bool = False  # the key was found by the marker
    predicted: str | None = None  # the key the page's rule (highest + 1) gives an unmarked create
    keep: bool = False  # the one record the kit keeps on a resource without DELETE
    number: int = 0  # position in the journal's entries


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)
    snapshots: dict[tuple[str, str], dict] = field(default_factory=dict)  # (resource, key) → record
    problems: list[str] = field(default_factory=list)  # cleanup failures: the run ends in error
    notes: list[str] = field(default_factory=list)  # worth reporting, not a failure
    lock: threading.RLock = field(default_factory=threading.RLock)
    path: Path | None = None  # the journal; None keeps the ledger in memory only
    base_url: str = ""
    run_id: str = ""
    _file: Any = field(default=None, repr=False)

    # ---------- the journal ----------
    def open(self, path: Path, base_url: str, run_id: str) -> None:
        """Start the journal at `path` (KitError if it cannot be written)."""
        self.path, self.base_url, self.run_id = Path(path), base_url, run_id
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "x", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        except FileExistsError:
            raise KitError(_("{path}: a ledger is already there (run `scs-kit cleanup` first)").format(path=self.path)) from None
        except OSError as exc:
            raise KitError(_("{path}: cannot write the ledger ({strerror})").format(path=self.path, strerror=exc.strerror or exc)) from None
        self._append({"op": "start", "format": FORMAT, "base_url": base_url, "run_id": run_id, "pid": os.getpid(),
                      "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
        fsync_dir(self.path.parent)

    def _append(self, line: dict) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def _entry_line(self, entry: Entry, op: str) -> dict:
        return {"op": op, "n": entry.number, "resource": entry.resource, "marker": entry.marker, "key": entry.key,
                "deleted": entry.deleted, "note": entry.note, "predicted": entry.predicted, "keep": entry.keep}

    def undone(self) -> bool:
        """Whether nothing is left to undo (kept records on resources without DELETE aside)."""
        return not self.snapshots and not self.problems and all(e.deleted or (e.keep and e.key is not None)
                                                                for e in self.entries)

    def close(self) -> None:
        """End the journal: removed when everything is undone, else left for `scs-kit cleanup`."""
        with self.lock:
            if self._file is None:
                return
            self._file.close()
            self._file = None
            if self.path is not None and self.undone():
                self.path.unlink(missing_ok=True)
                fsync_dir(self.path.parent)

    # ---------- changes ----------
    def pending(self, resource: str, marker: str | None, key: str | None = None, *, predicted: str | None = None,
                keep: bool = False) -> Entry:
        """A record a request about to be sent may create."""
        with self.lock:
            entry = Entry(resource, marker, key, predicted=predicted, keep=keep, number=len(self.entries))
            self.entries.append(entry)
            self._append(self._entry_line(entry, "create"))
            return entry

    def settle(self, entry: Entry, *, key: str | None = None, deleted: bool = False, note: str | None = None,
               by_marker: bool = False, keep: bool | None = None) -> None:
        with self.lock:
            if key is not None:
                entry.key, entry.by_marker = key, by_marker
            if deleted:
                entry.deleted = True
            if note is not None:
                entry.note = note
            if keep is not None:
                entry.keep = keep
            self._append(self._entry_line(entry, "settle"))

    def live(self, resource: str) -> list[Entry]:
        return [e for e in self.entries if e.resource == resource and e.key is not None and not e.deleted]

    def owns(self, resource: str, key: str) -> bool:
        return any(e.resource == resource and e.key == str(key) and not e.deleted for e in self.entries)

    def forget(self, resource: str, key: str) -> None:
        with self.lock:
            for e in self.entries:
                if e.resource == resource and e.key == str(key) and not e.deleted:
                    self.settle(e, deleted=True)

    def snapshot(self, resource: str, key: str, record: dict) -> None:
        with self.lock:
            self.snapshots[(resource, key)] = record
            self._append({"op": "snapshot", "resource": resource, "key": key, "record": record})

    def restored(self, resource: str, key: str) -> None:
        with self.lock:
            if self.snapshots.pop((resource, key), None) is not None:
                self._append({"op": "restored", "resource": resource, "key": key})

    def created_records(self) -> list[CreatedRecord]:
        return [CreatedRecord(e.resource, e.key or "?", e.deleted, e.note) for e in self.entries if e.key or not e.deleted]

    # ---------- reading a journal back ----------
    @classmethod
    def load(cls, path: Path) -> Ledger:
        """The ledger a journal describes (a torn last line, from a kill mid-write, is ignored)."""
        path = Path(path)
        try:
            text = path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            raise KitError(_("{path}: no such ledger").format(path=path)) from None
        except OSError as exc:
            raise KitError(_("{path}: cannot read the ledger ({strerror})").format(path=path, strerror=exc.strerror or exc)) from None
        lines = text.splitlines()
        ledger = cls()
        for i, raw in enumerate(lines):
            try:
                line = json.loads(raw)
                if not isinstance(line, dict):
                    raise ValueError("not an object")
                ledger._replay(line)
            except (ValueError, KeyError, TypeError, IndexError):
                if i == len(lines) - 1 and i > 0:
                    break  # the kit was killed while writing this line: its request was never sent
                raise KitError(_("{path}: line {value} is not a scs-kit ledger line").format(path=path, value=i + 1)) from None
        if not ledger.base_url:
            raise KitError(_("{path}: not a scs-kit ledger (no start line)").format(path=path))
        ledger.path = path
        return ledger

    def _replay(self, line: dict) -> None:
        op = line["op"]
        if op == "start":
            if line.get("format") != FORMAT:
                raise ValueError("unknown format")
            self.base_url, self.run_id = str(line["base_url"]), str(line["run_id"])
        elif op in ("create", "settle"):
            n = int(line["n"])
            if op == "create":
                if n != len(self.entries):
                    raise ValueError("entries out of order")
                self.entries.append(Entry(str(line["resource"]), line.get("marker"), number=n))
            entry = self.entries[n]
            entry.key = None if line.get("key") is None else str(line["key"])
            entry.deleted, entry.note = bool(line.get("deleted")), str(line.get("note") or "")
            entry.predicted, entry.keep = line.get("predicted"), bool(line.get("keep"))
        elif op == "snapshot":
            if not isinstance(line["record"], dict):
                raise ValueError("snapshot is not a record")
            self.snapshots[(str(line["resource"]), str(line["key"]))] = line["record"]
        elif op == "restored":
            self.snapshots.pop((str(line["resource"]), str(line["key"])), None)
        else:
            raise ValueError(f"unknown op {op!r}")

    def resume(self) -> None:
        """Append to the loaded journal from here on (cleanup records what it undid)."""
        if self.path is not None and self._file is None:
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
