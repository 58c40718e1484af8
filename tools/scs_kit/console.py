"""Console output that survives any output encoding.

Redirected on Windows, Python writes with the ANSI code page (cp932 on a Japanese system, cp1252 on
a Western one), which cannot show "—", "✓" or, in cp1252, Japanese field names. A line the console
cannot show is written with ASCII stand-ins for the kit's own symbols and `?` for anything else,
instead of raising UnicodeEncodeError: no line, least of all the verdict, is ever lost.
"""

from __future__ import annotations

import io
import sys
from typing import IO, cast

# The kit's own symbols, readable in ASCII.
STAND_INS = {
    "—": "-", "–": "-", "·": "|", "…": "...", "×": "x", "→": "->", "←": "<-", "✓": "ok", "✗": "x",
    "⚠": "!", "≈": "~", "“": '"', "”": '"', "‘": "'", "’": "'", "•": "*", "≥": ">=", "≤": "<=",
}


def fallback(text: str, encoding: str) -> str:
    """`text` as far as `encoding` can show it: stand-ins for the kit's symbols, `?` for the rest."""
    out = []
    for char in text:
        try:
            char.encode(encoding)
            out.append(char)
        except (UnicodeEncodeError, LookupError):
            stand_in = STAND_INS.get(char, "?")
            out.append(stand_in if _encodable(stand_in, encoding) else "?")
    return "".join(out)


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


class SafeStream(io.TextIOBase):
    """Wraps a text stream; a write the stream's encoding cannot carry is retried with `fallback`."""

    def __init__(self, stream: IO[str]):
        self._stream = stream

    @property
    def wrapped(self) -> IO[str]:
        return self._stream

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except UnicodeEncodeError:
            return self._stream.write(fallback(text, self.encoding))

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    def __getattr__(self, name: str):  # buffer, reconfigure, … of the wrapped stream
        return getattr(self._stream, name)


def harden(stream: IO[str]) -> IO[str]:
    return stream if isinstance(stream, SafeStream) else cast(IO[str], SafeStream(stream))


class hardened_stdio:  # used like a function: `with hardened_stdio(): ...`
    """sys.stdout and sys.stderr wrapped in SafeStream for the duration of the block."""

    def __enter__(self) -> None:
        self._saved = (sys.stdout, sys.stderr)
        if sys.stdout is not None:
            sys.stdout = harden(sys.stdout)
        if sys.stderr is not None:
            sys.stderr = harden(sys.stderr)

    def __exit__(self, *exc: object) -> None:
        # Only undo what this block did: a stream swapped inside (pytest capture) is left as found.
        out, err = self._saved
        if isinstance(sys.stdout, SafeStream) and sys.stdout.wrapped is out:
            sys.stdout = out
        if isinstance(sys.stderr, SafeStream) and sys.stderr.wrapped is err:
            sys.stderr = err
