"""The demo data set, spec-driven routing (a new resource in the document is served), and
the Service seam that lets tests inject faults."""

from __future__ import annotations

import copy
import re

import pytest
import requests
from scs_kit import spec as spec_module
from scs_kit.server import Service, create_app, start_server
from scs_kit.server.demo import demo_records

SPEC = spec_module.load()


@pytest.fixture(scope="module")
def demo():
    with start_server(demo=True) as s:
        yield s


def test_demo_is_deterministic():
    a, b = Service(SPEC), Service(SPEC)
    assert demo_records(a) == demo_records(b)


def test_demo_has_every_resource_with_valid_keys(demo):
    for r in SPEC.resources:
        rows = requests.get(demo.base_url + r.collection).json()
        assert rows, r.name
        assert all(int(x[r.key]) >= r.min_id for x in rows), r.name
        assert all(set(x) == {f.name for f in r.fields} for x in rows), r.name
        assert all(isinstance(v, str) for x in rows for v in x.values())


def test_demo_calls_are_realistic(demo):
    calls = requests.get(demo.base_url + "/ReceivedCall-Record").json()
    customers = {c["顧客ID"]: c for c in requests.get(demo.base_url + "/CustomerAddress").json()}
    assert 180 <= len(calls) <= 220
    days = sorted({c["着信日時"][:10] for c in calls})
    assert len(days) >= 20 and days[0] < "2026/10/20" and days[-1] > "2026/11/15"  # several weeks
    assert len({c["顧客ID"] for c in calls}) >= 8 and len({c["相手TEL"] for c in calls}) >= 10
    for c in calls:
        assert re.fullmatch(r"0[0-9]{9,10}", c["相手TEL"])
        if c["顧客ID"] != "0":
            assert customers[c["顧客ID"]]["電話番号"] == c["相手TEL"]
    stamps = [c["着信日時"] for c in calls]
    assert stamps == sorted(stamps)  # IDs follow arrival order


def test_demo_query_route(demo):
    rows = requests.get(demo.base_url + "/ReceivedCall-Record/5/True/1/Null").json()
    assert len(rows) == 5 and all(r["顧客ID"] == "1" for r in rows)
    assert [int(r["ID"]) for r in rows] == sorted((int(r["ID"]) for r in rows), reverse=True)


def test_demo_does_not_overwrite_existing_data(tmp_path):
    db = str(tmp_path / "d.sqlite3")
    with start_server(db=db, demo=True) as s:
        requests.put(s.base_url + "/ContainmentLine/1", json={"回線No": "1", "着信TEL": "1", "代表TEL": "2",
                                                             "種別": "FAX", "代理内線番号": "3"})
    with start_server(db=db, demo=True) as s:
        assert requests.get(s.base_url + "/ContainmentLine/1").json()[0]["種別"] == "FAX"


def test_a_resource_added_to_the_document_is_served():
    doc = copy.deepcopy(SPEC.document)
    tag = copy.deepcopy(next(t for t in doc["tags"] if t["name"] == "MessDef-Toast"))
    tag["name"] = "Extra-Thing"
    ext = tag["x-scs-resource"]
    ext.update(collection="/Extra-Thing", item="/Extra-Thing/{ID}", methods=["GET", "POST"])
    ext["min-id"] = 5
    doc["tags"].append(tag)
    doc["paths"]["/Extra-Thing"] = copy.deepcopy(doc["paths"]["/MessDef-Toast"])
    item = copy.deepcopy(doc["paths"]["/MessDef-Toast/{ID}"])
    item.pop("put")
    item["get"]["parameters"] = [{"name": "ID", "in": "path", "required": True,
                                  "schema": {"type": "integer", "minimum": 5, "maximum": 2147483647}}]
    doc["paths"]["/Extra-Thing/{ID}"] = item
    spec = spec_module.Spec(doc)
    with start_server(spec=spec) as s:
        assert requests.post(s.base_url + "/Extra-Thing", json={"ID": "0"}).json()["result"] == "True"
        assert [r["ID"] for r in requests.get(s.base_url + "/Extra-Thing").json()] == ["5"]
        assert requests.get(s.base_url + "/Extra-Thing/4").status_code == 404
        resp = requests.put(s.base_url + "/Extra-Thing/5", json={"ID": "5"})
        assert resp.status_code == 405 and resp.headers["allow"] == "GET"


class HonoursBodyKey(Service):
    """A faulty implementation: POST uses the body's key."""

    def create(self, resource_name, body):
        key = int(body[self.spec.resource(resource_name).key])
        self.load_records(resource_name, [{**body, self.spec.resource(resource_name).key: str(key)}])
        return key


def test_create_app_uses_the_given_service_instance():
    svc = HonoursBodyKey(SPEC)
    app = create_app(service=svc)
    assert app.service is svc
    with start_server(app=app) as s:
        requests.post(s.base_url + "/UserManagement", json={"ID": "42"})
        assert [r["ID"] for r in requests.get(s.base_url + "/UserManagement").json()] == ["42"]
