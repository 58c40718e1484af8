"""QUERY: /ReceivedCall-Record/{TOP}/{DESCENDING}/{K_ID}/{FROM} answers what the kit computes itself
from the full collection, over generated parameters biased toward the data the implementation holds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from scs_kit.check.context import keyint

from ._kit import check, described
from .query_model import PHONE, expected, query_fields, route


def _require_query(resource):
    if not resource.query:
        pytest.skip(f"{resource.name} has no query route")


def _ids(resource, rows) -> list:
    return [r.get(resource.key) if isinstance(r, dict) else r for r in rows]


def _strategy(resource, rows):
    kid_field, tel_field = query_fields(resource)
    kids = sorted({k for k in (keyint(r.get(kid_field)) for r in rows) if k and k > 0})
    tels = sorted({r.get(tel_field) for r in rows if isinstance(r.get(tel_field), str) and PHONE.match(r.get(tel_field))})
    n = len(rows)
    top = st.one_of(st.just(0), st.integers(1, n + 2), st.integers(0, 2147483647))
    kid = st.one_of(st.just(0), st.sampled_from(kids) if kids else st.just(0), st.integers(1, 2147483647))
    phone = st.from_regex(r"0[0-9]{9,10}", fullmatch=True)
    tel = st.one_of(st.sampled_from(tels), phone) if tels else phone
    frm = st.one_of(st.none(), st.lists(tel, min_size=1, max_size=6))
    return st.tuples(top, st.sampled_from(["True", "true", "False", "false"]), kid, frm, st.sampled_from(["&", "%26"]))


def ask(kit, resource, rows_box, top, desc, kid, tels, amp):
    """Query once and compare; on a mismatch re-read the collection (it may have changed) and retry."""
    for attempt in range(3):
        ans = kit.read(resource, kit.client.get(route(resource, top, desc, kid, tels, amp)))
        want = expected(resource, rows_box[0], top, desc, kid, tels)
        if ans.ok and ans.json == want:
            return
        fresh, _ = kit.list(resource)
        if fresh == rows_box[0]:
            break
        rows_box[0] = fresh  # another client wrote meanwhile: recompute and ask again
    else:
        kit.broken("the collection kept changing while the kit compared query answers")
    what = (f"TOP {top}, {'descending' if desc.lower() == 'true' else 'ascending'}, "
            f"{'every customer' if not kid else f'顧客ID {kid}'}, {'FROM Null' if tels is None else f'相手TEL in {tels}'}")
    if not ans.ok or not isinstance(ans.json, list):
        kit.fail(f"GET {ans.exchange.url} ({what}) answered {described(ans)} instead of a JSON array", ans.exchange)
    got_ids, want_ids = _ids(resource, ans.json), _ids(resource, want)
    if got_ids != want_ids:
        kit.fail(f"GET {ans.exchange.url} ({what}) answered records {got_ids}; expected {want_ids} from the full "
                 f"collection of {len(rows_box[0])}", ans.exchange)
    kit.fail(f"GET {ans.exchange.url} ({what}) answered the expected records {got_ids} but with other field values "
             "than the full collection", ans.exchange)


@check("QUERY-MATCHES-MODEL")
def test_matches_model(kit, resource):
    _require_query(resource)
    rows, _ = kit.list(resource)
    box = [rows]
    kid_field, tel_field = query_fields(resource)
    some = rows[len(rows) // 2] if rows else {}
    kid, tel = keyint(some.get(kid_field)) or 0, some.get(tel_field)
    tels = [tel] if isinstance(tel, str) and PHONE.match(tel) else None
    known = sorted({r.get(tel_field) for r in rows if isinstance(r.get(tel_field), str) and PHONE.match(r.get(tel_field))})
    several = (known[:: max(1, len(known) // 3)][:3] or None) if len(known) >= 2 else None
    # fixed baselines first: every spelling over the whole collection, a limit, and the data's own values
    for top, desc, k, f in ((0, "False", 0, None), (0, "True", 0, None), (0, "true", 0, None), (0, "false", 0, None),
                            (1, "True", 0, None), (2, "false", 0, None), (0, "True", kid, None), (0, "false", 0, tels),
                            (1, "true", kid, tels), (0, "True", 0, several)):
        ask(kit, resource, box, top, desc, k, f, "&")

    @settings(max_examples=kit.profile.query_examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @seed(kit.seed)
    @given(_strategy(resource, rows))
    def prop(params):
        top, desc, kid, tels, amp = params
        ask(kit, resource, box, top, desc, kid, tels, amp)

    prop()


@check("QUERY-SPELLINGS")
def test_spellings(kit, resource):
    _require_query(resource)
    rows, _ = kit.list(resource)
    kid_field, tel_field = query_fields(resource)
    tels = sorted({r.get(tel_field) for r in rows if isinstance(r.get(tel_field), str) and PHONE.match(r.get(tel_field))})
    tels = (tels + ["0312345670", "0312345671"])[:3] if len(tels) < 2 else tels[:3]
    kids = [0] + sorted({k for k in (keyint(r.get(kid_field)) for r in rows) if k and k > 0})[:1]
    for kid in kids:
        for frm in (None, tels):
            answers = {}
            for desc in ("True", "true", "False", "false"):
                for amp in (("&", "%26") if frm else ("&",)):
                    ans = kit.read(resource, kit.client.get(route(resource, 0, desc, kid, frm, amp)))
                    if not ans.ok or not isinstance(ans.json, list):
                        kit.fail(f"GET {ans.exchange.url} answered {described(ans)} instead of a JSON array",
                                 ans.exchange)
                    answers[(desc, amp)] = ans
            pairs = [(("True", "&"), ("true", "&")), (("False", "&"), ("false", "&"))]
            if frm:
                pairs += [(("True", "&"), ("True", "%26")), (("false", "&"), ("false", "%26"))]
            for x, y in pairs:
                ax, ay = answers[x], answers[y]
                if ax.json != ay.json:
                    kit.fail(f"GET {ax.exchange.url} and GET {ay.exchange.url} answered differently "
                             f"({_ids(resource, ax.json)} vs {_ids(resource, ay.json)}); the page: "
                             "DESCENDING=True(true)/False(false), FROM joined by &", ax.exchange, ay.exchange)
