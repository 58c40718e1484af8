"""`scs-kit docs [--out site/] [--results reports/<results>.json]`: build the offline docs site."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..i18n import _


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("site"), help=_("directory to build the site into (default: site/)"))
    parser.add_argument("--results", type=Path, help=_("a results file of `scs-kit check` to show as the conformance results page"))
    parser.add_argument("--spec", type=Path, help=_("the OpenAPI document (default: the kit's own)"))


def run(args: argparse.Namespace) -> int:
    from ..check.policy import rows as policy_rows  # the check catalogue is the one source of the policy
    from .build import build_site  # heavy imports (jinja2, pygments) only when the command runs

    started = time.perf_counter()
    out = build_site(args.out, results=args.results, spec_path=args.spec, policy=policy_rows)
    print(_("scs-kit docs: built {out} in {seconds} s (open {index})").format(
        out=out, seconds=f"{time.perf_counter() - started:.2f}", index=out / "index.html"))
    return 0
