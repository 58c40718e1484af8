"""Rules one exchange proves on its own: envelopes, arrays, JSON, status codes, methods, minimum IDs,
documented field types. Each emits under the id of the active check that tests the same promise."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from ..check.expectations import envelope_problem, json_label
from ..check.reading import keyint
from ..i18n import _
from ..spec import Resource, Spec
from .findings import Findings
from .model import NOT_JSON, Recorded
from .reading import documented, key_of
from .routes import Route

WRITES = ("POST", "PUT", "DELETE")


def _short(text: str, limit: int = 80) -> str:
    text = text.strip()
    return repr(text[:limit] + ("…" if len(text) > limit else "")) if text else _("an empty body")


def described(x: Recorded) -> str:
    body = x.text.strip()
    return f"HTTP {x.status} {body[:200] + ('…' if len(body) > 200 else '') if body else _('(empty body)')}"


_VALIDATORS: dict[str, Draft202012Validator] = {}


def _validator(spec: Spec, resource: Resource) -> Draft202012Validator:
    if resource.name not in _VALIDATORS:
        components = spec.document.get("components", {})
        _VALIDATORS[resource.name] = Draft202012Validator({**resource.schema, "components": components})
    return _VALIDATORS[resource.name]


def valid_record(spec: Spec, resource: Resource, body: dict) -> bool:
    """Whether a write body is a record of the schema once its key is the page's "0"."""
    return _validator(spec, resource).is_valid({**body, resource.key: "0"})


def malformed(spec: Spec, x: Recorded, route: Route) -> bool:
    """A request the document does not describe: a body that is not a record of the schema, a key or query
    number out of range. A 5xx for those is ROBUSTNESS (a SHOULD), not a broken documented operation."""
    r = route.resource
    if x.method in ("POST", "PUT"):
        body = x.request_json
        if not isinstance(body, dict) or not _validator(spec, r).is_valid(body):
            return True
    if route.kind == "item":
        key = keyint(route.key)
        return key is None or not r.min_id <= key <= r.max_id
    if route.kind == "query":
        top, kid = keyint(route.raw[0]), keyint(route.raw[2])
        return top is None or kid is None or top < 0 or kid < 0
    return False


def judge_exchange(spec: Spec, f: Findings, x: Recorded, route: Route, present: bool | None,
                   slow: float = 2.0) -> None:
    """`present`: whether the record an item GET names is known to exist (from a listing since which
    nothing was written), None when the traffic does not say. `slow`: seconds an answer may take
    without a LATENCY-SLOW warning."""
    r = route.resource
    if x.status is None:
        return
    f.observe("LATENCY-SLOW", r.name)
    if x.duration_ms > slow * 1000:
        f.warn("LATENCY-SLOW", r.name, _("{method} {url} took {seconds} s to answer (more than {slow} s)").format(
            method=x.method, url=x.url, seconds=f"{x.duration_ms / 1000:.2f}", slow=f"{slow:g}"), x)
    if spec.operation(route.template, x.method) is None or not r.allows(x.method):
        _undocumented(f, x, route)
        return
    name = r.name
    f.observe("ROBUSTNESS-NO-5XX", name)
    if x.status >= 500:
        bad = malformed(spec, x, route)
        what = _(" (a malformed request)") if bad else (_(" (a key without a record)") if present is False else "")
        f.fail("ROBUSTNESS-NO-5XX", name, _("{method} {url}{what}, a documented operation, answered {answer}").format(
            method=x.method, url=x.url, what=what, answer=described(x)), x)
        if not bad and present is not False:
            f.fail("METHODS-ALLOWED", name, _("{method} {url}, a documented operation, answered {answer}").format(
                method=x.method, url=x.url, answer=described(x)), x)
        return
    f.observe("METHODS-ALLOWED", name)
    if x.status == 405:
        f.fail("METHODS-ALLOWED", name, _("{method} {url}: the document lists {method} for {resource} but it answered "
                                          "{answer}").format(method=x.method, url=x.url, resource=name,
                                                             answer=described(x)), x)
    _json_labelling(f, x, name)
    if x.method in WRITES:
        _write_envelope(spec, f, x, route)
    elif route.kind == "collection":
        _get_collection(spec, f, x, route)
    elif route.kind == "item":
        _get_item(spec, f, x, route, present)


def _undocumented(f: Findings, x: Recorded, route: Route) -> None:
    name = route.resource.name
    if route.resource.allows(x.method):
        return  # a documented method on a path shape the document does not have: nothing promised
    f.observe("METHODS-FORBIDDEN", name)
    if x.ok and x.result == "True":
        f.fail("METHODS-FORBIDDEN", name, _("{method} {url}: {resource} does not document {method}, yet it answered "
                                                'result "True" ({answer})').format(method=x.method, url=x.url,
                                                                                    resource=name, answer=described(x)), x)
    if x.status == 405:
        f.observe("METHODS-ALLOW-HEADER", name)
        if not x.header("allow"):
            f.fail("METHODS-ALLOW-HEADER", name, _("{method} {url} answered 405 without an Allow header").format(
                method=x.method, url=x.url), x)


def _json_labelling(f: Findings, x: Recorded, name: str) -> None:
    """As the active check: a successful answer is JSON; a JSON object or array (any answer) is labelled
    with a JSON media type (a missing label only warns)."""
    f.observe("ENVELOPE-JSON", name)
    if x.ok and x.json is NOT_JSON:
        f.fail("ENVELOPE-JSON", name, _("{method} {url} answered {answer}: not JSON").format(
            method=x.method, url=x.url, answer=described(x)), x)
    if not isinstance(x.json, (dict, list)):
        return
    problem = json_label(x.content_type)
    if problem == "not JSON":
        f.fail("ENVELOPE-JSON", name, _("{method} {url} answered JSON labelled {type}, which is not a JSON media "
                                        "type").format(method=x.method, url=x.url, type=repr(x.content_type)), x)
    elif problem == "missing":
        f.warn("ENVELOPE-JSON", name, _("{method} {url} answered JSON without a Content-Type").format(
            method=x.method, url=x.url), x)


def _write_envelope(spec: Spec, f: Findings, x: Recorded, route: Route) -> None:
    name = route.resource.name
    body = x.json
    meant = x.ok or (isinstance(body, dict) and "result" in body)
    if meant:
        f.observe("ENVELOPE-WRITE-SHAPE", name)
        problem = envelope_problem(body)
        refused = 400 <= (x.status or 0) < 500 or (x.ok and str(x.result).lower() == "false")
        if problem and refused and isinstance(body, dict) and isinstance(body.get("result"), str):
            # a failure answer's spelling is not on the page (it shows only the success answer): "false" warns
            f.warn("ENVELOPE-WRITE-SHAPE", name, _("{method} {url} answered {answer}: {problem}").format(
                method=x.method, url=x.url, answer=described(x), problem=problem), x)
        elif problem:
            f.fail("ENVELOPE-WRITE-SHAPE", name, _("{method} {url} answered {answer}: {problem}").format(
                method=x.method, url=x.url, answer=described(x), problem=problem), x)
    f.observe("ROBUSTNESS-TRUTHFUL", name)
    if 400 <= (x.status or 0) < 500 and x.result == "True":
        f.fail("ROBUSTNESS-TRUTHFUL", name, _('{method} {url} answered {answer}: a refusal that says '
                                              'result "True"').format(method=x.method, url=x.url, answer=described(x)), x)
    if x.ok and x.result == "True" and x.method == "POST" and not isinstance(x.request_json, dict):
        f.fail("ROBUSTNESS-TRUTHFUL", name, _("POST {url} with a body that cannot be a record ({body}) answered "
                                              "{answer}: a success answer to it is untrue whatever the server "
                                              "stored").format(url=x.url, body=_short(x.request_text),
                                                               answer=described(x)), x)
    ok = spec.success
    if x.ok and x.result == ok["result"]:
        f.observe("ENVELOPE-WRITE-SUCCESS", name)
        if body.get("msg") != ok["msg"]:
            f.fail("ENVELOPE-WRITE-SUCCESS", name, _('{method} {url} answered result "True" but msg {msg} instead of '
                                                    '{expected}').format(method=x.method, url=x.url,
                                                                         msg=repr(body.get("msg")), expected=repr(ok["msg"])), x)
    r = route.resource
    if x.method == "PUT" and r.min_id > 1 and (keyint(route.key) or 0) < r.min_id and keyint(route.key) is not None:
        f.observe("MIN-ID-NEVER-ONE", name)
        if x.result == "True":
            f.fail("MIN-ID-NEVER-ONE", name, _('PUT {url} answered result "True"; the page: {quote}').format(
                url=x.url, quote=f"ID は{r.min_id}以上"), x)


def _records_check(spec: Spec, f: Findings, x: Recorded, route: Route, rows: list) -> None:
    r = route.resource
    if r.min_id > 1:
        f.observe("MIN-ID-NEVER-ONE", r.name)
        low = [row.get(r.key) for row in rows if isinstance(row, dict) and (keyint(row.get(r.key)) or 0) < r.min_id]
        if low:
            f.fail("MIN-ID-NEVER-ONE", r.name, _("GET {url} shows IDs {ids}; the page: {quote}").format(
                url=x.url, ids=low, quote=f"ID は{r.min_id}以上"), x)
    typed = [(row.get(r.key), n, v) for row in rows if isinstance(row, dict) for n, v in row.items()
             if documented(r, n) and v is not None and not isinstance(v, str)]
    if any(documented(r, fld.name) for fld in r.fields):
        f.observe("SCHEMA-RESPONSES", r.name)
    if typed:
        key, n, v = typed[0]
        f.fail("SCHEMA-RESPONSES", r.name, _("GET {url}: the documented field {field} of record {key} is the JSON "
                                           "{type} {value}; the page shows it as a string").format(
            url=x.url, field=repr(n), key=key, type=type(v).__name__, value=repr(v)), x)


def _get_collection(spec: Spec, f: Findings, x: Recorded, route: Route) -> None:
    name = route.resource.name
    f.observe("ENVELOPE-GET-ARRAY", name)
    body = x.json
    if not x.ok:
        f.fail("ENVELOPE-GET-ARRAY", name, _("GET {url} answered {answer} instead of a JSON array").format(
            url=x.url, answer=described(x)), x)
        f.fail("METHODS-ALLOWED", name, _("GET {url} answered {answer}").format(url=x.url, answer=described(x)), x)
    elif not isinstance(body, list):
        f.fail("ENVELOPE-GET-ARRAY", name, _("GET {url} answered {answer}: not a JSON array").format(
            url=x.url, answer=described(x)), x)
    elif not all(isinstance(row, dict) for row in body):
        f.fail("ENVELOPE-GET-ARRAY", name, _("GET {url} answered an array holding non-records").format(url=x.url), x)
    else:
        _records_check(spec, f, x, route, body)


def _get_item(spec: Spec, f: Findings, x: Recorded, route: Route, present: bool | None) -> None:
    r = route.resource
    key = keyint(route.key)
    if key is None:
        return  # not a key the document's clients send: nothing promised
    if not r.min_id <= key <= r.max_id:  # a key no record can have: any refusal will do, never a record
        if r.min_id > 1 and key < r.min_id:
            f.observe("MIN-ID-NEVER-ONE", r.name)
            if x.ok and isinstance(x.json, list) and x.json:
                f.fail("MIN-ID-NEVER-ONE", r.name, _("GET {url} answered a record ({answer}); the page: {quote}").format(
                    url=x.url, answer=described(x), quote=f"ID は{r.min_id}以上"), x)
        return
    f.observe("ENVELOPE-GET-SINGLE", r.name)
    if not present:
        f.observe("ENVELOPE-GET-ABSENT", r.name)
    body = x.json
    if not x.ok:
        if present:
            listed = key_of(route.key)
            f.defer("ENVELOPE-GET-SINGLE", r.name, _("GET {url} answered {answer} although the last listing shows that "
                                                     "record, instead of a one-record array").format(
                url=x.url, answer=described(x)), lambda rows: listed in rows, x,
                otherwise=_("GET {url} answered {answer}; for a valid key without a record the page's answer is "
                            "200 []").format(url=x.url, answer=described(x)), otherwise_check="ENVELOPE-GET-ABSENT")
        elif 400 <= (x.status or 0) < 500:
            # a valid key: with a record the answer is that record, without one it is [] — either way a refusal
            # breaks the page ("GETの戻り値は…配列…データが空の時は [ ]")
            f.fail("ENVELOPE-GET-ABSENT", r.name, _("GET {url} answered {answer}; for a valid key without a record "
                                                    "the page's answer is 200 []").format(url=x.url, answer=described(x)),
                   x)
        return
    if not isinstance(body, list):
        f.fail("ENVELOPE-GET-SINGLE", r.name, _("GET {url} answered {answer}: not a JSON array (the page: {quote} is the "
                                              "array form)").format(url=x.url, answer=described(x),
                                                                    quote="1レコードGET時のフォーマット"), x)
        return
    if len(body) > 1:
        f.fail("ENVELOPE-GET-SINGLE", r.name, _("GET {url} answered {n} records; at most one expected").format(
            url=x.url, n=len(body)), x)
    if not all(isinstance(row, dict) for row in body):
        f.fail("ENVELOPE-GET-SINGLE", r.name, _("GET {url} answered an array holding a non-record").format(url=x.url), x)
        return
    if present is False and body:
        absent = key_of(route.key)
        f.defer("ENVELOPE-GET-SINGLE", r.name, _("GET {url} answered a record although the last listing shows none under "
                                                   "that key and nothing was written since").format(url=x.url),
                lambda rows: absent not in rows, x)
    _records_check(spec, f, x, route, body)
    if body:
        f.observe("KEYS-GET-EXACT", r.name)
        got = [row.get(r.key) for row in body]
        wrong = [k for k in got if keyint(k) != key]
        if wrong:
            f.fail("KEYS-GET-EXACT", r.name, _("GET {url} answered the record(s) with key {wrong}, not {key}").format(
                url=x.url, wrong=wrong, key=key), x)
