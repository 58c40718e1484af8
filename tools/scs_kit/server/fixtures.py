"""Loading `--fixtures FILE`: a JSON object {resource name: [records]}; any problem is one KitError."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import KitError
from ..files import read_text
from .service import Service


def read_fixtures(source) -> dict:
    """A {resource: [records]} dict from a dict or a JSON file path."""
    if isinstance(source, dict):
        data, where = source, "fixtures"
    else:
        where = str(source)
        text = read_text(source, "fixtures file")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise KitError(f"{where}: fixtures are not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise KitError(f"{where}: fixtures must be a JSON object {{resource name: [records]}}")
    return data


def load_fixtures(service: Service, source) -> int:
    """Insert (or replace) the records under their own keys; returns how many were loaded."""
    data = read_fixtures(source)
    where = source if isinstance(source, (str, Path)) else "fixtures"
    names = {r.name: r for r in service.spec.resources}
    total = 0
    for name, records in data.items():
        r = names.get(name)
        if r is None:
            raise KitError(f"{where}: unknown resource {name!r} (known: {', '.join(names)})")
        if not isinstance(records, list) or not all(isinstance(rec, dict) for rec in records):
            raise KitError(f"{where}: {name} must be a list of JSON objects")
        for i, rec in enumerate(records):
            if r.key not in rec:
                raise KitError(f"{where}: {name}[{i}] has no key field {r.key!r}")
            if any(isinstance(v, (dict, list)) for v in rec.values()):
                raise KitError(f"{where}: {name}[{i}]: field values must be strings or numbers")
        try:
            service.load_records(name, records)
        except (ValueError, TypeError) as exc:
            raise KitError(f"{where}: {name}: {exc}") from None
        total += len(records)
    return total
