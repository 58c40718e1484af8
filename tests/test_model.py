"""The document model (`scs_kit.spec`): one reading of the document for every part of the kit.

A 20th resource added to a copy of the document (YAML only) is served, documented and accepted by
lint; a document that lacks what the model needs (the query route's x-scs-query, or one naming a
parameter or field that does not exist) is refused by `scs-kit serve` and `Spec`, never guessed.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from scs_kit import cli
from scs_kit import spec as spec_module
from scs_kit.docs.build import build_site
from scs_kit.errors import KitError
from scs_kit.server import Service, start_server

TEMPLATE = ("IncomingCall-URL", "IncomingCallURL")  # the resource the 20th is copied from (tag name, schema name)
NEW = ("Visitor-Log", "VisitorLog")
QUERY = "/ReceivedCall-Record/{TOP}/{DESCENDING}/{K_ID}/{FROM}"


def kit_document() -> dict:
    """A fresh parse of the kit's own document (callers may mutate it)."""
    return spec_module.read_document(spec_module.default_spec_path())


def write_document(doc: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def add_twentieth_resource(doc: dict) -> dict:
    """Add Visitor-Log to the document: a copy of IncomingCall-URL's tag, paths, schemas and key
    parameter under new names, offering GET, POST and PUT (no DELETE) with IDs of 3 or more, declared
    as an addition to the vendor's table. Only the document changes."""
    (old_tag, old_schema), (new_tag, new_schema) = TEMPLATE, NEW
    pieces = {
        "tag": next(t for t in doc["tags"] if t["name"] == old_tag),
        "collection": doc["paths"][f"/{old_tag}"],
        "item": doc["paths"][f"/{old_tag}/{{ID}}"],
        "schemas": {n: s for n, s in doc["components"]["schemas"].items()
                    if n in (old_schema, old_schema + "List", old_schema + "Single")},
        "parameters": {n: p for n, p in doc["components"]["parameters"].items() if n == old_schema + "Key"},
    }
    text = json.dumps(pieces, ensure_ascii=False).replace(old_tag, new_tag).replace(old_schema, new_schema)
    new = json.loads(text)
    tag, ext = new["tag"], new["tag"]["x-scs-resource"]
    ext.update(title="来訪記録", methods=["GET", "POST", "PUT"], addition="a resource added to show that the document "
               "alone drives the kit", source="来訪記録 … /Visitor-Log /Visitor-Log/(ID)",
               **{"title-en": "Visitor log", "methods-source": "※GET、POST、PUTのみ", "min-id": 3,
                  "min-id-source": "※ID は3以上"})
    tag["description"] = "来訪記録 — Visitor log. 使用可能なメソッド: GET, POST, PUT. ID は3以上。"
    tag["x-displayName"] = "来訪記録 (Visitor-Log)"
    new["item"].pop("delete")
    key_param = new["parameters"][new_schema + "Key"]
    key_param["schema"]["minimum"] = 3
    key_param["examples"]["vendor"]["value"] = 3
    for example in new["schemas"][new_schema].get("examples", []):
        example["ID"] = "3"
    doc["tags"].append(tag)
    doc["paths"][f"/{new_tag}"] = new["collection"]
    doc["paths"][f"/{new_tag}/{{ID}}"] = new["item"]
    doc["components"]["schemas"].update(new["schemas"])
    doc["components"]["parameters"].update(new["parameters"])
    return _fix_examples(doc, new_tag)


def _fix_examples(doc: dict, name: str) -> dict:
    """Example records of the copied operations carry ID "1": below the new minimum, keep them valid."""
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("ID") == "1":
                node["ID"] = "3"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc["paths"][f"/{name}"])
    walk(doc["paths"][f"/{name}/{{ID}}"])
    return doc


def twentieth_resource_document(tmp_path: Path) -> Path:
    """The kit's document plus a 20th resource, Visitor-Log (see add_twentieth_resource), as a file."""
    return write_document(add_twentieth_resource(kit_document()), tmp_path / "scs-restful-api.yaml")


def query_extension(doc: dict) -> dict:
    return doc["paths"][QUERY]["get"]["x-scs-query"]


# --- the 20th resource: served, documented, linted, with no Python change ------------------------


def test_lint_accepts_a_twentieth_resource(tmp_path, capsys):
    path = twentieth_resource_document(tmp_path)
    code = cli.main(["lint", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "19 resources match the vendor's table, 1 declared addition(s)" in out


def test_lint_refuses_an_undeclared_twentieth_resource(tmp_path, capsys):
    doc = add_twentieth_resource(kit_document())
    doc["tags"][-1]["x-scs-resource"].pop("addition")
    code = cli.main(["lint", str(write_document(doc, tmp_path / "undeclared.yaml"))])
    out, _ = capsys.readouterr()
    assert code == 1 and "resource 'Visitor-Log' is not in the vendor's table" in out


def test_the_model_reads_the_twentieth_resource(tmp_path):
    spec = spec_module.load(twentieth_resource_document(tmp_path))
    r = spec.resource("Visitor-Log")
    assert len(spec.resources) == 20
    assert (r.methods, r.min_id, r.min_key, r.key) == (("GET", "POST", "PUT"), 3, 3, "ID")
    assert sorted((o.kind, o.method) for o in r.operations) == [("collection", "GET"), ("collection", "POST"),
                                                                ("item", "GET"), ("item", "PUT")]
    assert r.query_route is None


def test_the_server_serves_a_twentieth_resource(tmp_path):
    spec = spec_module.load(twentieth_resource_document(tmp_path))
    with start_server(spec=spec) as s:
        url = s.base_url + "/Visitor-Log"
        assert requests.get(url).json() == []
        created = requests.post(url, json={"ID": "0", "URL": "https://example.jp/", "有効": "True"})
        assert created.json() == {"result": "True", "msg": "正常終了"}
        assert [r["ID"] for r in requests.get(url).json()] == ["3"]  # min-id 3 from the document
        assert requests.put(url + "/3", json={"ID": "9", "URL": "https://example.jp/2", "有効": "False"}).json()["result"] == "True"
        assert requests.get(url + "/3").json() == [{"ID": "3", "URL": "https://example.jp/2", "有効": "False"}]
        assert requests.get(url + "/2").status_code == 404  # below the key parameter's minimum
        refused = requests.delete(url + "/3")
        assert refused.status_code == 405 and refused.headers["allow"] == "GET, PUT"
        assert requests.get(url + "/3").json()[0]["ID"] == "3"
        assert requests.get(s.base_url + "/ContainmentLine").status_code == 200  # the other 19 still served


def test_the_docs_document_a_twentieth_resource(tmp_path):
    site = build_site(tmp_path / "site", spec_path=twentieth_resource_document(tmp_path))
    page = (site / "Visitor-Log.html").read_text(encoding="utf-8")
    assert "来訪記録" in page and 'id="op-post-collection"' in page and 'id="op-put-item"' in page
    assert 'id="op-delete-item"' not in page and "query-builder" not in page
    assert 'href="Visitor-Log.html"' in (site / "index.html").read_text(encoding="utf-8")


# --- the model's parts ---------------------------------------------------------------------------


def test_documented_is_the_one_answer():
    spec = spec_module.load()
    line, calls = spec.resource("ContainmentLine"), spec.resource("ReceivedCall-Record")
    assert line.field("着信TEL").documented and line.documented("着信TEL")
    assert not calls.field("顧客ID").documented  # implied: the page uses it, never shows it
    assert not calls.documented("着信日時")  # inferred
    assert not line.documented("no such field")


def test_operations_have_their_kind_from_the_document():
    spec = spec_module.load()
    r = spec.resource("ReceivedCall-Record")
    assert [(o.kind, o.method, o.path) for o in r.operations] == [
        ("collection", "GET", "/ReceivedCall-Record"),
        ("item", "GET", "/ReceivedCall-Record/{ID}"),
        ("item", "PUT", "/ReceivedCall-Record/{ID}"),
        ("query", "GET", QUERY),
    ]
    put = r.operation("item", "PUT")
    assert put.rules == ("put-uri-key", "write-envelope")
    assert put.request_schema == {"$ref": "#/components/schemas/ReceivedCallRecord"}
    assert put.parameter("ID").maximum == 2147483647
    assert [p.name for p in r.operation("query", "GET").parameters] == ["TOP", "DESCENDING", "K_ID", "FROM"]
    assert len(spec.operations) == sum(len(x.operations) for x in spec.resources)


def test_the_query_route_meaning_is_declared():
    q = spec_module.load().resource("ReceivedCall-Record").query_route
    assert q.parameters == ("TOP", "DESCENDING", "K_ID", "FROM")
    assert (q.limit.parameter, q.limit.all) == ("TOP", 0)
    assert q.order.descending == ("True", "true") and q.order.ascending == ("False", "false")
    assert (q.order.key, q.order.key_evidence) == ("ID", "inferred")  # the page says only 降順/昇順
    kid, frm = q.filter("K_ID"), q.filter("FROM")
    assert (kid.field, kid.match, kid.all) == ("顧客ID", "number", 0)
    assert (frm.field, frm.match, frm.all, frm.separators, frm.max_values) == ("相手TEL", "text", "Null", ("&", "%26"), 6)
    assert frm.split("Null") is None and frm.split("0312345678&0667891234") == ["0312345678", "0667891234"]
    assert frm.join(["1", "2"], "%26") == "1%262" and frm.join(None) == "Null"
    for part in (q.limit, q.order, kid, frm):
        assert part.source.strip()


def test_the_servers_query_follows_the_extension(tmp_path):
    """Point K_ID at another field in a copy: the server filters on that field (nothing hard-coded)."""
    doc = kit_document()
    query_extension(doc)["filters"][0]["field"] = "回線No"
    spec = spec_module.Spec(doc)
    service = Service(spec)
    service.load_records("ReceivedCall-Record", [
        {"ID": "1", "顧客ID": "5", "相手TEL": "0312345678", "回線No": "2"},
        {"ID": "2", "顧客ID": "2", "相手TEL": "0312345678", "回線No": "1"},
    ])
    with start_server(spec=spec, service=service) as s:
        got = requests.get(s.base_url + "/ReceivedCall-Record/0/True/2/Null").json()
    assert [r["ID"] for r in got] == ["1"]


# --- a document that lacks what the model needs ----------------------------------------------------


def _without_extension(doc: dict) -> None:
    del doc["paths"][QUERY]["get"]["x-scs-query"]


def _missing_parameter(doc: dict) -> None:
    query_extension(doc)["filters"][1]["parameter"] = "TEL"


def _missing_field(doc: dict) -> None:
    query_extension(doc)["filters"][0]["field"] = "顧客番号"


def _undeclared_query_path(doc: dict) -> None:
    next(t for t in doc["tags"] if t["name"] == "ReceivedCall-Record")["x-scs-resource"].pop("query")


BROKEN: list[tuple[str, Callable[[dict], None], str]] = [
    ("no-extension", _without_extension, "does not declare its meaning (x-scs-query"),
    ("missing-parameter", _missing_parameter, "'TEL' is not a path parameter"),
    ("missing-field", _missing_field, "'顧客番号' is not a field of the record schema"),
    ("undeclared-query-path", _undeclared_query_path, "no resource's collection, item or query path"),
]


@pytest.mark.parametrize("mutate,needle", [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_document_lacking_the_model_is_refused(tmp_path, mutate, needle):
    doc = kit_document()
    mutate(doc)
    with pytest.raises(KitError, match="incomplete or malformed x-scs extension") as info:
        spec_module.Spec(copy.deepcopy(doc))
    assert needle in str(info.value)


@pytest.mark.parametrize("mutate,needle", [c[1:] for c in BROKEN[:2]], ids=[c[0] for c in BROKEN[:2]])
def test_serve_refuses_to_start_on_a_document_lacking_the_model(tmp_path, mutate, needle):
    doc = kit_document()
    mutate(doc)
    path = write_document(doc, tmp_path / "broken.yaml")
    env = {**os.environ, "SCS_SPEC": str(path)}
    proc = subprocess.run([sys.executable, "-m", "scs_kit", "serve", "--db", ":memory:", "--no-docs", "--port", "0"],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("scs-kit serve: error:") and proc.stderr.count("\n") == 1, proc.stderr
    assert needle in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_the_check_checks_a_twentieth_resource(tmp_path):
    """`scs-kit check --spec` with the 20th resource: the bundled server serves it and every family
    that applies runs on it, with no Python change."""
    import json

    from scs_kit.cli import main

    path = twentieth_resource_document(tmp_path)
    code = main(["check", "--spec", str(path), "--resources", "Visitor-Log", "--profile", "quick", "--seed", "1",
                 "--progress", "none", "--report-dir", str(tmp_path / "reports"), "--report", "json"])
    results = json.loads((tmp_path / "reports" / "results.json").read_text(encoding="utf-8"))
    assert code == 0, [(c["id"], c["status"], c.get("message")) for c in results["checks"] if c["status"] != "pass"]
    mine = [c for c in results["checks"] if c["resource"] == "Visitor-Log"]
    passed = {c["id"] for c in mine if c["status"] == "pass"}
    assert {"ENVELOPE-GET-ARRAY", "ENVELOPE-WRITE-SUCCESS", "METHODS-ALLOWED", "METHODS-FORBIDDEN",
            "SCHEMA-RESPONSES"} <= passed, sorted(passed)
