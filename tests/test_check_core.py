"""Unit tests of the check side's core: the registry, the verdict function and the records component
(over a fake in-memory transport)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scs_kit import spec as spec_mod
from scs_kit.check.catalog import BY_ID, CHECKS, UnknownCheck, lookup, marker
from scs_kit.check.records import NotAllowed, Records
from scs_kit.check.results import Exchange
from scs_kit.check.transport import Answer, Request
from scs_kit.check.verdict import CheckFailed, Finding, Verdict, decide, documented, from_schemathesis, judge

SPEC = spec_mod.load()
CL = SPEC.resource("ContainmentLine")
OPEN = next(r for r in SPEC.resources if r.name != CL.name and r.allows("DELETE") and r.allows("POST"))
RCR = next(r for r in SPEC.resources if r.query)
SUITE = Path(__file__).resolve().parent.parent / "contract_tests"


# ---------- registry ----------

@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_a_mistyped_check_id_is_an_error_at_import():
    with pytest.raises(UnknownCheck, match="KEYS-POST-MAX-PLUS-0NE"):
        marker("KEYS-POST-MAX-PLUS-0NE")
    with pytest.raises(UnknownCheck):
        lookup(None)  # type: ignore[arg-type]
    assert lookup("KEYS-GET-EXACT").family == "KEYS"


def test_every_catalogued_check_has_exactly_one_test_and_every_marker_is_catalogued():
    ids = [m for p in SUITE.glob("test_*.py") for m in re.findall(r'@check\("([^"]+)"\)', p.read_text("utf-8"))]
    assert sorted(ids) == sorted(BY_ID), set(ids) ^ set(BY_ID)


def test_catalogue_carries_rules_and_basis_once():
    for check in CHECKS:
        assert check.rules[0] == check.rule and all(r in SPEC.rules for r in check.rules), check.id
        assert check.basis


# ---------- verdict ----------

def test_documented_is_the_page_evidence_of_the_field():
    assert documented(CL, "着信TEL")
    assert not documented(OPEN, "no such field")
    assert not any(documented(OPEN, f.name) for f in OPEN.fields if f.evidence != "documented")


def test_decide_fails_only_binding_findings_of_must_checks():
    binding = Finding("broken promise")
    silent = Finding("page silent", silent=True)
    open_field = Finding("type of an undocumented field", field=(OPEN, OPEN.fields[-1].name))
    assert decide("MUST", []) == "pass"
    assert decide("MUST", [silent, open_field]) == "warn"
    assert decide("MUST", [silent, binding]) == "fail"
    assert decide("SHOULD", [binding]) == "warn"
    assert Finding("x", field=(CL, "着信TEL")).binding


def test_judge_maps_outcomes():
    check = lookup("KEYS-GET-EXACT")
    verdict = Verdict()
    assert judge(check, verdict, None).status == "pass"
    verdict.warn("odd but allowed", Exchange("GET", "http://h/x"))
    got = judge(check, verdict, None)
    assert got.status == "warn" and got.message == "odd but allowed" and got.evidence
    failed = judge(check, verdict, CheckFailed("wrong record"))
    assert failed.status == "fail" and failed.message.startswith("wrong record\nalso: odd but allowed")
    assert judge(check, Verdict(), RuntimeError("boom")).status == "error"
    assert judge(check, Verdict(), pytest.skip.Exception("no records"), skipped=True).message == "no records"
    assert judge(lookup("METHODS-ALLOW-HEADER"), Verdict(), CheckFailed("x")).status == "warn"  # SHOULD


class _Response:
    def __init__(self, status_code: int):
        self.status_code = status_code


def test_schemathesis_failures_are_classified_by_type_not_title():
    from schemathesis.core.failures import ServerError
    from schemathesis.openapi.checks import JsonSchemaError, UndefinedContentType, UndefinedStatusCode

    ctype = UndefinedContentType(operation="GET /x", content_type="text/json", defined_content_types=["a/b"],
                                 message="m", title="Totally unrelated title")
    assert not from_schemathesis(ctype, _Response(200), CL).binding
    status = UndefinedStatusCode(operation="GET /x", status_code=201, defined_status_codes=["200"],
                                 allowed_status_codes=[200], message="m")
    assert not from_schemathesis(status, _Response(201), CL).binding
    status_3xx = UndefinedStatusCode(operation="GET /x", status_code=302, defined_status_codes=["200"],
                                     allowed_status_codes=[200], message="m")
    assert from_schemathesis(status_3xx, _Response(302), CL).binding
    assert from_schemathesis(ServerError(operation="GET /x", status_code=500), _Response(500), CL).binding
    assert not from_schemathesis(ServerError(operation="GET /x", status_code=500, title="Content-Type"),
                                 _Response(404), CL).binding  # anything about a 4xx answer is open

    def schema_error(path):  # built without a validator run: only the attributes the verdict reads
        error = JsonSchemaError.__new__(JsonSchemaError)
        error.instance_path, error.title, error.message = path, "Response violates schema", "m"
        return error

    assert from_schemathesis(schema_error([0, "着信TEL"]), _Response(200), CL).binding
    undocumented = next(f.name for f in OPEN.fields if f.evidence != "documented")
    assert not from_schemathesis(schema_error([0, undocumented]), _Response(200), OPEN).binding
    assert from_schemathesis(schema_error([]), _Response(200), OPEN).binding  # the array itself


# ---------- records ----------

class FakeService:
    """A Transport over an in-memory table per resource; `on_send` sees every request before it is answered."""

    def __init__(self, spec=SPEC, store_marker: bool = True):
        self.spec = spec
        self.tables: dict[str, dict[int, dict]] = {r.name: {} for r in spec.resources}
        self.store_marker = store_marker
        self.on_send = lambda request: None
        self.sent: list[Request] = []

    def _answer(self, request: Request, status: int, body) -> Answer:
        return Answer(Exchange(request.method, request.path), status, {"content-type": "application/json"},
                      json.dumps(body, ensure_ascii=False))

    def send(self, request: Request) -> Answer:
        self.on_send(request)
        self.sent.append(request)
        parts = request.path.strip("/").split("/")
        resource = next(r for r in self.spec.resources if r.collection.strip("/") == parts[0])
        table = self.tables[resource.name]
        ok = {"result": "True", "msg": "正常終了"}
        if request.method == "GET":
            if len(parts) == 1:
                return self._answer(request, 200, [table[k] for k in sorted(table)])
            rec = table.get(int(parts[1]))
            return self._answer(request, 200, [rec] if rec else [])
        if request.method == "POST":
            if not isinstance(request.body, dict):
                return self._answer(request, 400, {"result": "False", "msg": "bad"})
            key = max(table, default=max(resource.min_id, 1) - 1) + 1
            table[key] = self._stored(resource, request.body, key)
            return self._answer(request, 200, ok)
        key = int(parts[1])
        if request.method == "PUT":
            if key in table:
                table[key] = self._stored(resource, request.body, key)
            return self._answer(request, 200, ok)
        table.pop(key, None)
        return self._answer(request, 200, ok)

    def _stored(self, resource, body: dict, key: int) -> dict:
        rec = {**body, resource.key: str(key)}
        if not self.store_marker:
            mf = _records(self).marker_field(resource)
            rec.pop(mf, None)
        return rec


def _records(service: FakeService, mode: str = "full") -> Records:
    return Records(service, SPEC, mode=mode, run_id="t1")


def test_create_is_ledgered_and_marked_before_the_post_is_sent():
    service = FakeService()
    records = _records(service)
    seen = []

    def on_send(request):
        if request.method == "POST":
            mf = records.marker_field(OPEN)
            pending = [e for e in records.ledger.entries if e.resource == OPEN.name and not e.deleted]
            seen.append((request.body[mf], [e.marker for e in pending]))

    service.on_send = on_send
    posted = records.create(OPEN, {OPEN.key: "0"})
    marker = seen[0][0]
    assert marker.startswith("scs-kit-t1-") and seen == [(marker, [marker])]
    assert posted.key and posted.by_marker and records.owns(OPEN, posted.key)
    records.cleanup()
    assert service.tables[OPEN.name] == {} and not records.problems


def test_a_record_without_the_marker_field_is_claimed_as_the_only_new_key():
    service = FakeService(store_marker=False)
    records = _records(service)
    posted = records.create(OPEN, {OPEN.key: "0"})
    assert posted.key is not None and not posted.by_marker
    assert "only new key" in records.ledger.entries[0].note


def test_a_raw_post_is_ledgered_before_it_is_sent():
    service = FakeService()
    records = _records(service)
    counts = []
    service.on_send = lambda request: counts.append(len(records.ledger.entries)) if request.method == "POST" else None
    posted = records.post(OPEN, raw=b"{")
    assert counts == [1] and posted.key is None and records.ledger.entries[0].deleted


def test_put_new_ledgers_the_key_before_the_put():
    service = FakeService()
    records = _records(service)
    keys_ledgered = []
    service.on_send = lambda request: keys_ledgered.append([e.key for e in records.ledger.entries]) \
        if request.method == "PUT" else None
    probe = records.put_new(OPEN, "77", {OPEN.key: "77"}, "registered by an upsert")
    assert keys_ledgered == [["77"]] and probe.key is None and records.ledger.entries[0].deleted


def test_touching_restores_foreign_records_exactly_and_cleanup_restores_what_is_left():
    service = FakeService()
    records = _records(service)
    service.tables[RCR.name][5] = original = {RCR.key: "5", "相手TEL": "0312345678"}
    with records.touching(RCR, ["5"]) as snaps:
        assert snaps["5"] == original and records.ledger.snapshots
        records.put(RCR, "5", {RCR.key: "5", "相手TEL": "changed"})
    assert service.tables[RCR.name][5] == original and not records.ledger.snapshots
    records.snapshot(RCR, "5")
    records.put(RCR, "5", {RCR.key: "5", "相手TEL": "changed again"})
    records.cleanup()
    assert service.tables[RCR.name][5] == original


def test_modes_decide_which_creates_are_allowed():
    no_delete = next(r for r in SPEC.resources if r.allows("POST") and not r.allows("DELETE"))
    assert _records(FakeService(), "live").blocker(no_delete)
    assert _records(FakeService(), "full").blocker(no_delete) is None
    with pytest.raises(NotAllowed):
        _records(FakeService(), "read-only").create(OPEN, {OPEN.key: "0"})
    assert _records(FakeService(), "read-only").blocker(OPEN) == "mode read-only sends GET only"


# ---------- the persisted ledger ----------

def test_the_journal_holds_the_intent_before_the_request_is_sent(tmp_path):
    from scs_kit.check.ledger import Ledger

    service = FakeService()
    records = _records(service)
    journal = tmp_path / "ledger.jsonl"
    records.journal(journal, "http://h/x")
    at_send = []
    service.on_send = lambda request: at_send.append((request.method, journal.read_text("utf-8"))) \
        if request.method != "GET" else None
    service.tables[RCR.name][5] = {RCR.key: "5", "相手TEL": "0312345678"}
    posted = records.create(OPEN, {OPEN.key: "0"})
    with records.touching(RCR, ["5"]):
        records.put(RCR, "5", {RCR.key: "5", "相手TEL": "changed"})
    post_text = next(text for method, text in at_send if method == "POST")
    assert json.loads(post_text.splitlines()[-1])["marker"] == records.ledger.entries[0].marker
    put_text = next(text for method, text in at_send if method == "PUT")
    assert json.loads(put_text.splitlines()[-1]) == {"op": "snapshot", "resource": RCR.name, "key": "5",
                                                     "record": {RCR.key: "5", "相手TEL": "0312345678"}}
    loaded = Ledger.load(journal)
    assert loaded.base_url == "http://h/x" and loaded.entries[0].key == posted.key and not loaded.snapshots
    records.cleanup()
    assert not journal.exists(), "a ledger with everything undone is removed"


def test_a_torn_last_line_is_ignored_and_anything_else_is_an_error(tmp_path):
    from scs_kit.check.ledger import Ledger
    from scs_kit.errors import KitError

    start = json.dumps({"op": "start", "format": "scs-kit-ledger/1", "base_url": "http://h/x", "run_id": "r"})
    create = json.dumps({"op": "create", "n": 0, "resource": OPEN.name, "marker": "scs-kit-r-1", "key": None})
    path = tmp_path / "l.jsonl"
    path.write_text(f"{start}\n{create}\n{{\"op\": \"sett", encoding="utf-8")
    assert Ledger.load(path).entries[0].marker == "scs-kit-r-1"
    path.write_text(f"{start}\nnot json\n{create}\n", encoding="utf-8")
    with pytest.raises(KitError, match="line 2"):
        Ledger.load(path)
    path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(KitError):
        Ledger.load(path)
