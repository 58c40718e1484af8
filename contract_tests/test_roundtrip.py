"""ROUND-TRIP: what POST and PUT store, GET returns unchanged (only fields the kit sent are compared;
a documented field that vanishes fails, an inferred one that the implementation drops only warns)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from scs_kit.check.verdict import broken, fail
from scs_kit.i18n import _

from ._kit import check, described, open_field, short, sorted_fields

# Japanese text in its usual forms, plus the characters that break naive encoders and URL handling.
CORPUS = (
    "山田 太郎", "ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "ＡＢＣ－１２３", "株式会社テスト（本社）", "髙橋・﨑山", "①②③ ㈱ ℡",
    "〜−‖¢£¬", "𠮷野家", "絵文字😀", "0312345678&0312345679", "100% 完了", "%26%20", 'quote " and \' and \\',
    "<b>タグ</b>", "改行\nタブ\t", "あ" * 1000, "ｱｲｳｴｵ" * 300,
)
JAPANESE = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"),
                         include_characters="&%\"'\\/?#ｱｶﾞﾊﾟ　ー〜")
TEXT = st.one_of(st.sampled_from(CORPUS), st.text(JAPANESE, min_size=1, max_size=60),
                 st.text(st.sampled_from("あいうえおアイウエオｱｲｳｴｵ漢字ＡＢ&%\""), min_size=200, max_size=2000))


def compare(verdict, resource, sent: dict, got: dict | None, how: str, *evidence, before: dict | None = None):
    """Fail on any sent field GET returns with another value; documented fields must be there and take
    the value sent. A field the page does not document may be absent (not stored) or, given `before`
    (the record before an update), keep its old value (not writable): both warn, unless the update
    changed nothing at all."""
    if got is None:
        fail(_("{how}: GET by key answered no record").format(how=how), *evidence)
    fields = sorted_fields(resource, sent, got, before)
    # a field the page does not document may come back otherwise (set by the server, normalised): it warns
    odd = [n for n in fields["wrong"] if open_field(resource, n)]
    fields["wrong"] = [n for n in fields["wrong"] if n not in odd]
    for name in fields["wrong"] + [n for n in fields["dropped"] + fields["kept"] if not open_field(resource, n)]:
        if name not in got:
            fail(_("{how}: GET returns no {name!r} although the page documents it (sent {sent!r})").format(how=how, name=name, sent=short(sent[name], 80)),
                     *evidence)
        fail(_("{how}: {name!r} was sent as {sent!r} but GET returns {got!r}").format(how=how, name=name, sent=short(sent[name], 120), got=short(got[name], 120)),
                 *evidence)
    if fields["kept"] and not fields["landed"] and not fields["hidden"]:
        name = fields["kept"][0]
        fail(_("{how}: the update changed none of the fields sent, e.g. {name!r} was sent as {sent!r} but GET "
               "still returns {got!r}").format(how=how, name=name, sent=short(sent[name], 120), got=short(got[name], 120)), *evidence)
    if odd:
        name = odd[0]
        verdict.warn(_("{how}: the field(s) {odd}, which the page does not document, come back otherwise than sent, "
                       "e.g. {name!r} sent as {sent!r}, returned as {got!r} (set or normalised by the implementation)").format(how=how, odd=odd, name=name, sent=short(sent[name], 80), got=short(got[name], 80)))
    if fields["dropped"]:
        verdict.warn(_("{how}: the implementation does not store the inferred field(s) {fields}").format(how=how, fields=fields['dropped']))
    if fields["hidden"]:
        verdict.warn(_("{how}: GET shows the secret field(s) {fields} otherwise than sent (e.g. {got!r}): masked, "
                       "presumably").format(how=how, fields=fields['hidden'], got=short(got[fields['hidden'][0]], 40)))
    if fields["kept"]:
        verdict.warn(_("{how}: the update left the field(s) {fields} unchanged (fields the page does not document; the "
                       "implementation may not let a write change them)").format(how=how, fields=fields['kept']))


@check("ROUNDTRIP-POST")
def test_post(kit, resource, verdict):
    kit.require_create(resource)
    key, ans, body, _unused, _unused = kit.create(resource, "0")
    try:
        if key is None:
            broken(_("setup: POST {collection} registered no record ({answer})").format(collection=resource.collection, answer=described(ans)), ans.exchange)
        get = kit.get_item(resource, key)
        got = kit.one(get)
        compare(verdict, resource, body, got, f"POST {resource.collection} then GET {resource.item_path(key)}",
                ans.exchange, get.exchange)
    finally:
        if key is not None:
            kit.remove(resource, key)


def _put_body(kit, resource, key, before, values: dict | None = None) -> dict:
    if resource.allows("POST"):
        body = kit.body(resource, key)
    else:  # a foreign record: only its own fields, fresh values of the same shape
        body = kit.mutated(resource, before)
    if values:
        body.update({k: v for k, v in values.items() if k in body})
    return body


@check("ROUNDTRIP-PUT")
def test_put(kit, resource, verdict):
    with kit.writable(resource, 1) as (key,):
        before = kit.existing(resource, key)
        body = _put_body(kit, resource, key, before)
        ans = kit.put(resource, key, body)
        if not ans.succeeded:
            broken(_("PUT {item_path} of a valid record was refused ({answer}); see METHODS-ALLOWED").format(item_path=resource.item_path(key), answer=described(ans)), ans.exchange)
        get = kit.get_item(resource, key)
        got = kit.one(get)
        sent = {f: v for f, v in body.items() if resource.field(f) is not None}  # the values the kit chose
        compare(verdict, resource, sent, got, f"PUT {resource.item_path(key)} then GET", ans.exchange, get.exchange,
                before=before)


@check("ROUNDTRIP-TEXT")
def test_text(kit, resource, verdict):
    with kit.writable(resource, 1) as (key,):
        before = kit.existing(resource, key)
        fields = kit.bodies.text_fields(resource, None if resource.allows("POST") else before)
        if not fields:
            pytest.skip(_("{name} has no text field to write").format(name=resource.name))
        refused = []
        last = [before]  # the record as the previous PUT left it

        def attempt(values: list[str]):
            body = _put_body(kit, resource, key, before, dict(zip(fields, values, strict=False)))
            ans = kit.put(resource, key, body)
            if not ans.succeeded:
                refused.append((values, ans))
                return
            get = kit.get_item(resource, key)
            got = kit.one(get)
            sent = {f: body[f] for f in fields if f in body}
            compare(verdict, resource, sent, got, f"PUT {resource.item_path(key)} then GET", ans.exchange, get.exchange,
                    before=last[0])
            last[0] = got

        for i in range(0, len(CORPUS), len(fields)):  # every corpus value once
            attempt(list(CORPUS[i:i + len(fields)]))

        @settings(max_examples=kit.profile.text_examples, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @seed(kit.seed)
        @given(st.lists(TEXT, min_size=len(fields), max_size=len(fields)))
        def prop(values):
            attempt(values)

        prop()
        if refused:
            values, ans = refused[0]
            verdict.warn(_("{n} PUT(s) with text values were refused, e.g. {values} → {answer}").format(n=len(refused), values=short(values, 120), answer=described(ans)), ans.exchange)
