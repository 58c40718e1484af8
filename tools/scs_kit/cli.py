"""`scs-kit`: one entry point, one module per sub-command.

Each command module exposes `configure(parser)` and `run(args) -> int`; heavy imports stay inside
`run` so that `scs-kit --help` and `scs-kit lint` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import EXIT_USAGE, KitError

COMMANDS = {
    "lint": ("scs_kit.lint", "validate the OpenAPI document against OpenAPI 3.1 and the kit's rules"),
    "serve": ("scs_kit.server.command", "run the reference implementation of the service"),
    "check": ("scs_kit.check.command", "check an implementation against the vendor's document"),
    "report": ("scs_kit.check.report_command", "render reports from a results file"),
    "docs": ("scs_kit.docs.command", "build the offline documentation site"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scs-kit", description="Contract-testing kit for the 光CTIスマートコネクトサービス RESTful API.")
    parser.add_argument("--version", action="version", version=f"scs-kit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not exc.name or not module.startswith(exc.name):
                raise
            continue  # a command not built yet
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        mod.configure(command_parser)
        command_parser.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args._run(args) or 0)
    except KitError as exc:
        print(f"scs-kit {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"scs-kit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
