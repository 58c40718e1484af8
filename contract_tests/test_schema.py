"""SCHEMA: every response conforms to the OpenAPI document (Schemathesis response checks).

GET operations take generated input freely; writes go only to the kit's own records (POST bodies
carry key "0" and the kit's marker and are ledgered; PUT/DELETE target kit keys)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, seed, settings
from scs_kit.check.verdict import fail
from scs_kit.i18n import _

from ._kit import check
from .st_support import call, findings


def _settings(n):
    return settings(max_examples=n, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck), print_blob=False)


def _gets(resource):
    paths = [resource.collection, resource.item] + ([resource.query] if resource.query else [])
    return [p for p in paths if p]


@check("SCHEMA-RESPONSES")
def test_responses(kit, resource, verdict, st_schema):
    from schemathesis import GenerationMode

    found = []  # (finding, exchange)

    def run(case):
        response, exchange = call(kit, case)
        for finding in findings(case, response, resource):
            finding.message = f"{case.method} {case.formatted_path}: {finding.message}"
            found.append((finding, exchange))
        return response

    for path in _gets(resource):
        op = st_schema[path]["GET"]

        @_settings(kit.profile.schema_examples)
        @seed(kit.seed)
        @given(op.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def gets(case):
            run(case)

        gets()

    if resource.allows("POST") and kit.has_own(resource):
        _writes(kit, resource, run, st_schema)

    binding = [(f, e) for f, e in found if f.binding]
    for finding, exchange in found:
        if not finding.binding:
            verdict.warn(finding.message, exchange)
    if binding:
        more = f" (and {len(binding) - 1} more)" if len(binding) > 1 else ""
        fail(binding[0][0].message + more, *[e for _unused, e in binding[:3]])


def _writes(kit, resource, run, st_schema):
    """Generated bodies for the kit's own writes: POST (key "0", marker), PUT and DELETE of kit keys."""
    from schemathesis import GenerationMode

    n = kit.profile.schema_write_examples if resource.allows("DELETE") else 1
    post = st_schema[resource.collection]["POST"]

    @_settings(n)
    @seed(kit.seed)
    @given(post.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def posts(case):
        if not isinstance(case.body, dict):
            return
        case.body, marker = kit.records.marked(resource, {**case.body, resource.key: "0"})
        with kit.records.creating(resource, marker) as posted:
            # a new record without the marker is the kit's only if its POST succeeded (else another client's)
            posted.succeeded = _succeeded(run(case))
        if posted.unsettled:  # the ledger keeps the entry: the final sweep looks for the marker once more
            kit.records.problems.append(_("POST {collection} (SCHEMA) was followed by new records {unsettled}; the kit cannot tell which "
                                          "is its own").format(collection=resource.collection, unsettled=posted.unsettled))
        elif posted.key is not None and resource.allows("DELETE"):
            kit.remove(resource, posted.key)

    if not kit.creation_blocker(resource):
        posts()
    if not resource.allows("PUT") and not resource.allows("DELETE"):
        return
    key = kit.spare_key(resource)
    try:
        if resource.allows("PUT"):
            put = st_schema[resource.item]["PUT"]

            @_settings(n)
            @seed(kit.seed)
            @given(put.as_strategy(generation_mode=GenerationMode.POSITIVE))
            def puts(case):
                if not isinstance(case.body, dict):
                    return
                case.path_parameters = {k: key for k in case.path_parameters}
                case.body, _unused = kit.records.marked(resource, {**case.body, resource.key: key})  # stays the kit's
                run(case)

            puts()
        if resource.allows("DELETE"):
            delete = st_schema[resource.item]["DELETE"]
            case = delete.Case(path_parameters={p.name: key for p in delete.path_parameters})
            run(case)
            if kit.record(resource, key) is None:
                kit.records.forget(resource, key)
    finally:
        kit.remove(resource, key)


def _succeeded(response) -> bool:
    """A 2xx that does not say "False" (as scs_kit.check.http.Answer.succeeded)."""
    if not 200 <= response.status_code < 300:
        return False
    try:
        body = response.json()
    except ValueError:
        return True
    return not (isinstance(body, dict) and body.get("result") == "False")
