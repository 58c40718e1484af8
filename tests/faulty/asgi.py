"""A tiny ASGI toolkit for wire-level faults: buffer one request and its response, let a fault
rewrite either (or answer by itself), then send the result on.

Faults see decoded path segments relative to the API's base path, so they never re-parse URLs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from scs_kit import spec as spec_mod


@dataclass
class Request:
    method: str
    base_path: str
    raw_segments: list[str]  # percent-encoded, as on the wire, relative to base_path
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    spec: spec_mod.Spec

    @property
    def segments(self) -> list[str]:
        return [unquote(s) for s in self.raw_segments]

    @property
    def resource(self):
        """The spec Resource the path names, or None."""
        segs = self.segments
        if not segs:
            return None
        try:
            return self.spec.resource(segs[0])
        except Exception:
            return None

    @property
    def key(self) -> str | None:
        segs = self.segments
        return segs[1] if len(segs) == 2 else None

    @property
    def is_query(self) -> bool:
        r = self.resource
        return bool(r and r.query and len(self.raw_segments) == 5)

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PUT", "DELETE")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def set_json(self, value) -> None:
        self.body = json.dumps(value, ensure_ascii=False).encode("utf-8")

    def path(self) -> str:
        return self.base_path + "".join("/" + s for s in self.raw_segments)


@dataclass
class Response:
    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json_response(cls, value, status: int = 200, content_type: str = "application/json; charset=utf-8"):
        return cls(status, [(b"content-type", content_type.encode())], json.dumps(value, ensure_ascii=False).encode())

    @classmethod
    def text(cls, text: str, status: int, content_type: str = "text/html; charset=utf-8"):
        return cls(status, [(b"content-type", content_type.encode())], text.encode("utf-8"))

    def header(self, name: str) -> str | None:
        name_b = name.lower().encode()
        for k, v in self.headers:
            if k.lower() == name_b:
                return v.decode("latin-1")
        return None

    def set_header(self, name: str, value: str | None) -> None:
        name_b = name.lower().encode()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name_b]
        if value is not None:
            self.headers.append((name_b, value.encode("latin-1")))

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def set_json(self, value, ensure_ascii: bool = False) -> None:
        self.body = json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8")

    async def send(self, send) -> None:
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


class WireFault:
    """Base of wire-level faults: override on_request (mutate, or return a Response to answer
    without the inner app) and/or on_response (mutate or replace the inner app's answer)."""

    def __init__(self, app, service=None, spec=None):
        self.app = app
        self.service = service
        self.spec = spec or spec_mod.load()
        self.base_path = self.spec.base_path

    def on_request(self, req: Request) -> Response | None:
        return None

    async def on_request_async(self, req: Request) -> Response | None:
        """Like on_request, but may await (a fault that interleaves concurrent requests)."""
        return self.on_request(req)

    def on_response(self, req: Request, resp: Response) -> Response | None:
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw_path = (scope.get("raw_path") or scope["path"].encode("utf-8")).decode("latin-1")
        if not raw_path.startswith(self.base_path):
            return await self.app(scope, receive, send)
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away before sending its body
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        rest = raw_path[len(self.base_path):]
        segments = [s for s in rest.split("/")[1:]] if rest.startswith("/") else []
        req = Request(scope["method"], self.base_path, segments, scope.get("query_string", b""),
                      list(scope.get("headers", [])), body, self.spec)
        original = (req.method, list(req.raw_segments), req.body)
        answer = await self.on_request_async(req)
        if answer is not None:
            return await answer.send(send)
        if (req.method, req.raw_segments, req.body) != original:
            new_raw = req.path()
            headers = [(k, v) for k, v in req.headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(req.body)).encode()))
            scope = {**scope, "method": req.method, "raw_path": new_raw.encode("latin-1"),
                     "path": unquote(new_raw), "headers": headers}
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": req.body, "more_body": False}
            return await receive()

        resp = Response()

        async def capture(message):
            if message["type"] == "http.response.start":
                resp.status = message["status"]
                resp.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                resp.body += message.get("body", b"")

        await self.app(scope, replay, capture)
        resp = self.on_response(req, resp) or resp
        await resp.send(send)


def encode_segment(value: str) -> str:
    return quote(value, safe="")


class RequestLog:
    """Records (method, path) of every HTTP request; wrap any ASGI app with it."""

    def __init__(self, app):
        self.app = app
        self.requests: list[tuple[str, str]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"]))
        return await self.app(scope, receive, send)

    def methods(self) -> set[str]:
        return {m for m, _ in self.requests}
