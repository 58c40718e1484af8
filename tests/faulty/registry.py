"""The registry: each named fault, the check that must catch it, and where to look.

`expect` is the status the intended check must end in: "fail" for MUST rules, "warn" for SHOULD
rules and common-practice deviations (exit 0 unless --strict).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import data, wire


@dataclass(frozen=True)
class Fault:
    name: str
    check: str  # the check id that must catch it
    family: str
    resource: str  # the resource to run the check on
    parts: tuple  # Service subclasses and/or WireFault middleware classes
    expect: str = "fail"  # fail | warn
    doc: str = ""
    options: tuple = ()  # CheckOptions overrides, as (name, value) pairs

    def __str__(self) -> str:
        return self.name


def _f(name, check, family, resource, *parts, expect="fail", **options):
    doc = " / ".join(" ".join((p.__doc__ or p.__name__).split()) for p in parts)
    return Fault(name, check, family, resource, tuple(parts), expect, doc, tuple(sorted(options.items())))


FAULTS: tuple[Fault, ...] = (
    # ENVELOPE
    _f("result-boolean", "ENVELOPE-WRITE-SHAPE", "ENVELOPE", "ContainmentLine", wire.ResultAsBoolean),
    _f("msg-ok-english", "ENVELOPE-WRITE-SUCCESS", "ENVELOPE", "CustomerAddress", wire.MsgOkInEnglish),
    _f("list-as-object", "ENVELOPE-GET-ARRAY", "ENVELOPE", "ContainmentLine", wire.ListAsObject),
    _f("list-double-encoded", "ENVELOPE-GET-ARRAY", "ENVELOPE", "ConnectedClient", wire.ListDoubleEncoded),
    _f("single-bare-object", "ENVELOPE-GET-SINGLE", "ENVELOPE", "ContainmentLine", wire.SingleAsBareObject),
    _f("single-two-records", "ENVELOPE-GET-SINGLE", "ENVELOPE", "SIP-ServerConnection", wire.SingleWithTwoRecords),
    _f("empty-as-null", "ENVELOPE-GET-SINGLE", "ENVELOPE", "IncomingCall-URL", wire.EmptyListAsNull),
    _f("html-on-get", "ENVELOPE-JSON", "ENVELOPE", "ConnectedClient", wire.HtmlOnGet),
    _f("json-as-text-plain", "ENVELOPE-JSON", "ENVELOPE", "PhoneNumber-SearchSite", wire.JsonAsTextPlain),
    # METHODS
    _f("documented-put-refused", "METHODS-ALLOWED", "METHODS", "CustomerAddress", wire.RefusesDocumentedPut),
    _f("get-only-delete-deletes", "METHODS-FORBIDDEN", "METHODS", "ConnectedClient", wire.ForbiddenDeleteDeletes),
    _f("get-only-put-updates", "METHODS-FORBIDDEN", "METHODS", "ConnectedClient", wire.ForbiddenPutUpdates),
    _f("no-post-resource-creates", "METHODS-FORBIDDEN", "METHODS", "ReceivedCall-Record", wire.ForbiddenPostCreates),
    _f("no-delete-resource-deletes", "METHODS-FORBIDDEN", "METHODS", "MessDef-Mail", wire.ForbiddenDeleteDeletes),
    _f("405-without-allow", "METHODS-ALLOW-HEADER", "METHODS", "ConnectedClient", wire.NoAllowHeader, expect="warn"),
    # KEYS
    _f("post-honours-body-key", "KEYS-POST-MAX-PLUS-ONE", "KEYS", "ContainmentLine", data.PostHonoursBodyKey),
    # Above every key but not exactly highest + 1: the page's 最大番号 is kept, so these only warn.
    _f("post-max-plus-two", "KEYS-POST-MAX-PLUS-ONE", "KEYS", "IncomingCall-Command", data.PostMaxPlusTwo,
       expect="warn"),
    _f("post-monotonic-counter", "KEYS-POST-AFTER-DELETE", "KEYS", "UserManagement", data.PostMonotonicCounter,
       expect="warn"),
    _f("post-reuses-freed-key", "KEYS-POST-AFTER-DELETE", "KEYS", "UserManagement", data.PostReusesFreedKey),
    _f("put-uses-body-key", "KEYS-PUT-URI-WINS", "KEYS", "CustomerAddress", wire.PutUsesBodyKey),
    _f("delete-takes-neighbours", "KEYS-DELETE-EXACT", "KEYS", "ContainmentLine", data.DeleteTakesNeighbours),
    _f("delete-does-nothing", "KEYS-DELETE-EXACT", "KEYS", "Notification-Email-Address", data.DeleteDoesNothing),
    _f("get-ignores-key", "KEYS-GET-EXACT", "KEYS", "ContainmentLine", data.GetIgnoresKey),
    _f("get-single-other-key", "KEYS-GET-EXACT", "KEYS", "IncomingCall-URL", wire.SingleWithOtherKey),
    # MIN-ID
    _f("lists-id-one", "MIN-ID-NEVER-ONE", "MIN-ID", "SIP-ServerConnection", data.ListsIdOne),
    _f("new-record-id-one", "MIN-ID-NEW-AT-LEAST-TWO", "MIN-ID", "Online-Activation", data.NewRecordGetsIdOne),
    # QUERY
    _f("query-ignores-k-id", "QUERY-MATCHES-MODEL", "QUERY", "ReceivedCall-Record", data.QueryIgnoresCustomer),
    _f("query-ignores-order", "QUERY-MATCHES-MODEL", "QUERY", "ReceivedCall-Record", data.QueryIgnoresOrder),
    _f("query-top-off-by-one", "QUERY-MATCHES-MODEL", "QUERY", "ReceivedCall-Record", data.QueryTopOffByOne),
    _f("query-first-number-only", "QUERY-MATCHES-MODEL", "QUERY", "ReceivedCall-Record", data.QueryFirstNumberOnly),
    _f("query-lowercase-true-false", "QUERY-SPELLINGS", "QUERY", "ReceivedCall-Record", wire.LowercaseTrueIsFalse),
    _f("query-%26-not-decoded", "QUERY-SPELLINGS", "QUERY", "ReceivedCall-Record", wire.PercentAmpersandNotDecoded,
       expect="warn"),
    # ROUND-TRIP
    _f("post-drops-documented-field", "ROUNDTRIP-POST", "ROUND-TRIP", "ContainmentLine", data.PostDropsDocumentedField),
    _f("put-keeps-old-documented-field", "ROUNDTRIP-PUT", "ROUND-TRIP", "ContainmentLine", data.PutKeepsOldDocumentedField),
    _f("put-changes-nothing", "ROUNDTRIP-PUT", "ROUND-TRIP", "CustomerAddress", data.PutChangesNothing),
    _f("omits-inferred-fields", "ROUNDTRIP-PUT", "ROUND-TRIP", "CustomerAddress", wire.OmitsSomeInferredFields,
       expect="warn"),
    # on ContainmentLine, whose text field the page documents: elsewhere a normalised value only warns
    _f("truncates-long-values", "ROUNDTRIP-TEXT", "ROUND-TRIP", "ContainmentLine", data.TruncatesLongValues),
    _f("mangles-half-width-kana", "ROUNDTRIP-TEXT", "ROUND-TRIP", "ContainmentLine", data.MangleHalfWidthKana),
    _f("html-escapes-ampersand", "ROUNDTRIP-TEXT", "ROUND-TRIP", "ContainmentLine", data.HtmlEscapesAmpersand),
    # SCHEMA
    _f("documented-field-as-number", "SCHEMA-RESPONSES", "SCHEMA", "ContainmentLine", wire.DocumentedFieldAsNumber),
    # STATEFUL. Hypothesis's state machines enable a random subset of rules per run (swarm testing), so
    # the quick budget (3 runs) may never send a PUT: these faults run with the default budget.
    _f("delete-resurrects", "STATEFUL-MODEL", "STATEFUL", "IncomingCall-URL", data.DeleteResurrects,
       profile="default"),
    _f("put-silently-fails", "STATEFUL-MODEL", "STATEFUL", "ContainmentLine", data.PutSilentlyFailsAfterWrites,
       profile="default"),
    # ROBUSTNESS: no 5xx on a documented operation (RFC 9110 §15.6), and answers that tell the truth
    _f("500-on-malformed-json", "ROBUSTNESS-NO-5XX", "ROBUSTNESS", "ContainmentLine", wire.ServerErrorOnMalformedJson),
    _f("500-on-absent-key", "ROBUSTNESS-NO-5XX", "ROBUSTNESS", "CustomerAddress", wire.ServerErrorOnAbsentKey),
    _f("lying-success-on-unparseable-post", "ROBUSTNESS-TRUTHFUL", "ROBUSTNESS", "ContainmentLine",
       wire.LyingSuccessOnUnparseablePost),
    _f("lying-success-on-absent-put", "ROBUSTNESS-TRUTHFUL", "ROBUSTNESS", "MessDef-Toast", wire.LyingSuccessOnAbsentPut),
    _f("refused-put-still-writes", "ROBUSTNESS-TRUTHFUL", "ROBUSTNESS", "PhoneNumber-SearchSite",
       wire.RefusedPutStillWrites),
    # ENVELOPE
    _f("404-for-absent-get", "ENVELOPE-GET-ABSENT", "ENVELOPE", "IncomingCall-URL", wire.AbsentKeyAs404Envelope),
    _f("404-empty-for-absent-get", "ENVELOPE-GET-ABSENT", "ENVELOPE", "ConnectedClient", wire.AbsentKeyAs404Empty),
    _f("json-as-text-html", "ENVELOPE-JSON", "ENVELOPE", "CustomerAddress", wire.JsonAsTextHtml),
    # CONCURRENCY
    _f("post-race", "CONCURRENCY-POST", "CONCURRENCY", "Notification-Email-Address", wire.PostRace),
    _f("put-rewrites-table", "CONCURRENCY-PUT", "CONCURRENCY", "CustomerAddress", wire.PutRewritesTable),
    # KEYS: the body key may be any number
    _f("refuses-numeric-string-key", "KEYS-BODY-KEY", "KEYS", "UserManagement", wire.RefusesNumericStringKey),
    _f("refuses-json-number-key", "KEYS-BODY-KEY", "KEYS", "IncomingCall-Command", wire.RefusesJsonNumberKey,
       expect="warn"),
    # LATENCY
    _f("slow-single-get", "LATENCY-SLOW", "LATENCY", "ContainmentLine", wire.SlowSingleGet, expect="warn", slow=0.1),
)

BY_NAME = {f.name: f for f in FAULTS}
assert len(BY_NAME) == len(FAULTS), "fault names must be unique"
