"""Wire-level faults: ASGI middleware around the reference app (envelope shape, status codes,
content types, path handling)."""

from __future__ import annotations

import asyncio
import json

from .asgi import Response, WireFault, encode_segment

ENVELOPE_OK = {"result": "True", "msg": "正常終了"}


def _is_envelope(value) -> bool:
    return isinstance(value, dict) and "result" in value


# --- ENVELOPE ----------------------------------------------------------------------------
class ResultAsBoolean(WireFault):
    """Write answers carry `result` as a JSON boolean (true/false), not the string."""

    def on_response(self, req, resp):
        data = resp.json()
        if req.is_write and _is_envelope(data):
            resp.set_json({**data, "result": data["result"] == "True"})


class MsgOkInEnglish(WireFault):
    """Successful writes answer msg "OK" instead of "正常終了"."""

    def on_response(self, req, resp):
        data = resp.json()
        if req.is_write and _is_envelope(data) and data.get("result") == "True":
            resp.set_json({**data, "msg": "OK"})


class ListAsObject(WireFault):
    """GET of a collection answers {"items": [...]} instead of the bare array."""

    def on_response(self, req, resp):
        data = resp.json()
        if req.method == "GET" and len(req.segments) == 1 and isinstance(data, list):
            resp.set_json({"items": data, "count": len(data)})


class ListDoubleEncoded(WireFault):
    """GET of a collection answers the array serialised twice: a JSON string holding JSON text."""

    def on_response(self, req, resp):
        data = resp.json()
        if req.method == "GET" and len(req.segments) == 1 and isinstance(data, list):
            resp.set_json(json.dumps(data, ensure_ascii=False))


class EmptyListAsNull(WireFault):
    """An empty answer is `null` instead of `[]`."""

    def on_response(self, req, resp):
        if req.method == "GET" and resp.json() == []:
            resp.set_json(None)


class SingleAsBareObject(WireFault):
    """GET by key answers the record object itself (and {} when there is none)."""

    def on_response(self, req, resp):
        data = resp.json()
        if req.method == "GET" and req.key is not None and isinstance(data, list):
            resp.set_json(data[0] if data else {})


class SingleWithTwoRecords(WireFault):
    """GET by key answers the record followed by a copy of it under the next key."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and req.key is not None and isinstance(data, list) and data and r:
            extra = {**data[0], r.key: str(int(data[0][r.key]) + 1)}
            resp.set_json([data[0], extra])


class SingleWithOtherKey(WireFault):
    """GET by key answers the record with its key field altered (another record's key)."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and req.key is not None and isinstance(data, list) and data and r:
            resp.set_json([{**data[0], r.key: str(int(data[0][r.key]) + 1)}])


class HtmlOnGet(WireFault):
    """GET by key answers an HTML table with 200 (the collection stays JSON)."""

    def on_response(self, req, resp):
        if req.method == "GET" and req.key is not None and resp.status == 200:
            rows = "".join(f"<tr><td>{json.dumps(r, ensure_ascii=False)}</td></tr>" for r in resp.json() or [])
            return Response.text(f"<html><body><table>{rows}</table></body></html>", 200)


class JsonAsTextPlain(WireFault):
    """JSON bodies labelled `text/plain`: a client that goes by the label does not read them as JSON."""

    def on_response(self, req, resp):
        if (resp.header("content-type") or "").startswith("application/json"):
            resp.set_header("content-type", "text/plain; charset=utf-8")


# --- METHODS -----------------------------------------------------------------------------
class RefusesDocumentedPut(WireFault):
    """PUT answers 405 although the resource documents it."""

    def on_request(self, req):
        r = req.resource
        if req.method == "PUT" and r and r.allows("PUT"):
            return Response.text("<html><body>Method not allowed.</body></html>", 405)


class ForbiddenDeleteDeletes(WireFault):
    """DELETE on a resource without DELETE answers success and really deletes the record."""

    def on_request(self, req):
        r = req.resource
        if req.method == "DELETE" and r and not r.allows("DELETE") and req.key is not None:
            if req.key.isdigit():
                self.service.delete(r.name, int(req.key))
            return Response.json_response(ENVELOPE_OK)


class ForbiddenPostCreates(WireFault):
    """POST on a resource without POST (e.g. ReceivedCall-Record) creates a record."""

    def on_request(self, req):
        r = req.resource
        if req.method == "POST" and r and not r.allows("POST") and len(req.segments) == 1:
            body = req.json()
            self.service.create(r.name, body if isinstance(body, dict) else {})
            return Response.json_response(ENVELOPE_OK)


class ForbiddenPutUpdates(WireFault):
    """PUT on a resource without PUT (ConnectedClient) answers success and updates the record."""

    def on_request(self, req):
        r = req.resource
        if req.method == "PUT" and r and not r.allows("PUT") and req.key is not None and req.key.isdigit():
            body = req.json()
            self.service.update(r.name, int(req.key), body if isinstance(body, dict) else {})
            return Response.json_response(ENVELOPE_OK)


class NoAllowHeader(WireFault):
    """405 answers without an Allow header (a SHOULD: warning only)."""

    def on_response(self, req, resp):
        if resp.status == 405:
            resp.set_header("allow", None)


# --- KEYS ------------------------------------------------------------------------------
class PutUsesBodyKey(WireFault):
    """PUT updates the record the body's key names instead of the URI's (when the body names one)."""

    def on_request(self, req):
        r = req.resource
        body = req.json()
        if req.method == "PUT" and r and req.key is not None and isinstance(body, dict):
            body_key = str(body.get(r.key, ""))
            if body_key.isdigit() and int(body_key) >= r.min_id:
                req.raw_segments = [req.raw_segments[0], body_key]


# --- QUERY -------------------------------------------------------------------------------
class _QueryRewrite(WireFault):
    def on_request(self, req):
        if req.method == "GET" and req.is_query:
            top, desc, k_id, frm = req.segments[1:]
            new = self.rewrite(top, desc, k_id, frm, req.raw_segments[4])
            if new is not None:
                req.raw_segments = [req.raw_segments[0], *new]

    def rewrite(self, top, desc, k_id, frm, raw_from):
        return None


class LowercaseTrueIsFalse(_QueryRewrite):
    """DESCENDING=true (lowercase) is read as False."""

    def rewrite(self, top, desc, k_id, frm, raw_from):
        if desc == "true":
            return [encode_segment(top), "False", encode_segment(k_id), raw_from]


class PercentAmpersandNotDecoded(_QueryRewrite):
    """FROM with `%26` is matched as one literal number (nothing matches), unlike `&`."""

    def rewrite(self, top, desc, k_id, frm, raw_from):
        if "%26" in raw_from.upper():
            return [encode_segment(top), encode_segment(desc), encode_segment(k_id), "0000000000"]


# --- SCHEMA / ROBUSTNESS -----------------------------------------------------------------
class DocumentedFieldAsNumber(WireFault):
    """Records answer documented phone-number fields as JSON numbers."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and r and isinstance(data, list):
            documented = [f.name for f in r.fields if f.evidence == "documented" and f.name != r.key]
            out = []
            for rec in data:
                rec = dict(rec)
                for name in documented:
                    value = rec.get(name)
                    if isinstance(value, str) and value.isdigit():
                        rec[name] = int(value)
                out.append(rec)
            resp.set_json(out)


class InferredFieldsAsNumbers(WireFault):
    """Open, not a fault: digit-string values of fields the page does not document come back as JSON
    numbers (an implementation with integer columns). The page is silent on their type."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and r and isinstance(data, list):
            open_fields = {f.name for f in r.fields if f.evidence != "documented"}
            resp.set_json([{k: (int(v) if k in open_fields and isinstance(v, str) and v.isdigit() and len(v) < 15 else v)
                            for k, v in rec.items()} if isinstance(rec, dict) else rec for rec in data])


class ServerErrorOnMalformedJson(WireFault):
    """A body that is not JSON (or not an object) crashes the handler: 500."""

    def on_request(self, req):
        if req.method in ("POST", "PUT"):
            body = req.json()
            if not isinstance(body, dict):
                return Response.text("<html><body>Internal Server Error</body></html>", 500)


class OmitsSomeInferredFields(WireFault):
    """Records lack the last two inferred fields of the resource: an implementation that has fewer
    fields than the document guesses (a warning: inferred fields are not the vendor's promise)."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and r and isinstance(data, list) and all(isinstance(x, dict) for x in data):
            drop = {f.name for f in r.fields if f.evidence == "inferred"}
            drop = set(sorted(drop, key=[f.name for f in r.fields].index)[-2:])
            resp.set_json([{k: v for k, v in rec.items() if k not in drop} for rec in data])


# --- ROBUSTNESS: server errors, answers that lie --------------------------------------------
def _absent_item(req, service) -> bool:
    """A request for a valid key of a documented resource under which there is no record."""
    r = req.resource
    return bool(r and req.key is not None and req.key.isdigit() and r.min_id <= int(req.key) <= r.max_id
                and service is not None and service.get(r.name, int(req.key)) is None)


class ServerErrorOnAbsentKey(WireFault):
    """PUT or DELETE of a valid key with no record crashes the handler (a null dereference): 500."""

    def on_request(self, req):
        r = req.resource
        if req.method in ("PUT", "DELETE") and r and r.allows(req.method) and _absent_item(req, self.service):
            return Response.text("<html><body><h1>Internal Server Error</h1></body></html>", 500)


class LyingSuccessOnUnparseablePost(WireFault):
    """POST whose body is not a JSON object answers {"result": "True", "msg": "正常終了"} and stores nothing
    (the exception is swallowed after the answer was chosen)."""

    def on_request(self, req):
        r = req.resource
        if req.method == "POST" and r and r.allows("POST") and len(req.segments) == 1 and not isinstance(req.json(), dict):
            return Response.json_response(ENVELOPE_OK)


class LyingSuccessOnAbsentPut(WireFault):
    """PUT of a valid key with no record answers success and stores nothing (an UPDATE of 0 rows unchecked)."""

    def on_request(self, req):
        r = req.resource
        if req.method == "PUT" and r and r.allows("PUT") and _absent_item(req, self.service):
            return Response.json_response(ENVELOPE_OK)


class RefusedPutStillWrites(WireFault):
    """PUT with a member that is not a string (a number, an object, null) is refused with 400, but the
    record was already updated with the body (validation after the write)."""

    def on_request(self, req):
        r = req.resource
        body = req.json()
        if (req.method == "PUT" and r and r.allows("PUT") and req.key and req.key.isdigit() and isinstance(body, dict)
                and any(not isinstance(v, str) for v in body.values()) and self.service is not None):
            key = int(req.key)
            if self.service.get(r.name, key) is not None:
                fields = {f.name: json.dumps(body[f.name], ensure_ascii=False) if not isinstance(body[f.name], str)
                          else body[f.name] for f in r.fields if f.name in body and f.name != r.key}
                self.service.update(r.name, key, {**self.service.get(r.name, key), **fields, r.key: str(key)})
                return Response.json_response({"result": "False", "msg": "項目の型が不正です。"}, 400)


# --- CONCURRENCY ---------------------------------------------------------------------------
class PostRace(WireFault):
    """POST reads the highest key, awaits the database, then writes highest + 1 with INSERT OR REPLACE:
    concurrent POSTs share a key and all but one record are lost (the key is not computed under a lock)."""

    async def on_request_async(self, req):
        r = req.resource
        body = req.json()
        if req.method != "POST" or not r or not r.allows("POST") or len(req.segments) != 1 or not isinstance(body, dict):
            return None
        key = max((int(x[r.key]) for x in self.service.list(r.name)), default=r.min_id - 1) + 1
        await asyncio.sleep(0.02)  # the round trip between SELECT MAX(ID) and INSERT
        fields = {f.name: str(body.get(f.name, "")) for f in r.fields if f.name != r.key}
        self.service.load_records(r.name, [{**fields, r.key: key}])
        return Response.json_response(ENVELOPE_OK)


class PutRewritesTable(WireFault):
    """PUT reads the whole table, awaits, and writes the whole table back with the one record changed (a
    settings file rewritten on every save): concurrent PUTs on different records undo each other."""

    async def on_request_async(self, req):
        r = req.resource
        body = req.json()
        if req.method != "PUT" or not r or not r.allows("PUT") or not (req.key or "").isdigit() or not isinstance(body, dict):
            return None
        table = self.service.list(r.name)
        key = int(req.key)
        if not any(int(x[r.key]) == key for x in table):
            return None
        await asyncio.sleep(0.02)
        fields = {f.name: str(body.get(f.name, "")) for f in r.fields if f.name != r.key}
        table = [({**fields, r.key: str(key)} if int(x[r.key]) == key else x) for x in table]
        self.service.load_records(r.name, table)
        return Response.json_response(ENVELOPE_OK)


# --- KEYS: the body key --------------------------------------------------------------------
class RefusesNumericStringKey(WireFault):
    """A body key other than "0" (POST) or the URI's key (PUT) is refused with 400, although the page
    says the body key is ignored on POST and overridden on PUT."""

    def on_request(self, req):
        r = req.resource
        body = req.json()
        if req.method not in ("POST", "PUT") or not r or not isinstance(body, dict) or r.key not in body:
            return None
        value = body[r.key]
        allowed = "0" if req.method == "POST" else req.key
        if isinstance(value, str) and value != allowed:
            return Response.json_response({"result": "False", "msg": "キーの値が不正です。"}, 400)


class RefusesJsonNumberKey(WireFault):
    """A body key sent as a JSON number ("ID": 0) is refused with 400; digit strings are accepted (a SHOULD:
    the page writes its keys as strings but tells clients to "set 0")."""

    def on_request(self, req):
        r = req.resource
        body = req.json()
        if req.method in ("POST", "PUT") and r and isinstance(body, dict) and isinstance(body.get(r.key), (int, float)):
            return Response.json_response({"result": "False", "msg": "キーは文字列で指定してください。"}, 400)


# --- ENVELOPE: labels ----------------------------------------------------------------------
class JsonAsTextHtml(WireFault):
    """JSON bodies labelled `text/html; charset=utf-8` (a WCF endpoint without ResponseFormat=Json)."""

    def on_response(self, req, resp):
        _relabel_json(resp, "text/html; charset=utf-8")


# --- LATENCY -------------------------------------------------------------------------------
class SlowSingleGet(WireFault):
    """GET by key answers only after 0.3 s (a table scan per request)."""

    DELAY = 0.3

    async def on_request_async(self, req):
        if req.method == "GET" and req.key is not None:
            await asyncio.sleep(self.DELAY)


# --- behaviours the page leaves open (must pass) -----------------------------------------
class ErrorsAs200False(WireFault):
    """Every 4xx becomes 200 with {"result": "False", "msg": ...}."""

    def on_response(self, req, resp):
        if 400 <= resp.status < 500:
            return Response.json_response({"result": "False", "msg": "処理に失敗しました。"}, 200)


class Html405WithoutAllow(WireFault):
    """A WCF-style HTML page for 405, without Allow."""

    def on_response(self, req, resp):
        if resp.status == 405:
            return Response.text("<html><body><h1>Method not allowed.</h1></body></html>", 405)


class AsciiEscapedJson(WireFault):
    """JSON with every non-ASCII character \\u-escaped (.NET's default serializer)."""

    def on_response(self, req, resp):
        data = resp.json()
        if data is not None or resp.body.strip() == b"null":
            resp.body = json.dumps(data, ensure_ascii=True).encode("ascii")


class FailureMsgInEnglish(WireFault):
    """Failure envelopes carry an English msg."""

    def on_response(self, req, resp):
        data = resp.json()
        if _is_envelope(data) and data.get("result") == "False":
            resp.set_json({**data, "msg": "Record not found."})


class NotFoundAs400(WireFault):
    def on_response(self, req, resp):
        if resp.status == 404:
            resp.status = 400


class JsonWithoutCharset(WireFault):
    def on_response(self, req, resp):
        if (resp.header("content-type") or "").startswith("application/json"):
            resp.set_header("content-type", "application/json")


class ExtraUndeclaredFields(WireFault):
    """Records carry additional string fields the document does not declare."""

    def on_response(self, req, resp):
        data = resp.json()
        if req.method == "GET" and isinstance(data, list) and all(isinstance(r, dict) for r in data):
            resp.set_json([{**rec, "更新日時": "2026/11/26 09:00:00", "RowVersion": "1"} for rec in data])


class PutMerges(WireFault):
    """PUT merges: fields missing from the body keep their old values (the page is silent)."""

    def on_request(self, req):
        r = req.resource
        body = req.json()
        if req.method == "PUT" and r and req.key and req.key.isdigit() and isinstance(body, dict) and self.service:
            old = self.service.get(r.name, int(req.key))
            if old:
                req.set_json({**old, **body})


def _relabel_json(resp: Response, content_type: str) -> None:
    if (resp.header("content-type") or "").startswith("application/json"):
        resp.set_header("content-type", content_type)


def _write_ok(req, resp) -> bool:
    data = resp.json()
    return req.is_write and resp.status == 200 and _is_envelope(data) and data.get("result") == "True"


class PostAnswers201(WireFault):
    """A successful POST answers 201 Created (with the envelope): the page names no status code."""

    def on_response(self, req, resp):
        if req.method == "POST" and _write_ok(req, resp):
            resp.status = 201


class EnvelopeExtraMember(WireFault):
    """Successful writes carry one more envelope member: the key written (the new one for POST)."""

    def on_response(self, req, resp):
        r = req.resource
        if _write_ok(req, resp) and r:
            key = req.key
            if req.method == "POST" and self.service is not None:
                key = max((int(x[r.key]) for x in self.service.list(r.name)), default=0)
            resp.set_json({**resp.json(), "id": str(key)})


class ListDescending(WireFault):
    """GET of a collection lists the records by descending key (the page promises no order for GET /R)."""

    def on_response(self, req, resp):
        data = resp.json()
        if req.method == "GET" and len(req.segments) == 1 and isinstance(data, list):
            resp.set_json(list(reversed(data)))


class DeleteAbsentSucceeds(WireFault):
    """DELETE of a key with no record answers success (an idempotent delete) where DELETE is documented."""

    def on_response(self, req, resp):
        r = req.resource
        if req.method == "DELETE" and r and r.allows("DELETE") and req.key is not None and resp.status == 404:
            return Response.json_response(ENVELOPE_OK)


class AbsentKeyAs404Envelope(WireFault):
    """GET of a key with no record answers 404 with a failure envelope instead of []."""

    def on_response(self, req, resp):
        if req.method == "GET" and req.key is not None and resp.status == 200 and resp.json() == []:
            return Response.json_response({"result": "False", "msg": "該当するデータがありません。"}, 404)


class AbsentKeyAs404Empty(WireFault):
    """GET of a key with no record answers 404 with an empty body instead of []."""

    def on_response(self, req, resp):
        if req.method == "GET" and req.key is not None and resp.status == 200 and resp.json() == []:
            return Response(404, [], b"")


class ErrorsAsHtmlPages(WireFault):
    """Every 4xx answer is a WCF-style HTML page (same status)."""

    def on_response(self, req, resp):
        if 400 <= resp.status < 500:
            return Response.text(f"<html><body><h1>Request Error</h1><p>HTTP {resp.status}</p></body></html>",
                                 resp.status)


class ErrorsAsEmptyBodies(WireFault):
    """Every 4xx answer has an empty body and no Content-Type."""

    def on_response(self, req, resp):
        if 400 <= resp.status < 500:
            return Response(resp.status, [h for h in resp.headers if h[0].lower() == b"allow"], b"")


class ErrorsAsPlainText(WireFault):
    """Every 4xx answer is a short text/plain message."""

    def on_response(self, req, resp):
        if 400 <= resp.status < 500:
            return Response.text("Bad Request", resp.status, "text/plain; charset=utf-8")


class OtherRefusalStatuses(WireFault):
    """Refusals use other 4xx codes: an undocumented method 404, a bad body 422, a missing record 409."""

    def on_response(self, req, resp):
        resp.status = {405: 404, 400: 422, 404: 409}.get(resp.status, resp.status)
        if resp.status == 404:
            resp.set_header("allow", None)


class ContentTypeTextJson(WireFault):
    """JSON labelled `text/json; charset=utf-8` (an old .NET label)."""

    def on_response(self, req, resp):
        _relabel_json(resp, "text/json; charset=utf-8")


class ContentTypeCharsetUpper(WireFault):
    """JSON labelled `application/json;charset=UTF-8` (no space, upper-case charset)."""

    def on_response(self, req, resp):
        _relabel_json(resp, "application/json;charset=UTF-8")


class InferredFieldsNull(WireFault):
    """Records answer `null` for every inferred field: an implementation that does not store them."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and r and isinstance(data, list) and all(isinstance(x, dict) for x in data):
            inferred = {f.name for f in r.fields if f.evidence == "inferred"}
            resp.set_json([{k: (None if k in inferred else v) for k, v in rec.items()} for rec in data])


class IgnoresServerManagedOnWrite(WireFault):
    """Write bodies may carry the server-managed members records show (data.ServerManagedFields):
    they are ignored, as a server does with members it sets itself."""

    MANAGED = ("更新日時", "削除フラグ", "バージョン", "備考", "タグ")

    def on_request(self, req):
        body = req.json()
        if req.method in ("POST", "PUT") and isinstance(body, dict) and any(k in body for k in self.MANAGED):
            req.set_json({k: v for k, v in body.items() if k not in self.MANAGED})


class JsonWithBom(WireFault):
    """JSON bodies start with a UTF-8 byte order mark (.NET's Encoding.UTF8 writes one)."""

    def on_response(self, req, resp):
        if (resp.header("content-type") or "").startswith("application/json") and resp.body:
            resp.body = b"\xef\xbb\xbf" + resp.body



class MasksSecrets(WireFault):
    """GET never shows a secret (passwords, access tokens, license keys): their values read "********"."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and r and r.secret_fields and isinstance(data, list):
            resp.set_json([{k: ("********" if k in r.secret_fields and v else v) for k, v in rec.items()}
                           if isinstance(rec, dict) else rec for rec in data])


class OmitsSecrets(WireFault):
    """GET never shows a secret (passwords, access tokens, license keys): records lack those fields."""

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and r and r.secret_fields and isinstance(data, list):
            resp.set_json([{k: v for k, v in rec.items() if k not in r.secret_fields}
                           if isinstance(rec, dict) else rec for rec in data])


# --- open: how a WCF DataContract implementation types its members --------------------------
TYPED_NUMBERS = ("ポート",)  # Int32 members
TYPED_FLAGS = ("有効",)  # Boolean members


def _typed_key(resource, name: str) -> bool:
    """Keys the page shows only generically (every resource but the one whose fields it publishes)."""
    field = resource.field(name)
    return name == resource.key and field is not None and field.evidence != "documented"


class TypedMembers(WireFault):
    """Records as a WCF DataContract with typed members serialises them: keys of the resources whose fields
    the page never shows are JSON numbers ("ID": 2), ports numbers, flags booleans. A write must send ports as
    numbers and flags as booleans (any other type is refused with 400); the key may be a string or a number."""

    RESOURCES = ("IncomingCall-URL",)  # a flag; SIP-ServerConnection (a port) is run anyway
    WARNS = ("SCHEMA-RESPONSES",)

    def on_request(self, req):
        r = req.resource
        body = req.json()
        if req.method not in ("POST", "PUT") or not r or not isinstance(body, dict):
            return None
        for name in TYPED_NUMBERS:
            if name in body and (isinstance(body[name], bool) or not isinstance(body[name], int)):
                return Response.json_response({"result": "False", "msg": f"{name}: Int32 expected"}, 400)
        for name in TYPED_FLAGS:
            if name in body and not isinstance(body[name], bool):
                return Response.json_response({"result": "False", "msg": f"{name}: Boolean expected"}, 400)
        out = {}
        for k, v in body.items():
            if isinstance(v, bool):
                v = "True" if v else "False"
            elif isinstance(v, int) and (k in TYPED_NUMBERS or k == r.key):
                v = str(v)
            out[k] = v
        req.set_json(out)
        return None

    def on_response(self, req, resp):
        r = req.resource
        data = resp.json()
        if req.method != "GET" or not r or not isinstance(data, list):
            return
        rows = []
        for rec in data:
            if not isinstance(rec, dict):
                rows.append(rec)
                continue
            rec = dict(rec)
            for k, v in rec.items():
                if (_typed_key(r, k) or k in TYPED_NUMBERS) and isinstance(v, str):
                    rec[k] = int(v) if v.isdigit() else 0
                elif k in TYPED_FLAGS and isinstance(v, str):
                    rec[k] = v.lower() in ("true", "1")
            rows.append(rec)
        resp.set_json(rows)


MASK = "********"


class MasksSecretsKeepsOnMask(WireFault):
    """GET shows every secret as "********"; a write that sends "********" back for a secret keeps the stored
    value (a settings dialog that shows the mask and saves what it did not change)."""

    WARNS = ("ROUNDTRIP-POST",)

    def on_request(self, req):
        r = req.resource
        body = req.json()
        masked = [k for k in r.secret_fields if body.get(k) == MASK] if r and isinstance(body, dict) else []
        if req.method in ("POST", "PUT") and masked:
            old = self.service.get(r.name, int(req.key)) if req.method == "PUT" and (req.key or "").isdigit() else None
            req.set_json({**body, **{k: (old or {}).get(k, "") for k in masked}})

    def on_response(self, req, resp):
        data = resp.json()
        r = req.resource
        if req.method == "GET" and r and r.secret_fields and isinstance(data, list):
            resp.set_json([{k: (MASK if k in r.secret_fields and v else v) for k, v in rec.items()}
                           if isinstance(rec, dict) else rec for rec in data])


class FailureResultLowercase(WireFault):
    """Failure envelopes spell `result` "false" (a serialised .NET Boolean lower-cased), keeping their 4xx status."""

    WARNS = ("ENVELOPE-WRITE-SHAPE",)

    def on_response(self, req, resp):
        data = resp.json()
        if _is_envelope(data) and data.get("result") == "False":
            resp.set_json({**data, "result": "false"})


class PercentAmpersandLiteral(PercentAmpersandNotDecoded):
    """Open: FROM with `%26` is taken as one literal value, not as two numbers: the page joins them with `&`."""

    WARNS = ("QUERY-SPELLINGS",)
