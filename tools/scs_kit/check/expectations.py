"""What the page's answers look like and how a written record compares with what GET shows: pure
judgements shared by the active checks (contract_tests) and the traffic judge (scs_kit.traffic)."""

from __future__ import annotations

from ..i18n import _
from .transport import NOT_JSON
from .verdict import documented

__all__ = ["envelope_problem", "json_label", "open_field", "short", "shown", "sorted_fields"]


def short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def envelope_problem(body) -> str | None:
    """What is wrong with a body meant as the {"result", "msg"} envelope, or None."""
    if body is NOT_JSON:
        return _("a body that is not JSON")
    if not isinstance(body, dict):
        return _("a JSON {name} instead of an object").format(name=type(body).__name__)
    if "result" not in body:
        return _('no "result" member')
    result = body["result"]
    if not isinstance(result, str):
        return _('"result" is the JSON {name} {result!r}, not the string "True"/"False"').format(name=type(result).__name__, result=result)
    if result not in ("True", "False"):
        return _('"result" is {result!r}, not "True" or "False"').format(result=result)
    if "msg" not in body:
        return _('no "msg" member')
    if not isinstance(body["msg"], str):
        return _('"msg" is a JSON {name}, not a string').format(name=type(body['msg']).__name__)
    return None


def json_label(content_type: str) -> str | None:
    """What is wrong with the label of a JSON body: "missing", "not JSON" (text/html, text/plain, XML…), or
    None for a JSON media type (application/json, text/json, any +json), parameters aside."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return "missing"
    return None if media.endswith(("/json", "+json")) else "not JSON"


def sorted_fields(resource, sent: dict, got: dict, before: dict | None = None) -> dict[str, list[str]]:
    """Sort the fields a write sent (the key aside) by what GET shows afterwards:
    "landed" (the value sent), "dropped" (absent: not stored), "hidden" (a secret shown otherwise, see
    `shown`), "kept" (still the value from before the write: a field the implementation does not let a
    write change), "wrong" (any other value).
    Whether a dropped or kept field fails depends on the page documenting it (see `open_field`)."""
    out: dict[str, list[str]] = {"landed": [], "dropped": [], "kept": [], "hidden": [], "wrong": []}
    for name, value in sent.items():
        if name == resource.key:
            continue
        if name not in got:
            out["dropped"].append(name)
        elif got[name] == value:
            out["landed"].append(name)
        elif not shown(resource, name):
            out["hidden"].append(name)
        elif before is not None and name in before and got[name] == before[name]:
            out["kept"].append(name)
        else:
            out["wrong"].append(name)
    return out


def shown(resource, name: str) -> bool:
    """Whether GET must show a field's value as written: not a secret the page does not document
    (a password, an access token): an implementation may mask it (e.g. "********")."""
    field = resource.field(name)
    return not (field is not None and field.secret and not documented(resource, name))


def open_field(resource, name: str) -> bool:
    """A field the page does not document: whether it is stored or writable at all is left open."""
    return not documented(resource, name)
