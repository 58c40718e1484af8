"""Messages in the user's language: gettext catalogues managed with Babel.

The English text in the code is the message id; `locale/<lang>/LC_MESSAGES/scs_kit.po` holds the
translations (`pybabel extract/update`, see babel.cfg). A catalogue is compiled with Babel at first
use and cached as `scs_kit.mo` next to its `.po` when the package directory is writable, so the
editable install, the wheel and a fresh clone all work without a build step.

The language comes from, first to last: `--lang`, `SCS_LANG`, the config file's `lang` key, the
user's locale (LC_ALL, LC_MESSAGES, LANG; the Windows UI language), English.

Use `_()` for text built at run time, `ngettext()` for counts, `N_()` to mark text that is translated
later (module-level tables), `lazy()` for module-level text that must read as a str when used.
Messages with values use named placeholders: `_("POST answered {status}").format(status=...)`.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOMAIN = "scs_kit"
LANGS = ("en", "ja")
SOURCE_LANG = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
ENV = "SCS_LANG"
CONFIG_KEY = "lang"

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_current = SOURCE_LANG
_cache: dict[str, _gettext.NullTranslations] = {}


# --- lookups -----------------------------------------------------------------------------------


def _(message: str) -> str:
    """`message` in the current language."""
    return _translations.gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in the current language (Japanese has one form)."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks `message` for extraction; translated where it is used (`_(TABLE[x])`)."""
    return message


class lazy(str):
    """A module-level message translated each time it is used as text.

    A str subclass (argparse, f-strings and `%` accept it) whose value is the English id;
    `str()`, formatting and concatenation give the current language.
    """

    def __str__(self) -> str:
        return _(str.__str__(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __mod__(self, values: Any) -> str:
        return str(self) % values

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def format(self, *args: Any, **kwargs: Any) -> str:
        return str(self).format(*args, **kwargs)

    def splitlines(self, keepends: bool = False) -> list[str]:
        return str(self).splitlines(keepends)

    def strip(self, chars: str | None = None) -> str:
        return str(self).strip(chars)


def current() -> str:
    """The language in use: "en" or "ja"."""
    return _current


# --- catalogues ----------------------------------------------------------------------------------


def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of `lang`; English (the language of the code) needs none."""
    if lang == SOURCE_LANG:
        return _gettext.NullTranslations()
    if lang not in _cache:
        _cache[lang] = _load(lang)
    return _cache[lang]


def _load(lang: str) -> _gettext.NullTranslations:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    try:
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            with mo.open("rb") as fp:
                return _gettext.GNUTranslations(fp)
    except (OSError, ValueError):  # a torn or foreign .mo: compile again
        pass
    data = compile_po(po)
    _store(mo, data)
    import io

    return _gettext.GNUTranslations(io.BytesIO(data))


def compile_po(po: Path) -> bytes:
    """The .mo bytes of a .po catalogue (fuzzy entries left out, as msgfmt does)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fp:
        catalog = read_po(fp, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _store(mo: Path, data: bytes) -> None:
    """Cache the compiled catalogue; a read-only install simply compiles again next time."""
    tmp = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, mo)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def use(lang: str) -> None:
    """Switch every later message to `lang` (one of LANGS)."""
    global _translations, _current
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}")
    _translations = translations(lang)
    _current = lang
    _patch_argparse()


def _patch_argparse() -> None:
    """argparse's own texts (usage:, options:, invalid choice …) come from our catalogue too."""
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


# --- which language ------------------------------------------------------------------------------


def normalize(value: str | None) -> str | None:
    """ "ja", "ja_JP.UTF-8", "ja-JP", "Japanese_Japan.932" → "ja"; "en_US", "C", "POSIX" → "en";
    anything else (or nothing) → None."""
    if not value:
        return None
    text = value.strip().split(":")[0].split(".")[0].split("@")[0].replace("-", "_").lower()
    if not text:
        return None
    if text in ("c", "posix"):
        return "en"
    base = text.split("_")[0]
    if base in LANGS:
        return base
    if base == "japanese":
        return "ja"
    if base == "english":
        return "en"
    return None


def locale_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the user's locale: LC_ALL, LC_MESSAGES, LANG (the first one set wins,
    as in POSIX); on Windows without those, the UI language."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return normalize(value) or SOURCE_LANG
    if os.name == "nt":
        return _windows_ui_language()
    return None


def _windows_ui_language() -> str | None:
    try:
        import ctypes

        lang_id = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - no Windows API after all: fall back to English
        return None
    primary = int(lang_id) & 0x3FF
    return {0x11: "ja", 0x09: "en"}.get(primary)


def from_argv(argv: list[str]) -> str | None:
    """The value of the last valid `--lang X` / `--lang=X` (or an unambiguous prefix such as
    `--lan`) before `--`; an invalid value is left for argparse to report."""
    found = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            break
        name, eq, value = arg.partition("=")
        if len(name) >= 5 and "--lang".startswith(name):
            if not eq:
                value = argv[i + 1] if i + 1 < len(argv) else ""
                i += 1
            if value in LANGS:
                found = value
        i += 1
    return found


def choose(argv: list[str], environ: Mapping[str, str] | None = None,
           config: Mapping[str, Any] | None = None) -> str:
    """The language for this run: --lang, SCS_LANG, the config file's `lang`, the locale, English.

    A SCS_LANG or config value that is not a supported language is skipped here; the check
    command's settings layer reports it as an error.
    """
    environ = os.environ if environ is None else environ
    for candidate in (from_argv(argv), environ.get(ENV), (config or {}).get(CONFIG_KEY)):
        if isinstance(candidate, str) and candidate in LANGS:
            return candidate
    return locale_language(environ) or SOURCE_LANG


# argparse's own messages, so that extraction puts them in the catalogues (Python 3.11–3.13).
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("options"), N_("positional arguments"), N_("show this help message and exit"),
    N_("show program's version number and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("unrecognized arguments: %s"), N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at least one argument"), N_("expected at most one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("argument %(argument_name)s: %(message)s"),
    N_("not allowed with argument %s"), N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"), N_("unexpected option string: %s"),
    N_("expected %s argument"), N_("subcommands"),
)


# --- terminal layout -----------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns `text` takes on a terminal: East Asian wide and fullwidth characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def rjust(text: str, columns: int) -> str:
    return " " * max(columns - width(text), 0) + text


def cut(text: str, columns: int) -> str:
    """`text` cut to at most `columns` terminal columns."""
    out, used = [], 0
    for char in text:
        used += width(char)
        if used > columns:
            break
        out.append(char)
    return "".join(out)
