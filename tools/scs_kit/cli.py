"""`scs-kit`: one entry point, one module per sub-command.

Each command module exposes `configure(parser)` and `run(args) -> int`; heavy imports stay inside
`run` so that `scs-kit --help` and `scs-kit lint` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

from . import __version__, i18n
from .errors import EXIT_USAGE, KitError
from .i18n import N_, _

COMMANDS = {
    "lint": ("scs_kit.lint", N_("validate the OpenAPI document against OpenAPI 3.1 and the kit's rules")),
    "serve": ("scs_kit.server.command", N_("run the reference implementation of the service")),
    "check": ("scs_kit.check.command", N_("check an implementation against the vendor's document")),
    "report": ("scs_kit.check.report_command", N_("render reports from a results file")),
    "cleanup": ("scs_kit.check.cleanup_command", N_("undo what an interrupted check left on an implementation")),
    "docs": ("scs_kit.docs.command", N_("build the offline documentation site")),
    "proxy": ("scs_kit.traffic.command", N_("forward traffic to the service and judge it passively")),
}
LANG_HELP = N_("language of messages and reports: ja or en (default: SCS_LANG, the config file's lang, "
               "the locale, else en)")


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line like every other error (`scs-kit check: error: …`), exit 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, _("{prog}: error: {message} (see {prog} --help)").format(prog=self.prog, message=message)
                  + "\n")


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """`--lang` on the top level and on every command (the language itself is chosen before parsing)."""
    parser.add_argument("--lang", choices=i18n.LANGS, default=None, help=_(LANG_HELP))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scs-kit", description=_("Contract-testing kit for the 光CTIスマートコネクトサービス RESTful API."))
    parser.add_argument("--version", action="version", version=f"scs-kit {__version__}",
                        help=_("show program's version number and exit"))
    add_lang_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(module)
        command_parser = sub.add_parser(name, help=_(help_text), description=_(help_text))
        add_lang_option(command_parser)  # before configure: check's settings layer gives it SCS_LANG and `lang`
        mod.configure(command_parser)
        command_parser.set_defaults(_run=mod.run, _parser=command_parser)
    return parser


def config_language() -> Mapping[str, Any]:
    """The config file's settings as far as they can be read (errors are the check command's to report)."""
    try:
        from .check.config import find_config

        found = find_config(None)
    except Exception:  # noqa: BLE001 - a broken config file is reported by the command that reads it
        return {}
    return found[1] if found else {}


def main(argv: list[str] | None = None) -> int:
    from .console import hardened_stdio

    with hardened_stdio():  # no console encoding (cp932, cp1252) may cost a line or the exit code
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    i18n.use(i18n.choose(argv, config=config_language()))  # before any text, the help included
    wanted = os.environ.get(i18n.ENV)
    if wanted and wanted not in i18n.LANGS:
        print(_("scs-kit: error: {env}: {value} is not a supported language (choose from {choices})").format(
            env=i18n.ENV, value=repr(wanted), choices=", ".join(i18n.LANGS)), file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # reported by the sub-command's parser, so the line names the command
        (getattr(args, "_parser", None) or parser).error(_("unrecognized arguments: %s") % " ".join(extra))
    if not getattr(args, "_run", None):
        parser.print_help()
        print(_("scs-kit: error: a command is required ({commands})").format(commands=", ".join(COMMANDS)),
              file=sys.stderr)
        return EXIT_USAGE
    command = f"scs-kit {args.command}"
    try:
        return int(args._run(args) or 0)
    except KitError as exc:
        print(_("{command}: error: {message}").format(command=command, message=_one_line(str(exc))), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(_("{command}: interrupted").format(command=command), file=sys.stderr)
        return 130
    except RecursionError:  # a document or results file nested deeper than any parser here can follow
        print(_("{command}: error: input nested too deeply to process").format(command=command), file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - last resort: the rule is one line, never a traceback
        if os.environ.get("SCS_KIT_DEBUG"):
            raise
        print(_("{command}: error: internal error, please report it ({problem}; SCS_KIT_DEBUG=1 shows the "
                "traceback)").format(command=command, problem=f"{type(exc).__name__}: {_one_line(str(exc))}"),
              file=sys.stderr)
        return EXIT_USAGE


def _one_line(text: str, limit: int = 500) -> str:
    """Errors are one line: newlines folded, very long messages (a dumped document) cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
