"""MIN-ID: where the page says "ID は2以上", IDs below the minimum never appear and are never accepted."""

from __future__ import annotations

import pytest
from scs_kit.check.context import keyint
from scs_kit.check.verdict import broken, fail
from scs_kit.i18n import _

from ._kit import check, described


def _require_min(resource):
    if resource.min_id <= 1:
        pytest.skip(_("the page sets no minimum ID for {name}").format(name=resource.name))


@check("MIN-ID-NEVER-ONE")
def test_never_one(kit, resource):
    _require_min(resource)
    rows, lst = kit.list(resource)
    low = [r.get(resource.key) for r in rows if (keyint(r.get(resource.key)) or 0) < resource.min_id]
    if low:
        fail(_("GET {collection} lists IDs {low}; the page: ID は{min_id}以上").format(collection=resource.collection, low=low, min_id=resource.min_id), lst.exchange)
    for key in range(1, resource.min_id):
        ans = kit.get_item(resource, key)
        if ans.ok and isinstance(ans.json, list) and ans.json:
            fail(_("GET {item_path} answered a record ({answer}); the page: ID は{min_id}以上").format(item_path=resource.item_path(key), answer=described(ans), min_id=resource.min_id), ans.exchange)
        if not resource.allows("PUT") or not kit.can_write():
            continue
        if not resource.allows("DELETE") and kit.mode != "full":
            continue  # a faulty implementation could register an undeletable record
        body, _unused = kit.records.marked(resource, kit.body(resource, str(key)))
        probe = kit.records.put_new(resource, str(key), body, _("registered by a PUT of an ID below the minimum"))
        put = probe.answer
        if probe.key is not None:
            fail(_("PUT {item_path} registered a record with ID {key}").format(item_path=resource.item_path(key), key=key), put.exchange,
                 probe.after_answer.exchange)
        if put.result == "True":
            fail(_('PUT {item_path} answered result "True"; the page: ID は{min_id}以上').format(item_path=resource.item_path(key), min_id=resource.min_id),
                     put.exchange)


@check("MIN-ID-NEW-AT-LEAST-TWO")
def test_new_at_least_two(kit, resource):
    _require_min(resource)
    kit.require_create(resource)
    with kit.cleaning(resource) as created:
        # body key 1 only while no record 1 is visible: an implementation that honours it must not overwrite one
        variants = ("0", "1") if kit.record(resource, 1) is None else ("0",)
        for body_key in variants:
            key, ans, body, before, after = kit.create(resource, body_key)
            created.append(key)
            if key is None:
                broken(_("setup: POST {collection} registered no record ({answer})").format(collection=resource.collection, answer=described(ans)), ans.exchange)
            if (keyint(key) or 0) < resource.min_id:
                fail(_("POST {collection} with body key {body_key!r} registered ID {key}; the page: ID は{min_id}以上").format(collection=resource.collection, body_key=body_key, key=key, min_id=resource.min_id), ans.exchange)
