"""METHODS: documented methods work; the others never succeed and never change data."""

from __future__ import annotations

import pytest
from scs_kit.spec import METHODS

from ._kit import check, described
from .tour import tour


@check("METHODS-ALLOWED")
def test_allowed(kit, resource):
    t = tour(kit, resource)
    gets = [("GET", resource.collection, t.list_answer), ("GET", "by key", t.get_existing)]
    for method, what, answer in gets:
        if answer is not None and not answer.ok:
            kit.fail(f"{method} {what} answered {described(answer)}", answer.exchange)
    if t.post is not None and t.created_key is None:
        kit.fail(f"POST {resource.collection} of a valid record registered no record ({described(t.post)})",
                 t.post.exchange)
    for name, answer in (("PUT", t.put), ("DELETE", t.delete)):
        if answer is not None and not answer.succeeded:
            kit.fail(f"{name} {answer.exchange.url} of a kit record was refused: {described(answer)}", answer.exchange)
    t.require_writes()
    # documented writes the mode does not allow are simply not exercised here (the tour says why)


def _probe(kit, r) -> dict:
    """Send each undocumented method once, safely; cached per resource."""
    key = ("forbidden", r.name)
    if key in kit.cache:
        return kit.cache[key]
    out = {"answers": [], "failures": []}
    kit.cache[key] = out
    rows, _ = kit.list(r)
    absent = kit.absent_key(rows, r)

    if not r.allows("POST") and kit.mode == "full":  # a faulty implementation may register it for good
        marker = kit.next_marker()
        entry = kit.ledger.pending(r.name, marker)
        body = kit.body(r, "0", marker)
        ans = kit.post(r, body)
        out["answers"].append(("POST", r.collection, ans))
        after, lst = kit.list(r)
        hit = kit.find_marker(r, marker) if kit.marker_field(r) else None
        old = {str(x.get(r.key)) for x in rows}
        new = [str(x.get(r.key)) for x in after if str(x.get(r.key)) not in old]
        if hit:
            entry.key, entry.note = hit, "registered by a POST the resource does not document"
            out["failures"].append((f"POST {r.collection} (not documented) registered record {hit}", [ans.exchange, lst.exchange]))
        else:
            entry.deleted, entry.note = True, "POST registered nothing"
            if ans.result == "True":
                out["failures"].append((f'POST {r.collection} (not documented) answered result "True"', [ans.exchange]))
            elif new and ans.succeeded:  # without the kit's marker these may be another client's records
                out["unclear"] = (f"POST {r.collection} (not documented) answered {described(ans)} and records {new} "
                                  "appeared meanwhile (not carrying the kit's marker)", [ans.exchange, lst.exchange])

    if not r.allows("PUT"):
        if rows:  # a PUT of an existing record with its own values: harmless even if accepted
            target = rows[0]
            k = str(target.get(r.key))
            ans = kit.put(r, k, target)
            out["answers"].append(("PUT", r.item_path(k), ans))
            if ans.result == "True":
                out["failures"].append((f'PUT {r.item_path(k)} (not documented) answered result "True"', [ans.exchange]))
    if not r.allows("PUT") and kit.mode == "full":  # an upserting PUT would register a record
        marker = kit.next_marker()
        entry = kit.ledger.pending(r.name, marker)
        ans = kit.put(r, absent, kit.body(r, absent, marker))
        out["answers"].append(("PUT", r.item_path(absent), ans))
        rec = kit.record(r, absent)
        if rec is not None:
            entry.key, entry.note = absent, "registered by a PUT the resource does not document"
            out["failures"].append((f"PUT {r.item_path(absent)} (not documented) registered a record", [ans.exchange]))
        else:
            entry.deleted, entry.note = True, "PUT registered nothing"
            if ans.result == "True":
                out["failures"].append((f'PUT {r.item_path(absent)} (not documented) answered result "True"', [ans.exchange]))

    if not r.allows("DELETE"):
        if not kit.creation_blocker(r):
            k = kit.spare_key(r)
            ans = kit.delete(r, k)
            out["answers"].append(("DELETE", r.item_path(k), ans))
            if kit.record(r, k) is None:
                kit.ledger.forget(r.name, k)
                out["failures"].append((f"DELETE {r.item_path(k)} (not documented) removed the kit's record", [ans.exchange]))
            elif ans.result == "True":
                out["failures"].append((f'DELETE {r.item_path(k)} (not documented) answered result "True"', [ans.exchange]))
        ans = kit.delete(r, absent)
        out["answers"].append(("DELETE", r.item_path(absent), ans))
        if ans.result == "True":
            out["failures"].append((f'DELETE {r.item_path(absent)} (not documented) answered result "True"', [ans.exchange]))
    return out


def _forbidden_or_skip(kit, resource):
    if all(resource.allows(m) for m in METHODS):
        pytest.skip(f"{resource.name} documents all four methods")
    kit.require_write()


@check("METHODS-FORBIDDEN")
def test_forbidden(kit, resource):
    _forbidden_or_skip(kit, resource)
    probe = _probe(kit, resource)
    if probe["failures"]:
        message, evidence = probe["failures"][0]
        more = [m for m, _ in probe["failures"][1:]]
        kit.fail(message + (f"; also: {'; '.join(more)}" if more else "") + f" — {resource.name} documents only "
                 f"{', '.join(resource.methods)}", *evidence)
    if probe.get("unclear"):
        kit.broken(*probe["unclear"][:1], *probe["unclear"][1])


@check("METHODS-ALLOW-HEADER")
def test_allow_header(kit, resource):
    _forbidden_or_skip(kit, resource)
    answers = [(m, p, a) for m, p, a in _probe(kit, resource)["answers"] if a.status == 405]
    if not answers:
        pytest.skip("no 405 answer to judge (the implementation refuses undocumented methods otherwise)")
    for method, path, answer in answers:
        on_item = path != resource.collection
        documented = [m for m in resource.methods if (m != "POST") == on_item or m == "GET"]
        allow = answer.headers.get("allow")
        if allow is None:
            kit.warn(f"{method} {path} answered 405 without an Allow header (documented: {', '.join(documented)})",
                     answer.exchange)
            continue
        listed = {m.strip().upper() for m in allow.split(",") if m.strip()}
        if method in listed or not set(documented) <= listed:
            kit.warn(f"{method} {path} answered 405 with Allow: {allow} (documented: {', '.join(documented)})",
                     answer.exchange)
