"""Small helpers the test modules share."""

from __future__ import annotations

from scs_kit.check.catalog import marker as check  # @check("ID"): an id not in the catalogue fails at import
from scs_kit.check.expectations import envelope_problem, open_field, short, shown, sorted_fields
from scs_kit.check.transport import Answer
from scs_kit.i18n import _

__all__ = ["check", "described", "envelope_problem", "open_field", "short", "shown", "sorted_fields"]


def described(answer: Answer) -> str:
    """`HTTP 200 {"result": ...}` for messages."""
    body = answer.text.strip()
    return _("HTTP {status} {body}").format(status=answer.status, body=short(body, 200) if body else _('(empty body)'))
