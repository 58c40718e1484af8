"""`scs-kit lint`: the document is clean, and every lint rule fails its own broken document."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml
from scs_kit import cli
from scs_kit.spec import default_spec_path, read_document

DOC = read_document(default_spec_path())


def run_lint(capsys, path) -> tuple[int, str, str]:
    code = cli.main(["lint", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, doc) -> str:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def test_the_kits_document_is_clean(capsys):
    code, out, err = run_lint(capsys, default_spec_path())
    assert code == 0, out + err
    assert "19 resources match the vendor's table" in out


QUERY = "/ReceivedCall-Record/{TOP}/{DESCENDING}/{K_ID}/{FROM}"
QUERY_AT = "#/paths/" + QUERY.replace("/", "~1") + "/get"


# Each case: a rule, a mutation that breaks exactly that rule, and the finding it must produce.
def _set(path, value):
    def mutate(doc):
        node = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


def _delete(path):
    def mutate(doc):
        node = doc
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return mutate


def _tag(doc, name):
    return next(t for t in doc["tags"] if t["name"] == name)


def _add_delete_to_messdef(doc):
    op = copy.deepcopy(doc["paths"]["/ContainmentLine/{回線No}"]["delete"])
    op["operationId"] = "deleteMessDefMail"
    op["tags"] = ["MessDef-Mail"]
    op["parameters"] = [{"$ref": "#/components/parameters/MessDefMailKey"}]
    op["responses"]["200"]["links"] = {}
    doc["paths"]["/MessDef-Mail/{ID}"]["delete"] = op


def _extra_path(doc):
    doc["paths"]["/Unknown-Resource"] = copy.deepcopy(doc["paths"]["/ContainmentLine"])
    for op in doc["paths"]["/Unknown-Resource"].values():
        op["operationId"] += "Unknown"


CASES = [
    ("oas-structure", _set(["info", "title"], 3), "#/info/title", "is not of type"),
    ("oas-structure", _set(["openapi"], "3.0.3"), "#/openapi", "OpenAPI 3.1.x expected"),
    ("oas-semantics", _delete(["paths", "/ContainmentLine/{回線No}", "get", "parameters"]), "#", "回線No"),
    ("vendor-resources", lambda d: _tag(d, "ConnectedClient").pop("x-scs-resource"), "#/tags", "'ConnectedClient' has no tag"),
    ("vendor-resources", _extra_path, "#/paths/~1Unknown-Resource", "not on the vendor's page"),
    ("vendor-resources", lambda d: _tag(d, "CustomerAddress")["x-scs-resource"].update(key="ID"), "#/tags/3/x-scs-resource/key", "key must be '顧客ID'"),
    ("vendor-methods", _add_delete_to_messdef, "#/paths/~1MessDef-Mail~1{ID}/delete", "is not a vendor method"),
    ("vendor-methods", _delete(["paths", "/ReceivedCall-Record/{ID}", "put"]), "#/paths/~1ReceivedCall-Record~1{ID}/put", "is a vendor method but is not documented"),
    ("vendor-methods", lambda d: _tag(d, "ConnectedClient")["x-scs-resource"].update(methods=["GET", "POST"]), "#/tags/2/x-scs-resource/methods", "the vendor allows GET"),
    ("min-id", lambda d: _tag(d, "SIP-ServerConnection")["x-scs-resource"].update({"min-id": 1}), "#/tags/1/x-scs-resource/min-id", "minimum id must be 2"),
    ("min-id", _set(["components", "parameters", "OnlineActivationKey", "schema", "minimum"], 1), "#/paths/~1Online-Activation~1{ID}/get/parameters/0", "minimum must be 2"),
    ("record-key", lambda d: d["components"]["schemas"]["ContainmentLine"]["required"].remove("回線No"), "#/components/schemas/ContainmentLine/required", "does not require its key '回線No'"),
    ("record-key", _delete(["components", "schemas", "CustomerAddress", "properties", "顧客ID"]), "#/components/schemas/CustomerAddress/properties", "has no property for its key '顧客ID'"),
    ("example-valid", _set(["paths", "/ContainmentLine", "post", "requestBody", "content", "application/json", "examples", "vendor", "value", "着信TEL"], 731235678),
     "#/paths/~1ContainmentLine/post/requestBody/content/application~1json/examples/vendor/value/着信TEL", "example does not match its schema"),
    ("example-valid", _set(["components", "schemas", "Result", "examples"], [{"result": True, "msg": "正常終了"}]), "#/components/schemas/Result/examples/0/result", "example does not match"),
    ("operation-example", _delete(["paths", "/CustomerAddress", "post", "requestBody", "content", "application/json", "examples"]), "#/paths/~1CustomerAddress/post/requestBody", "has no example"),
    ("rule-source", lambda d: d["x-scs-rules"][5].update(source=""), "#/x-scs-rules/5/source", "has no vendor source sentence"),
    ("rule-source", _set(["paths", "/ContainmentLine", "post", "x-scs-rules"], ["no-such-rule"]), "#/paths/~1ContainmentLine/post/x-scs-rules/0", "unknown rule 'no-such-rule'"),
    ("rule-source", lambda d: _tag(d, "Online-Activation")["x-scs-resource"].pop("min-id-source"), "#/tags/14/x-scs-resource/min-id-source", "minimum id has no vendor source"),
    ("property-evidence", _delete(["components", "schemas", "CustomerAddress", "properties", "顧客名", "x-scs-evidence"]), "#/components/schemas/CustomerAddress/properties/顧客名", "x-scs-evidence must be one of"),
    ("property-evidence", _delete(["components", "schemas", "ContainmentLine", "properties", "着信TEL", "x-scs-source"]), "#/components/schemas/ContainmentLine/properties/着信TEL", "documented but no x-scs-source"),
    ("model", _delete(["paths", QUERY, "get", "x-scs-query"]), QUERY_AT, "does not declare its meaning"),
    ("model", _set(["paths", QUERY, "get", "x-scs-query", "filters", 0, "field"], "顧客番号"), QUERY_AT + "/x-scs-query/filters/0/field", "'顧客番号' is not a field"),
    ("model", _set(["paths", QUERY, "get", "x-scs-query", "filters", 1, "parameter"], "TEL"), QUERY_AT + "/x-scs-query/filters/1/parameter", "'TEL' is not a path parameter"),
    ("model", _set(["paths", QUERY, "get", "x-scs-query", "order", "key"], "日時"), QUERY_AT + "/x-scs-query/order/key", "'日時' is not a field"),
    ("model", _delete(["paths", QUERY, "get", "x-scs-query", "limit"]), QUERY_AT + "/x-scs-query", "'TOP' must have exactly one meaning"),
    ("model", lambda d: _tag(d, "ReceivedCall-Record")["x-scs-resource"].pop("query"), "#/paths/" + QUERY.replace("/", "~1"), "no resource's collection, item or query path"),
    ("vendor-resources", lambda d: _tag(d, "MessDef-Mail")["x-scs-resource"].update(addition="new"), "#/tags/10/x-scs-resource/addition", "not an addition"),
]


@pytest.mark.parametrize("rule,mutate,where,message", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_rule_fails_its_broken_document(tmp_path, capsys, rule, mutate, where, message):
    doc = copy.deepcopy(DOC)
    mutate(doc)
    code, out, _ = run_lint(capsys, write(tmp_path, doc))
    assert code == 1, out
    lines = [line for line in out.splitlines() if f"[{rule}]" in line]
    assert any(f": {where}" in line and message in line for line in lines), f"expected [{rule}] at {where} with {message!r}; got:\n{out}"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"openapi: [3.1.0\n", "not parsable as YAML/JSON at line 2"),
        (b"\xff\xfe\x00broken", "not UTF-8 text"),
        (b"- just\n- a list\n", "top level is list"),
    ],
    ids=["unparsable", "not-utf8", "not-a-mapping"],
)
def test_unreadable_files_exit_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "spec.yaml"
    path.write_bytes(content)
    code, out, err = run_lint(capsys, path)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("scs-kit lint: error:")


def test_missing_file_and_directory_exit_2(tmp_path, capsys):
    assert run_lint(capsys, tmp_path / "absent.yaml")[0] == 2
    code, _, err = run_lint(capsys, tmp_path)
    assert code == 2 and "is a directory" in err


def test_cli_never_prints_a_traceback(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("openapi: 3.1.0\ninfo: 7\npaths: {}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "scs_kit", "lint", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "#/info" in proc.stdout
