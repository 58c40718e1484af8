"""HAR 1.2 files: reading traffic recorded by the proxy, browser developer tools or mitmproxy, and
writing the proxy's recording with secrets redacted as in every report."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .. import __version__
from ..check.reports.redaction import MIN_LITERAL, SECRET_HEADERS, Redactor
from ..errors import KitError
from ..files import read_text, write_text_atomic
from ..i18n import _
from ..results import REDACTED, Exchange
from .model import Recorded, decode_content


def read_har(path: str | Path) -> list[Recorded]:
    """The exchanges of a HAR file, in file order; a one-line KitError for anything that is not HAR."""
    path = Path(path)
    text = read_text(path, "HAR file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KitError(_("{path}: not a HAR file (not JSON: {problem} at line {line})").format(
            path=path, problem=exc.msg, line=exc.lineno)) from None
    except RecursionError:
        raise KitError(_("{path}: nested too deeply to read as a HAR file").format(path=path)) from None
    log = data.get("log") if isinstance(data, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise KitError(_("{path}: not a HAR file (no log.entries array)").format(path=path))
    out = []
    for number, entry in enumerate(entries, 1):
        try:
            out.append(_entry(number, entry))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KitError(_("{path}: HAR entry {number} is malformed ({problem})").format(
                path=path, number=number, problem=f"{type(exc).__name__}: {exc}")) from None
    return out


def _headers(items: Any) -> list[tuple[str, str]]:
    return [(str(h["name"]), str(h.get("value", ""))) for h in items or [] if isinstance(h, dict) and "name" in h]


def _entry(number: int, entry: dict) -> Recorded:
    request, response = entry["request"], entry.get("response") or {}
    post = request.get("postData") or {}
    content = response.get("content") or {}
    body = content.get("text") or ""
    if content.get("encoding") == "base64":
        try:
            raw = base64.b64decode(body, validate=False)
        except (binascii.Error, ValueError):
            raw = body.encode("utf-8")
    else:
        raw = body.encode("utf-8")
    headers = _headers(response.get("headers"))
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "")
    if encoding and content.get("encoding") == "base64":  # some exporters keep the encoded bytes
        raw = decode_content(raw, encoding)
    status = int(response.get("status") or 0)
    return Recorded(
        index=number,
        started=str(entry.get("startedDateTime", "")),
        method=str(request["method"]).upper(),
        url=str(request["url"]),
        request_headers=_headers(request.get("headers")),
        request_body=str(post.get("text") or "").encode("utf-8"),
        status=status if status > 0 else None,  # Chromium writes 0 for a request that got no answer
        reason=str(response.get("statusText", "")),
        response_headers=headers,
        response_body=raw,
        http_version=str(request.get("httpVersion") or "HTTP/1.1"),
        duration_ms=float(entry.get("time") or 0.0),
    )


def _text_or_base64(body: bytes) -> dict[str, Any]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}


class _HarRedactor(Redactor):
    """The reports' redaction, made fast enough for thousands of exchanges: JSON bodies are redacted by
    field name in one walk, and secret values seen anywhere are scrubbed with one combined pattern."""

    def prepare(self) -> None:
        spelled = {form for literal in self.literals if len(literal) >= MIN_LITERAL
                   for form in (literal, json.dumps(literal)[1:-1], json.dumps(literal, ensure_ascii=False)[1:-1])}
        self._literal = re.compile("|".join(re.escape(x) for x in sorted(spelled, key=len, reverse=True))) \
            if spelled else None

    def scrub(self, value: str) -> str:
        return self._literal.sub(REDACTED, value) if self._literal is not None and value else value

    def _walk(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (REDACTED if k in self.fields and v not in (None, "") else self._walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [self._walk(v) for v in node]
        return node

    def body(self, text: str) -> str:
        if not text or not self.fields:
            return text
        try:
            data = json.loads(text.removeprefix("\ufeff"))
        except ValueError:
            return self.text(text) or ""
        if not isinstance(data, (dict, list)):
            return self.scrub(text)
        return self.scrub(json.dumps(self._walk(data), ensure_ascii=False))

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (REDACTED if k.lower() in SECRET_HEADERS else self.scrub(v)) for k, v in headers.items()}


def to_har(exchanges: Iterable[Recorded], secret_fields: Iterable[str]) -> dict:
    """The HAR 1.2 document of `exchanges`, secret field values and credential headers redacted."""
    exchanges = list(exchanges)
    redactor = _HarRedactor(secret_fields)
    evidence = [Exchange(x.method, x.url, request_body=x.request_text, response_body=x.text) for x in exchanges]
    redactor.collect(SimpleNamespace(checks=[SimpleNamespace(evidence=evidence)]))  # type: ignore[arg-type]
    redactor.prepare()
    return {"log": {
        "version": "1.2",
        "creator": {"name": "scs-kit proxy", "version": __version__},
        "entries": [_har_entry(x, redactor) for x in exchanges],
    }}


def _har_entry(x: Recorded, redactor: _HarRedactor) -> dict:
    def headers(items: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"name": k, "value": v} for k, v in redactor.headers(dict(items)).items()]

    request: dict[str, Any] = {
        "method": x.method, "url": redactor.scrub(x.url), "httpVersion": x.http_version, "cookies": [],
        "headers": headers(x.request_headers), "queryString": [], "headersSize": -1,
        "bodySize": len(x.request_body),
    }
    if x.request_body:
        request["postData"] = {"mimeType": x.header("content-type", response=False),
                               "text": redactor.body(x.request_text)}
    content: dict[str, Any] = {"size": len(x.response_body), "mimeType": x.content_type}
    body = _text_or_base64(x.response_body)
    if "encoding" not in body:
        body["text"] = redactor.body(body["text"])
    content.update(body)
    return {
        "startedDateTime": x.started,
        "time": round(x.duration_ms, 3),
        "request": request,
        "response": {
            "status": x.status or 0, "statusText": x.reason, "httpVersion": x.http_version, "cookies": [],
            "headers": headers(x.response_headers), "content": content, "redirectURL": "",
            "headersSize": -1, "bodySize": len(x.response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(x.duration_ms, 3), "receive": 0},
    }


def write_har(path: str | Path, exchanges: Iterable[Recorded], secret_fields: Iterable[str]) -> Path:
    return write_text_atomic(Path(path), json.dumps(to_har(exchanges, secret_fields), ensure_ascii=False, indent=1))
