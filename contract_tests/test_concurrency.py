"""CONCURRENCY: writers at the same time lose nothing. The page registers a new record "automatically
under the highest number" (自動的に最大番号で新規登録) and updates the record the URI names; neither
promise has an exception for two clients writing at once, and a lost record is what no correct
implementation ever does.

Only resources with POST and DELETE take part: the kit creates its own records (ledgered before the
requests are sent, each with its own marker) and deletes them afterwards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from scs_kit.check.context import keyint

from ._kit import check, described, short


def _require(kit, resource) -> None:
    if not (resource.allows("POST") and resource.allows("DELETE")):
        pytest.skip(f"{resource.name} lacks POST or DELETE: the kit cannot create and remove records concurrently")
    kit.require_create(resource)


def _parallel(kit, jobs: list[list], send) -> list:
    """Run each client's job list in its own thread (one request after another within a client)."""

    def client(batch):
        return [send(item) for item in batch]

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [answer for batch in pool.map(client, jobs) for answer in batch]


def _remove_all(kit, resource, keys: list[str], clients: int) -> None:
    """Delete the kit's records concurrently too, then confirm with one list; stragglers one by one."""
    keys = [k for k in keys if k is not None and kit.ledger.owns(resource.name, k)]
    if not keys:
        return
    _parallel(kit, [keys[i::clients] for i in range(clients) if keys[i::clients]], lambda k: kit.delete(resource, k))
    rows, _ = kit.list(resource)
    present = kit.keys(rows, resource)
    for key in keys:
        if key in present:
            kit.remove(resource, key)
        else:
            kit.ledger.forget(resource.name, key)


@check("CONCURRENCY-POST")
def test_concurrent_posts(kit, resource):
    _require(kit, resource)
    clients, per = kit.profile.clients, kit.profile.per_client
    mf = kit.marker_field(resource)
    before, _ = kit.list(resource)
    highest = kit.max_key(before, resource)
    posts = []  # (ledger entry, body)
    for _ in range(clients * per):
        marker = kit.next_marker()
        posts.append((kit.ledger.pending(resource.name, marker), kit.body(resource, "0", marker)))
    jobs = [posts[i::clients] for i in range(clients)]
    answers = _parallel(kit, jobs, lambda post: (post, kit.post(resource, post[1])))
    after, lst = kit.list(resource)
    old = kit.keys(before, resource)
    new = [str(r.get(resource.key)) for r in after if str(r.get(resource.key)) not in old]
    created = []
    try:
        by_marker: dict[str, list[str]] = {}
        for row in after:
            if mf and row.get(mf) is not None:
                by_marker.setdefault(row.get(mf), []).append(str(row.get(resource.key)))
        unmarked = list(new)
        for entry, _ in posts:
            hits = by_marker.get(entry.marker, [])
            if len(hits) == 1 and hits[0] in unmarked:
                entry.key, entry.by_marker = hits[0], True
                unmarked.remove(hits[0])
                created.append(entry.key)
        succeeded = [(p, a) for p, a in answers if a.succeeded]
        lost = [(p, a) for p, a in succeeded if p[0].key is None]
        if lost and len(unmarked) == len(lost) and not created:
            # the implementation does not store the marker field: the new records are the kit's as a set
            for ((entry, _), _), key in zip(lost, sorted(unmarked, key=lambda k: keyint(k) or 0)):
                entry.key, entry.note = key, "identified as a new key of the kit's concurrent POSTs (marker not stored)"
                created.append(key)
            kit.warn(f"{resource.name} does not store the marker field {mf!r}: the {len(lost)} concurrent POSTs "
                     "were counted, but which record holds which body could not be told")
            lost = []
        for entry, _ in posts:
            if entry.key is None:
                entry.deleted, entry.note = True, "POST registered nothing"
        refused = [(p, a) for p, a in answers if not a.succeeded]
        if refused:
            (entry, body), ans = refused[0]
            kit.fail(f"{len(refused)} of {len(answers)} concurrent POSTs ({clients} clients × {per}) to "
                     f"{resource.collection} were not answered success, e.g. {described(ans)}", ans.exchange)
        if lost:
            (entry, body), ans = lost[0]
            kit.fail(f"{len(lost)} of {len(answers)} concurrent POSTs to {resource.collection} answered success but "
                     f"their record is not in the list (marker {entry.marker!r}); new keys seen: {sorted(new)[:10]} — "
                     "records were lost or overwritten", ans.exchange, lst.exchange)
        dup = sorted({k for k in created if created.count(k) > 1})
        if dup:
            kit.fail(f"concurrent POSTs to {resource.collection} shared the key(s) {dup}", lst.exchange)
        low = sorted((k for k in created if (keyint(k) or 0) <= highest), key=lambda k: keyint(k) or 0)
        if low:
            kit.fail(f"concurrent POSTs to {resource.collection} registered key(s) {low} that are not above the "
                     f"highest key {highest} that existed before", lst.exchange)
        # the list showed each marker under its own key; read a sample back by key as well
        mine = [(entry, body) for (entry, body), _ in answers if entry.key is not None and getattr(entry, "by_marker", False)]
        for entry, body in mine[:: max(1, len(mine) // per)][:per]:
            ans = kit.get_item(resource, entry.key)
            got = kit.one(ans)
            if got is None or got.get(mf) != body.get(mf):
                kit.fail(f"GET {resource.item_path(entry.key)} does not show the body the concurrent POST sent "
                         f"({mf} {short(body.get(mf), 60)!r}): {described(ans)}", ans.exchange)
    finally:
        _remove_all(kit, resource, created, clients)


@check("CONCURRENCY-PUT")
def test_concurrent_puts(kit, resource):
    _require(kit, resource)
    if not resource.allows("PUT"):
        pytest.skip(f"{resource.name} has no PUT")
    clients, per = kit.profile.clients, kit.profile.per_client
    created: list[str] = []
    try:
        keys, witness, first = [], None, {}
        for _ in range(clients):
            key, body, _, _ = kit.create_ok(resource)
            keys.append(key)
            first[key] = body
            created.append(key)
            if witness is None:  # the fields a write visibly lands in tell one update from another
                got = kit.existing(resource, key)
                witness = [f for f, v in body.items() if f != resource.key and got.get(f) == v]
        if not witness:
            pytest.skip(f"{resource.name} shows none of the fields the kit writes: updates cannot be told apart")
        # client i updates record i `per` times; its record must end with the last body the client sent
        jobs = [[(key, kit.body(resource, key, kit.next_marker())) for _ in range(per)] for key in keys]
        answers = _parallel(kit, jobs, lambda job: (job, kit.put(resource, job[0], job[1])))
        refused = [(job, a) for job, a in answers if not a.succeeded]
        if refused:
            (key, _), ans = refused[0]
            kit.fail(f"{len(refused)} of {len(answers)} concurrent PUTs ({clients} clients, each on its own record) "
                     f"were not answered success, e.g. PUT {resource.item_path(key)}: {described(ans)}", ans.exchange)
        lost, odd = [], []
        for key, batch in zip(keys, jobs):
            last = batch[-1][1]
            ans = kit.get_item(resource, key)
            got = kit.one(ans) or {}
            for f in witness:
                if got.get(f) == last.get(f):
                    continue
                earlier = [first[key].get(f)] + [body.get(f) for _, body in batch[:-1]]
                (lost if f not in got or got.get(f) in earlier else odd).append((key, f, last, got, ans))
                break
        if lost:
            key, f, last, got, ans = lost[0]
            kit.fail(f"{len(lost)} of {len(keys)} records updated concurrently do not hold their last update: "
                     f"{resource.item_path(key)} shows {f} {short(got.get(f), 60)!r}, the last PUT sent "
                     f"{short(last.get(f), 60)!r} — an update was lost", ans.exchange)
        if odd:
            key, f, last, got, ans = odd[0]
            kit.warn(f"after concurrent PUTs {resource.item_path(key)} shows {f} {short(got.get(f), 60)!r}, which no "
                     f"PUT sent (the last sent {short(last.get(f), 60)!r}): a value the implementation changes itself",
                     ans.exchange)
    finally:
        _remove_all(kit, resource, created, clients)
