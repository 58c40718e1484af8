"""What a write sent against what a later read shows, under the ROUND-TRIP policy of the active checks:
a field the document declares must come back as sent; one the page does not document may be absent,
kept (not writable) or masked, which warns; fields the document does not declare at all only warn."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..check.expectations import open_field, short, sorted_fields
from ..i18n import _
from ..spec import Resource
from .reading import lenient

TEXT_SPECIALS = set("&%\"'\\<>\n\t")


@dataclass
class Comparison:
    fails: list[str] = field(default_factory=list)
    warns: list[str] = field(default_factory=list)
    text_fails: list[str] = field(default_factory=list)  # values of the ROUNDTRIP-TEXT kind that did not survive
    changed_nothing: bool = False  # no field sent landed although some were sent


def text_kind(value: object) -> bool:
    """Japanese text, full-/half-width forms, long values, &, % and quotes: what ROUNDTRIP-TEXT is about."""
    return isinstance(value, str) and (len(value) > 100 or any(ord(c) > 127 or c in TEXT_SPECIALS for c in value))


def _digits(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()


def compare(resource: Resource, sent: dict, got: dict, before: dict | None = None, *, known_before: bool = True) \
        -> Comparison:
    """`known_before`: whether the record before the write is known (always for POST). Values of fields the
    page does not document that come back otherwise only warn, whatever is known."""
    # Secret values are redacted in every recording and may be masked by GET: never compared, so that the
    # proxy and `check --traffic` on its redacted HAR judge alike.
    sent = {k: v for k, v in lenient(resource, sent).items() if k not in resource.secret_fields}
    for name, value in sent.items():  # a number column gives "0731" back as 731: the page is silent on types
        back = got.get(name)
        if open_field(resource, name) and _digits(value) and _digits(back) and int(value) == int(str(back)):
            sent[name] = back
    fields = sorted_fields(resource, sent, got, before)
    out = Comparison()
    for name in fields["wrong"] + fields["dropped"] + fields["kept"]:
        shown = repr(short(got[name], 120)) if name in got else _("no such field")
        text = _("{field} was sent as {sent} but the read shows {shown}").format(
            field=repr(name), sent=repr(short(sent[name], 120)), shown=shown)
        if not open_field(resource, name):  # a field the page does not document may be set by the server
            (out.text_fails if text_kind(sent[name]) else out.fails).append(text)
        else:
            out.warns.append(text + _(" (a field the page does not document)"))
    if fields["hidden"]:
        out.warns.append(_("the secret field(s) {fields} read otherwise than sent: masked, presumably").format(
            fields=fields['hidden']))
    # An update that changed none of the fields sent, as the active ROUNDTRIP-PUT judges it; one field the page
    # does not document left unchanged alone may be the server's own (a status it sets): that only warns.
    kept = fields["kept"] + fields["wrong"]
    out.changed_nothing = (bool(kept) and not fields["landed"] and not fields["hidden"]
                           and (len(kept) > 1 or not open_field(resource, kept[0])))
    return out
