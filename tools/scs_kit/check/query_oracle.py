"""The kit's own answer to a ReceivedCall-Record query, computed from the full collection.

Independent of the reference server's implementation on purpose; both read which parameter means
what (the limit, the order and its key, each filter's field, the "all" spellings, the separator)
from the document's x-scs-query, through `Resource.query_route`.
"""

from __future__ import annotations

import re

from .reading import keyint

class QueryParameters:
    """What the document declares for the query route's parameters: the limit and number-filter
    bounds, the order spellings, and the text filter's pattern (which also says what one value may
    look like)."""

    def __init__(self, spec, resource):
        q = resource.query_route
        op = resource.operation("query", "GET")
        self.route = q
        self.top_max = _maximum(op, q.limit.parameter)
        self.kid_max = _maximum(op, q.number_filter.parameter)
        order = op.parameter(q.order.parameter)
        self.spellings: list[str] = [str(v) for v in order.enum] or [*q.order.descending, *q.order.ascending]
        text = q.text_filter
        pattern = op.parameter(text.parameter).pattern
        self.from_pattern = re.compile(pattern or ".*")
        self.all_spelling = str(text.all)
        self.separators = text.separators

    def is_number(self, value) -> bool:
        """A value the text filter can carry on its own (the data may hold values the route cannot express)."""
        return (isinstance(value, str) and value != self.all_spelling and not any(s in value for s in self.separators)
                and bool(self.from_pattern.fullmatch(value)))

    def same_meaning(self) -> list[tuple[str, str]]:
        """Pairs of order spellings that must answer alike: True(true), False(false)."""
        order = self.route.order
        return [(group[0], other) for group in (order.descending, order.ascending) for other in group[1:]
                if group[0] in self.spellings and other in self.spellings]


def _maximum(op, name: str) -> int:
    param = op.parameter(name)
    return param.maximum if param is not None and param.maximum is not None else 2**31 - 1


def query_fields(resource) -> tuple[str, str]:
    """The record fields the number filter (K_ID) and the text filter (FROM) compare, from x-scs-query."""
    q = resource.query_route
    return q.number_filter.field, q.text_filter.field


def route(resource, top, desc, kid, tels, amp="&") -> str:
    q = resource.query_route
    return q.path_for({
        q.limit.parameter: top,
        q.order.parameter: desc,
        q.number_filter.parameter: kid,
        q.text_filter.parameter: q.text_filter.join(tels, amp),
    })


def expected(resource, rows, top, desc, kid, tels) -> list:
    q = resource.query_route
    kid_field, tel_field = query_fields(resource)
    out = list(rows)
    if kid != q.number_filter.all:
        out = [r for r in out if keyint(r.get(kid_field)) == kid]
    if tels is not None:
        wanted = set(tels)
        out = [r for r in out if r.get(tel_field) in wanted]
    out.sort(key=lambda r: keyint(r.get(q.order.key)) or 0, reverse=q.order.is_descending(desc))
    return out if top == q.limit.all else out[:top]
