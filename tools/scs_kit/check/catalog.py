"""The check registry: every check id with its family, level, rule ids, basis and title, in one place.

The vendor sentence a check enforces is not repeated here: it is read from the document's
`x-scs-rules` (see `source_of`). A test names the check it implements with `marker(id)`, which
refuses an id that is not in this table, so a mistyped id is an error at import instead of a check
silently missing from every report. Modes and profiles (example budgets) are defined here once too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..i18n import N_, _
from ..results import FAMILIES

LEVELS = ("MUST", "SHOULD")  # MUST fails an implementation; SHOULD at most warns
PAGE = "page"  # basis: the vendor page's sentence in the rule's x-scs-rules source


@dataclass(frozen=True)
class Check:
    id: str
    family: str
    level: str  # one of LEVELS
    rule: str  # id in the document's x-scs-rules (the first of `rules`)
    title: str  # what fails (for a SHOULD check: what warns)
    warns: str = ""  # what about it only warns: the points the page leaves open
    basis: str = PAGE  # what the verdict rests on: the page's sentence, or a named standard
    also: tuple[str, ...] = ()  # further rule ids the check enforces

    @property
    def rules(self) -> tuple[str, ...]:
        return (self.rule, *self.also)


RFC_5XX = ("POST、PUT、DELETE の戻り値は、全てこの形となります (the envelope, never a server error page), and RFC 9110 "
           "§15.6: a 5xx status is the server's own failure")

CHECKS: tuple[Check, ...] = (
    Check("ENVELOPE-WRITE-SHAPE", "ENVELOPE", "MUST", "write-envelope",
          N_('write answers meant as the envelope are {"result": "True"|"False" (a string), "msg": string}'),
          warns='a failure answer\'s result spelled otherwise ("false"); failure status codes and bodies'),
    Check("ENVELOPE-WRITE-SUCCESS", "ENVELOPE", "MUST", "write-envelope",
          N_('a successful write answers result "True" and msg "正常終了"'), warns="the success status code (200, 201, …)"),
    Check("ENVELOPE-GET-ARRAY", "ENVELOPE", "MUST", "get-array", N_("GET of the collection answers a JSON array"),
          warns="the order of the records"),
    Check("ENVELOPE-GET-SINGLE", "ENVELOPE", "MUST", "get-single-array",
          N_("GET by key answers an array of at most one record")),
    Check("ENVELOPE-GET-ABSENT", "ENVELOPE", "MUST", "get-array", N_("GET of a valid key without a record answers 200 []"),
          warns="(open, not sent) keys that are not valid keys: abc, 0, out of range"),
    Check("ENVELOPE-JSON", "ENVELOPE", "MUST", "json",
          N_("bodies of successful answers are JSON, and JSON is never labelled with a non-JSON media type"),
          warns="a missing Content-Type; charset and JSON-like labels (text/json); a UTF-8 byte order mark"),
    Check("METHODS-ALLOWED", "METHODS", "MUST", "crud", N_("each documented method of the resource works")),
    Check("METHODS-FORBIDDEN", "METHODS", "MUST", "methods",
          N_("an undocumented method never succeeds and never changes data"),
          warns="how it is refused (405, 404, 501, an HTML page, 200 with \"False\")"),
    Check("METHODS-ALLOW-HEADER", "METHODS", "SHOULD", "methods",
          N_("a 405 answer carries an Allow header with the documented methods"), basis="RFC 9110 §15.5.6"),
    Check("KEYS-POST-MAX-PLUS-ONE", "KEYS", "MUST", "post-key-ignored",
          N_("POST ignores the body key and registers a key above every existing one, never overwriting"),
          warns="a key above every existing one that is not exactly highest + 1"),
    Check("KEYS-POST-AFTER-DELETE", "KEYS", "MUST", "post-key-ignored",
          N_("after the highest record is deleted, POST registers a key above every remaining one, never a freed lower one"),
          warns="a counter that does not go back after deletes (not exactly new highest + 1)"),
    Check("KEYS-PUT-URI-WINS", "KEYS", "MUST", "put-uri-key",
          N_("PUT /R/{a} with body key b updates a and leaves b untouched"),
          warns="fields the page does not document that a PUT leaves unchanged"),
    Check("KEYS-DELETE-EXACT", "KEYS", "MUST", "crud", N_("DELETE removes exactly that record")),
    Check("KEYS-GET-EXACT", "KEYS", "MUST", "get-single-array", N_("GET by key returns exactly the record with that key"),
          warns="undocumented fields shown otherwise in the list than by key"),
    Check("KEYS-BODY-KEY", "KEYS", "MUST", "post-key-ignored",
          N_("POST and PUT accept any numeric string as the body key and keep the page's meaning of it"),
          warns="a body key sent as a JSON number (0) refused"),
    Check("MIN-ID-NEVER-ONE", "MIN-ID", "MUST", "min-id", N_("IDs below the minimum are never listed, returned or accepted")),
    Check("MIN-ID-NEW-AT-LEAST-TWO", "MIN-ID", "MUST", "min-id", N_("new records get IDs of at least the minimum")),
    Check("QUERY-MATCHES-MODEL", "QUERY", "MUST", "query-route",
          N_("the query route answers what the kit computes from the full collection: TOP, K_ID, FROM (Null, 1–6 numbers joined by &) and the direction"),
          warns="an answer ordered consistently by another field of the record (e.g. its date and time), not by the key"),
    Check("QUERY-SPELLINGS", "QUERY", "MUST", "query-route",
          N_("True ≡ true and False ≡ false in DESCENDING"),
          warns="FROM joined by %26 not read as &"),
    Check("ROUNDTRIP-POST", "ROUND-TRIP", "MUST", "get-single-array",
          N_("what POST stored GET returns unchanged, in every documented field"),
          warns="undocumented fields not stored, set by the server, masked or normalised"),
    Check("ROUNDTRIP-PUT", "ROUND-TRIP", "MUST", "put-uri-key",
          N_("what PUT stored GET returns unchanged, in every documented field; an update changes something"),
          warns="undocumented fields not stored, not writable, set by the server, masked or normalised"),
    Check("ROUNDTRIP-TEXT", "ROUND-TRIP", "MUST", "json",
          N_("Japanese text, full-/half-width forms, long values, &, % and quotes survive a write and GET in documented fields"),
          warns="undocumented fields that come back normalised; text values refused"),
    Check("SCHEMA-RESPONSES", "SCHEMA", "MUST", "json", N_("every response conforms to the OpenAPI document"),
          warns="JSON types of fields the page does not document (keys of the 18 resources included); Content-Type "
                "details; anything about 4xx answers; the success status code"),
    Check("STATEFUL-MODEL", "STATEFUL", "MUST", "crud",
          N_("random interleavings of POST/PUT/DELETE/GET keep a model in step"),
          warns="undocumented fields that differ from the model"),
    Check("ROBUSTNESS-NO-5XX", "ROBUSTNESS", "MUST", "write-envelope",
          N_("no request to a documented path and method is answered with a 5xx or a dropped connection: malformed bodies, absent keys, schema-violating input"),
          warns="(open, not sent) 501 or 405 for a method the document does not list", basis=RFC_5XX),
    Check("ROBUSTNESS-TRUTHFUL", "ROBUSTNESS", "MUST", "write-envelope",
          N_('a write answered success had its effect; a refused write (4xx or "False") changed nothing'),
          warns="how a bad body is refused (status code, body)"),
    Check("CONCURRENCY-POST", "CONCURRENCY", "MUST", "post-key-ignored",
          N_("concurrent POSTs each register their own record under a distinct key above every earlier one")),
    Check("CONCURRENCY-PUT", "CONCURRENCY", "MUST", "put-uri-key", N_("concurrent PUTs on distinct records lose no update")),
    Check("LATENCY-SLOW", "LATENCY", "SHOULD", "crud", N_("every answer arrives within --slow seconds (default 2)"),
          basis="common practice: a caller's record pops up while the phone rings (the page names no time)"),
)


class UnknownCheck(LookupError):
    """A check id that is not in the catalogue (a mistyped marker, a stale id)."""


def _index(checks: tuple[Check, ...]) -> dict[str, Check]:
    index: dict[str, Check] = {}
    for c in checks:
        if c.id in index:
            raise ValueError(f"check id {c.id} is listed twice")
        if c.family not in FAMILIES or c.level not in LEVELS:
            raise ValueError(f"check {c.id}: unknown family {c.family!r} or level {c.level!r}")
        index[c.id] = c
    return index


BY_ID = _index(CHECKS)


def lookup(check_id: str) -> Check:
    """The catalogue entry of a check id; UnknownCheck for an id the catalogue does not hold."""
    try:
        return BY_ID[check_id]
    except (KeyError, TypeError):
        raise UnknownCheck(_("check id {check_id!r} is not in the catalogue (scs_kit.check.catalog.CHECKS)").format(check_id=check_id)) from None


def marker(check_id: str) -> Any:
    """`@marker("ID")`: the pytest marker naming the check a test implements; an unknown id raises here,
    at import of the test module."""
    import pytest

    return pytest.mark.scs_check(lookup(check_id).id)


def source_of(check: Check, spec) -> str:
    """The vendor sentence the check enforces, from the document's rules."""
    rule = spec.rules.get(check.rule)
    return rule.source if rule else ""


@dataclass(frozen=True)
class Profile:
    name: str
    query_examples: int  # Hypothesis examples for QUERY-MATCHES-MODEL
    text_examples: int  # ROUNDTRIP-TEXT examples
    get_exact_samples: int  # existing records read back by KEYS-GET-EXACT
    schema_examples: int  # Schemathesis examples per GET operation (SCHEMA)
    schema_write_examples: int  # Schemathesis bodies per kit-owned write (SCHEMA)
    negative_examples: int  # Schemathesis negative examples per operation (ROBUSTNESS)
    stateful_examples: int  # Hypothesis state machine runs
    stateful_steps: int
    clients: int = 8  # CONCURRENCY: parallel clients
    per_client: int = 5  # CONCURRENCY: requests each client sends


MODES = ("full", "live", "read-only")  # full: every check; live: reversible writes only; read-only: GET only

PROFILES = {
    "quick": Profile("quick", 8, 2, 2, 2, 1, 2, 3, 8, clients=4, per_client=2),
    "default": Profile("default", 100, 10, 20, 15, 3, 10, 10, 10),
    "thorough": Profile("thorough", 200, 25, 50, 40, 10, 30, 30, 15),
}
