"""The pytest plugin of the kit, registered through the `pytest11` entry point `scs_kit`.

It only declares the conformance suite's options, so it is harmless in any other pytest run. Every
option is prefixed (`--scs-…`, so it never clashes with pytest-base-url's `--base-url` or any other
plugin) and has an ini-file key (`scs_base_url = …` under `[pytest]` / `[tool.pytest.ini_options]`)
and an environment variable (`SCS_BASE_URL`). Precedence: command line, environment, ini file.

The suite itself (`contract_tests/` in a source checkout, `scs_kit/contract_tests` in the wheel)
runs with `pytest contract_tests` or, installed, `pytest --pyargs scs_kit.contract_tests`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from .check.catalog import MODES, PROFILES
from .i18n import _


@dataclass(frozen=True)
class Setting:
    name: str  # "base-url": --scs-base-url, ini scs_base_url, env SCS_BASE_URL
    help: str
    default: Any = None
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None
    many: bool = False  # repeatable: the option given several times, one value per line in env and ini

    @property
    def dest(self) -> str:
        return "scs_" + self.name.replace("-", "_")

    @property
    def env(self) -> str:
        return "SCS_" + self.name.replace("-", "_").upper()


SETTINGS = (
    Setting("base-url", "base URL of the implementation (…/CTI_SmartConnectService/RestService); "
            "default: the reference server, started in-process"),
    Setting("profile", "example budgets", "default", choices=tuple(PROFILES)),
    Setting("seed", "seed for generated data (default: random)", type=int),
    Setting("mode", "full, live (reversible writes only) or read-only", "full", choices=MODES),
    Setting("only", "comma-separated check families"),
    Setting("resources", "comma-separated resource names"),
    Setting("timeout", "per-request timeout in seconds", 10.0, type=float),
    Setting("slow", "answers slower than this (seconds) warn", 2.0, type=float),
    Setting("spec", "the OpenAPI document to check against (default: the kit's own)"),
    Setting("rate-limit", "at most N requests per second (N/s)"),
    Setting("retries", "further attempts of a GET, PUT or DELETE after a connection error or a 503", 2, type=int),
    Setting("header", "NAME:VALUE added to every request (repeatable)", many=True),
    Setting("proxy", "send every request through this proxy"),
)
BY_NAME = {s.name: s for s in SETTINGS}
_OLD_SPEC = pytest.StashKey["str | None"]()  # SCS_SPEC before --scs-spec set it


def add_options(parser) -> None:
    """Declare every setting as `--scs-NAME` and as ini key `scs_NAME`."""
    group = parser.getgroup("scs", "scs-contract-kit conformance suite")
    for s in SETTINGS:
        group.addoption(f"--scs-{s.name}", dest=s.dest, default=None, type=s.type, choices=s.choices,
                        action="append" if s.many else "store", help=_("{help}; ini {dest}, env {env}").format(help=s.help, dest=s.dest, env=s.env))
        parser.addini(s.dest, f"{s.help} (--scs-{s.name})", type="linelist" if s.many else None, default=None)


def setting(config, name: str) -> Any:
    """The value of a setting: command line, then environment variable, then ini file, then default."""
    s = BY_NAME[name]
    value = config.getoption(s.dest, default=None)
    if value is not None:
        return value
    raw = os.environ.get(s.env) or config.getini(s.dest)
    if raw in (None, "", []):
        return s.default
    if s.many:
        lines = raw if isinstance(raw, list) else str(raw).splitlines()
        return [line.strip() for line in lines if line.strip()]
    if isinstance(raw, list):
        raw = " ".join(raw)
    raw = str(raw).strip()
    if s.choices and raw not in s.choices:
        raise pytest.UsageError(f"{s.env} / ini {s.dest}: {raw!r} is not one of {', '.join(s.choices)}")
    try:
        return s.type(raw)
    except ValueError:
        raise pytest.UsageError(f"{s.env} / ini {s.dest}: {raw!r} is not a valid value") from None


def pytest_addoption(parser) -> None:
    add_options(parser)


def pytest_configure(config) -> None:
    # The document given with --scs-spec is the one every part of the suite loads (spec.load() reads SCS_SPEC).
    if not hasattr(config.option, BY_NAME["spec"].dest):
        return
    path = setting(config, "spec")
    if path:
        wanted = os.path.abspath(os.path.expanduser(str(path)))
        if os.environ.get("SCS_SPEC") == wanted:  # set by whoever runs this session (scs-kit check's workers)
            return
        config.stash[_OLD_SPEC] = os.environ.get("SCS_SPEC")
        os.environ["SCS_SPEC"] = wanted


def pytest_unconfigure(config) -> None:
    if _OLD_SPEC in config.stash:
        old = config.stash[_OLD_SPEC]
        if old is None:
            os.environ.pop("SCS_SPEC", None)
        else:
            os.environ["SCS_SPEC"] = old
