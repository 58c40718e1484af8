"""CONCURRENCY: writers at the same time lose nothing. The page registers a new record "automatically
under the highest number" (自動的に最大番号で新規登録) and updates the record the URI names; neither
promise has an exception for two clients writing at once, and a lost record is what no correct
implementation ever does.

Only resources with POST and DELETE take part: the kit creates its own records (ledgered before the
requests are sent, each with its own marker) and deletes them afterwards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from scs_kit.check.reading import keyint, one
from scs_kit.check.verdict import fail
from scs_kit.i18n import _

from ._kit import check, described, short


def _require(kit, resource) -> None:
    if not (resource.allows("POST") and resource.allows("DELETE")):
        pytest.skip(_("{name} lacks POST or DELETE: the kit cannot create and remove records concurrently").format(name=resource.name))
    kit.require_create(resource)


def _parallel(jobs: list[list], send) -> list:
    """Run each client's job list in its own thread (one request after another within a client)."""

    def client(batch):
        return [send(item) for item in batch]

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [answer for batch in pool.map(client, jobs) for answer in batch]


def _remove_all(kit, resource, keys: list[str], clients: int) -> None:
    """Delete the kit's records concurrently too, then confirm with one list; stragglers one by one."""
    keys = [k for k in keys if k is not None and kit.records.owns(resource, k)]
    if not keys:
        return
    _parallel([keys[i::clients] for i in range(clients) if keys[i::clients]], lambda k: kit.delete(resource, k))
    rows, _unused = kit.list(resource)
    present = kit.keys(rows, resource)
    for key in keys:
        if key in present:
            kit.remove(resource, key)
        else:
            kit.records.forget(resource, key)


@check("CONCURRENCY-POST")
def test_concurrent_posts(kit, resource, verdict):
    _require(kit, resource)
    clients, per = kit.profile.clients, kit.profile.per_client
    mf = kit.marker_field(resource)
    bodies = []
    for _unused in range(clients * per):
        marker = kit.records.next_marker()
        bodies.append((kit.body(resource, "0", marker), marker))
    batch = kit.records.create_many(resource, bodies, clients)
    created = [e.key for e in batch.entries if e.key is not None]
    try:
        highest = kit.max_key(batch.before, resource)
        refused = [a for a in batch.answers if not a.succeeded]
        if refused:
            fail(_("{n} of {n2} concurrent POSTs ({clients} clients × {per}) to {collection} were not answered "
                   "success, e.g. {answer}").format(n=len(refused), n2=len(batch.answers), clients=clients, per=per,
                                                     collection=resource.collection, answer=described(refused[0])),
                 refused[0].exchange)
        lost = [(e, a) for e, a in zip(batch.entries, batch.answers, strict=True) if e.key is None]
        if lost:
            entry, ans = lost[0]
            new = sorted(set(kit.keys(batch.after, resource)) - set(kit.keys(batch.before, resource)))
            fail(_("{n} of {n2} concurrent POSTs to {collection} answered success but their record is not in the "
                   "list (marker {marker!r}); new keys seen: {new} — records were lost or overwritten").format(n=len(lost), n2=len(batch.answers), collection=resource.collection, marker=entry.marker,
                     new=new[:10]), ans.exchange, batch.after_answer.exchange)
        if not any(e.by_marker for e in batch.entries):
            verdict.warn(_("{name} does not store the marker field {mf!r}: the {n} concurrent POSTs were counted, but which "
                           "record holds which body could not be told").format(name=resource.name, mf=mf, n=len(created)))
        dup = sorted({k for k in created if created.count(k) > 1})
        if dup:
            fail(_("concurrent POSTs to {collection} shared the key(s) {dup}").format(collection=resource.collection, dup=dup), batch.after_answer.exchange)
        low = sorted((k for k in created if (keyint(k) or 0) <= highest), key=lambda k: keyint(k) or 0)
        if low:
            fail(_("concurrent POSTs to {collection} registered key(s) {low} that are not above the highest key "
                   "{highest} that existed before").format(collection=resource.collection, low=low, highest=highest), batch.after_answer.exchange)
        # the list showed each marker under its own key; read a sample back by key as well
        mine = [(e, body) for e, (body, _unused) in zip(batch.entries, bodies, strict=True) if e.by_marker]
        for entry, body in mine[:: max(1, len(mine) // per)][:per]:
            ans = kit.get_item(resource, entry.key)
            got = one(ans)
            if got is None or got.get(mf) != body.get(mf):
                fail(_("GET {item_path} does not show the body the concurrent POST sent ({mf} {value!r}): {answer}").format(item_path=resource.item_path(entry.key), mf=mf, value=short(body.get(mf), 60),
                         answer=described(ans)), ans.exchange)
    finally:
        _remove_all(kit, resource, created, clients)


@check("CONCURRENCY-PUT")
def test_concurrent_puts(kit, resource, verdict):
    _require(kit, resource)
    if not resource.allows("PUT"):
        pytest.skip(_("{name} has no PUT").format(name=resource.name))
    clients, per = kit.profile.clients, kit.profile.per_client
    created: list[str] = []
    try:
        keys, witness, first = [], None, {}
        for _unused in range(clients):
            key, body, _unused, _unused = kit.create_ok(resource)
            keys.append(key)
            created.append(key)
            first[key] = body
            if witness is None:  # the fields a write visibly lands in tell one update from another
                got = kit.existing(resource, key)
                witness = [f for f, v in body.items() if f != resource.key and got.get(f) == v]
        if not witness:
            pytest.skip(_("{name} shows none of the fields the kit writes: updates cannot be told apart").format(name=resource.name))
        # client i updates record i `per` times; its record must end with the last body the client sent
        jobs = [[(key, kit.body(resource, key, kit.records.next_marker())) for _unused in range(per)] for key in keys]
        answers = _parallel(jobs, lambda job: (job, kit.put(resource, job[0], job[1])))
        refused = [(job, a) for job, a in answers if not a.succeeded]
        if refused:
            (key, _unused), ans = refused[0]
            fail(_("{n} of {n2} concurrent PUTs ({clients} clients, each on its own record) were not answered "
                   "success, e.g. PUT {item_path}: {answer}").format(n=len(refused), n2=len(answers), clients=clients, item_path=resource.item_path(key),
                     answer=described(ans)), ans.exchange)
        lost, odd = [], []
        for key, batch in zip(keys, jobs, strict=True):
            last = batch[-1][1]
            ans = kit.get_item(resource, key)
            got = one(ans) or {}
            for f in witness:
                if got.get(f) == last.get(f):
                    continue
                earlier = [first[key].get(f)] + [body.get(f) for _unused, body in batch[:-1]]
                (lost if f not in got or got.get(f) in earlier else odd).append((key, f, last, got, ans))
                break
        if lost:
            key, f, last, got, ans = lost[0]
            fail(_("{n} of {n2} records updated concurrently do not hold their last update: {item_path} shows {f} "
                   "{value!r}, the last PUT sent {value2!r} — an update was lost").format(n=len(lost), n2=len(keys), item_path=resource.item_path(key), f=f,
                     value=short(got.get(f), 60), value2=short(last.get(f), 60)), ans.exchange)
        if odd:
            key, f, last, got, ans = odd[0]
            verdict.warn(_("after concurrent PUTs {item_path} shows {f} {value!r}, which no PUT sent (the last sent "
                           "{value2!r}): a value the implementation changes itself").format(item_path=resource.item_path(key), f=f, value=short(got.get(f), 60),
                             value2=short(last.get(f), 60)), ans.exchange)
    finally:
        _remove_all(kit, resource, created, clients)
