"""The kit's own answer to a ReceivedCall-Record query, computed from the full collection."""

from __future__ import annotations

import re

from scs_kit.check.context import keyint
from scs_kit.spec import resolve


class QueryParameters:
    """What the document declares for the query route's parameters: the TOP and K_ID bounds, the
    DESCENDING spellings, and the FROM pattern (which also says what one 相手TEL may look like)."""

    def __init__(self, spec, resource):
        op = spec.operation(resource.query, "GET") or {}
        params = [resolve(spec.document, p) for p in op.get("parameters", [])]
        schemas = {p.get("name"): p.get("schema") or {} for p in params}
        self.top_max = int(schemas.get("TOP", {}).get("maximum", 2**31 - 1))
        self.kid_max = int(schemas.get("K_ID", {}).get("maximum", 2**31 - 1))
        self.spellings: list[str] = list(schemas.get("DESCENDING", {}).get("enum") or ["True", "False"])
        self.from_pattern = re.compile(schemas.get("FROM", {}).get("pattern") or ".*")

    def is_number(self, value) -> bool:
        """A value FROM can carry on its own (the data may hold 相手TEL values the route cannot express)."""
        return isinstance(value, str) and value != "Null" and "&" not in value and bool(self.from_pattern.fullmatch(value))

    def same_meaning(self) -> list[tuple[str, str]]:
        """Pairs of spellings that must answer alike: True(true), False(false)."""
        groups: dict[str, list[str]] = {}
        for spelling in self.spellings:
            groups.setdefault(spelling.lower(), []).append(spelling)
        return [(g[0], other) for g in groups.values() for other in g[1:]]


def query_fields(resource) -> tuple[str, str]:
    """The record fields K_ID and FROM filter on, found by the vendor sentence each field cites."""
    kid = next((f.name for f in resource.fields if f.source and "K_ID" in f.source), "顧客ID")
    tel = next((f.name for f in resource.fields if f.source and "FROM" in f.source), "相手TEL")
    return kid, tel


def route(resource, top, desc, kid, tels, amp="&") -> str:
    frm = "Null" if tels is None else amp.join(tels)
    return (resource.query.replace("{TOP}", str(top)).replace("{DESCENDING}", desc)
            .replace("{K_ID}", str(kid)).replace("{FROM}", frm))


def expected(resource, rows, top, desc, kid, tels) -> list:
    kid_field, tel_field = query_fields(resource)
    out = list(rows)
    if kid:
        out = [r for r in out if keyint(r.get(kid_field)) == kid]
    if tels is not None:
        wanted = set(tels)
        out = [r for r in out if r.get(tel_field) in wanted]
    out.sort(key=lambda r: keyint(r.get(resource.key)) or 0, reverse=desc.lower() == "true")
    return out[:top] if top else out
