"""Schemathesis glue for SCHEMA and ROBUSTNESS: one schema per run (the `st_schema` fixture), calls
through the kit's session (so requests are counted and kept as evidence), and Schemathesis' typed
failures turned into findings (scs_kit.check.verdict.from_schemathesis decides what binds)."""

from __future__ import annotations

import copy

from scs_kit.check.context import Kit
from scs_kit.check.verdict import Finding, from_schemathesis


def load_schema(kit: Kit):
    import schemathesis

    schema = schemathesis.openapi.from_dict(copy.deepcopy(kit.spec.document), config=schemathesis.Config())
    schema.config.update(base_url=kit.base_url)
    return schema


def response_checks():
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
            response_schema_conformance]


def call(kit: Kit, case):
    """Send a Schemathesis case through the kit's session; returns (response, exchange)."""
    response = case.call(session=kit.client.session, timeout=kit.client.timeout)
    return response, kit.client.record_response(response)


def findings(case, response, resource=None) -> list[Finding]:
    """Findings from Schemathesis' response checks."""
    from schemathesis.core.failures import FailureGroup

    try:
        case.validate_response(response, checks=response_checks())
    except FailureGroup as group:
        return [from_schemathesis(failure, response, resource) for failure in group.exceptions]
    except AssertionError as exc:  # a single failure may come unwrapped
        return [from_schemathesis(exc, response, resource)]
    return []
