"""The HTTP layer of the reference server: a plain ASGI app (routing, parsing, validation,
envelopes, status codes, CORS). All data goes through the `Service` methods.

Behaviour where the vendor page is silent follows WCF webHttp: 404 for a URI matching no
template, 405 + Allow for a method the path lacks, 400 for an unreadable body; failures carry
the write envelope with "result": "False" and a Japanese msg.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from jsonschema import Draft202012Validator

from .. import spec as spec_module
from ..i18n import _
from ..spec import Spec
from .guard import Access, Chaos
from .responses import (
    MSG_BAD_CHAR,
    MSG_BAD_HOST,
    MSG_BAD_KEY,
    MSG_BAD_PARAM,
    MSG_BUSY,
    MSG_DISK_FULL,
    MSG_FOREIGN_ORIGIN,
    MSG_INJECTED,
    MSG_INTERNAL,
    MSG_INVALID,
    MSG_KEYS_EXHAUSTED,
    MSG_METHOD,
    MSG_NO_RECORD,
    MSG_NO_URI,
    MSG_NOT_JSON,
    MSG_NOT_OBJECT,
    MSG_NOT_UTF8,
    MSG_STORAGE_ERROR,
    MSG_STORAGE_LOST,
    MSG_TOO_LARGE,
    HTTPError,
    Style,
    dumps,
    envelope,
)
from .routes import Route, build_routes
from .service import KeySpaceExhausted, Service, StorageFault, storage_fault
from .static import StaticSite

__all__ = ["BODY_LIMIT", "App", "HTTPError", "create_app", "dumps", "envelope", "parse_body", "parse_int"]

log = logging.getLogger("scs_kit.server")

BODY_LIMIT = 1024 * 1024  # 1 MiB; larger bodies get 413
RETRY_AFTER = 1  # seconds, for 503 answers (busy database, injected failures)
LOG_EVERY = 60.0  # seconds between two log lines about the same storage fault
WORKERS = 4  # threads that run database work, so a slow statement never blocks the event loop
_DIGITS = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def is_number(value) -> bool:
    """A JSON number or a string holding one: the page says any number may be sent as the key."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value) is not None)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_body(raw: bytes) -> dict:
    """Decode a request body into a JSON object or raise a 400 HTTPError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPError(400, MSG_NOT_UTF8) from None
    try:
        body = json.loads(text.lstrip("\ufeff"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, huge ints, NaN, deep nesting
        raise HTTPError(400, MSG_NOT_JSON) from None
    if not isinstance(body, dict):
        raise HTTPError(400, MSG_NOT_OBJECT)
    try:  # lone surrogates (\ud800) parse but cannot be stored as UTF-8
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise HTTPError(400, MSG_BAD_CHAR) from None
    return body


def schema_message(validator: Draft202012Validator, body: dict) -> str | None:
    """None when the body conforms, else a Japanese message naming the first problem."""
    error = next(iter(validator.iter_errors(body)), None)
    if error is None:
        return None
    where = "".join(f"「{p}」" for p in error.absolute_path) or "リクエストデータ"
    if error.validator == "required":
        missing = re.findall(r"'([^']*)' is a required property", error.message)
        return f"必須項目「{missing[0] if missing else '?'}」がありません。"
    if error.validator == "type":
        return f"項目{where}の型が不正です (JSON の文字列で指定してください)。"
    if error.validator == "pattern":
        return f"項目{where}の形式が不正です。"
    return f"{MSG_INVALID} (項目{where})"


def parse_int(text: str, lo: int, hi: int) -> int | None:
    """A decimal integer within lo..hi, else None (no signs, spaces or non-ASCII digits)."""
    if not _DIGITS.fullmatch(text) or len(text.lstrip("0")) > 10:
        return None
    value = int(text)
    return value if lo <= value <= hi else None


class App:
    """The ASGI application; see create_app()."""

    def __init__(self, spec: Spec, service: Service, docs_dir: str | Path | None = None, owns_service=False,
                 *, style: str = "rest", access: Access | None = None, chaos: Chaos | None = None):
        self.spec = spec
        self.style = Style(style)
        self.ok_body = self.style.dumps(spec.success)  # {"result": "True", "msg": "正常終了"}, from the document
        self.service = service
        self.owns_service = owns_service
        self.routes = build_routes(spec)
        self.base = [s for s in spec.base_path.split("/") if s]
        self._api_prefix = ("/" + "/".join(self.base) + "/").encode()
        self._item_slashes = len(self.base) + 2
        self.static = StaticSite(docs_dir) if docs_dir else None
        self.access = access or Access()
        self.chaos = chaos or Chaos()
        self._param_validators: dict[str, Draft202012Validator] = {}
        self._executor: ThreadPoolExecutor | None = None  # reads
        self._writer: ThreadPoolExecutor | None = None  # writes (the same pool for an in-memory database)
        self._logged: dict[str, float] = {}

    # -- ASGI -----------------------------------------------------------------------------
    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])  # ASGI servers send names in lower case
        method = scope["method"]
        cors: list[tuple[bytes, bytes]] = []
        try:
            host = headers.get(b"host")
            if not self.access.host_ok(host):
                raise HTTPError(421, MSG_BAD_HOST)
            origin = self.access.cross_origin(headers.get(b"origin"), host)
            if origin is not None:
                allowed = self.access.allowed_origin(origin)
                if allowed is None:  # another site's page: neither read nor write
                    raise HTTPError(403, MSG_FOREIGN_ORIGIN)
                cors = [(b"access-control-allow-origin", allowed), (b"vary", b"Origin")]
            body = await self._read_body(headers, receive)
            if self.chaos.active:
                await self._chaos(scope)
            raw_path = scope.get("raw_path") or scope["path"].encode()
            if method == "GET" and self._by_key(raw_path):
                # One record by primary key: bounded work, and with WAL never behind a writer's lock.
                status, out_headers, payload = self._handle_storage(method, raw_path, headers, body)
            else:
                status, out_headers, payload = await self._run(method, raw_path, headers, body)
        except HTTPError as exc:
            # After a 413 uvicorn discards the rest of the body and keeps the connection usable.
            status, out_headers, payload = self.style.failure(exc)
        except Exception:
            log.exception(_("unexpected error on %s %s"), method, scope.get("path"))
            status, out_headers, payload = self.style.failure(HTTPError(500, MSG_INTERNAL))
        out = [(b"content-length", str(len(payload)).encode()), *cors, *out_headers]
        if payload and not any(k == b"content-type" for k, _unused in out_headers):
            out.append((b"content-type", self.style.json_type))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": payload})

    def _by_key(self, raw_path: bytes) -> bool:
        """A GET of one record (base/resource/key) that may run on the event loop itself."""
        return (raw_path.startswith(self._api_prefix) and raw_path.count(b"/") == self._item_slashes
                and getattr(self.service, "concurrent_reads", False))

    async def _run(self, method: str, raw_path: bytes, headers: dict, body: bytes):
        """handle() on a worker thread: the event loop keeps serving while SQLite works or waits.
        Writes have their own thread, so writers waiting for a lock never hold up reads."""
        if self._executor is None:
            if getattr(self.service, "concurrent_reads", False):
                self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="scs-read")
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="scs-write")
            else:  # one connection shared by all (in-memory database): one worker keeps requests in order
                self._executor = self._writer = ThreadPoolExecutor(1, thread_name_prefix="scs-db")
        pool = self._executor if method in ("GET", "HEAD", "OPTIONS") else self._writer
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, self._handle_storage, method, raw_path, headers, body)

    def _handle_storage(self, method: str, raw_path: bytes, headers: dict, body: bytes):
        """handle() with storage faults turned into one-line answers (and at most one log line a minute)."""
        try:
            self.service.check_storage()
            return self.handle(method, raw_path, headers, body)
        except sqlite3.Error as exc:
            fault = storage_fault(exc)
        except StorageFault as exc:
            fault = exc
        self._log_fault(fault)
        if fault.kind == "busy":
            raise HTTPError(503, MSG_BUSY.format(seconds=RETRY_AFTER), [(b"retry-after", str(RETRY_AFTER).encode())])
        if fault.kind == "full":
            raise HTTPError(507, MSG_DISK_FULL)
        raise HTTPError(503 if fault.kind == "lost" else 500, MSG_STORAGE_LOST if fault.kind == "lost" else MSG_STORAGE_ERROR)

    def _log_fault(self, fault: StorageFault) -> None:
        now = time.monotonic()
        last = self._logged.get(fault.kind)
        if last is None or now - last >= LOG_EVERY:
            self._logged[fault.kind] = now
            log.error("storage: %s (%s)%s", fault.kind, " ".join(str(fault).split()),
                      "" if last is None else f"; repeated within the last {LOG_EVERY:.0f} s")

    async def _chaos(self, scope) -> None:
        if not scope["path"].startswith("/" + "/".join(self.base)):
            return  # the docs site is never delayed or failed
        wait, fail = self.chaos.next()
        if wait:
            await asyncio.sleep(wait)
        if fail:
            raise HTTPError(503, MSG_INJECTED.format(seconds=RETRY_AFTER), [(b"retry-after", str(RETRY_AFTER).encode())])

    async def _lifespan(self, receive, send):
        while True:
            try:
                message = await receive()
            except asyncio.CancelledError:  # forced exit (second Ctrl-C): end quietly, no traceback
                return
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        """Stop the worker threads; close the service when this app created it."""
        for pool in {self._executor, self._writer}:
            if pool is not None:
                pool.shutdown(wait=True)
        self._executor = self._writer = None
        if self.owns_service:
            self.service.close()

    async def _read_body(self, headers: dict, receive) -> bytes:
        """Read (and so discard, for methods that ignore it) the whole body, up to the limit."""
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > BODY_LIMIT):
            raise HTTPError(413 if length.isdigit() else 400, MSG_TOO_LARGE if length.isdigit() else MSG_INVALID)
        message = await receive()
        if message["type"] != "http.disconnect" and not message.get("more_body", False):
            body = message.get("body", b"")  # the whole body at once (every GET, most writes)
            if len(body) > BODY_LIMIT:
                raise HTTPError(413, MSG_TOO_LARGE)
            return body
        chunks, size = [], 0
        while True:
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > BODY_LIMIT:
                raise HTTPError(413, MSG_TOO_LARGE)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
            message = await receive()
        return b"".join(chunks)

    # -- routing --------------------------------------------------------------------------
    def handle(self, method: str, raw_path: bytes, headers: dict, body: bytes):
        """Returns (status, headers, payload bytes) or raises HTTPError."""
        segments = []
        for raw in raw_path.split(b"/")[1:]:
            try:  # split first, then decode: %2F and %26 stay inside their segment
                segments.append((unquote_to_bytes(raw) if b"%" in raw else raw).decode("utf-8"))
            except UnicodeDecodeError:
                raise HTTPError(404, MSG_NO_URI) from None
        if self.static is not None and segments and segments[0] == self.static.mount:
            return self.static.handle(method, segments[1:])
        n = len(self.base)
        if segments[:n] != self.base or len(segments) <= n:
            raise HTTPError(404, MSG_NO_URI)
        route = self.routes.get(segments[n])
        rest = segments[n + 1 :]
        if route is None:
            raise HTTPError(404, MSG_NO_URI)
        if not rest:
            kind, allowed = "collection", route.collection_methods
        elif len(rest) == 1:
            kind, allowed = "item", route.item_methods
        elif route.query_names and len(rest) == len(route.query_names):
            kind, allowed = "query", route.query_methods
        else:
            raise HTTPError(404, MSG_NO_URI)

        if method == "OPTIONS" and b"origin" in headers and b"access-control-request-method" in headers:
            return 204, self._preflight_headers(allowed, headers), b""
        if method not in allowed:
            raise HTTPError(405, MSG_METHOD.format(method=method[:20]), [(b"allow", ", ".join(allowed).encode())])

        name = route.resource.name
        if kind == "collection":
            if method == "GET":
                return 200, [], self.style.dumps(self.service.list(name))
            record = self._body(route, kind, method, body)
            try:
                self.service.create(name, record)
            except KeySpaceExhausted:
                raise HTTPError(409, MSG_KEYS_EXHAUSTED) from None
            return 200, [], self.ok_body
        if kind == "query":
            return 200, [], self.style.dumps(self._query(route, rest))

        key = parse_int(rest[0], route.key_min, route.key_max)
        if key is None:
            raise HTTPError(404, MSG_BAD_KEY.format(min=route.key_min, max=route.key_max))
        if method == "GET":
            found = self.service.get(name, key)
            return 200, [], self.style.dumps([found] if found else [])
        if method == "PUT":
            record = self._body(route, kind, method, body)
            record[route.resource.key] = str(key)  # the URI key wins
            ok = self.service.update(name, key, record)
        else:
            ok = self.service.delete(name, key)
        if not ok:
            raise HTTPError(404, MSG_NO_RECORD)
        return 200, [], self.ok_body

    def _preflight_headers(self, allowed, headers):
        requested = headers.get(b"access-control-request-headers") or b"Content-Type"
        return [
            (b"access-control-allow-methods", ", ".join(allowed).encode()),
            (b"access-control-allow-headers", requested),
            (b"access-control-max-age", b"600"),
        ]

    def _body(self, route: Route, kind: str, method: str, raw: bytes) -> dict:
        """Parse and validate a write body; keep only the schema's fields (as WCF DataContract does)."""
        body = parse_body(raw)
        key = route.resource.key
        checked = body
        if key in body and is_number(body[key]):
            # Any number is accepted and ignored (POST: a new key, PUT: the URI's); the Service still
            # sees what was sent, as a string, so a faulty subclass can honour it.
            body[key] = str(body[key]).strip()
            checked = {**body, key: "0"}
        validator = route.validators.get((kind, method))
        if validator is not None:
            problem = schema_message(validator, checked)
            if problem:
                raise HTTPError(400, problem)
        return {f.name: body.get(f.name, "") for f in route.resource.fields}

    def _query(self, route: Route, values: list[str]) -> list[dict]:
        params: dict[str, Any] = {}
        for name, value in zip(route.query_names, values, strict=False):
            schema = route.query_params.get(name, {})
            parsed: Any
            if schema.get("type") == "integer":
                parsed = parse_int(value, int(schema.get("minimum", 0)), int(schema.get("maximum", 2147483647)))
            else:
                validator = self._param_validators.get(name)
                if validator is None:
                    validator = self._param_validators[name] = Draft202012Validator(schema)
                parsed = value if validator.is_valid(value) else None
            if parsed is None:
                raise HTTPError(400, MSG_BAD_PARAM.format(name=name))
            params[name] = parsed
        q = route.query  # which parameter means what: the document's x-scs-query
        if q is None:
            raise HTTPError(404, MSG_NO_URI)
        by_number, by_text = q.number_filter, q.text_filter
        return self.service.query(
            route.resource.name,
            top=params[q.limit.parameter],
            descending=q.order.is_descending(params[q.order.parameter]),
            k_id=params[by_number.parameter] if by_number else 0,
            numbers=by_text.split(params[by_text.parameter]) if by_text else None,
        )


def create_app(*, db=":memory:", fixtures=None, demo=False, spec=None, service=None, docs_dir=None,
               style: str = "rest", access: Access | None = None, chaos: Chaos | None = None) -> App:
    """The ASGI app. `fixtures`: a {resource: [records]} dict or a JSON file path; `demo`: load the
    demo data set into an empty database; `service`: use this Service (e.g. a faulty subclass);
    `style`: "rest" or "wcf" (see responses.py); `access`: the Host/Origin policy; `chaos`: delays
    and injected failures."""
    spec = spec or spec_module.load()
    owns = service is None
    service = service if service is not None else Service(spec, db=db)
    if demo:
        from .demo import load_demo

        load_demo(service)
    if fixtures is not None:
        from .fixtures import load_fixtures

        load_fixtures(service, fixtures)
    return App(spec, service, docs_dir=docs_dir, owns_service=owns, style=style, access=access, chaos=chaos)
