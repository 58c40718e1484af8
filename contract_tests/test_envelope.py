"""ENVELOPE: the shapes the page promises: write envelope, GET arrays, JSON bodies."""

from __future__ import annotations

import pytest

from scs_kit.check.verdict import fail

from ._kit import check, described, envelope_problem


@check("ENVELOPE-WRITE-SHAPE")
def test_write_shape(resource, tours, verdict):
    t = tours.of(resource)
    writes = t.writes()
    if not writes:
        t.require_writes()
        pytest.skip(t.write_blocker or f"{resource.name} documents no write method")
    for name, answer in writes:
        body = answer.json
        meant = answer.ok or (isinstance(body, dict) and "result" in body)
        problem = envelope_problem(body) if meant else None
        if problem and answer.refused and isinstance(body, dict) and isinstance(body.get("result"), str):
            # a failure answer's spelling is not on the page (it shows only the success answer): "false" warns
            verdict.warn(f"{name} {answer.exchange.url} answered {described(answer)}: {problem}", answer.exchange)
        elif problem:
            fail(f"{name} {answer.exchange.url} answered {described(answer)}: {problem}", answer.exchange)
    t.require_writes()


@check("ENVELOPE-WRITE-SUCCESS")
def test_write_success(kit, resource, tours):
    t = tours.of(resource)
    effective = [(n, a) for n, a, done in (("POST", t.post, t.created_key is not None),
                                           ("PUT", t.put, t.put_effect is True),
                                           ("DELETE", t.delete, t.delete_effect is True)) if a is not None and done]
    if not t.writes():
        t.require_writes()
        pytest.skip(t.write_blocker or f"{resource.name} documents no write method")
    if not effective:
        t.require_writes()
        pytest.skip("no write of the tour took effect (see METHODS-ALLOWED)")
    ok = kit.spec.success  # {"result": "True", "msg": "正常終了"}
    for name, answer in effective:
        result = answer.result
        if result == ok["result"]:
            if answer.json.get("msg") != ok["msg"]:
                fail(f'{name} succeeded and answered result "True" but msg {answer.json.get("msg")!r} '
                         f'instead of {ok["msg"]!r}', answer.exchange)
        elif result == "False":
            fail(f'{name} took effect but answered result "False" ({described(answer)})', answer.exchange)
        elif not answer.ok:
            fail(f"{name} took effect but answered {described(answer)}", answer.exchange)
        # a non-string result or a missing envelope is ENVELOPE-WRITE-SHAPE's finding


@check("ENVELOPE-GET-ARRAY")
def test_get_array(resource, tours):
    answer = tours.of(resource).list_answer
    body = answer.json
    if not answer.ok:
        fail(f"GET {resource.collection} answered {described(answer)} instead of a JSON array", answer.exchange)
    if not isinstance(body, list):
        fail(f"GET {resource.collection} answered {described(answer)}: not a JSON array", answer.exchange)
    bad = [x for x in body if not isinstance(x, dict)]
    if bad:
        fail(f"GET {resource.collection} answered an array holding non-records: {bad[:3]!r}", answer.exchange)


@check("ENVELOPE-GET-SINGLE")
def test_get_single(resource, tours):
    t = tours.of(resource)
    for label, answer, present in (("an existing key", t.get_existing, True), ("the kit's new record", t.get_created, True),
                                   ("the updated record", t.get_after_put, True),
                                   ("a key with no record", t.get_absent, False),
                                   ("a deleted record", t.get_after_delete, False)):
        if answer is None:
            continue
        body = answer.json
        if not answer.ok:
            if present:
                fail(f"GET by key for {label} answered {described(answer)} instead of a one-record array",
                         answer.exchange)
            continue  # a key without a record: ENVELOPE-GET-ABSENT's finding
        if not isinstance(body, list):
            fail(f"GET {answer.exchange.url} ({label}) answered {described(answer)}: not a JSON array "
                     "(the page: 1レコードGET時のフォーマット is the array form)", answer.exchange)
        if len(body) > 1:
            fail(f"GET {answer.exchange.url} ({label}) answered {len(body)} records; at most one expected",
                     answer.exchange)
        if not all(isinstance(x, dict) for x in body):
            fail(f"GET {answer.exchange.url} ({label}) answered an array holding a non-record", answer.exchange)
        if label == "a key with no record" and body:
            fail(f"GET {answer.exchange.url} for a key with no record answered {described(answer)} instead of []",
                     answer.exchange)


def json_label(content_type: str) -> str | None:
    """What is wrong with the label of a JSON body: "missing", "not JSON" (text/html, text/plain, XML…), or
    None for a JSON media type (application/json, text/json, any +json), parameters aside."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return "missing"
    return None if media.endswith(("/json", "+json")) else "not JSON"


@check("ENVELOPE-JSON")
def test_json(resource, tours, verdict):
    # "データはJSON形式でやり取り": a successful answer is JSON, and JSON is labelled as JSON (a client that
    # goes by the label reads a text/html body as a page). A missing label only warns.
    t = tours.of(resource)
    unlabelled = None
    for answer in t.answers():
        if answer.ok and not answer.is_json:
            fail(f"{answer.exchange.method} {answer.exchange.url} answered {described(answer)}: not JSON",
                 answer.exchange)
        if not isinstance(answer.json, (dict, list)):
            continue  # only bodies that are JSON objects or arrays are judged by their label
        problem = json_label(answer.content_type)
        if problem == "not JSON":
            fail(f"{answer.exchange.method} {answer.exchange.url} answered JSON labelled {answer.content_type!r}, "
                 "which is not a JSON media type", answer.exchange)
        if problem == "missing" and unlabelled is None:
            unlabelled = answer
    if unlabelled is not None:
        verdict.warn(f"{unlabelled.exchange.method} {unlabelled.exchange.url} answered JSON without a Content-Type",
                     unlabelled.exchange)
