"""Rules a sequence of exchanges proves: a write answered "True" and the next read of the resource with
no other write in between (POST → listing, PUT/DELETE → read back), and query answers against the last
full listing. Anything the traffic does not show stays unjudged."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from ..check.query_oracle import QueryParameters, expected
from ..check.reading import keyint
from ..i18n import N_, _
from ..spec import Resource, Spec
from .compare import compare, text_kind
from .findings import Findings
from .model import Recorded
from .reading import by_key, key_of, max_key, one, records
from .routes import Route

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
    high: int = 0  # the highest key any listing showed


class Sequences:
    def __init__(self, spec: Spec, findings: Findings):
        self.spec = spec
        self.f = findings
        self.states: dict[str, State] = {}
        self._query: dict[str, QueryParameters] = {}
        self._wrong: set[tuple] = set()  # query questions answered wrongly in their plain spelling

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
        s.rows, s.items, s.listing = None, {}, None  # a write attempt: earlier reads no longer tell the state
        self.f.settle(route.resource.name)

    # ---------- reads ----------
    def _listing(self, s: State, x: Recorded, route: Route) -> None:
        rows = records(route.resource, x.json)
        if rows is None:
            return
        after = by_key(route.resource, rows)
        self.f.recheck(route.resource.name, after, x)
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
            return
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
        spelled = desc in variants or "%26" in route.raw[3].upper()
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
