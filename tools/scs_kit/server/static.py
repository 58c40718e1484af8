"""Read-only serving of a built documentation site at /docs/ (no path traversal)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

from .responses import MSG_METHOD, MSG_NO_URI, HTTPError

_EXTRA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
                ".json": "application/json", ".woff2": "font/woff2", ".webmanifest": "application/manifest+json"}
_TEXT = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/manifest+json")


class StaticSite:
    mount = "docs"

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def handle(self, method: str, segments: list[str]):
        if method not in ("GET", "HEAD"):
            raise HTTPError(405, MSG_METHOD.format(method=method[:20]), [(b"allow", b"GET, HEAD")])
        if not segments:  # "/docs" -> "/docs/" so relative links resolve
            return 301, [(b"location", b"/docs/"), (b"content-type", b"text/plain; charset=utf-8")], b"/docs/\n"
        if any(s in (".", "..") or "/" in s or "\\" in s or "\0" in s for s in segments):
            raise HTTPError(404, MSG_NO_URI)
        path = self.root.joinpath(*[s for s in segments if s])
        try:
            path = path.resolve()
            if not path.is_relative_to(self.root):
                raise HTTPError(404, MSG_NO_URI)
            if path.is_dir():
                if segments[-1] != "":  # directory without trailing slash: redirect like any web server
                    location = "/docs/" + "/".join(quote(s, safe="") for s in segments) + "/"
                    return 301, [(b"location", location.encode("utf-8")), (b"content-type", b"text/plain; charset=utf-8")], b""
                path = path / "index.html"
            if not path.is_file():  # a FIFO, socket or device would block or never end
                raise HTTPError(404, MSG_NO_URI)
            data = path.read_bytes()
        except OSError:
            raise HTTPError(404, MSG_NO_URI) from None
        ctype = _EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith(_TEXT) and "charset" not in ctype:
            ctype += "; charset=utf-8"
        headers = [(b"content-type", ctype.encode()), (b"cache-control", b"no-cache")]
        return 200, headers, (b"" if method == "HEAD" else data)
