"""What a write sent against what a later read shows, under the ROUND-TRIP policy: a documented field must
come back as sent; a field the page does not document may be absent, kept or masked (a warning)."""

from __future__ import annotations

from dataclasses import dataclass, field

from contract_tests._kit import open_field, short, sorted_fields

from ..spec import Resource
from .reading import lenient


@dataclass
class Comparison:
    fails: list[str] = field(default_factory=list)
    warns: list[str] = field(default_factory=list)
    changed_nothing: bool = False  # no field sent landed although some were sent


def compare(resource: Resource, sent: dict, got: dict, before: dict | None = None) -> Comparison:
    sent = lenient(resource, sent)
    fields = sorted_fields(resource, sent, got, before)
    out = Comparison()
    for name in fields["wrong"] + fields["dropped"] + fields["kept"]:
        shown = repr(short(got[name], 120)) if name in got else "no such field"
        text = f"{name!r} was sent as {short(sent[name], 120)!r} but the read shows {shown}"
        (out.warns if open_field(resource, name) else out.fails).append(
            text + ("" if not open_field(resource, name) else " (a field the page does not document)"))
    if fields["hidden"]:
        out.warns.append(f"the secret field(s) {fields['hidden']} read otherwise than sent: masked, presumably")
    out.changed_nothing = bool(fields["kept"] or fields["wrong"]) and not fields["landed"] and not fields["hidden"]
    return out
