"""Reading the files users hand the kit (documents, fixtures, results): every problem is one line."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import KitError
from .i18n import N_, _

# What the callers' files are meant to be (`read_text(path, what)`), for the catalogues.
KINDS = (N_("OpenAPI document"), N_("fixtures file"), N_("HAR file"), N_("TOML config file"), N_("results file"),
         N_("baseline file"), N_("ledger file"), N_("file"), N_("report"), N_("ledger"), N_("baseline"))


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


def write_text_atomic(path: str | os.PathLike, text: str, *, what: str = "file", durable: bool = False) -> Path:
    """Write `text` (UTF-8) to a temporary file beside `path`, then rename it over `path`: an interrupted
    write leaves the old file or the new one, never half of one. `durable` also fsyncs the file and its
    directory before returning (state that must survive a power cut or a SIGKILL of the kit)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KitError(_("{path}: cannot write the {what} there ({reason})").format(
            path=path.parent, what=_(what), reason=exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; reports are meant to be shared
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise KitError(_("{path}: cannot write ({reason})").format(path=path, reason=exc.strerror or exc)) from None
        raise
    return path


def fsync_dir(directory: str | os.PathLike) -> None:
    """Make a rename or a new file in `directory` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
