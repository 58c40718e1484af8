"""Unit tests of the suite's own helpers: the query model, the envelope judge, the catalog, the client."""

from __future__ import annotations

from scs_kit.check.expectations import envelope_problem
from scs_kit.check.query_oracle import expected, query_fields, route
from scs_kit import spec as spec_mod
from scs_kit.check.catalog import BY_ID, CHECKS, PROFILES, source_of
from scs_kit.check.http import NOT_JSON, Client
from scs_kit.shell import curl, replay

SPEC = spec_mod.load()
RCR = next(r for r in SPEC.resources if r.query)
ROWS = [
    {"ID": "10", "顧客ID": "2", "相手TEL": "0312345678"},
    {"ID": "9", "顧客ID": "02", "相手TEL": "0667891234"},
    {"ID": "100", "顧客ID": "0", "相手TEL": "0312345678"},
    {"ID": "11", "顧客ID": "x", "相手TEL": "0700000000"},
]


def test_query_fields_come_from_the_document():
    assert query_fields(RCR) == ("顧客ID", "相手TEL")


def test_query_model_orders_numerically_filters_and_limits():
    ids = lambda rows: [r["ID"] for r in rows]  # noqa: E731
    assert ids(expected(RCR, ROWS, 0, "False", 0, None)) == ["9", "10", "11", "100"]
    assert ids(expected(RCR, ROWS, 0, "true", 0, None)) == ["100", "11", "10", "9"]
    assert ids(expected(RCR, ROWS, 2, "True", 0, None)) == ["100", "11"]
    assert ids(expected(RCR, ROWS, 0, "false", 2, None)) == ["9", "10"]  # 顧客ID compared as numbers
    assert ids(expected(RCR, ROWS, 0, "False", 0, ["0312345678", "0700000000"])) == ["10", "11", "100"]
    assert expected(RCR, [], 5, "True", 3, ["0312345678"]) == []


def test_query_route_spellings():
    assert route(RCR, 0, "True", 0, None) == "/ReceivedCall-Record/0/True/0/Null"
    assert route(RCR, 3, "false", 7, ["0312345678", "0667891234"], "%26") == \
        "/ReceivedCall-Record/3/false/7/0312345678%260667891234"


def test_envelope_problem_accepts_only_the_string_envelope():
    assert envelope_problem({"result": "True", "msg": "正常終了"}) is None
    assert envelope_problem({"result": "False", "msg": "x"}) is None
    assert "JSON bool" in envelope_problem({"result": True, "msg": "正常終了"})
    assert "not \"True\"" in envelope_problem({"result": "true", "msg": "正常終了"})
    assert "msg" in envelope_problem({"result": "True"})
    assert "not JSON" in envelope_problem(NOT_JSON)
    assert "list" in envelope_problem([])


def test_catalog_is_complete_and_rules_exist():
    assert len(BY_ID) == len(CHECKS)  # see test_check_core for the registry itself
    for check in CHECKS:
        assert check.rule in SPEC.rules, check.id
        assert source_of(check, SPEC)
    assert {c.level for c in CHECKS} == {"MUST", "SHOULD"}
    assert set(PROFILES) == {"quick", "default", "thorough"}


def test_curl_line_is_replayable():
    import shlex

    line = curl("PUT", "http://127.0.0.1:1/R/1", {"Content-Type": "application/json"}, '{"a": "it\'s"}')
    assert line.startswith("curl -sS -i -X PUT -H 'Content-Type: application/json' --data-binary ")
    assert line.endswith(" http://127.0.0.1:1/R/1")
    assert shlex.split(line)[-2] == '{"a": "it\'s"}'  # the body comes back byte for byte


def test_curl_powershell_form_quotes_by_doubling():
    line = curl("POST", "http://h/R", {"Content-Type": "application/json"}, '{"a": "it\'s"}', shell="powershell")
    assert line == ("curl.exe -sS -i -X POST -H 'Content-Type: application/json' --data-binary '{\"a\": \"it\'\'s\"}' "
                    "http://h/R")


def test_replay_command_is_quoted():
    import shlex

    line = replay(base_url="http://h:1/a b", profile="quick", mode="live", seed=7, only="KEYS", resources="R;x")
    assert shlex.split(line) == ["scs-kit", "check", "--base-url", "http://h:1/a b", "--profile", "quick", "--mode",
                                 "live", "--seed", "7", "--only", "KEYS", "--resources", "R;x"]


def test_client_gives_up_on_a_dead_target():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}", timeout=1)
    from scs_kit.check.http import Unreachable

    messages = []
    for _ in range(5):
        try:
            client.get("/x")
        except Unreachable as exc:
            messages.append(str(exc))
    assert "connection refused" in messages[0]
    assert "stopped answering" in messages[-1]
    assert client.sent == 3  # the last two were never sent
