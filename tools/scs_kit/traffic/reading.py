"""Reading records out of answers the way the active checks do (contract_tests and check.context)."""

from __future__ import annotations

from typing import Any

from ..check.reading import keyint
from ..spec import Resource


def documented(resource: Resource, name: str) -> bool:
    field = resource.field(name)
    return field is not None and field.evidence == "documented"


def lenient(resource: Resource, row: Any) -> Any:
    """A record with the values of fields the page does not document in string form (`null` read as
    absent), as the active checks compare them: the page is silent on those fields' types."""
    if not isinstance(row, dict):
        return row
    out = {}
    for name, value in row.items():
        if not documented(resource, name) and value is None:
            continue
        if not documented(resource, name) and isinstance(value, (bool, int, float)):
            value = ("True" if value else "False") if isinstance(value, bool) else str(value)
        out[name] = value
    return out


def records(resource: Resource, body: Any) -> list[dict] | None:
    """The records of a GET answer (lenient), or None when it is not an array of records."""
    if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
        return None
    return [lenient(resource, x) for x in body]


def one(resource: Resource, body: Any) -> dict | None:
    """The record of a GET-by-key answer; a bare object is tolerated here (ENVELOPE-GET-SINGLE judges the form)."""
    if isinstance(body, list):
        return lenient(resource, body[0]) if body and isinstance(body[0], dict) else None
    if isinstance(body, dict) and body and "result" not in body:
        return lenient(resource, body)
    return None


def by_key(resource: Resource, rows: list[dict]) -> dict[str, dict]:
    return {str(keyint(r.get(resource.key)) if keyint(r.get(resource.key)) is not None else r.get(resource.key)): r
            for r in rows}


def max_key(resource: Resource, rows: list[dict]) -> int:
    return max([k for k in (keyint(r.get(resource.key)) for r in rows) if k is not None], default=0)


def key_of(value: Any) -> str:
    k = keyint(value)
    return str(k) if k is not None else str(value)
