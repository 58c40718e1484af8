"""`scs-kit`: one entry point, one module per sub-command.

Each command module exposes `configure(parser)` and `run(args) -> int`; heavy imports stay inside
`run` so that `scs-kit --help` and `scs-kit lint` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .errors import EXIT_USAGE, KitError

COMMANDS = {
    "lint": ("scs_kit.lint", "validate the OpenAPI document against OpenAPI 3.1 and the kit's rules"),
    "serve": ("scs_kit.server.command", "run the reference implementation of the service"),
    "check": ("scs_kit.check.command", "check an implementation against the vendor's document"),
    "report": ("scs_kit.check.report_command", "render reports from a results file"),
    "cleanup": ("scs_kit.check.cleanup_command", "undo what an interrupted check left on an implementation"),
    "docs": ("scs_kit.docs.command", "build the offline documentation site"),
    "proxy": ("scs_kit.traffic.command", "forward traffic to the service and judge it passively"),
}


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line like every other error (`scs-kit check: error: …`), exit 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scs-kit", description="Contract-testing kit for the 光CTIスマートコネクトサービス RESTful API.")
    parser.add_argument("--version", action="version", version=f"scs-kit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(module)
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        mod.configure(command_parser)
        command_parser.set_defaults(_run=mod.run, _parser=command_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .console import hardened_stdio

    with hardened_stdio():  # no console encoding (cp932, cp1252) may cost a line or the exit code
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # reported by the sub-command's parser, so the line names the command
        (getattr(args, "_parser", None) or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "_run", None):
        parser.print_help()
        print(f"scs-kit: error: a command is required ({', '.join(COMMANDS)})", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args._run(args) or 0)
    except KitError as exc:
        print(f"scs-kit {args.command}: error: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"scs-kit {args.command}: interrupted", file=sys.stderr)
        return 130
    except RecursionError:  # a document or results file nested deeper than any parser here can follow
        print(f"scs-kit {args.command}: error: input nested too deeply to process", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - last resort: the rule is one line, never a traceback
        if os.environ.get("SCS_KIT_DEBUG"):
            raise
        print(f"scs-kit {args.command}: error: internal error, please report it ({type(exc).__name__}: "
              f"{_one_line(str(exc))}; SCS_KIT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_USAGE


def _one_line(text: str, limit: int = 500) -> str:
    """Errors are one line: newlines folded, very long messages (a dumped document) cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
