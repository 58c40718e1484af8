"""pytest wiring of the conformance suite: options, fixtures and per-resource parametrisation.

Fixtures: `kit` (the session's Kit: client, records, bodies), `records` (the records component that
alone owns the safety rule), `verdict` (per-test verdict state: warnings and evidence), `tours` (the
one pass over every documented operation of each resource), `probes` (the undocumented-method
probe of each resource) and `st_schema` (the Schemathesis schema of the document).

Runs standalone (`pytest contract_tests --base-url URL`, or SCS_BASE_URL; without either the
reference server is started in-process) and under `scs-kit check`, which passes its own Kit and
Collector as plugins.
"""

from __future__ import annotations

import atexit
import os

import pytest
from scs_kit import spec as specmod
from scs_kit.check.catalog import MODES, PROFILES, lookup
from scs_kit.check.collector import VERDICT, Collector, check_id_of
from scs_kit.check.context import Kit
from scs_kit.check.politeness import Politeness, parse_headers, parse_proxy, parse_rate
from scs_kit.check.records import Records
from scs_kit.check.verdict import Verdict
from scs_kit.errors import KitError

PLUGIN = "scs_collector"


def pytest_addoption(parser):
    group = parser.getgroup("scs", "scs-contract-kit conformance suite")
    group.addoption("--base-url", dest="scs_base_url", default=None,
                    help="base URL of the implementation (…/CTI_SmartConnectService/RestService); env SCS_BASE_URL")
    group.addoption("--scs-profile", default="default", choices=tuple(PROFILES))
    group.addoption("--scs-seed", type=int, default=None)
    group.addoption("--scs-mode", default="full", choices=MODES)
    group.addoption("--scs-only", default=None, help="comma-separated families")
    group.addoption("--scs-resources", default=None, help="comma-separated resource names")
    group.addoption("--scs-timeout", type=float, default=10.0)
    group.addoption("--scs-rate-limit", default=None, help="at most N requests per second (N/s)")
    group.addoption("--scs-retries", type=int, default=2,
                    help="further attempts of a GET, PUT or DELETE after a connection error or a 503")
    group.addoption("--scs-header", action="append", default=None, metavar="NAME:VALUE",
                    help="add this header to every request (repeatable)")
    group.addoption("--scs-proxy", default=None, help="send every request through this proxy")


def _split(value):
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


POLITENESS = pytest.StashKey[Politeness]()


def pytest_configure(config):
    config.addinivalue_line("markers", "scs_check(id): the stable check id this test implements")
    opt = config.getoption
    try:  # a bad value is a usage error before anything runs, not an error in every test
        rate = opt("scs_rate_limit")
        config.stash[POLITENESS] = Politeness(rate=parse_rate(rate) if rate else None, retries=opt("scs_retries"),
                                              headers=parse_headers(opt("scs_header")),
                                              proxy=parse_proxy(opt("scs_proxy")))
    except KitError as exc:
        raise pytest.UsageError(str(exc)) from None
    if _collector(config) is None:
        config.pluginmanager.register(Collector(), PLUGIN)


def _collector(config) -> Collector | None:
    """The Collector scs-kit check passed in, or the one registered for a plain pytest run."""
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Collector)), None)


def _selected_resources(config):
    spec = specmod.load()
    names = _split(config.getoption("scs_resources"))
    if not names:
        return list(spec.resources)
    return [spec.resource(n) for n in names]


def pytest_generate_tests(metafunc):
    if "resource" in metafunc.fixturenames:
        resources = _selected_resources(metafunc.config)
        metafunc.parametrize("resource", resources, ids=[r.name for r in resources])


def pytest_collection_modifyitems(config, items):
    only = _split(config.getoption("scs_only"))
    if not only:
        return
    keep, drop = [], []
    for item in items:
        cid = check_id_of(item)
        (keep if cid is not None and lookup(cid).family in only else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def kit(request):
    collector = _collector(request.config)
    if collector.kit is not None:  # scs-kit check owns the Kit and its cleanup
        yield collector.kit
        return
    opt = request.config.getoption
    base_url = opt("scs_base_url") or os.environ.get("SCS_BASE_URL")
    server = None
    if not base_url:
        from scs_kit.server import start_server

        server = start_server(host="127.0.0.1", port=0, demo=True, db=":memory:")
        base_url = server.base_url
    kit = Kit(base_url, profile=opt("scs_profile"), seed=opt("scs_seed"), mode=opt("scs_mode"),
              timeout=opt("scs_timeout"), politeness=request.config.stash[POLITENESS])
    collector.kit = kit
    atexit.register(kit.cleanup)
    try:
        yield kit
    finally:
        kit.cleanup()
        for problem in kit.records.problems:
            print(f"scs-kit: cleanup problem: {problem}")
        if server is not None:
            server.stop()


@pytest.fixture(scope="session")
def records(kit) -> Records:
    return kit.records


@pytest.fixture
def verdict(request) -> Verdict:
    """This test's verdict state: `verdict.warn(...)` records a finding that warns (see scs_kit.check.verdict)."""
    state = request.node.stash.get(VERDICT, None)
    if state is None:
        state = request.node.stash[VERDICT] = Verdict()
    return state


@pytest.fixture(scope="session")
def tours(kit):
    from .tour import Tours

    return Tours(kit)


@pytest.fixture(scope="session")
def probes(kit):
    from .forbidden import Probes

    return Probes(kit)


@pytest.fixture(scope="session")
def st_schema(kit):
    from .st_support import load_schema

    return load_schema(kit)


def pytest_terminal_summary(terminalreporter):
    collector = _collector(terminalreporter.config)
    warns = [r for r in getattr(collector, "results", []) if r.status == "warn"]
    if warns:
        terminalreporter.section("scs-kit warnings")
        for r in warns:
            terminalreporter.write_line(f"WARN {r.id}[{r.resource or '-'}]: {r.message.splitlines()[0] if r.message else ''}")
