"""STATEFUL: random interleavings of POST/PUT/DELETE/GET on the kit's own records keep a model of
them in step with the implementation (Hypothesis rule-based state machine)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test, initialize, invariant, precondition, rule
from scs_kit.check.context import keyint
from scs_kit.check.verdict import fail
from scs_kit.i18n import _

from ._kit import check, described, open_field, short, shown


def machine_for(kit, r, verdict):
    max_posts = 6 if r.allows("DELETE") else 1  # records of resources without DELETE stay: keep it to one
    puts, deletes = r.allows("PUT"), r.allows("DELETE")
    marker_field = kit.marker_field(r)
    # Every body the machine sends carries a unique marker; the markers of deleted records are kept
    # across examples, so a deleted record that comes back later (a soft delete) is caught.
    # Reported after the machine has run (failing inside it would make Hypothesis replay a history
    # that the server no longer has).
    gone: dict[str, str] = {}  # marker → key of the record deleted with it
    odd: set[str] = set()  # undocumented fields already reported as differing

    class Model(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.model: dict[str, dict] = {}  # kit key → fields last sent
            self.deleted: set[str] = set()
            self.posts = 0
            self.high = 0  # the highest key seen

        def _compare(self, key, got, how, *evidence):
            if got is None:
                fail(_("{how}: record {key} is missing (model holds it)").format(how=how, key=key), *evidence)
            for f, v in self.model[key].items():
                if f in got and got[f] != v and shown(r, f):
                    message = _("{how}: record {key} field {f!r} is {got!r}, the model says {v!r}").format(how=how, key=key, f=f, got=short(got[f], 80), v=short(v, 80))
                    if not open_field(r, f):
                        fail(message, *evidence)
                    if f not in odd:  # a field the page does not document: set or normalised by the server
                        odd.add(f)
                        verdict.warn(message + _(" (a field the page does not document)"), *evidence)

        @initialize()
        def first_record(self):
            # start with a record so that even short runs spend their steps on PUT, DELETE and GET
            self.create("zero", 1)

        @precondition(lambda self: self.posts < max_posts)
        @rule(kind=st.sampled_from(["zero", "absent", "own"]), offset=st.integers(1, 999))
        def create(self, kind, offset):
            # the body key is 0, a key far above every record, or one of the kit's own: never a foreign key,
            # so that even an implementation that honours it cannot overwrite someone else's record
            self.posts += 1
            body_key = "0"
            if kind == "absent" and self.high:
                body_key = str(self.high + 1_000_000 + offset)
            elif kind == "own" and self.model:
                body_key = sorted(self.model)[offset % len(self.model)]
            key, ans, body, before, after = kit.create(r, body_key)
            self.high = max(self.high, kit.max_key(after, r))
            if key is None:
                fail(_("POST {collection} (body key {body_key!r}) registered no record ({answer})").format(collection=r.collection, body_key=body_key, answer=described(ans)),
                         ans.exchange)
            if key in self.model:
                fail(_("POST {collection} registered key {key}, which the kit's record already had").format(collection=r.collection, key=key), ans.exchange)
            if (keyint(key) or 0) <= kit.max_key(before, r):
                fail(_("POST {collection} registered key {key}, not above the highest key {max_key}").format(collection=r.collection, key=key, max_key=kit.max_key(before, r)), ans.exchange)
            self.model[key] = {f: v for f, v in body.items() if f != r.key}
            self.deleted.discard(key)

        @precondition(lambda self: puts and self.model)
        @rule(data=st.data())
        def update(self, data):
            key = data.draw(st.sampled_from(sorted(self.model)), label="key")
            body_key = data.draw(st.sampled_from(sorted(self.model) + ["0"]), label="body key")
            body = kit.body(r, body_key, kit.records.next_marker())
            ans = kit.put(r, key, body)
            if not ans.succeeded:
                fail(_("PUT {item_path} of a kit record was refused ({answer})").format(item_path=r.item_path(key), answer=described(ans)), ans.exchange)
            self.model[key] = {f: v for f, v in body.items() if f != r.key}

        @precondition(lambda self: deletes and self.model)
        @rule(data=st.data())
        def delete(self, data):
            key = data.draw(st.sampled_from(sorted(self.model)), label="key")
            ans = kit.delete(r, key)
            if not ans.succeeded:
                fail(_("DELETE {item_path} of a kit record was refused ({answer})").format(item_path=r.item_path(key), answer=described(ans)), ans.exchange)
            self._forget(key)
            self.deleted.add(key)
            kit.records.forget(r, key)

        def _forget(self, key):
            marker = self.model.pop(key).get(marker_field)
            if marker:
                gone[marker] = key

        @precondition(lambda self: self.model)
        @rule(data=st.data())
        def read(self, data):
            key = data.draw(st.sampled_from(sorted(self.model)), label="key")
            ans = kit.get_item(r, key)
            got = kit.one(ans)
            self._compare(key, got, f"GET {r.item_path(key)}", ans.exchange)

        @rule()
        def read_all(self):  # always possible: the machine can make progress once its POST budget is spent
            self.in_step()

        @invariant()
        def in_step(self):
            if not self.model and not self.deleted:
                return
            rows, lst = kit.list(r)
            keys = kit.keys(rows, r)
            for key in self.model:
                self._compare(key, keys.get(key), f"GET {r.collection}", lst.exchange)
            back = sorted(self.deleted & set(keys))
            if back:
                fail(_("GET {collection} still lists deleted record(s) {back}").format(collection=r.collection, back=back), lst.exchange)
            resurrected.extend(revenants(rows, lst))

        def teardown(self):
            for key in list(self.model):
                kit.remove(r, key)
                if deletes:
                    self._forget(key)

    def revenants(rows, answer):
        return [(row.get(r.key), gone[row.get(marker_field)], answer)
                for row in rows if marker_field and row.get(marker_field) in gone]

    resurrected: list = []
    return Model, resurrected, revenants


@check("STATEFUL-MODEL")
def test_model(kit, resource, verdict):
    kit.require_create(resource)
    machine, resurrected, revenants = machine_for(kit, resource, verdict)
    test = get_state_machine_test(machine, settings=settings(
        max_examples=kit.profile.stateful_examples if resource.allows("DELETE") else 1,
        stateful_step_count=kit.profile.stateful_steps, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False))
    seed(kit.seed)(test)()
    if resource.allows("DELETE"):
        rows, answer = kit.list(resource)
        resurrected.extend(revenants(rows, answer))
    if resurrected:
        key, deleted, answer = resurrected[0]
        fail(_("GET {collection} lists record {key} carrying the values of record {deleted}, which the kit "
               "deleted earlier: a deleted record came back").format(collection=resource.collection, key=key, deleted=deleted), answer.exchange)
