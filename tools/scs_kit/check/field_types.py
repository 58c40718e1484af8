"""The JSON types an implementation gives the fields the page does not document, learned from the
records it answers, so that the kit's writes use them.

The page shows string values only for ContainmentLine's fields. An implementation built on typed
members (a WCF DataContract) may answer a port as a number and a flag as a boolean and refuse a
string there; the kit learns each field's type from the implementation's own records (before they
are read leniently) and writes values of that type: a number stays a number in the kit's bodies.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from .verdict import documented

KINDS = ("boolean", "integer", "number")


def kind_of(value: Any) -> str | None:
    """The JSON type of a value ("string" for text; None for null, which says nothing)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "other"


class FieldTypes:
    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], set[str]] = {}
        self._lock = threading.Lock()

    def observe(self, resource: Any, row: Any) -> None:
        """Note the types of one record's undocumented fields, as the implementation answered them."""
        if not isinstance(row, dict):
            return
        with self._lock:
            for name, value in row.items():
                kind = kind_of(value)
                if kind is not None and name != resource.key and not documented(resource, name):
                    self._seen.setdefault((resource.name, name), set()).add(kind)

    def of(self, resource: Any, name: str) -> str | None:
        """The field's learned type when the implementation answered it consistently as a non-string."""
        with self._lock:
            kinds = set(self._seen.get((resource.name, name), ()))
        if kinds == {"integer", "number"}:
            return "number"
        return kinds.pop() if len(kinds) == 1 and next(iter(kinds)) in KINDS else None

    def typed(self, resource: Any, body: dict, rng: random.Random | None = None) -> dict:
        """The body with each value of a field of learned type converted to it; the key and documented
        fields stay as they are. A value read leniently ("5060", "True") converts back exactly."""
        rng = rng or random.Random(0)
        out = dict(body)
        for name, value in body.items():
            kind = self.of(resource, name) if name != resource.key else None
            if kind is None or not isinstance(value, str):
                continue
            out[name] = convert(value, kind, rng)
        return out


def as_text(resource: Any, body: dict) -> dict:
    """The body in the document's form: the key and the values of fields the page does not document as
    strings ("True"/"False" for booleans), nulls left out (a value the implementation does not store)."""
    out = {}
    for name, value in body.items():
        if name != resource.key and documented(resource, name):
            out[name] = value
        elif value is None:
            continue
        elif isinstance(value, bool):
            out[name] = "True" if value else "False"
        elif isinstance(value, (int, float)):
            out[name] = str(value)
        else:
            out[name] = value
    return out


def convert(text: str, kind: str, rng: random.Random) -> Any:
    """`text` as a JSON value of `kind`; text that has no such reading becomes a fresh value of it."""
    stripped = text.strip()
    if kind == "boolean":
        if stripped.lower() in ("true", "false"):
            return stripped.lower() == "true"
        return rng.random() < 0.5
    if kind == "integer":
        return int(stripped) if stripped.isdigit() and len(stripped) < 10 else rng.randrange(1, 65536)
    try:
        return float(stripped) if "." in stripped else int(stripped)
    except ValueError:
        return round(rng.uniform(1, 1000), 2)
