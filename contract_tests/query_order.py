"""Which record fields an answer of the query route is consistently ordered by.

The page says 降順 / 昇順 without naming the field; ordering by the record's key is our reading. An
answer that is correctly filtered and cut but ordered by another field (a date-time field of the
record, say) keeps the page's words, so QUERY-MATCHES-MODEL only warns for it — as long as one and
the same field explains every answer of the run.
"""

from __future__ import annotations

import itertools
from typing import Any


def sort_value(value: Any) -> tuple:
    """A comparable form of a field value: numbers by value, anything else as text."""
    text = "" if value is None else str(value)
    if text.strip().isdigit():
        return (0, int(text), "")
    return (1, 0, text)


def ordering_fields(resource: Any, filtered: list[dict], got: list, top: int, descending: bool) -> set[str]:
    """The fields F such that `got` is `filtered` ordered by F (ties in any order) and cut to `top`
    (0 = all): the same records with the same values, monotone in F, and none left out that F puts
    before the last one taken. The key itself is among them when the key order explains the answer."""
    want = min(top, len(filtered)) if top else len(filtered)
    if not isinstance(got, list) or len(got) != want or not all(isinstance(g, dict) for g in got):
        return set()
    by_key = {str(r.get(resource.key)): r for r in filtered}
    taken = [str(g.get(resource.key)) for g in got]
    if len(set(taken)) != len(taken) or any(by_key.get(k) != g for k, g in zip(taken, got)):
        return set()
    rest = [r for k, r in by_key.items() if k not in set(taken)]
    names = sorted({name for r in filtered for name in r})
    out = set()
    for name in names:
        if len({sort_value(r.get(name)) for r in filtered}) <= 1:
            continue  # the same value everywhere orders nothing
        values = [sort_value(g.get(name)) for g in got]
        pairs = itertools.pairwise(values)
        if not all((a >= b) if descending else (a <= b) for a, b in pairs):
            continue
        if values and rest:
            last = values[-1]
            left = [sort_value(r.get(name)) for r in rest]
            if not all((v <= last) if descending else (v >= last) for v in left):
                continue
        out.add(name)
    return out
