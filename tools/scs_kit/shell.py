"""Command lines a user can paste: curl reproductions of a request and `scs-kit check` replays.

The one builder for both, so that the evidence of a finding, the reports and the docs site quote
alike. Two shells: POSIX (sh, bash, zsh) and PowerShell (which the service's Windows users have; it
runs curl.exe, as `curl` there may be an alias of Invoke-WebRequest).
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any, Iterable, Mapping

SHELLS = ("posix", "powershell")

# Headers curl sets by itself or that only describe the transport; leaving them out keeps lines short.
IMPLIED_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent", "accept"})
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"
_PS_BARE = re.compile(r"[A-Za-z0-9_./:=+-]+")


def quote(word: str, shell: str = "posix") -> str:
    """One word quoted for the shell. PowerShell: single quotes, where only quote characters are special
    (doubled to escape) and the typographic single quotes count as quotes too."""
    if shell == "powershell":
        return word if _PS_BARE.fullmatch(word) else _ps_string(word)
    if shell != "posix":
        raise ValueError(f"unknown shell {shell!r} (choose from {', '.join(SHELLS)})")
    return shlex.quote(word)


def _ps_string(text: str) -> str:
    return "'" + "".join(c * 2 if c in _PS_QUOTES else c for c in text) + "'"


def join(words: Iterable[str], shell: str = "posix") -> str:
    return " ".join(quote(w, shell) for w in words)


def curl(method: str, url: str, headers: Mapping[str, str] | None = None, body: str | None = None, *,
         shell: str = "posix", multiline: bool = False, show_headers: bool = True) -> str:
    """A curl invocation that sends this request again (the body byte for byte, UTF-8).
    `multiline` breaks the line before each option, for reading (docs samples)."""
    first = ["curl.exe" if shell == "powershell" else "curl", "-sS"] + (["-i"] if show_headers else [])
    first += ["-X", method.upper()]
    groups = [first]
    for name, value in (headers or {}).items():
        if name.lower() not in IMPLIED_HEADERS:
            groups.append(["-H", f"{name}: {value}"])
    if body is not None:
        groups.append(["--data-binary", body])
    groups.append([url])
    texts = [join(g, shell) for g in groups]
    if not multiline:
        return " ".join(texts)
    breaker = " `\n  " if shell == "powershell" else " \\\n  "
    return breaker.join(texts)


def curl_json(method: str, url: str, body: Any = None, *, shell: str = "posix", multiline: bool = True) -> str:
    """A curl sample for a JSON request (docs): the body as compact JSON with its Content-Type."""
    if body is None:
        return curl(method, url, shell=shell, multiline=multiline, show_headers=False)
    text = json.dumps(body, ensure_ascii=False)
    return curl(method, url, {"Content-Type": "application/json"}, text, shell=shell, multiline=multiline,
                show_headers=False)


def replay(*, base_url: str | None, profile: str, mode: str, seed: int | None, strict: bool = False,
           only: str | None = None, resources: str | None = None, shell: str = "posix") -> str:
    """`scs-kit check` with everything that makes the run repeatable (no URL for the bundled server)."""
    words = ["scs-kit", "check"]
    if base_url:
        words += ["--base-url", base_url]
    words += ["--profile", profile, "--mode", mode]
    if seed is not None:
        words += ["--seed", str(seed)]
    if strict:
        words.append("--strict")
    if only:
        words += ["--only", only]
    if resources:
        words += ["--resources", resources]
    return join(words, shell)


def posix_to_powershell(command: str) -> str:
    """The PowerShell form of a POSIX command line such as a stored `scs-kit check …` replay."""
    try:
        return join(shlex.split(command), "powershell")
    except ValueError:  # not a well-formed POSIX line: show it as it is
        return command


def invoke_webrequest(method: str, url: str, headers: Mapping[str, str] | None = None, body: str | None = None) -> str:
    """An Invoke-WebRequest line for Windows PowerShell 5.1 and 7: the body goes as UTF-8 bytes, which
    survives PowerShell 5.1's native-argument encoding that a curl.exe argument would not."""
    parts = ["Invoke-WebRequest", "-UseBasicParsing", "-Method", method.upper(), "-Uri", quote(url, "powershell")]
    content_type = None
    extra = []
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            content_type = value
        elif name.lower() not in IMPLIED_HEADERS:
            extra.append(f"{_ps_string(name)}={_ps_string(value)}")  # hashtable entries: always strings
    if extra:
        parts += ["-Headers", "@{" + "; ".join(extra) + "}"]
    if body is not None:
        parts += ["-ContentType", quote(content_type or "application/json; charset=utf-8", "powershell"),
                  "-Body", f"([Text.Encoding]::UTF8.GetBytes({_ps_string(body)}))"]
    return " ".join(parts)
