"""One recorded HTTP exchange, as the proxy saw it or a HAR file holds it."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from ..check.transport import NOT_JSON

BODY_LIMIT = 16 * 1024 * 1024  # bytes of a body kept for judging and recording; forwarding is unaffected


@dataclass
class Recorded:
    index: int  # 1-based position in the traffic, cited by findings
    started: str  # ISO 8601 time the request began
    method: str
    url: str  # absolute URL as the client asked for it
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    status: int | None = None  # None: no answer arrived
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""  # decoded (no chunking, no Content-Encoding)
    http_version: str = "HTTP/1.1"
    duration_ms: float = 0.0
    _json: Any = field(default=None, repr=False, compare=False)
    _parsed: bool = field(default=False, repr=False, compare=False)

    def header(self, name: str, response: bool = True) -> str:
        name = name.lower()
        for key, value in self.response_headers if response else self.request_headers:
            if key.lower() == name:
                return value
        return ""

    @property
    def cite(self) -> str:
        """`#3 (2026-12-01T01:30:00.123Z)`: how a finding names the exchange it rests on."""
        return f"#{self.index} ({self.started})"

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.header("content-type")

    @property
    def text(self) -> str:
        return _text(self.response_body)

    @property
    def request_text(self) -> str:
        return _text(self.request_body)

    @property
    def json(self) -> Any:
        """The parsed response body (a UTF-8 byte order mark read past), or NOT_JSON."""
        if not self._parsed:
            self._parsed = True
            self._json = parse_json(self.response_body)
        return self._json

    @property
    def request_json(self) -> Any:
        return parse_json(self.request_body)

    @property
    def result(self) -> Any:
        body = self.json
        return body.get("result") if isinstance(body, dict) else None

    @property
    def has_bom(self) -> bool:
        return self.response_body.startswith(b"\xef\xbb\xbf")


def _text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def parse_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return NOT_JSON
    if not text.strip():
        return NOT_JSON
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON


def decode_content(body: bytes, encoding: str) -> bytes:
    """The body without its Content-Encoding (gzip, deflate); unknown or broken encodings stay as sent."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except (OSError, EOFError, zlib.error):
        return body
    return body
