"""The transport interface the checks and the records component talk through.

One method, `send(Request) -> Answer`, so that politeness (rate limits, retries), extra headers or
concurrency can wrap a transport without touching anything above it. `Answer` never raises on a
body that is not JSON; a request that gets no answer raises `Unreachable` (see `http`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from .results import Exchange


@dataclass(frozen=True)
class Request:
    """One request to the implementation: `path` below the base URL; `body` is sent as JSON (UTF-8, not
    ASCII-escaped), `raw` as is."""

    method: str
    path: str
    body: Any = None
    raw: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def changes_data(self) -> bool:
        """Whether the request can create or change a record (everything but GET, HEAD and OPTIONS)."""
        return self.method.upper() not in ("GET", "HEAD", "OPTIONS")


class Transport(Protocol):
    """Anything that sends a Request and returns its Answer (raising `http.Unreachable` when none came)."""

    def send(self, request: Request) -> "Answer": ...


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


NOT_JSON: Any = _NotJson()


@dataclass
class Answer:
    """A response plus convenience accessors that never raise."""

    exchange: Exchange
    status: int
    headers: dict[str, str]
    text: str
    _json: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    @property
    def json(self) -> Any:
        """The parsed body, or `NOT_JSON`."""
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.text) if self.text.strip() else NOT_JSON
            except ValueError:
                self._json = NOT_JSON
        return self._json

    def read_as(self, body: Any) -> "Answer":
        """This answer with its body read as `body` (a lenient reading of the same JSON)."""
        self._json, self._parsed = body, True
        return self

    @property
    def is_json(self) -> bool:
        return self.json is not NOT_JSON

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def result(self) -> Any:
        """The envelope's `result` value, or None."""
        body = self.json
        return body.get("result") if isinstance(body, dict) else None

    @property
    def says_false(self) -> bool:
        """The envelope's result says failure: "False", or another spelling of it ("false")."""
        result = self.result
        return isinstance(result, str) and result.strip().lower() == "false"

    @property
    def refused(self) -> bool:
        """A failure answer as the page leaves it open: any 4xx, or a 2xx with result "False"."""
        return 400 <= self.status < 500 or (self.ok and self.says_false)

    @property
    def succeeded(self) -> bool:
        """A 2xx that does not say "False"."""
        return self.ok and not self.says_false
