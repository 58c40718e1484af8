"""ROBUSTNESS (SHOULD): malformed and schema-violating requests never produce a 5xx.

Negative Schemathesis cases go to GET operations; malformed raw bodies go only to the kit's own
records (PUT) and to POST where the kit may create records (anything accepted is ledgered)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable

from scs_kit.check.verdict import fail

from ._kit import check
from .st_support import call

RAW_BODIES = (b"", b"{", b"[]", b"null", b'"text"', b"\x00\xff\xfe", b'{"x": {"y": [1, 2]}}', b"[" * 64,
              "{\"壊れた\": ".encode("utf-8"), b'{"result": true}')


@check("ROBUSTNESS-NO-5XX")
def test_no_5xx(kit, resource, st_schema):
    from schemathesis import GenerationMode

    errors = []  # (message, exchange)

    def judge(label, status, exchange):
        if status is not None and status >= 500:
            errors.append((f"{label} answered HTTP {status}", exchange))

    paths = [resource.item] + ([resource.query] if resource.query else [])  # the operations with parameters
    for path in paths:
        op = st_schema[path]["GET"]

        @settings(max_examples=kit.profile.negative_examples, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
        @seed(kit.seed)
        @given(op.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def negative(case):
            response, exchange = call(kit, case)
            judge(f"GET {case.formatted_path} (schema-violating)", response.status_code, exchange)

        try:
            negative()
        except Unsatisfiable:
            pass  # no way to violate this operation's schema

    if kit.can_write():
        if resource.allows("PUT") and resource.allows("POST") and kit.has_own(resource):
            key = kit.spare_key(resource)
            try:
                for raw in RAW_BODIES:
                    ans = kit.client.request("PUT", resource.item_path(key), raw=raw)
                    judge(f"PUT {resource.item_path(key)} with body {raw[:30]!r}", ans.status, ans.exchange)
            finally:
                kit.remove(resource, key)
        # a record registered by a malformed body cannot carry the kit's marker: only where it can be deleted
        if resource.allows("POST") and resource.allows("DELETE") and not kit.creation_blocker(resource):
            for raw in RAW_BODIES[:4]:
                # ledgered before it is sent: a malformed POST the implementation accepts registers a record
                # that is the kit's to delete
                posted = kit.records.post(resource, raw=raw, note="registered by a malformed POST")
                judge(f"POST {resource.collection} with body {raw[:30]!r}", posted.answer.status, posted.answer.exchange)
                if posted.key is not None:
                    kit.remove(resource, posted.key)
                elif posted.unsettled:
                    kit.records.problems.append(f"a malformed POST to {resource.collection} was accepted and "
                                                f"new records {posted.unsettled} appeared; the kit cannot tell which "
                                                "is its own")
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        fail(errors[0][0] + more, *[e[1] for e in errors[:3]])
