"""Deliberately faulty implementations of the service, built from the reference server.

A fault is a `Service` subclass (data level: keys, query, storage) or a `WireFault` ASGI middleware
(wire level: envelope, status, content type, path handling). `faulty_server(*faults)` composes any
number of them around a fresh in-memory reference server and yields the running server.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable

from .asgi import RequestLog, Request, Response, WireFault
from .registry import BY_NAME, FAULTS, Fault

__all__ = ["FAULTS", "BY_NAME", "Fault", "WireFault", "Request", "Response", "RequestLog", "faulty_app",
           "faulty_server", "OPEN_VARIANTS"]


def _parts(faults: Iterable) -> list:
    parts = []
    for fault in faults:
        if isinstance(fault, str):
            fault = BY_NAME[fault]
        parts.extend(fault.parts if isinstance(fault, Fault) else [fault])
    return parts


def faulty_app(*faults, demo: bool = True, fixtures=None, records: dict | None = None, spec=None):
    """(asgi_app, service, request_log) for the reference server with `faults` applied.

    `records` ({resource: [record, ...]}) are loaded under their own keys after the demo data.
    """
    from scs_kit import spec as spec_mod
    from scs_kit.server import Service, create_app

    spec = spec or spec_mod.load()
    parts = _parts(faults)
    service_parts = tuple(p for p in parts if isinstance(p, type) and issubclass(p, Service))
    wire_parts = [p for p in parts if p not in service_parts]
    cls = type("FaultyService", (*service_parts, Service), {}) if service_parts else Service
    service = cls(spec)
    app = create_app(service=service, demo=demo, fixtures=fixtures, spec=spec)
    for name, rows in (records or {}).items():
        service.load_records(name, rows)
    for part in reversed(wire_parts):  # the first fault listed sees the request first
        app = part(app, service=service, spec=spec)
    log = RequestLog(app)
    return log, service, log


@contextmanager
def faulty_server(*faults, demo: bool = True, fixtures=None, records: dict | None = None):
    """A running reference server on a free loopback port with `faults` (Fault, name, or class)
    applied. The yielded RunningServer also carries `.service` and `.request_log`."""
    from scs_kit.server import start_server

    app, service, log = faulty_app(*faults, demo=demo, fixtures=fixtures, records=records)
    server = start_server(host="127.0.0.1", port=0, app=app)
    for attr, value in (("service", service), ("request_log", log)):
        try:
            setattr(server, attr, value)
        except AttributeError:
            pass
    try:
        yield server
    finally:
        server.stop()


from . import data as _data, wire as _wire  # noqa: E402

# Implementations that differ from the reference only where the vendor page is silent: each must pass.
OPEN_VARIANTS: dict[str, tuple] = {
    "errors-as-200-false": (_wire.ErrorsAs200False,),
    "html-405-without-allow": (_wire.Html405WithoutAllow,),
    "ascii-escaped-json": (_wire.AsciiEscapedJson,),
    "failure-msg-in-english": (_wire.FailureMsgInEnglish,),
    "400-instead-of-404": (_wire.NotFoundAs400,),
    "put-merges": (_wire.PutMerges,),
    "extra-undeclared-fields": (_wire.ExtraUndeclaredFields,),
    "json-without-charset": (_wire.JsonWithoutCharset,),
    "inferred-fields-as-numbers": (_wire.InferredFieldsAsNumbers,),
    "post-answers-201": (_wire.PostAnswers201,),
    "envelope-extra-member": (_wire.EnvelopeExtraMember,),
    "list-descending": (_wire.ListDescending,),
    "list-by-last-write": (_data.ListsByLastWrite,),
    "put-upserts": (_data.PutUpserts,),
    "delete-absent-succeeds": (_wire.DeleteAbsentSucceeds,),
    "errors-as-html-pages": (_wire.ErrorsAsHtmlPages,),
    "errors-as-empty-bodies": (_wire.ErrorsAsEmptyBodies,),
    "errors-as-plain-text": (_wire.ErrorsAsPlainText,),
    "other-refusal-statuses": (_wire.OtherRefusalStatuses,),
    "content-type-text-json": (_wire.ContentTypeTextJson,),
    "content-type-charset-upper": (_wire.ContentTypeCharsetUpper,),
    "server-managed-fields": (_wire.IgnoresServerManagedOnWrite, _data.ServerManagedFields),
    "inferred-fields-null": (_wire.InferredFieldsNull,),
    "knows-only-page-fields": (_data.KnowsOnlyPageFields,),
    "read-only-call-facts": (_data.ReadOnlyCallFacts,),
    "masks-secrets": (_wire.MasksSecrets,),
    "omits-secrets": (_wire.OmitsSecrets,),
    "json-with-bom": (_wire.JsonWithBom,),
    # at the edges the verdict policy relaxes: each names (WARNS) the checks whose warning it must produce,
    # and (RESOURCES) the resources to run beyond the usual five
    "wcf-typed-members": (_wire.TypedMembers,),
    "wcf-typed-members-empty": (_wire.TypedMembers, _data.HoldsNoTypedRecords),
    "server-sets-status": (_data.ServerSetsStatus,),
    "masks-secrets-keeps-on-mask": (_wire.MasksSecretsKeepsOnMask,),
    "query-ordered-by-time": (_data.QueryOrderedByTime,),
    "percent-26-literal": (_wire.PercentAmpersandLiteral,),
    "failure-result-lowercase": (_wire.FailureResultLowercase,),
}
