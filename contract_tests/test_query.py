"""QUERY: /ReceivedCall-Record/{TOP}/{DESCENDING}/{K_ID}/{FROM} answers what the kit computes itself
from the full collection, over generated parameters biased toward the data the implementation holds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from scs_kit.check.context import keyint
from scs_kit.check.query_oracle import QueryParameters, expected, query_fields, route
from scs_kit.check.verdict import broken, fail
from scs_kit.i18n import _

from ._kit import check, described
from .query_order import ordering_fields


def _require_query(resource):
    if not resource.query:
        pytest.skip(_("{name} has no query route").format(name=resource.name))


def _ids(resource, rows) -> list:
    return [r.get(resource.key) if isinstance(r, dict) else r for r in rows]


def _numbers(params, rows, tel_field) -> list[str]:
    return sorted({r.get(tel_field) for r in rows if params.is_number(r.get(tel_field))})


def _strategy(params, resource, rows):
    kid_field, tel_field = query_fields(resource)
    kids = sorted({k for k in (keyint(r.get(kid_field)) for r in rows) if k and k > 0})
    tels = _numbers(params, rows, tel_field)
    n = len(rows)
    top = st.one_of(st.just(0), st.integers(1, n + 2), st.integers(0, params.top_max))
    kid = st.one_of(st.just(0), st.sampled_from(kids) if kids else st.just(0), st.integers(1, params.kid_max))
    phone = st.from_regex(params.from_pattern, fullmatch=True).map(lambda v: v.split("&")[0]).filter(params.is_number)
    tel = st.one_of(st.sampled_from(tels), phone) if tels else phone
    frm = st.one_of(st.none(), st.lists(tel, min_size=1, max_size=6))
    return st.tuples(top, st.sampled_from(params.spellings), kid, frm, st.sampled_from(["&", "%26"]))


class Order:
    """The fields every answer so far is consistently ordered by (the key, for the kit's reading)."""

    def __init__(self):
        self.candidates: set[str] | None = None
        self.example = None  # the first answer the key order does not explain

    def explains(self, resource, rows, ans, top, desc, kid, tels) -> bool:
        """Whether one field still explains every answer, this one included."""
        filtered = expected(resource, rows, 0, "False", kid, tels)
        if len(filtered) <= 1 or top == 1 and ans.json == expected(resource, rows, top, desc, kid, tels):
            return ans.json == expected(resource, rows, top, desc, kid, tels)  # no order to tell from
        fields = ordering_fields(resource, filtered, ans.json, top, desc.lower() == "true")
        self.candidates = fields if self.candidates is None else self.candidates & fields
        if resource.key not in fields and self.example is None:
            self.example = ans
        return bool(self.candidates)


def ask(kit, resource, rows_box, top, desc, kid, tels, amp, order=None):
    """Query once and compare; on a mismatch re-read the collection (it may have changed) and retry.
    With `order`, an answer that is right but for its order passes while one other field explains the
    order of every answer (QUERY-MATCHES-MODEL warns for it at the end)."""
    for _attempt in range(3):
        ans = kit.read(resource, kit.client.get(route(resource, top, desc, kid, tels, amp)))
        want = expected(resource, rows_box[0], top, desc, kid, tels)
        if order is not None and ans.ok and order.explains(resource, rows_box[0], ans, top, desc, kid, tels):
            return
        if ans.ok and ans.json == want:
            return
        fresh, _unused = kit.list(resource)
        if fresh == rows_box[0]:
            break
        rows_box[0] = fresh  # another client wrote meanwhile: recompute and ask again
    else:
        broken(_("the collection kept changing while the kit compared query answers"))
    what = (_("TOP {top}, {value}, {value2}, {value3}").format(top=top, value='descending' if desc.lower() == 'true' else 'ascending',
                value2='every customer' if not kid else f'顧客ID {kid}',
                value3='FROM Null' if tels is None else f'相手TEL in {tels}'))
    if not ans.ok or not isinstance(ans.json, list):
        fail(_("GET {url} ({what}) answered {answer} instead of a JSON array").format(url=ans.exchange.url, what=what, answer=described(ans)), ans.exchange)
    got_ids, want_ids = _ids(resource, ans.json), _ids(resource, want)
    if got_ids != want_ids:
        fail(_("GET {url} ({what}) answered records {got_ids}; expected {want_ids} from the full collection of "
               "{n}").format(url=ans.exchange.url, what=what, got_ids=got_ids, want_ids=want_ids, n=len(rows_box[0])), ans.exchange)
    fail(_("GET {url} ({what}) answered the expected records {got_ids} but with other field values than the "
           "full collection").format(url=ans.exchange.url, what=what, got_ids=got_ids), ans.exchange)


@check("QUERY-MATCHES-MODEL")
def test_matches_model(kit, resource, verdict):
    _require_query(resource)
    rows, _unused = kit.list(resource)
    box = [rows]
    params = QueryParameters(kit.spec, resource)
    kid_field, tel_field = query_fields(resource)
    some = rows[len(rows) // 2] if rows else {}
    kid, tel = keyint(some.get(kid_field)) or 0, some.get(tel_field)
    tels = [tel] if params.is_number(tel) else None
    known = _numbers(params, rows, tel_field)
    several = (known[:: max(1, len(known) // 3)][:3] or None) if len(known) >= 2 else None
    # fixed baselines first: every spelling over the whole collection, a limit, and the data's own values
    first, last = params.spellings[0], params.spellings[-1]
    baselines = [(0, d, 0, None) for d in params.spellings] + [
        (1, first, 0, None), (2, last, 0, None), (0, first, kid, None), (0, last, 0, tels), (1, last, kid, tels),
        (0, first, 0, several)]
    order = Order()
    for top, desc, k, f in baselines:
        ask(kit, resource, box, top, desc, k, f, "&", order)

    @settings(max_examples=kit.profile.query_examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @seed(kit.seed)
    @given(_strategy(params, resource, rows))
    def prop(params):
        top, desc, kid, tels, _unused = params  # `%26` is QUERY-SPELLINGS' point (a SHOULD): here only `&`
        ask(kit, resource, box, top, desc, kid, tels, "&", order)

    prop()
    if order.candidates and resource.key not in order.candidates:
        fields = sorted(order.candidates)
        verdict.warn(_("the query route orders records by {fields}, not by the key {key}: every answer is correctly "
                       "filtered and cut, ordered consistently by that field (the page says 降順/昇順 without naming the "
                       "field; ordering by the key is the kit's reading), e.g. GET {url}").format(fields=' / '.join(fields), key=resource.key, url=order.example.exchange.url),
                 order.example.exchange)


@check("QUERY-SPELLINGS")
def test_spellings(kit, resource, verdict):
    _require_query(resource)
    rows, _unused = kit.list(resource)
    params = QueryParameters(kit.spec, resource)
    kid_field, tel_field = query_fields(resource)
    tels = _numbers(params, rows, tel_field)
    tels = (tels + ["0312345670", "0312345671"])[:3] if len(tels) < 2 else tels[:3]
    kids = [0] + sorted({k for k in (keyint(r.get(kid_field)) for r in rows) if k and k > 0})[:1]
    encoded_warned = False
    for kid in kids:
        for frm in (None, tels):
            answers = {}
            for desc in params.spellings:
                for amp in (("&", "%26") if frm else ("&",)):
                    ans = kit.read(resource, kit.client.get(route(resource, 0, desc, kid, frm, amp)))
                    if not ans.ok or not isinstance(ans.json, list):
                        fail(_("GET {url} answered {answer} instead of a JSON array").format(url=ans.exchange.url, answer=described(ans)),
                                 ans.exchange)
                    answers[(desc, amp)] = ans
            pairs = [((a, "&"), (b, "&")) for a, b in params.same_meaning()]
            for x, y in pairs:
                ax, ay = answers[x], answers[y]
                if ax.json != ay.json:
                    fail(_("GET {url} and GET {url2} answered differently ({ids} vs {ids2}); the page: "
                           "DESCENDING=True(true)/False(false)").format(url=ax.exchange.url, url2=ay.exchange.url, ids=_ids(resource, ax.json),
                             ids2=_ids(resource, ay.json)), ax.exchange, ay.exchange)
            # The page joins FROM's numbers with `&`; `%26` is the same character percent-encoded, which a
            # server may keep literal (RFC 3986 §2.2: encoding a delimiter takes away its meaning): a SHOULD.
            for d in (params.spellings[0], params.spellings[-1]) if frm else ():
                ax, ay = answers[(d, "&")], answers[(d, "%26")]
                if ax.json != ay.json and not encoded_warned:
                    encoded_warned = True
                    verdict.warn(_("GET {url} (FROM joined by %26) answered {ids}, GET {url2} (joined by &) {ids2}: %26 is not "
                                   "taken as the separator").format(url=ay.exchange.url, ids=_ids(resource, ay.json), url2=ax.exchange.url,
                                     ids2=_ids(resource, ax.json)), ax.exchange, ay.exchange)
