"""ROBUSTNESS-NO-5XX: no request to a documented path and method is answered with a 5xx or a dropped
connection. Writes answer the envelope "全てこの形", and a 5xx is the server's own fault by definition
(RFC 9110 §15.6). Negative Schemathesis cases go to GET operations; the malformed bodies and absent keys
of `bad_requests` go to every documented write. (An undocumented method answered 501 or 405 is not
probed here: that stays open.)"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from scs_kit.check.verdict import fail
from scs_kit.i18n import _

from ._kit import check
from .st_support import call


@check("ROBUSTNESS-NO-5XX")
def test_no_5xx(kit, resource, st_schema, bad_requests):
    from schemathesis import GenerationMode

    errors = []  # (message, exchange)

    def judge(label, status, exchange):
        if status is not None and status >= 500:
            errors.append((_("{label} answered HTTP {status}").format(label=label, status=status), exchange))

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

    for probe in bad_requests.of(resource):
        if probe.answer is None:
            errors.append((_("{label} got no answer ({failure})").format(label=probe.label, failure=probe.failure), None))
        else:
            judge(probe.label, probe.answer.status, probe.answer.exchange)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        fail(errors[0][0] + more, *[e[1] for e in errors[:3]])
