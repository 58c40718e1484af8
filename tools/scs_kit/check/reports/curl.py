"""curl command lines that reproduce an evidence exchange."""

from __future__ import annotations

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
