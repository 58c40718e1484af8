"""Small helpers the test modules share."""

from __future__ import annotations

import pytest

from scs_kit.check.http import NOT_JSON, Answer


def check(check_id: str):
    """Mark a test as the implementation of one check id (see scs_kit.check.catalog)."""
    return pytest.mark.scs_check(check_id)


def short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def described(answer: Answer) -> str:
    """`HTTP 200 {"result": ...}` for messages."""
    body = answer.text.strip()
    return f"HTTP {answer.status} {short(body, 200) if body else '(empty body)'}"


def envelope_problem(body) -> str | None:
    """What is wrong with a body meant as the {"result", "msg"} envelope, or None."""
    if body is NOT_JSON:
        return "a body that is not JSON"
    if not isinstance(body, dict):
        return f"a JSON {type(body).__name__} instead of an object"
    if "result" not in body:
        return 'no "result" member'
    result = body["result"]
    if not isinstance(result, str):
        return f'"result" is the JSON {type(result).__name__} {result!r}, not the string "True"/"False"'
    if result not in ("True", "False"):
        return f'"result" is {result!r}, not "True" or "False"'
    if "msg" not in body:
        return 'no "msg" member'
    if not isinstance(body["msg"], str):
        return f'"msg" is a JSON {type(body["msg"]).__name__}, not a string'
    return None
