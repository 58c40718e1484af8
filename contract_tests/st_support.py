"""Schemathesis glue for SCHEMA and ROBUSTNESS: one schema per run, calls through the kit's session
(so requests are counted and kept as evidence), and failures sorted into fail and warn."""

from __future__ import annotations

import copy

from scs_kit.check.context import Kit

# Content-Type details are open on the page: those findings only warn.
WARN_ONLY = ("content_type", "content-type", "Content-Type", "Undocumented Content-Type", "Missing Content-Type")


def st_schema(kit: Kit):
    key = "schemathesis-schema"
    if key not in kit.cache:
        import schemathesis

        schema = schemathesis.openapi.from_dict(copy.deepcopy(kit.spec.document), config=schemathesis.Config())
        schema.config.update(base_url=kit.base_url)
        kit.cache[key] = schema
    return kit.cache[key]


def operation(kit: Kit, path: str, method: str):
    return st_schema(kit)[path][method]


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


def _in_open_field(resource, failure) -> bool:
    """A schema violation inside a record field the page does not document (an inferred or implied
    field, or one the document does not know): the page is silent on its type, so it only warns."""
    path = list(getattr(failure, "instance_path", None) or [])
    if resource is None or len(path) < 2 or not isinstance(path[0], int) or not isinstance(path[1], str):
        return False
    field = resource.field(path[1])
    return field is None or field.evidence != "documented"


def _page_silent(resource, response, failure, title: str) -> bool:
    """A finding about something the page does not state only warns: Content-Type details, anything
    about a 4xx answer (the page states neither failure status codes nor failure bodies), a success
    status other than the document's 200 (the page names no status code), and the type of a record
    field the page does not document."""
    status = getattr(response, "status_code", 0) or 0
    if any(w.lower() in title.lower() for w in WARN_ONLY) or 400 <= status < 500:
        return True
    if 200 <= status < 300 and "status code" in title.lower():
        return True
    return _in_open_field(resource, failure)


def call(kit: Kit, case):
    """Send a Schemathesis case through the kit's session; returns (response, exchange)."""
    response = case.call(session=kit.client.session, timeout=kit.client.timeout)
    return response, kit.client.record_response(response)


def findings(case, response, resource=None) -> list[tuple[str, str]]:
    """[(status, message)] from Schemathesis' response checks: "fail" or "warn"."""
    from schemathesis.core.failures import FailureGroup

    try:
        case.validate_response(response, checks=response_checks())
    except FailureGroup as group:
        out = []
        for failure in group.exceptions:
            title = getattr(failure, "title", "") or type(failure).__name__
            message = (getattr(failure, "message", "") or str(failure)).strip()
            open_ = _page_silent(resource, response, failure, title)
            out.append(("warn" if open_ else "fail", f"{title}: {message}"))
        return out
    except AssertionError as exc:  # a single failure may come unwrapped
        return [("fail", str(exc))]
    return []
