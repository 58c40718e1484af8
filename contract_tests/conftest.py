"""pytest wiring of the conformance suite: options, fixtures and per-resource parametrisation.

Fixtures: `kit` (the session's Kit: client, records, bodies), `records` (the records component that
alone owns the safety rule), `verdict` (per-test verdict state: warnings and evidence), `tours` (the
one pass over every documented operation of each resource), `probes` (the undocumented-method
probe of each resource), `bad_requests` (malformed bodies and absent keys sent to every documented
write of each resource) and `st_schema` (the Schemathesis schema of the document).

Runs standalone (`pytest contract_tests --scs-base-url URL`, or SCS_BASE_URL, or ini scs_base_url;
without any the reference server is started in-process; the options are scs_kit.pytest_plugin's)
and under `scs-kit check`, which passes its own Kit and Collector as plugins.
"""

from __future__ import annotations

import atexit

import pytest
from scs_kit import pytest_plugin as scs_plugin
from scs_kit import spec as specmod
from scs_kit.check.catalog import lookup
from scs_kit.check.collector import VERDICT, Collector, check_id_of
from scs_kit.check.context import Kit
from scs_kit.check.politeness import Politeness, parse_headers, parse_proxy, parse_rate
from scs_kit.check.records import Records
from scs_kit.check.verdict import Verdict
from scs_kit.errors import KitError
from scs_kit.i18n import _

PLUGIN = "scs_collector"


def pytest_addoption(parser, pluginmanager):
    # The options belong to the kit's pytest plugin (entry point "scs_kit"); register it here when plugin
    # autoloading is off (PYTEST_DISABLE_PLUGIN_AUTOLOAD), so that `pytest contract_tests` works either way.
    if not pluginmanager.is_registered(scs_plugin):
        pluginmanager.register(scs_plugin, "scs_kit")


def _split(value):
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


POLITENESS = pytest.StashKey[Politeness]()


def pytest_configure(config):
    config.addinivalue_line("markers", "scs_check(id): the stable check id this test implements")
    def opt(name):
        return scs_plugin.setting(config, name)

    try:  # a bad value is a usage error before anything runs, not an error in every test
        rate = opt("rate-limit")
        config.stash[POLITENESS] = Politeness(rate=parse_rate(rate) if rate else None, retries=opt("retries"),
                                              headers=parse_headers(opt("header")),
                                              proxy=parse_proxy(opt("proxy")))
    except KitError as exc:
        raise pytest.UsageError(str(exc)) from None
    if _collector(config) is None:
        config.pluginmanager.register(Collector(), PLUGIN)


def _collector(config) -> Collector | None:
    """The Collector scs-kit check passed in, or the one registered for a plain pytest run."""
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Collector)), None)


def _selected_resources(config):
    spec = specmod.load()
    names = _split(scs_plugin.setting(config, "resources"))
    if not names:
        return list(spec.resources)
    return [spec.resource(n) for n in names]


def pytest_generate_tests(metafunc):
    if "resource" in metafunc.fixturenames:
        resources = _selected_resources(metafunc.config)
        metafunc.parametrize("resource", resources, ids=[r.name for r in resources])


def pytest_collection_modifyitems(config, items):
    # LATENCY judges the answer times of the whole run: its checks run last
    items.sort(key=lambda item: check_id_of(item) is not None and lookup(check_id_of(item)).family == "LATENCY")
    only = _split(scs_plugin.setting(config, "only"))
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
    def opt(name):
        return scs_plugin.setting(request.config, name)

    base_url = opt("base-url")
    server = None
    if not base_url:
        from scs_kit.server import start_server

        server = start_server(host="127.0.0.1", port=0, demo=True, db=":memory:")
        base_url = server.base_url
    kit = Kit(base_url, profile=opt("profile"), seed=opt("seed"), mode=opt("mode"), timeout=opt("timeout"),
              slow=opt("slow"), politeness=request.config.stash[POLITENESS])
    collector.kit = kit
    atexit.register(kit.cleanup)
    try:
        yield kit
    finally:
        kit.cleanup()
        for problem in kit.records.problems:
            print(_("scs-kit: cleanup problem: {problem}").format(problem=problem))
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
def bad_requests(kit):
    from .bad_requests import BadRequests

    return BadRequests(kit)


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
