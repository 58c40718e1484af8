"""METHODS: documented methods work; the others never succeed and never change data."""

from __future__ import annotations

import pytest
from scs_kit.check.verdict import broken, fail
from scs_kit.i18n import _
from scs_kit.spec import METHODS

from ._kit import check, described


@check("METHODS-ALLOWED")
def test_allowed(resource, tours):
    t = tours.of(resource)
    gets = [("GET", resource.collection, t.list_answer), ("GET", "by key", t.get_existing)]
    for method, what, answer in gets:
        if answer is not None and not answer.ok:
            fail(_("{method} {what} answered {answer}").format(method=method, what=what, answer=described(answer)), answer.exchange)
    if t.post is not None and t.created_key is None:
        fail(_("POST {collection} of a valid record registered no record ({answer})").format(collection=resource.collection, answer=described(t.post)),
                 t.post.exchange)
    for name, answer in (("PUT", t.put), ("DELETE", t.delete)):
        if answer is not None and not answer.succeeded:
            fail(_("{name} {url} of a kit record was refused: {answer}").format(name=name, url=answer.exchange.url, answer=described(answer)), answer.exchange)
    t.require_writes()
    # documented writes the mode does not allow are simply not exercised here (the tour says why)


def _forbidden_or_skip(kit, resource):
    if all(resource.allows(m) for m in METHODS):
        pytest.skip(_("{name} documents all four methods").format(name=resource.name))
    kit.require_write()


@check("METHODS-FORBIDDEN")
def test_forbidden(kit, resource, probes):
    _forbidden_or_skip(kit, resource)
    probe = probes.of(resource)
    if probe["failures"]:
        message, evidence = probe["failures"][0]
        more = [m for m, _unused in probe["failures"][1:]]
        fail(message + (f"; also: {'; '.join(more)}" if more else "") + f" — {resource.name} documents only "
                 f"{', '.join(resource.methods)}", *evidence)
    if probe.get("unclear"):
        broken(*probe["unclear"][:1], *probe["unclear"][1])


@check("METHODS-ALLOW-HEADER")
def test_allow_header(kit, resource, probes, verdict):
    _forbidden_or_skip(kit, resource)
    answers = [(m, p, a) for m, p, a in probes.of(resource)["answers"] if a.status == 405]
    if not answers:
        pytest.skip(_("no 405 answer to judge (the implementation refuses undocumented methods otherwise)"))
    for method, path, answer in answers:
        on_item = path != resource.collection
        documented = [m for m in resource.methods if (m != "POST") == on_item or m == "GET"]
        allow = answer.headers.get("allow")
        if allow is None:
            verdict.warn(_("{method} {path} answered 405 without an Allow header (documented: {documented})").format(method=method, path=path, documented=', '.join(documented)),
                     answer.exchange)
            continue
        listed = {m.strip().upper() for m in allow.split(",") if m.strip()}
        if method in listed or not set(documented) <= listed:
            verdict.warn(_("{method} {path} answered 405 with Allow: {allow} (documented: {documented})").format(method=method, path=path, allow=allow, documented=', '.join(documented)),
                     answer.exchange)
