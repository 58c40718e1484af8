"""Redaction of secret field values from a whole run before anything is rendered.

Two layers: `results.redact` replaces the value of every secret field by key (JSON bodies, curl
lines, `"field": "value"` text); then every secret value seen in any body is also scrubbed as a
literal from all other text (messages, URLs, headers), which catches a value quoted in a message
in any form the implementation chose.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Iterable, overload

from ..results import REDACTED, CheckResult, Exchange, RunResults, redact

# Header values that are credentials whatever the document says.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
# Shorter values are not scrubbed as literals: "1" would turn every digit in the report into ***.
MIN_LITERAL = 4


class Redactor:
    def __init__(self, secret_fields: Iterable[str]):
        self.fields = frozenset(secret_fields)
        self.literals: set[str] = set()
        quoted = "|".join(re.escape(f) for f in sorted(self.fields, key=len, reverse=True))
        # Python-repr and single-quoted spellings, which results.redact does not cover.
        self._pair = re.compile(r"""((['"])(?:%s)\2\s*[:=]\s*)(['"])(?:(?!\3)[^\\]|\\.)*\3""" % quoted) if quoted else None

    def collect(self, results: RunResults) -> None:
        """Remember every secret value present in any evidence body."""
        for check in results.checks:
            for ex in check.evidence:
                for body in (ex.request_body, ex.response_body):
                    self._collect_body(body)

    def _collect_body(self, body: str | None) -> None:
        if not body or not self.fields:
            return
        try:
            data = json.loads(body)
        except ValueError:
            return
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in self.fields and value not in (None, ""):
                        self.literals.add(str(value))
                    else:
                        stack.append(value)
            elif isinstance(node, list):
                stack.extend(node)

    @overload
    def text(self, value: str) -> str: ...

    @overload
    def text(self, value: None) -> None: ...

    def text(self, value: str | None) -> str | None:
        if not value or not self.fields:
            return value
        value = redact(value, self.fields)
        if self._pair:
            value = self._pair.sub(lambda m: f"{m.group(1)}{m.group(3)}{REDACTED}{m.group(3)}", value)
        for literal in sorted(self.literals, key=len, reverse=True):
            if len(literal) < MIN_LITERAL:
                continue
            for spelled in {literal, json.dumps(literal)[1:-1], json.dumps(literal, ensure_ascii=False)[1:-1]}:
                value = value.replace(spelled, REDACTED)
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (REDACTED if k.lower() in SECRET_HEADERS else self.text(v)) for k, v in headers.items()}

    def exchange(self, ex: Exchange) -> Exchange:
        return Exchange(
            method=ex.method,
            url=self.text(ex.url),
            request_headers=self.headers(ex.request_headers),
            request_body=self.text(ex.request_body),
            status=ex.status,
            response_headers=self.headers(ex.response_headers),
            response_body=self.text(ex.response_body),
            curl=self.text(ex.curl),
        )

    def check(self, check: CheckResult) -> CheckResult:
        redacted = copy.copy(check)
        redacted.message = self.text(check.message)
        redacted.title = self.text(check.title)
        redacted.replay = self.text(check.replay)
        redacted.evidence = [self.exchange(ex) for ex in check.evidence]
        return redacted


def redact_results(results: RunResults, secret_fields: Iterable[str]) -> RunResults:
    """A copy of `results` with every secret value replaced by `***`; the input is left as it was."""
    redactor = Redactor(secret_fields)
    redactor.collect(results)
    copied = copy.copy(results)
    copied.checks = [redactor.check(c) for c in results.checks]
    copied.warnings = [redactor.text(w) for w in results.warnings]
    copied.created_records = [copy.copy(r) for r in results.created_records]
    copied.base_url = redactor.text(results.base_url)
    return copied


