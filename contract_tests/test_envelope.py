"""ENVELOPE: the shapes the page promises: write envelope, GET arrays, JSON bodies."""

from __future__ import annotations

import pytest
from scs_kit.check.expectations import json_label
from scs_kit.check.verdict import fail
from scs_kit.i18n import _

from ._kit import check, described, envelope_problem


@check("ENVELOPE-WRITE-SHAPE")
def test_write_shape(resource, tours, verdict):
    t = tours.of(resource)
    writes = t.writes()
    if not writes:
        t.require_writes()
        pytest.skip(t.write_blocker or _("{name} documents no write method").format(name=resource.name))
    for name, answer in writes:
        body = answer.json
        meant = answer.ok or (isinstance(body, dict) and "result" in body)
        problem = envelope_problem(body) if meant else None
        if problem and answer.refused and isinstance(body, dict) and isinstance(body.get("result"), str):
            # a failure answer's spelling is not on the page (it shows only the success answer): "false" warns
            verdict.warn(_("{name} {url} answered {answer}: {problem}").format(name=name, url=answer.exchange.url, answer=described(answer), problem=problem), answer.exchange)
        elif problem:
            fail(_("{name} {url} answered {answer}: {problem}").format(name=name, url=answer.exchange.url, answer=described(answer), problem=problem), answer.exchange)
    t.require_writes()


@check("ENVELOPE-WRITE-SUCCESS")
def test_write_success(kit, resource, tours):
    t = tours.of(resource)
    effective = [(n, a) for n, a, done in (("POST", t.post, t.created_key is not None),
                                           ("PUT", t.put, t.put_effect is True),
                                           ("DELETE", t.delete, t.delete_effect is True)) if a is not None and done]
    if not t.writes():
        t.require_writes()
        pytest.skip(t.write_blocker or _("{name} documents no write method").format(name=resource.name))
    if not effective:
        t.require_writes()
        pytest.skip(_("no write of the tour took effect (see METHODS-ALLOWED)"))
    ok = kit.spec.success  # {"result": "True", "msg": "正常終了"}
    for name, answer in effective:
        result = answer.result
        if result == ok["result"]:
            if answer.json.get("msg") != ok["msg"]:
                fail(_('{name} succeeded and answered result "True" but msg {value!r} instead of {ok!r}').format(name=name, value=answer.json.get('msg'), ok=ok['msg']), answer.exchange)
        elif result == "False":
            fail(_('{name} took effect but answered result "False" ({answer})').format(name=name, answer=described(answer)), answer.exchange)
        elif not answer.ok:
            fail(_("{name} took effect but answered {answer}").format(name=name, answer=described(answer)), answer.exchange)
        # a non-string result or a missing envelope is ENVELOPE-WRITE-SHAPE's finding


@check("ENVELOPE-GET-ARRAY")
def test_get_array(resource, tours):
    answer = tours.of(resource).list_answer
    body = answer.json
    if not answer.ok:
        fail(_("GET {collection} answered {answer} instead of a JSON array").format(collection=resource.collection, answer=described(answer)), answer.exchange)
    if not isinstance(body, list):
        fail(_("GET {collection} answered {answer}: not a JSON array").format(collection=resource.collection, answer=described(answer)), answer.exchange)
    bad = [x for x in body if not isinstance(x, dict)]
    if bad:
        fail(_("GET {collection} answered an array holding non-records: {bad!r}").format(collection=resource.collection, bad=bad[:3]), answer.exchange)


@check("ENVELOPE-GET-SINGLE")
def test_get_single(resource, tours):
    t = tours.of(resource)
    for label, answer, present in ((_("an existing key"), t.get_existing, True), (_("the kit's new record"), t.get_created, True),
                                   (_("the updated record"), t.get_after_put, True),
                                   (_("a key with no record"), t.get_absent, False),
                                   ("a deleted record", t.get_after_delete, False)):
        if answer is None:
            continue
        body = answer.json
        if not answer.ok:
            if present:
                fail(_("GET by key for {label} answered {answer} instead of a one-record array").format(label=label, answer=described(answer)),
                         answer.exchange)
            continue  # a key without a record: ENVELOPE-GET-ABSENT's finding
        if not isinstance(body, list):
            fail(_("GET {url} ({label}) answered {answer}: not a JSON array (the page: 1レコードGET時のフォーマット is the "
                   "array form)").format(url=answer.exchange.url, label=label, answer=described(answer)), answer.exchange)
        if len(body) > 1:
            fail(_("GET {url} ({label}) answered {n} records; at most one expected").format(url=answer.exchange.url, label=label, n=len(body)),
                     answer.exchange)
        if not all(isinstance(x, dict) for x in body):
            fail(_("GET {url} ({label}) answered an array holding a non-record").format(url=answer.exchange.url, label=label), answer.exchange)
        if label == _("a key with no record") and body:
            fail(_("GET {url} for a key with no record answered {answer} instead of []").format(url=answer.exchange.url, answer=described(answer)),
                     answer.exchange)


@check("ENVELOPE-JSON")
def test_json(resource, tours, verdict):
    # "データはJSON形式でやり取り": a successful answer is JSON, and JSON is labelled as JSON (a client that
    # goes by the label reads a text/html body as a page). A missing label only warns.
    t = tours.of(resource)
    unlabelled = None
    for answer in t.answers():
        if answer.ok and not answer.is_json:
            fail(_("{method} {url} answered {answer}: not JSON").format(method=answer.exchange.method, url=answer.exchange.url, answer=described(answer)),
                 answer.exchange)
        if not isinstance(answer.json, (dict, list)):
            continue  # only bodies that are JSON objects or arrays are judged by their label
        problem = json_label(answer.content_type)
        if problem == "not JSON":
            fail(_("{method} {url} answered JSON labelled {content_type!r}, which is not a JSON media type").format(method=answer.exchange.method, url=answer.exchange.url, content_type=answer.content_type), answer.exchange)
        if problem == "missing" and unlabelled is None:
            unlabelled = answer
    if unlabelled is not None:
        verdict.warn(_("{method} {url} answered JSON without a Content-Type").format(method=unlabelled.exchange.method, url=unlabelled.exchange.url),
                     unlabelled.exchange)
