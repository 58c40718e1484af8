"""Loading `--fixtures FILE`: a JSON object {resource name: [records]}; any problem is one KitError."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import KitError
from ..files import read_text
from ..i18n import _
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
            raise KitError(_("{where}: fixtures are not valid JSON ({exc})").format(where=where, exc=exc)) from None
    if not isinstance(data, dict):
        raise KitError(_("{where}: fixtures must be a JSON object {{resource name: [records]}}").format(where=where))
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
            raise KitError(_("{where}: unknown resource {name!r} (known: {names})").format(where=where, name=name, names=', '.join(names)))
        if not isinstance(records, list) or not all(isinstance(rec, dict) for rec in records):
            raise KitError(_("{where}: {name} must be a list of JSON objects").format(where=where, name=name))
        for i, rec in enumerate(records):
            if r.key not in rec:
                raise KitError(_("{where}: {name}[{i}] has no key field {key!r}").format(where=where, name=name, i=i, key=r.key))
            if any(isinstance(v, (dict, list)) for v in rec.values()):
                raise KitError(_("{where}: {name}[{i}]: field values must be strings or numbers").format(where=where, name=name, i=i))
        try:
            service.load_records(name, records)
        except (ValueError, TypeError) as exc:
            raise KitError(f"{where}: {name}: {exc}") from None
        total += len(records)
    return total
