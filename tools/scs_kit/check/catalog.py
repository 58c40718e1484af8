"""The check registry: every check id with its family, level, rule ids, basis and title, in one place.

The vendor sentence a check enforces is not repeated here: it is read from the document's
`x-scs-rules` (see `source_of`). A test names the check it implements with `marker(id)`, which
refuses an id that is not in this table, so a mistyped id is an error at import instead of a check
silently missing from every report. Modes and profiles (example budgets) are defined here once too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .results import FAMILIES


LEVELS = ("MUST", "SHOULD")  # MUST fails an implementation; SHOULD at most warns
PAGE = "page"  # basis: the vendor page's sentence in the rule's x-scs-rules source


@dataclass(frozen=True)
class Check:
    id: str
    family: str
    level: str  # one of LEVELS
    rule: str  # id in the document's x-scs-rules (the first of `rules`)
    title: str
    also: tuple[str, ...] = ()  # further rule ids the check enforces
    basis: str = PAGE  # what the verdict rests on: the page's sentence, or a named standard

    @property
    def rules(self) -> tuple[str, ...]:
        return (self.rule, *self.also)


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
          "True ≡ true, False ≡ false, and & ≡ %26 in FROM"),
    Check("ROUNDTRIP-POST", "ROUND-TRIP", "MUST", "get-single-array", "what POST stored GET returns unchanged"),
    Check("ROUNDTRIP-PUT", "ROUND-TRIP", "MUST", "put-uri-key", "what PUT stored GET returns unchanged"),
    Check("ROUNDTRIP-TEXT", "ROUND-TRIP", "MUST", "json",
          "Japanese text, full-/half-width forms, long values, &, % and quotes survive a write and GET"),
    Check("SCHEMA-RESPONSES", "SCHEMA", "MUST", "json", "every response conforms to the OpenAPI document"),
    Check("STATEFUL-MODEL", "STATEFUL", "MUST", "crud",
          "random interleavings of POST/PUT/DELETE/GET keep a model in step"),
    Check("ROBUSTNESS-NO-5XX", "ROBUSTNESS", "SHOULD", "json", "malformed and schema-violating requests never produce a 5xx"),
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
        raise UnknownCheck(f"check id {check_id!r} is not in the catalogue (scs_kit.check.catalog.CHECKS)") from None


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


MODES = ("full", "live", "read-only")  # full: every check; live: reversible writes only; read-only: GET only

PROFILES = {
    "quick": Profile("quick", 8, 2, 2, 2, 1, 2, 3, 8),
    "default": Profile("default", 100, 10, 20, 15, 3, 10, 10, 10),
    "thorough": Profile("thorough", 200, 25, 50, 40, 10, 30, 30, 15),
}
