"""The kit's own answer to a ReceivedCall-Record query, computed from the full collection."""

from __future__ import annotations

import re

from scs_kit.check.context import keyint

PHONE = re.compile(r"^0[0-9]{9,10}$")


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
