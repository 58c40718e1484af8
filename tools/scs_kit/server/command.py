"""`scs-kit serve`: run the reference implementation under uvicorn (uvloop when available + httptools)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
import tempfile
from pathlib import Path

from ..errors import KitError
from ..i18n import _

DEFAULT_DB = "scs-data.sqlite3"  # in the current directory: visible, easy to delete or to keep


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help=_("address to bind (default 127.0.0.1; the API has no authentication)"))
    parser.add_argument("--port", type=int, default=None, help=_("port (default: the spec's, 55963; 0 = any free port)"))
    parser.add_argument("--db", default=DEFAULT_DB, help=_("SQLite file, created if missing, or :memory: (default ./{DEFAULT_DB})").format(DEFAULT_DB=DEFAULT_DB))
    parser.add_argument("--fixtures", metavar="FILE", help=_("JSON object {resource name: [records]} loaded at start (replacing same keys)"))
    parser.add_argument("--demo", action="store_true", help=_("load the Japanese demo data set into an empty database"))
    parser.add_argument("--style", choices=["rest", "wcf"], default="rest",
                        help=_("how failures look where the page is silent: rest = 4xx/5xx + JSON envelope (default); wcf = "
                               "HTTP 200 with \"result\": \"False\", WCF's HTML 404/405 pages, \\u-escaped JSON"))
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help=_("also accept this name in the Host header (repeatable; loopback names are always accepted on a "
                               "loopback address)"))
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                        help=_("let pages of this origin (e.g. http://localhost:3000) call the API from a browser (repeatable; "
                               "* = any site, not recommended); other sites' requests are refused"))
    parser.add_argument("--delay", metavar="MS", help=_("wait MS milliseconds (or MIN-MAX, random) before each API answer"))
    parser.add_argument("--fail-rate", type=float, default=0.0, metavar="P",
                        help=_("answer this share (0..1) of API requests with 503 + Retry-After, to test client retries"))
    parser.add_argument("--seed", type=int, default=None, help=_("seed for --delay ranges and --fail-rate (repeatable runs)"))
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs-dir", metavar="DIR", help=_("built documentation site to serve at /docs/"))
    docs.add_argument("--no-docs", action="store_true", help=_("do not serve documentation at /docs/"))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _docs_dir(args, tmpdir: str) -> Path | None:
    if args.no_docs:
        return None
    if args.docs_dir:
        path = Path(args.docs_dir)
        if not (path / "index.html").is_file():
            raise KitError(_("{path}: not a built documentation site (no index.html)").format(path=path))
        return path
    try:
        from ..check.policy import rows as policy_rows
        from ..docs.build import build_site

        return Path(build_site(Path(tmpdir) / "site", policy=policy_rows))
    except Exception as exc:  # noqa: BLE001 - docs are optional; say why in one line
        print(_("scs-kit serve: documentation not served ({name}: {splitlines})").format(name=type(exc).__name__, splitlines=str(exc).splitlines()[0] if str(exc) else ''),
              file=sys.stderr)
        return None


def run(args) -> int:
    import signal

    import uvicorn

    from .. import spec as spec_module
    from .app import create_app
    from .background import bind_socket, uvicorn_config
    from .guard import Access, Chaos, parse_delay

    spec = spec_module.load()
    port = spec.default_port if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise KitError(_("--port {port}: must be 0..65535").format(port=port))
    try:
        chaos = Chaos(delay=parse_delay(args.delay) if args.delay else (0.0, 0.0), fail_rate=args.fail_rate, seed=args.seed)
    except ValueError as exc:
        raise KitError(str(exc)) from None
    for origin in args.cors_origin:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise KitError(_("--cors-origin {origin}: expected an origin like http://localhost:3000, or *").format(origin=origin))
    sock = bind_socket(args.host, port)
    access = Access(bound=sock.getsockname()[0], allow_hosts=tuple(args.allow_host), cors_origins=tuple(args.cors_origin))
    with tempfile.TemporaryDirectory(prefix="scs-docs-") as tmpname:
        try:
            app = create_app(db=args.db, fixtures=args.fixtures, demo=args.demo, spec=spec, docs_dir=None,
                             style=args.style, access=access, chaos=chaos)
        except BaseException:
            sock.close()
            raise
        docs = _docs_dir(args, tmpname)
        if docs is not None:
            from .static import StaticSite

            app.static = StaticSite(docs)

        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}{spec.base_path}"

        class Server(uvicorn.Server):
            async def startup(self, sockets=None):
                await super().startup(sockets=sockets)
                if not self.should_exit:
                    extra = _("; docs at {url}").format(url=f"http://{shown}:{port}/docs/") if docs else ""
                    print(_("scs-kit serve: listening on {url} (db {db}{extra}); Ctrl-C to stop").format(url=url, db=args.db, extra=extra), flush=True)

            def handle_exit(self, sig, frame):
                # Graceful stop on SIGINT/SIGTERM, then exit 0 (uvicorn would re-raise the signal).
                if self.should_exit and sig == signal.SIGINT:
                    self.force_exit = True
                self.should_exit = True

        if not _is_loopback(args.host):
            print(_("scs-kit serve: warning: listening on {host}, reachable from other machines; the API has no "
                    "authentication").format(host=args.host), file=sys.stderr, flush=True)
        if "*" in args.cors_origin:
            print(_("scs-kit serve: warning: --cors-origin * lets every web site you visit read and change this "
                    "server's data"), file=sys.stderr, flush=True)
        Server(uvicorn_config(app)).run(sockets=[sock])
        app.close()
    return 0
