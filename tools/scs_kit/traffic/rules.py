"""Rules one exchange proves on its own: envelopes, arrays, JSON, status codes, methods, minimum IDs,
documented field types. Each emits under the id of the active check that tests the same promise."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from ..check.expectations import envelope_problem
from ..check.reading import keyint
from ..i18n import _
from ..spec import Resource, Spec
from .findings import Findings
from .model import NOT_JSON, Recorded
from .reading import documented, key_of
from .routes import Route

WRITES = ("POST", "PUT", "DELETE")


def described(x: Recorded) -> str:
    body = x.text.strip()
    return f"HTTP {x.status} {body[:200] + ('…' if len(body) > 200 else '') if body else _('(empty body)')}"


_VALIDATORS: dict[str, Draft202012Validator] = {}


def _validator(resource: Resource) -> Draft202012Validator:
    if resource.name not in _VALIDATORS:
        _VALIDATORS[resource.name] = Draft202012Validator(resource.schema)
    return _VALIDATORS[resource.name]


def malformed(x: Recorded, route: Route) -> bool:
    """A request the document does not describe: a body that is not a record of the schema, a key or query
    number out of range. A 5xx for those is ROBUSTNESS (a SHOULD), not a broken documented operation."""
    r = route.resource
    if x.method in ("POST", "PUT"):
        body = x.request_json
        if not isinstance(body, dict) or not _validator(r).is_valid(body):
            return True
    if route.kind == "item":
        key = keyint(route.key)
        return key is None or not r.min_id <= key <= r.max_id
    if route.kind == "query":
        top, kid = keyint(route.raw[0]), keyint(route.raw[2])
        return top is None or kid is None or top < 0 or kid < 0
    return False


def judge_exchange(spec: Spec, f: Findings, x: Recorded, route: Route, present: bool | None) -> None:
    """`present`: whether the record an item GET names is known to exist (from a listing since which
    nothing was written), None when the traffic does not say."""
    r = route.resource
    if x.status is None:
        return
    if spec.operation(route.template, x.method) is None or not r.allows(x.method):
        _undocumented(f, x, route)
        return
    name = r.name
    if x.status >= 500:
        if malformed(x, route):
            f.fail("ROBUSTNESS-NO-5XX", name, _("{method} {url} (a malformed request) answered {answer}").format(
                method=x.method, url=x.url, answer=described(x)), x)
        else:
            f.fail("METHODS-ALLOWED", name, _("{method} {url}, a documented operation, answered {answer}").format(
                method=x.method, url=x.url, answer=described(x)), x)
        return
    f.observe("METHODS-ALLOWED", name)
    if x.status == 405:
        f.fail("METHODS-ALLOWED", name, _("{method} {url}: the document lists {method} for {resource} but it answered "
                                             "{answer}").format(method=x.method, url=x.url, resource=name,
                                                                answer=described(x)), x)
    if x.ok:
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
    f.observe("ENVELOPE-JSON", name)
    if x.json is NOT_JSON:
        f.fail("ENVELOPE-JSON", name, _("{method} {url} answered {answer}: not JSON").format(
            method=x.method, url=x.url, answer=described(x)), x)
    elif "json" not in x.content_type.lower():
        f.warn("ENVELOPE-JSON", name, _("{method} {url} answered JSON with Content-Type {type}").format(
            method=x.method, url=x.url, type=repr(x.content_type) if x.content_type else repr(_("(none)"))), x)


def _write_envelope(spec: Spec, f: Findings, x: Recorded, route: Route) -> None:
    name = route.resource.name
    body = x.json
    meant = x.ok or (isinstance(body, dict) and "result" in body)
    if meant:
        f.observe("ENVELOPE-WRITE-SHAPE", name)
        problem = envelope_problem(body)
        if problem:
            f.fail("ENVELOPE-WRITE-SHAPE", name, _("{method} {url} answered {answer}: {problem}").format(
                method=x.method, url=x.url, answer=described(x), problem=problem), x)
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
    body = x.json
    if not x.ok:
        if present:
            listed = key_of(route.key)
            f.defer("ENVELOPE-GET-SINGLE", r.name, _("GET {url} answered {answer} although the last listing shows that "
                                                       "record, instead of a one-record array").format(
                url=x.url, answer=described(x)), lambda rows: listed in rows, x,
                otherwise=_("GET {url} answered {answer}; the page says empty data is []").format(
                    url=x.url, answer=described(x)))
        elif 400 <= (x.status or 0) < 500:
            f.warn("ENVELOPE-GET-SINGLE", r.name, _("GET {url} answered {answer}; the page says empty data is []").format(
                url=x.url, answer=described(x)), x)
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
