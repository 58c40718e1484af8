"""Reading the files users hand the kit (documents, fixtures, results): every problem is one line."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import KitError
from .i18n import N_, _

# What the callers' files are meant to be (`read_text(path, what)`), for the catalogues.
KINDS = (N_("OpenAPI document"), N_("fixtures file"), N_("HAR file"), N_("TOML config file"), N_("results file"),
         N_("baseline file"), N_("ledger file"))


def read_text(path: str | os.PathLike, what: str) -> str:
    """The file's UTF-8 text (a BOM is allowed); a KitError naming `what` the file was meant to be."""
    path = Path(path)
    what = _(what)  # callers pass a plain English noun phrase; the catalogue has the ones in use
    article = ("an " if what[:1].lower() in "aeiou" else "a ") if what.isascii() else ""
    thing = article + what
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise KitError(_("{path}: no such file (expected {what})").format(path=path, what=thing)) from None
    except IsADirectoryError:
        raise KitError(_("{path}: is a directory, not {what}").format(path=path, what=thing)) from None
    except UnicodeDecodeError as exc:
        raise KitError(_("{path}: not UTF-8 text ({reason} at byte {byte}); expected {what}").format(
            path=path, reason=exc.reason, byte=exc.start, what=thing)) from None
    except OSError as exc:
        raise KitError(_("{path}: cannot read {what} ({reason})").format(path=path, what=thing,
                                                                         reason=exc.strerror)) from None
