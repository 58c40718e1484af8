"""Command lines that reproduce an evidence exchange: curl for POSIX shells, Invoke-WebRequest for PowerShell."""

from __future__ import annotations

import re
import shlex

# Headers curl sets by itself or that only describe the transport; leaving them out keeps lines short.
_IMPLIED_HEADERS = {"host", "content-length", "connection", "accept-encoding", "user-agent", "accept"}


def curl_command(method: str, url: str, headers: dict[str, str] | None = None, body: str | None = None) -> str:
    """A one-line POSIX-shell curl invocation for the request (UTF-8 body sent byte for byte)."""
    parts = ["curl", "-sS", "-i", "-X", method.upper()]
    for name, value in (headers or {}).items():
        if name.lower() not in _IMPLIED_HEADERS:
            parts += ["-H", f"{name}: {value}"]
    if body is not None:
        parts += ["--data-binary", body]
    parts.append(url)
    return " ".join(shlex.quote(p) for p in parts)


# PowerShell forms, beside the POSIX ones: Windows is where the real service runs.
# In a single-quoted PowerShell string only quote characters are special (doubled to escape); PowerShell
# also takes the typographic single quotes as quotes.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"
_PS_BARE = re.compile(r"[A-Za-z0-9_./:=+-]+")


def powershell_quote(text: str) -> str:
    return text if _PS_BARE.fullmatch(text) else _ps_string(text)


def _ps_string(text: str) -> str:
    return "'" + "".join(c * 2 if c in _PS_QUOTES else c for c in text) + "'"


def powershell_args(argv: list[str]) -> str:
    """A command line for PowerShell (arguments quoted where PowerShell would read them otherwise)."""
    return " ".join(powershell_quote(a) for a in argv)


def posix_to_powershell(command: str) -> str:
    """The PowerShell form of a POSIX command line such as a `scs-kit check …` replay."""
    try:
        return powershell_args(shlex.split(command))
    except ValueError:  # not a well-formed POSIX line: show it as it is
        return command


def powershell_command(method: str, url: str, headers: dict[str, str] | None = None, body: str | None = None) -> str:
    """An Invoke-WebRequest line for Windows PowerShell 5.1 and PowerShell 7 (UTF-8 body sent byte for byte)."""
    parts = ["Invoke-WebRequest", "-UseBasicParsing", "-Method", method.upper(), "-Uri", powershell_quote(url)]
    content_type = None
    extra = []
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            content_type = value
        elif name.lower() not in _IMPLIED_HEADERS:
            extra.append(f"{_ps_string(name)}={_ps_string(value)}")  # hashtable entries: always strings
    if extra:
        parts += ["-Headers", "@{" + "; ".join(extra) + "}"]
    if body is not None:
        parts += ["-ContentType", powershell_quote(content_type or "application/json; charset=utf-8"),
                  "-Body", f"([Text.Encoding]::UTF8.GetBytes({_ps_string(body)}))"]
    return " ".join(parts)
