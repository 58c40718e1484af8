"""Reading the files users hand the kit (documents, fixtures, results): every problem is one line."""

from __future__ import annotations

import os
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
