"""Rules a sequence of exchanges proves: a write answered "True" and the next read of the resource with
no other write in between (POST → listing, PUT/DELETE → read back), and query answers against the last
full listing. Anything the traffic does not show stays unjudged."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ..check.query_oracle import QueryParameters, expected
from ..check.query_order import ordering_fields
from ..check.reading import keyint
from ..i18n import N_, _
from ..spec import Resource, Spec
from .compare import compare, text_kind
from .findings import Findings
from .model import Recorded
from .reading import by_key, key_of, max_key, one, records
from .routes import Route
from .rules import valid_record

HIGHEST = N_("; it is above every existing key, which keeps the page's promise ({quote}), "
             "but it is not exactly highest + 1")


@dataclass
class Pending:
    x: Recorded
    route: Route
    body: dict
    before_rows: dict[str, dict] | None
    before_rec: dict | None
    known_before: bool = False  # whether a read since the last write showed the record (or its absence)


@dataclass
class State:
    rows: dict[str, dict] | None = None  # the last full listing, while nothing was written since
    rows_list: list[dict] = field(default_factory=list)
    listing: Recorded | None = None
    items: dict[str, dict | None] = field(default_factory=dict)  # GET-by-key answers since the last write
    pending: Pending | None = None
    refused: Pending | None = None  # the last write, when it was refused (it must have changed nothing)
    high: int = 0  # the highest key any listing showed
    # writes answered "True" since the last listing, the listing before the first of them, and whether they
    # were all of one method: overlapping ones are judged together (CONCURRENCY) at the next listing
    batch: list[Pending] = field(default_factory=list)
    batch_base: dict[str, dict] | None = None
    batch_mixed: bool = False


class Sequences:
    def __init__(self, spec: Spec, findings: Findings):
        self.spec = spec
        self.f = findings
        self.states: dict[str, State] = {}
        self._query: dict[str, QueryParameters] = {}
        self._wrong: set[tuple] = set()  # query questions answered wrongly in their plain spelling
        self._order: dict[str, set[str]] = {}  # resource → the fields that explain the order of every answer
        # KEYS-BODY-KEY: bodies accepted per (resource, method, the other fields' names and JSON types), and
        # writes refused whose only difference from an accepted one may be the body key
        self._accepted: dict[tuple, list[tuple[str, Recorded]]] = {}
        self._lands: set[tuple[str, str]] = set()  # (resource, field): a write's value seen back in a read
        self._key_refusals: list[tuple[tuple, str, Any, Recorded]] = []

    def state(self, resource: Resource) -> State:
        return self.states.setdefault(resource.name, State())

    def present(self, route: Route) -> bool | None:
        """Whether the record an item route names exists, as far as reads since the last write show."""
        s = self.state(route.resource)
        key = key_of(route.key)
        if key in s.items:
            return s.items[key] is not None
        return None if s.rows is None else key in s.rows

    def feed(self, x: Recorded, route: Route) -> None:
        if x.status is None:
            return
        s = self.state(route.resource)
        if x.method in ("POST", "PUT", "DELETE"):
            self._write(s, x, route)
        elif x.method == "GET" and x.ok:
            if route.kind == "collection":
                self._listing(s, x, route)
            elif route.kind == "item":
                self._item(s, x, route, one(route.resource, x.json))
            elif route.kind == "query":
                self._query_answer(s, x, route)
        elif x.method == "GET" and route.kind == "item" and 400 <= x.status < 500:
            self._item(s, x, route, None)  # a refusal to show the key: read as "no record" (the page is silent)

    # ---------- writes ----------
    def _write(self, s: State, x: Recorded, route: Route) -> None:
        body = x.request_json
        key = key_of(route.key) if route.key is not None else None
        before_rec, known = None, False
        if key is not None:
            known = key in s.items or s.rows is not None
            before_rec = s.items.get(key) if key in s.items else (s.rows or {}).get(key)
        answered_true = x.ok and x.result == self.spec.success["result"]
        documented = route.resource.allows(x.method) and self.spec.operation(route.template, x.method) is not None
        s.pending = Pending(x, route, body if isinstance(body, dict) else {}, s.rows, before_rec, known) \
            if answered_true and documented else None
        refused = 400 <= (x.status or 0) < 500 or (x.ok and str(x.result).strip().lower() == "false")
        if documented:
            self._body_key(x, route, body, answered_true, refused, before_rec)
            if s.rows is not None:
                s.batch, s.batch_base, s.batch_mixed = [], s.rows, False
            if answered_true and s.batch_base is not None:
                s.batch_mixed |= bool(s.batch) and s.batch[0].x.method != x.method
                s.batch.append(Pending(x, route, body if isinstance(body, dict) else {}, s.batch_base, before_rec))
            elif not refused:
                s.batch_base = None  # an answer that says neither: what the next listing shows cannot be told
        s.refused = Pending(x, route, body if isinstance(body, dict) else {}, s.rows, before_rec, known) \
            if refused and documented and (s.rows is not None or before_rec is not None) else None
        s.rows, s.items, s.listing = None, {}, None  # a write attempt: earlier reads no longer tell the state
        self.f.settle(route.resource.name)

    # ---------- reads ----------
    def _listing(self, s: State, x: Recorded, route: Route) -> None:
        rows = records(route.resource, x.json)
        if rows is None:
            return
        after = by_key(route.resource, rows)
        self.f.recheck(route.resource.name, after, x)
        if s.batch_base is not None and len(s.batch) > 1 and not s.batch_mixed:
            self._concurrent(s.batch, s.batch_base, after, x)
        s.batch, s.batch_base = [], None
        if s.refused is not None:
            q, s.refused = s.refused, None
            self._refused(q, after.get(key_of(q.route.key)) if q.route.key is not None else None, x, after)
        p = s.pending
        if p is not None:
            s.pending = None
            if p.x.method == "POST":
                self._post(p, after, x)
            elif p.x.method == "PUT":
                self._put(p, after.get(key_of(p.route.key)), x, after)
            elif p.x.method == "DELETE":
                self._delete(p, key_of(p.route.key) in after, x, after)
        s.rows, s.rows_list, s.listing, s.items = after, rows, x, {}
        s.high = max(s.high, max_key(route.resource, rows))

    def _item(self, s: State, x: Recorded, route: Route, rec: dict | None) -> None:
        if keyint(route.key) is None:
            return
        key = key_of(route.key)
        if s.batch_base is not None and not s.batch_mixed and s.batch and s.batch[0].x.method == "PUT":
            mine = [p for p in s.batch if key_of(p.route.key) == key]
            if mine:
                self._concurrent_put(s.batch, s.batch_base, key, rec, x)
                s.batch = [p for p in s.batch if key_of(p.route.key) != key]
        q = s.refused
        if q is not None and q.route.key is not None and key_of(q.route.key) == key:
            s.refused = None
            self._refused(q, rec, x, None)
        p = s.pending
        if p is not None and p.x.method in ("PUT", "DELETE") and key_of(p.route.key) == key:
            s.pending = None
            if p.x.method == "PUT":
                self._put(p, rec, x, None)
            else:
                self._delete(p, rec is not None, x, None)
        s.items[key] = rec

    # ---------- judgements ----------
    def _post(self, p: Pending, after: dict[str, dict], read: Recorded) -> None:
        r = p.route.resource
        if p.before_rows is None:
            return  # no listing right before the POST: which record is new cannot be told
        before = p.before_rows
        new = [k for k in after if k not in before]
        self.f.observe("KEYS-POST-MAX-PLUS-ONE", r.name)
        body_key = keyint(p.body.get(r.key))
        if not new:
            changed = [k for k in before if after.get(k) != before[k]]
            what = _("; it changed the existing record {key}").format(key=changed[0]) if changed else ""
            self.f.fail("KEYS-POST-MAX-PLUS-ONE", r.name, _('POST {path} with body key {body_key} answered result '
                                                            '"True" but the next listing shows no new record').format(
                path=r.collection, body_key=body_key) + what, p.x, read)
            return
        if len(new) > 1:
            return  # more than one new record: another client wrote too, the key cannot be judged
        key = new[0]
        got = keyint(key) or 0
        highest = max_key(r, list(before.values()))
        want = max(highest + 1, r.min_id)
        state = self.state(r)
        check = "KEYS-POST-MAX-PLUS-ONE"
        if state.high > highest:  # the highest record seen was deleted before this POST
            check = "KEYS-POST-AFTER-DELETE"
            self.f.observe(check, r.name)
        state.high = max(state.high, got)
        if got != want:
            what = _("POST {path} with body key {body_key} registered key {key}; expected {want} "
                     "(highest existing key {highest} + 1)").format(path=r.collection, body_key=body_key, key=key,
                                                                   want=want, highest=max_key(r, list(before.values())))
            if got > highest and got >= r.min_id and got != body_key:
                self.f.warn(check, r.name, what + _(HIGHEST).format(quote="自動的に最大番号で新規登録"), p.x, read)
            else:
                self.f.fail(check, r.name, what, p.x, read)
        if r.min_id > 1:
            self.f.observe("MIN-ID-NEW-AT-LEAST-TWO", r.name)
            if got < r.min_id:
                self.f.fail("MIN-ID-NEW-AT-LEAST-TWO", r.name, _("POST {path} registered ID {key}; the page: {quote}").format(
                    path=r.collection, key=key, quote=f"ID は{r.min_id}以上"), p.x, read)
        self.f.observe("ROUNDTRIP-POST", r.name)
        self._landed(r, p.body, after[key])
        result = compare(r, p.body, after[key])
        self._roundtrip("ROUNDTRIP-POST", r, result, _("POST {path} then the listing's record {key}").format(
            path=r.collection, key=key), p, read)

    def _put(self, p: Pending, rec: dict | None, read: Recorded, after: dict[str, dict] | None) -> None:
        r = p.route.resource
        key = key_of(p.route.key)
        body_key = keyint(p.body.get(r.key))
        other = body_key is not None and str(body_key) != key and body_key >= r.min_id
        check = "KEYS-PUT-URI-WINS" if other else "ROUNDTRIP-PUT"
        how = _('PUT {url} answered result "True", then {method} {read}').format(url=p.x.url, method=read.method,
                                                                              read=read.url)
        self.f.observe("ROUNDTRIP-PUT", r.name)
        if other:
            self.f.observe("KEYS-PUT-URI-WINS", r.name)
        if rec is None:
            if p.before_rec is not None:
                self.f.fail(check, r.name, _("{how} shows no record {key} any more").format(how=how, key=key), p.x, read)
            else:  # a success answer for a key without a record, and still no record: the answer is untrue
                self.f.fail("ROBUSTNESS-TRUTHFUL", r.name, _("{how} shows no record {key}: the success answer "
                                                             "had no effect").format(how=how, key=key), p.x, read)
            return
        self._landed(r, p.body, rec)
        result = compare(r, p.body, rec, p.before_rec, known_before=p.known_before)
        if result.changed_nothing and (p.known_before or other):
            target = _(" (the body names key {key}: the URI key must win)").format(key=body_key) if other else ""
            self.f.fail(check, r.name, _("{how}: the update changed none of the fields sent{target}; ").format(
                how=how, target=target) + "; ".join((result.fails + result.text_fails + result.warns)[:2]), p.x, read)
            return
        self._roundtrip("ROUNDTRIP-PUT", r, result, how, p, read)
        if other and after is not None and p.before_rows is not None:
            b = str(body_key)
            if b in p.before_rows and after.get(b) != p.before_rows[b]:
                self.f.fail("KEYS-PUT-URI-WINS", r.name, _("{how}: the record {key} the body names changed too").format(how=how, key=b),
                            p.x, read)

    def _refused(self, q: Pending, rec: dict | None, read: Recorded, after: dict[str, dict] | None) -> None:
        """A write refused (4xx or "False") and the next read of what it named: nothing may have changed."""
        r = q.route.resource
        how = _("{method} {url} was refused ({status}), then {read_method} {read_url}").format(
            method=q.x.method, url=q.x.url, status=q.x.status, read_method=read.method, read_url=read.url)
        self.f.observe("ROBUSTNESS-TRUTHFUL", r.name)
        if q.x.method == "POST":
            if after is None or q.before_rows is None:
                return
            new = [k for k in after if k not in q.before_rows]
            if new:
                self.f.fail("ROBUSTNESS-TRUTHFUL", r.name, _("{how} shows the new record(s) {new}: the refused write "
                                                             "registered a record").format(how=how, new=new), q.x, read)
            return
        key = key_of(q.route.key)
        before = q.before_rec
        if before is None:
            if rec is not None and (q.known_before or q.before_rows is not None):
                self.f.fail("ROBUSTNESS-TRUTHFUL", r.name, _("{how} shows a record {key} that was not there before: "
                                                             "the refused write created it").format(how=how, key=key),
                            q.x, read)
            return
        if q.x.method == "DELETE":
            if rec is None:
                self.f.fail("ROBUSTNESS-TRUTHFUL", r.name, _("{how} shows no record {key} any more: the refused "
                                                             "DELETE deleted it").format(how=how, key=key), q.x, read)
            return
        if rec is None:
            self.f.fail("ROBUSTNESS-TRUTHFUL", r.name, _("{how} shows no record {key} any more").format(how=how, key=key),
                        q.x, read)
            return
        changed = [n for n in q.body if n != r.key and n not in r.secret_fields and rec.get(n) != before.get(n)]
        if changed:
            self.f.fail("ROBUSTNESS-TRUTHFUL", r.name, _("{how} shows the field(s) {changed} changed: the refused "
                                                         "write changed the record").format(how=how, changed=changed),
                        q.x, read)

    def _roundtrip(self, check: str, r: Resource, result, how: str, p: Pending, read: Recorded) -> None:
        if any(text_kind(v) for v in p.body.values()):
            self.f.observe("ROUNDTRIP-TEXT", r.name)
        for text in result.fails:
            self.f.fail(check, r.name, f"{how}: {text}", p.x, read)
        for text in result.text_fails:
            self.f.fail("ROUNDTRIP-TEXT", r.name, f"{how}: {text}", p.x, read)
        for text in result.warns:
            self.f.warn(check, r.name, f"{how}: {text}", p.x, read)

    def _delete(self, p: Pending, still_there: bool, read: Recorded, after: dict[str, dict] | None) -> None:
        r = p.route.resource
        key = key_of(p.route.key)
        self.f.observe("KEYS-DELETE-EXACT", r.name)
        how = _('DELETE {url} answered result "True", then {method} {read}').format(url=p.x.url, method=read.method,
                                                                                 read=read.url)
        if still_there:
            self.f.fail("KEYS-DELETE-EXACT", r.name, _("{how} still shows record {key}").format(how=how, key=key), p.x, read)
        if after is not None and p.before_rows is not None:
            gone = [k for k in p.before_rows if k not in after and k != key]
            if gone:
                self.f.fail("KEYS-DELETE-EXACT", r.name, _("{how}: the records {gone} are gone too").format(how=how, gone=gone), p.x, read)

    def _query_answer(self, s: State, x: Recorded, route: Route) -> None:
        r = route.resource
        if s.rows is None or s.listing is None:
            return
        params = self._query.setdefault(r.name, QueryParameters(self.spec, r))
        top_raw, desc, kid_raw, from_raw = (unquote(v) for v in route.raw)
        top, kid = keyint(top_raw), keyint(kid_raw)
        tels = None if unquote(from_raw) == "Null" else unquote(from_raw).split("&")
        if (top is None or kid is None or not 0 <= top <= params.top_max or not 0 <= kid <= params.kid_max
                or desc not in params.spellings or (tels is not None and not all(map(params.is_number, tels)))):
            return  # outside what the document's clients send: the model does not cover it
        variants = {other for _, other in params.same_meaning()}
        percent = "%26" in route.raw[3].upper()
        spelled = desc in variants or percent
        canonical = (r.name, top, desc.lower(), kid, tuple(tels or ()))
        # A spelling variant is judged under QUERY-SPELLINGS unless the plain spelling of the same
        # question was already answered wrongly: then the model, not the spelling, is at fault.
        check = "QUERY-SPELLINGS" if spelled and canonical not in self._wrong else "QUERY-MATCHES-MODEL"
        self.f.observe(check, r.name)
        got = records(r, x.json)
        want = expected(r, s.rows_list, top, desc, kid, tels)
        cites = (s.listing, x)
        if got != want and not spelled:
            self._wrong.add(canonical)
        if got is None:
            self.f.fail(check, r.name, _("GET {url} answered {text}, not a JSON array of records").format(
                url=x.url, text=repr(x.text[:200])), *cites)
            return
        if got == want:
            return
        got_ids, want_ids = [g.get(r.key) for g in got], [w.get(r.key) for w in want]
        if percent:  # FROM joined by %26 (the page writes &): a SHOULD
            self.f.warn(check, r.name, _("GET {url} (FROM joined by %26) answered records {got}; read as & "
                                          "the last full listing gives {want}").format(url=x.url, got=got_ids,
                                                                                       want=want_ids), *cites)
            return
        if self._other_order(r, s.rows_list, got, top, desc, kid, tels):
            fields = ", ".join(sorted(self._order[r.name]))
            self.f.observe("QUERY-MATCHES-MODEL", r.name)
            self.f.warn("QUERY-MATCHES-MODEL", r.name, _("GET {url} answered the records the filters and TOP select, "
                                                             "ordered by {fields} rather than by the key {key} (the page "
                                                             "says 降順/昇順 without naming the field)").format(
                            url=x.url, fields=fields, key=r.key), *cites)
            return
        used = s.rows

        def still(rows: dict[str, dict]) -> bool:  # the next listing: the data unchanged, or no better match
            return rows == used or got != expected(r, list(rows.values()), top, desc, kid, tels)

        if [key_of(k) for k in got_ids] != [key_of(k) for k in want_ids]:
            self.f.defer(check, r.name, _("GET {url} answered records {got}; the last full listing (nothing written "
                                          "since) gives {want}").format(url=x.url, got=got_ids, want=want_ids),
                         still, *cites)
        else:
            self.f.defer(check, r.name, _("GET {url} answered the expected records {got} but with other field values "
                                          "than the last full listing").format(url=x.url, got=got_ids),
                         still, *cites)

    def _other_order(self, r: Resource, rows: list[dict], got: list[dict], top: int, desc: str, kid: int,
                     tels: list[str] | None) -> bool:
        """Whether one field other than the key explains the order of this answer and of every earlier one
        the key order did not explain (as the active QUERY-MATCHES-MODEL judges it)."""
        filtered = expected(r, rows, 0, "False", kid, tels)
        if len(filtered) <= 1:
            return False
        fields = ordering_fields(r, filtered, got, top, desc.lower() == "true")
        if not fields or r.key in fields:
            return False
        known = self._order.get(r.name)
        self._order[r.name] = fields if known is None else known & fields
        return bool(self._order[r.name])

    def _landed(self, r: Resource, sent: dict, got: dict) -> None:
        for n, v in sent.items():
            if n != r.key and n not in r.secret_fields and got.get(n) == v:
                self._lands.add((r.name, n))

    # ---------- KEYS-BODY-KEY ----------
    def _body_key(self, x: Recorded, route: Route, body: Any, accepted: bool, refused: bool,
                  before_rec: dict | None) -> None:
        r = route.resource
        # POST only: a refused PUT may name a record a concurrent client just deleted, which the traffic
        # cannot tell apart from a refused key
        if x.method != "POST" or not isinstance(body, dict) or r.key not in body:
            return
        value = body[r.key]
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (number or isinstance(value, str)) or keyint(value) is None or not 0 <= (keyint(value) or 0) <= r.max_id:
            return
        shape = (r.name, x.method, tuple(sorted((n, type(v).__name__) for n, v in body.items()
                                                if n != r.key and n not in r.secret_fields)))
        if accepted:
            if isinstance(value, str):
                self.f.observe("KEYS-BODY-KEY", r.name)
            self._accepted.setdefault(shape, []).append((json.dumps(value), x))
        elif refused and valid_record(self.spec, r, {n: v for n, v in body.items() if n not in r.secret_fields}) \
                and all(isinstance(v, (str, int, float, bool)) for v in body.values()):  # secrets: redacted in HAR
            self._key_refusals.append((shape, json.dumps(value), value, x))

    def finish(self) -> None:
        """The end of the traffic: judge what needed all of it."""
        forms: dict[str, set[str]] = {}  # resource → every body key accepted, whatever the body
        for (name, _method, _fields), accepted in self._accepted.items():
            forms.setdefault(name, set()).update(f for f, _x in accepted)
        for shape, form, value, x in self._key_refusals:
            others = [(f, a) for f, a in self._accepted.get(shape, []) if f != form]
            if not others or form in forms.get(shape[0], set()):
                continue  # that key was accepted elsewhere: the refusal is about something else in the body
            name, method = shape[0], shape[1]
            what = _("{method} {url} with the body key {form} was refused ({status} {text}), while the same body "
                     "with the key {other} was accepted").format(method=method, url=x.url, form=form, status=x.status,
                                                                 text=x.text.strip()[:120], other=others[0][0])
            if isinstance(value, str):
                self.f.fail("KEYS-BODY-KEY", name, what + _("; the page: どのような数値をセットしても…"), x, others[0][1])
            else:
                self.f.warn("KEYS-BODY-KEY", name, what + _("; the page's examples write keys as strings, but it asks "
                                                            'clients to "set 0"'), x, others[0][1])
        self._key_refusals = []

    # ---------- CONCURRENCY ----------
    def _concurrent(self, batch: list[Pending], base: dict[str, dict], after: dict[str, dict], read: Recorded) -> None:
        r = batch[0].route.resource
        spans = [_span(p.x) for p in batch]
        overlapping = [p for i, p in enumerate(batch)
                       if any(j != i and spans[i][0] < spans[j][1] and spans[j][0] < spans[i][1]
                              for j in range(len(batch)))]
        if len(overlapping) < 2:
            return
        method = batch[0].x.method
        cites = [p.x for p in overlapping[:4]]
        if method == "POST":
            self.f.observe("CONCURRENCY-POST", r.name)
            new = [k for k in after if k not in base]
            if len(new) < len(batch):
                self.f.fail("CONCURRENCY-POST", r.name, _("{n} POSTs to {collection} ({overlapping} of them overlapping "
                                                          "in time) all answered result \"True\", but the next listing "
                                                          "shows {new} new record(s)").format(
                    n=len(batch), collection=r.collection, overlapping=len(overlapping), new=len(new)), *cites, read)
        elif method == "PUT":
            for key in {key_of(p.route.key) for p in batch}:
                self._concurrent_put(batch, base, key, after.get(key), read)

    def _concurrent_put(self, batch: list[Pending], base: dict[str, dict], key: str, rec: dict | None,
                        read: Recorded) -> None:
        """The first read of record `key` after PUTs answered "True" on distinct records, some overlapping in
        time: the record must hold the last update sent to it (as the active CONCURRENCY-PUT judges it)."""
        mine = sorted((p for p in batch if key_of(p.route.key) == key), key=lambda p: _span(p.x)[1])
        others = [p for p in batch if key_of(p.route.key) != key]
        if not mine or not others or rec is None or key not in base:
            return
        spans = [_span(p.x) for p in mine]
        if any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
            return  # PUTs on this record overlapping each other: which one is last cannot be told
        if not any(a[0] < _span(o.x)[1] and _span(o.x)[0] < a[1] for a in spans for o in others):
            return
        r = mine[0].route.resource
        self.f.observe("CONCURRENCY-PUT", r.name)
        last = mine[-1].body
        # fields a write was seen to land in elsewhere in the traffic, where the record still shows an earlier
        # value (from before the batch, or an earlier PUT of it) while the last PUT sent another: a lost update
        earlier = [base[key]] + [p.body for p in mine[:-1]]
        witness = [n for n, v in last.items() if n != r.key and n not in r.secret_fields
                   and (r.name, n) in self._lands and any(b.get(n) != v for b in earlier)]
        if not witness or any(rec.get(n) == last[n] for n in witness):
            return
        lost = [n for n in witness if rec.get(n) in [b.get(n) for b in earlier]]
        if lost:
            n = lost[0]
            self.f.fail("CONCURRENCY-PUT", r.name, _("PUTs on distinct records of {resource}, overlapping in time, "
                                                     "all answered result \"True\", but {method} {url} shows {field} "
                                                     "{value}, not the last update sent ({sent}): an update was "
                                                     "lost").format(
                resource=r.name, method=read.method, url=read.url, field=n, value=repr(str(rec.get(n))[:60]),
                sent=repr(str(last[n])[:60])), mine[-1].x, read)


def _span(x: Recorded) -> tuple[float, float]:
    """When an exchange began and ended, in seconds."""
    try:
        start = dt.datetime.fromisoformat(x.started).timestamp()
    except ValueError:
        return (0.0, 0.0)
    return (start, start + x.duration_ms / 1000)
