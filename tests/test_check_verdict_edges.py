"""Edges of the verdict policy outside single checks: --strict counts run-level notes, a request without
an answer within --timeout is an error naming it, and every answer's time is summarised per operation."""

from __future__ import annotations

from faulty import OPEN_VARIANTS, faulty_server
from faulty.run import describe, quick_check
from faulty.wire import SlowSingleGet


def test_strict_fails_on_a_run_level_note_alone():
    with faulty_server(*OPEN_VARIANTS["json-with-bom"]) as server:
        plain = quick_check(server.base_url, only=("ENVELOPE",), resources=("ContainmentLine",))
        strict = quick_check(server.base_url, only=("ENVELOPE",), resources=("ContainmentLine",), strict=True)
    assert plain.exit_code == 0 and any("byte order mark" in w for w in plain.warnings), describe(plain)
    assert "warn" not in {c.status for c in strict.checks}, describe(strict)
    assert strict.exit_code == 1 and strict.outcome == "fail", describe(strict)


class _VerySlowSingleGet(SlowSingleGet):
    """GET by key answers after 2 s."""

    DELAY = 2.0


def test_a_request_over_the_timeout_is_an_error_naming_it():
    with faulty_server(_VerySlowSingleGet) as server:
        results = quick_check(server.base_url, only=("LATENCY",), resources=("ContainmentLine",), timeout=0.5)
    errors = [c for c in results.checks if c.status == "error"]
    assert errors and results.exit_code == 2, describe(results)
    assert "GET " in errors[0].message and "/ContainmentLine/" in errors[0].message, errors[0].message
    assert "0.5 s" in errors[0].message, errors[0].message


def test_answer_times_per_operation():
    results = quick_check(None, only=("ENVELOPE",), resources=("ContainmentLine", "ReceivedCall-Record"))
    ops = results.latency
    assert {"GET /ContainmentLine", "GET /ContainmentLine/{回線No}", "POST /ContainmentLine",
            "PUT /ContainmentLine/{回線No}", "DELETE /ContainmentLine/{回線No}"} <= set(ops), ops
    for numbers in ops.values():
        assert numbers["n"] >= 1 and 0 <= numbers["p50"] <= numbers["p95"] <= numbers["max"]
