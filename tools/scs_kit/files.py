"""Reading the files users hand the kit (documents, fixtures, results): every problem is one line."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import KitError


def read_text(path: str | os.PathLike, what: str) -> str:
    """The file's UTF-8 text (a BOM is allowed); a KitError naming `what` the file was meant to be."""
    path = Path(path)
    article = "an" if what[:1].lower() in "aeiou" else "a"
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise KitError(f"{path}: no such file (expected {article} {what})") from None
    except IsADirectoryError:
        raise KitError(f"{path}: is a directory, not {article} {what}") from None
    except UnicodeDecodeError as exc:
        raise KitError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); expected {article} {what}") from None
    except OSError as exc:
        raise KitError(f"{path}: cannot read {article} {what} ({exc.strerror})") from None


def write_text_atomic(path: str | os.PathLike, text: str, *, what: str = "file", durable: bool = False) -> Path:
    """Write `text` (UTF-8) to a temporary file beside `path`, then rename it over `path`: an interrupted
    write leaves the old file or the new one, never half of one. `durable` also fsyncs the file and its
    directory before returning (state that must survive a power cut or a SIGKILL of the kit)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KitError(f"{path.parent}: cannot write the {what} there ({exc.strerror or exc})") from None
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
            raise KitError(f"{path}: cannot write ({exc.strerror or exc})") from None
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
