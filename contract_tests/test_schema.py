"""SCHEMA: every response conforms to the OpenAPI document (Schemathesis response checks).

GET operations take generated input freely; writes go only to the kit's own records (POST bodies
carry key "0" and the kit's marker and are ledgered; PUT/DELETE target kit keys)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, seed, settings

from ._kit import check
from .st_support import call, findings, operation


def _settings(n):
    return settings(max_examples=n, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck), print_blob=False)


def _gets(resource):
    paths = [resource.collection, resource.item] + ([resource.query] if resource.query else [])
    return [p for p in paths if p]


@check("SCHEMA-RESPONSES")
def test_responses(kit, resource):
    from schemathesis import GenerationMode

    found = []  # (status, message, exchange)

    def run(case):
        response, exchange = call(kit, case)
        for status, message in findings(case, response, resource):
            found.append((status, f"{case.method} {case.formatted_path}: {message}", exchange))
        return response

    for path in _gets(resource):
        op = operation(kit, path, "GET")

        @_settings(kit.profile.schema_examples)
        @seed(kit.seed)
        @given(op.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def gets(case):
            run(case)

        gets()

    if not kit.creation_blocker(resource):
        _writes(kit, resource, run)

    fails = [f for f in found if f[0] == "fail"]
    for status, message, exchange in found:
        if status == "warn":
            kit.warn(message, exchange)
    if fails:
        more = f" (and {len(fails) - 1} more)" if len(fails) > 1 else ""
        kit.fail(fails[0][1] + more, *[f[2] for f in fails[:3]])


def _writes(kit, resource, run):
    """Generated bodies for the kit's own writes: POST (key "0", marker), PUT and DELETE of kit keys."""
    from schemathesis import GenerationMode

    n = kit.profile.schema_write_examples if resource.allows("DELETE") else 1
    mf = kit.marker_field(resource)
    post = operation(kit, resource.collection, "POST")

    @_settings(n)
    @seed(kit.seed)
    @given(post.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def posts(case):
        marker = kit.next_marker()
        if not isinstance(case.body, dict):
            return
        case.body = {**case.body, resource.key: "0", **({mf: marker} if mf else {})}
        before, _ = kit.list(resource)
        entry = kit.ledger.pending(resource.name, marker)
        response = run(case)
        after, _ = kit.list(resource)
        # a new record without the marker is the kit's only if its POST succeeded (else another client's)
        unsettled = kit.claim(resource, entry, before, after, _succeeded(response))
        if unsettled:  # the ledger keeps the entry: the final sweep looks for the marker once more
            kit.ledger.problems.append(f"POST {resource.collection} (SCHEMA) was followed by new records "
                                       f"{unsettled}; the kit cannot tell which is its own")
        elif entry.key is not None and resource.allows("DELETE"):
            kit.remove(resource, entry.key)

    posts()
    if not resource.allows("PUT") and not resource.allows("DELETE"):
        return
    key = kit.spare_key(resource)
    try:
        if resource.allows("PUT"):
            put = operation(kit, resource.item, "PUT")

            @_settings(n)
            @seed(kit.seed)
            @given(put.as_strategy(generation_mode=GenerationMode.POSITIVE))
            def puts(case):
                if not isinstance(case.body, dict):
                    return
                case.path_parameters = {k: key for k in case.path_parameters}
                case.body = {**case.body, resource.key: key}
                run(case)

            puts()
        if resource.allows("DELETE"):
            delete = operation(kit, resource.item, "DELETE")
            case = delete.Case(path_parameters={p.name: key for p in delete.path_parameters})
            run(case)
            if kit.record(resource, key) is None:
                kit.ledger.forget(resource.name, key)
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
