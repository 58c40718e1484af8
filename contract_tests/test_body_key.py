"""KEYS-BODY-KEY: the body key may be any number. The page: "キー項目…には 0をセットしてください。
(どのような数値をセットしても自動的に最大番号で新規登録されます。)" for POST, and "…にどのような数値をセット
しても、URI末尾の数字(数値)をキーにして更新されます" for PUT. A key written as a string of digits (the form
the page's own examples use) must be accepted with that meaning; a key written as a JSON number (the
page says "0", not "\\"0\\"") is our reading of "数値", so refusing it only warns."""

from __future__ import annotations

import json

import pytest
from scs_kit.check.reading import keyint
from scs_kit.check.verdict import broken, fail
from scs_kit.i18n import _

from ._kit import check, described


def _post(kit, resource, label: str, body_key, created: list):
    """POST with this body key: refused → (answer, None); else the registered key, which must be new. A
    JSON-number key is sent exactly as given (no other form of the body is tried for it)."""
    if isinstance(body_key, str):
        key, ans, _unused, before, _unused = kit.create(resource, "0", fields={resource.key: body_key})
    else:
        body, marker = kit.records.marked(resource, kit.body(resource, "0"))
        body[resource.key] = body_key
        raw = json.dumps(_exact(kit, resource, body), ensure_ascii=False).encode()
        posted = kit.records.post(resource, raw=raw, marker=marker)
        if posted.unsettled:
            broken(_("new records {unsettled} appeared around the kit's POST: another client is writing?").format(unsettled=posted.unsettled),
                   posted.answer.exchange)
        key, ans, before = posted.key, posted.answer, posted.before
    created.append(key)
    if key is None:
        return ans, None
    if (keyint(key) or 0) <= kit.max_key(before, resource):
        fail(_("POST {collection} with the body key {body_key!r} ({label}) registered key {key}, not a new one "
               "above the highest key {max_key}").format(collection=resource.collection, body_key=body_key, label=label, key=key,
                 max_key=kit.max_key(before, resource)), ans.exchange)
    return ans, key


@check("KEYS-BODY-KEY")
def test_body_key(kit, resource, verdict):
    if not (resource.allows("POST") or resource.allows("PUT")):
        pytest.skip(_("{name} has neither POST nor PUT").format(name=resource.name))
    kit.require_write()
    rows, _unused = kit.list(resource)
    far = kit.absent_key(rows, resource)  # far above every key: even an implementation that honours it harms no one
    number_refused = []
    if resource.allows("POST") and not kit.creation_blocker(resource):
        with kit.cleaning(resource) as created:
            # records of a resource without DELETE stay: there, one POST (the numeric string) is enough
            cases = [(_("a numeric string far above every key"), far)]
            if resource.allows("DELETE"):
                cases.insert(0, ("the page's 0 as a string", "0"))
            for label, body_key in cases:
                ans, key = _post(kit, resource, label, body_key, created)
                if key is None:
                    fail(_("POST {collection} with the body key {body_key!r} ({label}) registered no record ({answer}); the "
                           "page: どのような数値をセットしても自動的に最大番号で新規登録").format(collection=resource.collection, body_key=body_key, label=label, answer=described(ans)),
                             ans.exchange)
            if resource.allows("DELETE"):
                ans, key = _post(kit, resource, _("a JSON number"), 0, created)
                if key is None:
                    number_refused.append(("POST", resource.collection, ans))
    if resource.allows("PUT") and resource.allows("POST") and kit.has_own(resource):
        key = kit.spare_key(resource)  # the kit's own record (the one kept where records cannot be deleted)
        try:
            _puts(kit, resource, key, None, number_refused)
        finally:
            kit.remove(resource, key)
    elif resource.allows("PUT") and not resource.allows("POST"):
        with kit.writable(resource, 1) as (key,):
            _puts(kit, resource, key, kit.existing(resource, key), number_refused)
    for method, path, ans in number_refused:
        verdict.warn(_("{method} {path} with the body key as a JSON number was refused ({answer}); the page's examples "
                       'write keys as strings, but it asks clients to "set 0"').format(method=method, path=path, answer=described(ans)), ans.exchange)


def _puts(kit, resource, key: str, before: dict | None, number_refused: list) -> None:
    """PUT with a body key other than the URI's, as a numeric string and as a JSON number."""
    # "0" names no record (keys start at 1), so even an implementation that wrongly follows the body key
    # cannot change someone else's record
    for label, body_key in ((_("a numeric string other than the URI's"), "0"), (_("a JSON number"), keyint(key))):
        body = kit.body(resource, key, kit.records.next_marker()) if before is None else kit.mutated(resource, before)
        body[resource.key] = body_key
        ans = kit.put(resource, key, body) if isinstance(body_key, str) else \
            kit.client.request("PUT", resource.item_path(key), body=_exact(kit, resource, body))
        if isinstance(body_key, int) and not ans.succeeded:
            number_refused.append(("PUT", resource.item_path(key), ans))
            continue
        if not ans.succeeded:
            fail(_("PUT {item_path} with the body key {body_key!r} ({label}) was refused ({answer}); the page: "
                   "どのような数値をセットしても、URI末尾の数字(数値)をキーにして更新").format(item_path=resource.item_path(key), body_key=body_key, label=label, answer=described(ans)), ans.exchange)
        got = kit.record(resource, key)
        if got is None or str(got.get(resource.key)) != str(key):
            fail(_("after PUT {item_path} with the body key {body_key!r} ({label}) the record {key} is {value}").format(item_path=resource.item_path(key), body_key=body_key, label=label, key=key,
                     value=_('gone') if got is None else _("shown under key {key}").format(key=repr(got.get(resource.key)))), ans.exchange)


def _exact(kit, resource, body: dict) -> dict:
    """The body in the form the implementation's writes took so far, its JSON-number key kept as it is."""
    if kit.records.forms.get(resource.name) == "typed":
        return kit.reader.types.typed(resource, body)
    return body
