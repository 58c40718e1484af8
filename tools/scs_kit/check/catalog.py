"""The check table: every check id with its family, level, rule and title, in one place.

The vendor sentence a check enforces is not repeated here: it is read from the document's
`x-scs-rules` (see `source_of`). Profiles (example budgets) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from .results import FAMILIES


@dataclass(frozen=True)
class Check:
    id: str
    family: str
    level: str  # MUST fails an implementation; SHOULD at most warns
    rule: str  # id in the document's x-scs-rules
    title: str


CHECKS: tuple[Check, ...] = (
    Check("ENVELOPE-WRITE-SHAPE", "ENVELOPE", "MUST", "write-envelope",
          'write answers meant as the envelope are {"result": "True"|"False" (a string), "msg": string}'),
    Check("ENVELOPE-WRITE-SUCCESS", "ENVELOPE", "MUST", "write-envelope",
          'a successful write answers result "True" and msg "正常終了"'),
    Check("ENVELOPE-GET-ARRAY", "ENVELOPE", "MUST", "get-array", "GET of the collection answers a JSON array"),
    Check("ENVELOPE-GET-SINGLE", "ENVELOPE", "MUST", "get-single-array",
          "GET by key answers an array of at most one record, [] for a key with no record"),
    Check("ENVELOPE-JSON", "ENVELOPE", "MUST", "json", "bodies of successful answers are JSON"),
    Check("METHODS-ALLOWED", "METHODS", "MUST", "crud", "each documented method of the resource works"),
    Check("METHODS-FORBIDDEN", "METHODS", "MUST", "methods",
          "an undocumented method never succeeds and never changes data"),
    Check("METHODS-ALLOW-HEADER", "METHODS", "SHOULD", "methods",
          "a 405 answer carries an Allow header with the documented methods"),
    Check("KEYS-POST-MAX-PLUS-ONE", "KEYS", "MUST", "post-key-ignored",
          "POST ignores the body key and registers highest key + 1, never overwriting"),
    Check("KEYS-POST-AFTER-DELETE", "KEYS", "MUST", "post-key-ignored",
          "after the highest record is deleted, POST registers (new highest) + 1"),
    Check("KEYS-PUT-URI-WINS", "KEYS", "MUST", "put-uri-key",
          "PUT /R/{a} with body key b updates a and leaves b untouched"),
    Check("KEYS-DELETE-EXACT", "KEYS", "MUST", "crud", "DELETE removes exactly that record"),
    Check("KEYS-GET-EXACT", "KEYS", "MUST", "get-single-array", "GET by key returns exactly the record with that key"),
    Check("MIN-ID-NEVER-ONE", "MIN-ID", "MUST", "min-id", "IDs below the minimum are never listed, returned or accepted"),
    Check("MIN-ID-NEW-AT-LEAST-TWO", "MIN-ID", "MUST", "min-id", "new records get IDs of at least the minimum"),
    Check("QUERY-MATCHES-MODEL", "QUERY", "MUST", "query-route",
          "the query route answers what the kit computes from the full collection"),
    Check("QUERY-SPELLINGS", "QUERY", "MUST", "query-route",
          "True ≡ true and False ≡ false in DESCENDING (& ≡ %26 in FROM is a SHOULD)"),
    Check("ROUNDTRIP-POST", "ROUND-TRIP", "MUST", "get-single-array", "what POST stored GET returns unchanged"),
    Check("ROUNDTRIP-PUT", "ROUND-TRIP", "MUST", "put-uri-key", "what PUT stored GET returns unchanged"),
    Check("ROUNDTRIP-TEXT", "ROUND-TRIP", "MUST", "json",
          "Japanese text, full-/half-width forms, long values, &, % and quotes survive a write and GET"),
    Check("SCHEMA-RESPONSES", "SCHEMA", "MUST", "json", "every response conforms to the OpenAPI document"),
    Check("STATEFUL-MODEL", "STATEFUL", "MUST", "crud",
          "random interleavings of POST/PUT/DELETE/GET keep a model in step"),
    Check("ROBUSTNESS-NO-5XX", "ROBUSTNESS", "MUST", "write-envelope",
          "no request to a documented path and method is answered with a 5xx or a dropped connection"),
    Check("ROBUSTNESS-TRUTHFUL", "ROBUSTNESS", "MUST", "write-envelope",
          "a write answered success had its effect; a refused write changed nothing"),
    Check("ENVELOPE-GET-ABSENT", "ENVELOPE", "MUST", "get-array", "GET of a valid key without a record answers 200 []"),
    Check("KEYS-BODY-KEY", "KEYS", "MUST", "post-key-ignored",
          "POST and PUT accept any numeric string as the body key and keep the page's meaning of it"),
    Check("CONCURRENCY-POST", "CONCURRENCY", "MUST", "post-key-ignored",
          "concurrent POSTs each register their own record under a distinct new key"),
    Check("CONCURRENCY-PUT", "CONCURRENCY", "MUST", "put-uri-key", "concurrent PUTs on distinct records lose no update"),
    Check("LATENCY-SLOW", "LATENCY", "SHOULD", "crud", "every answer arrives within --slow seconds (default 2)"),
)

BY_ID = {c.id: c for c in CHECKS}
assert all(c.family in FAMILIES for c in CHECKS)


def family_checks(family: str) -> list[Check]:
    return [c for c in CHECKS if c.family == family]


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


PROFILES = {
    "quick": Profile("quick", 8, 2, 2, 2, 1, 2, 3, 8, clients=4, per_client=2),
    "default": Profile("default", 100, 10, 20, 15, 3, 10, 10, 10),
    "thorough": Profile("thorough", 200, 25, 50, 40, 10, 30, 30, 15),
}
