"""Settings of `scs-kit check` from the command line, the environment and a config file.

Every long option of the check parser gets both equivalents automatically: `--base-url` is
`SCS_BASE_URL` in the environment and `base-url` in `scs-kit.toml` (working directory) or in the
`[tool.scs-kit]` table of `pyproject.toml`. Precedence: command line, environment, config file,
built-in default.

`install(parser)` (last thing in `configure`) replaces each option's default with a marker, so that
`resolve(args, parser)` can tell an option given on the command line from one left out.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path
from typing import Any

from ..errors import KitError
from ..files import read_text
from ..i18n import _

CONFIG_FILE = "scs-kit.toml"
PYPROJECT_TABLE = ("tool", "scs-kit")
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


class _Unset:
    """The default of every option until `resolve` fills it in."""

    def __init__(self, default: Any):
        self.default = default

    def __repr__(self) -> str:
        return repr(self.default)


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.dest != "help" and any(o.startswith("--") for o in a.option_strings)]


def _repeatable(action: argparse.Action) -> bool:
    return isinstance(action, argparse._AppendAction)


def option_name(action: argparse.Action) -> str:
    """The long option without dashes: the config-file key."""
    return next(o for o in action.option_strings if o.startswith("--"))[2:]


def env_name(action: argparse.Action) -> str:
    return "SCS_" + option_name(action).replace("-", "_").upper()


def install(parser: argparse.ArgumentParser) -> None:
    """Mark every option's default and add the help epilog (exit codes, environment, config file)."""
    for action in _options(parser):
        # argparse appends to a repeatable option's current value, so its default stays None (unset)
        if not isinstance(action.default, _Unset) and not _repeatable(action):
            action.default = _Unset(action.default)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _epilog(parser)


def _epilog(parser: argparse.ArgumentParser) -> str:
    names = [f"  {env_name(a):<22} {'--' + option_name(a)}" for a in _options(parser)]
    return "\n".join([
        _("exit codes:"),
        "  0  " + _("the implementation conforms (warnings and baseline-known findings allowed)"),
        "  1  " + _("at least one failure (with --strict also a warning), or a new failure beside the baseline"),
        "  2  " + _("the kit could not do its job: bad option or input, unreachable URL, errors during the run"),
        "  130 " + _("interrupted"),
        "",
        _("settings: command line > environment variable > config file > default."),
        _("config file: {file} in the working directory, else [tool.scs-kit] in its pyproject.toml,").format(
            file=CONFIG_FILE),
        "  " + _("with the long option names as keys, e.g.") + "  base-url = "
        "\"http://HOST:55963/CTI_SmartConnectService/RestService\"",
        _("environment variables (booleans: 1/true/yes/on or 0/false/no/off")
        + (_("; options given more than once: one value per line") if any(
            isinstance(a, argparse._AppendAction) for a in _options(parser)) else "") + "):",
        *names,
        "",
        _("example:"),
        "  scs-kit check --base-url http://192.0.2.10:55963/CTI_SmartConnectService/RestService \\",
        "      --mode live --baseline scs-baseline.json --report junit,md",
        "  " + _("(PowerShell: the same line, with ` instead of \\ to continue it)"),
    ])


def find_config(cwd: Path | None = None) -> tuple[Path, dict] | None:
    """The settings table and the file it came from, or None when there is none."""
    cwd = Path(cwd or Path.cwd())
    own = cwd / CONFIG_FILE
    if own.is_file():
        return own, _parse(own)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table: Any = _parse(pyproject)
        for key in PYPROJECT_TABLE:
            table = table.get(key) if isinstance(table, dict) else None
        if table is not None:
            if not isinstance(table, dict):
                raise KitError(_("{path}: [tool.scs-kit] is not a table").format(path=pyproject))
            return pyproject, table
    return None


def _parse(path: Path) -> dict:
    try:
        return tomllib.loads(read_text(path, "TOML config file"))
    except tomllib.TOMLDecodeError as exc:
        raise KitError(_("{path}: not valid TOML ({problem})").format(path=path, problem=exc)) from None


def resolve(args: argparse.Namespace, parser: argparse.ArgumentParser, cwd: Path | None = None,
            environ: dict[str, str] | None = None) -> argparse.Namespace:
    """Fill every option left out on the command line from the environment, the config file or its default."""
    environ = dict(os.environ if environ is None else environ)
    actions = _options(parser)
    found = None
    if any(isinstance(getattr(args, a.dest, None), _Unset) or (_repeatable(a) and getattr(args, a.dest, None) is None)
           for a in actions):
        found = find_config(cwd)
    file_values: dict[str, Any] = {}
    source = ""
    if found is not None:
        source = str(found[0])
        known = {option_name(a): a for a in actions}
        for key, value in found[1].items():
            name = key.replace("_", "-")
            if name not in known:
                raise KitError(_("{path}: unknown setting {key} (known: {known})").format(
                    path=source, key=repr(key), known=", ".join(sorted(known))))
            file_values[name] = value
    for action in actions:
        value = getattr(args, action.dest, None)
        if _repeatable(action) and value is None:
            value = _Unset(action.default)
        if not isinstance(value, _Unset):
            continue
        name, env = option_name(action), env_name(action)
        if environ.get(env) is not None and (environ[env] != "" or _is_flag(action)):
            value = _from_text(action, environ[env], env, parser)
        elif name in file_values:
            value = _from_file(action, file_values[name], f"{source}: {name}", parser)
        else:
            value = value.default
        setattr(args, action.dest, value)
    return args


def _is_flag(action: argparse.Action) -> bool:
    return action.nargs == 0


def _from_text(action: argparse.Action, text: str, where: str, parser: argparse.ArgumentParser) -> Any:
    if _is_flag(action):
        word = text.strip().lower()
        if word not in TRUE + FALSE:
            raise KitError(_("{where}: {value} is not a boolean (1/true/yes/on or 0/false/no/off)").format(
                where=where, value=repr(text)))
        return action.const if word in TRUE else _plain_default(action)
    if isinstance(action, argparse._AppendAction):
        return [_convert(action, part, where, parser) for part in text.splitlines() if part.strip()]
    return _convert(action, text, where, parser)


def _from_file(action: argparse.Action, value: Any, where: str, parser: argparse.ArgumentParser) -> Any:
    if _is_flag(action):
        if not isinstance(value, bool):
            raise KitError(_("{where}: expected true or false, not {value}").format(where=where, value=repr(value)))
        return action.const if value else _plain_default(action)
    if isinstance(action, argparse._AppendAction):
        items = value if isinstance(value, list) else [value]
        return [_convert(action, _text(item, where), where, parser) for item in items]
    if isinstance(value, list):  # a TOML list for a comma-separated option: only = ["KEYS", "QUERY"]
        value = ",".join(_text(v, where) for v in value)
    return _convert(action, _text(value, where), where, parser)


def _text(value: Any, where: str) -> str:
    if isinstance(value, (bool, dict, list)):
        raise KitError(_("{where}: expected a string or a number, not {value}").format(where=where, value=repr(value)))
    return str(value)


def _plain_default(action: argparse.Action) -> Any:
    default = action.default
    return default.default if isinstance(default, _Unset) else default


def _convert(action: argparse.Action, text: str, where: str, parser: argparse.ArgumentParser) -> Any:
    """The value argparse would have made of `text` on the command line; KitError names where it came from."""
    try:
        value = parser._get_value(action, text)
        parser._check_value(action, value)
    except argparse.ArgumentError as exc:
        raise KitError(f"{where}: {exc.message}") from None
    return value
