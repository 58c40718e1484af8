"""Lenient reading of the records an implementation answers.

Values of fields the page does not document that come back as JSON numbers or booleans are taken in
their string form, and `null` there as the field being absent. The page shows string values only for
ContainmentLine's fields and is silent on the others' types; each such field is noted once (a
run-level warning) instead of failing every comparison.
"""

from __future__ import annotations

from typing import Any

from ..i18n import _
from .field_types import FieldTypes
from .transport import Answer
from .verdict import documented


class Reader:
    def __init__(self) -> None:
        self.type_notes: set[str] = set()  # "Resource.field" answered as a JSON number, boolean or null
        self.types = FieldTypes()  # the JSON types seen, before the lenient reading (the kit writes them)

    def read(self, resource: Any, answer: Answer) -> Answer:
        """The answer with its records read leniently (see the module docstring)."""
        body = answer.json
        if isinstance(body, list):
            answer.read_as([self.row(resource, row) for row in body])
        elif isinstance(body, dict) and "result" not in body:
            answer.read_as(self.row(resource, body))
        return answer

    def row(self, resource: Any, row: Any) -> Any:
        # `null` in such a field is read as the field being absent (a value the implementation does not
        # store): comparisons then treat it like a dropped field (a warning), not like a changed value.
        if not isinstance(row, dict):
            return row
        self.types.observe(resource, row)
        out = dict(row)
        for name, value in row.items():
            if documented(resource, name):
                continue
            if value is None:
                del out[name]
                self.type_notes.add(_("{field} (null, read as absent)").format(field=f"{resource.name}.{name}"))
            elif isinstance(value, (bool, int, float)):
                out[name] = ("True" if value else "False") if isinstance(value, bool) else str(value)
                self.type_notes.add(f"{resource.name}.{name}")
        return out


def one(answer: Answer) -> dict | None:
    """The record of a GET-by-key answer (None for [] or a refusal); a bare object is tolerated here
    (ENVELOPE-GET-SINGLE judges the form), so that one broken form does not cascade into every check."""
    body = answer.json
    if not answer.ok:
        return None
    if isinstance(body, list):
        return body[0] if body and isinstance(body[0], dict) else None
    return body if isinstance(body, dict) and body and "result" not in body else None


def keyint(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def keys(rows: list[dict], resource: Any) -> dict[str, dict]:
    """key (as text) → record."""
    return {str(r.get(resource.key)): r for r in rows}


def max_key(rows: list[dict], resource: Any) -> int:
    ints = [keyint(r.get(resource.key)) for r in rows]
    return max([i for i in ints if i is not None], default=0)
