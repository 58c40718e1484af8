"""`scs-kit proxy` and `scs-kit check --traffic`: judged traffic in, the usual reports and exit codes out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import KitError
from ..i18n import _

DEFAULT_PORT = 55963


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upstream", required=True, metavar="URL",
                        help=_("the service, e.g. {url}").format(url="http://HOST:55963/CTI_SmartConnectService/RestService"))
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: {host})").format(host="127.0.0.1"))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=_("port to listen on (default: {port}; 0 picks a free one)").format(port=DEFAULT_PORT))
    parser.add_argument("--report-dir", type=Path, default=Path("reports"), metavar="DIR",
                        help=_("where the reports go on Ctrl-C / SIGTERM (default: reports/)"))
    parser.add_argument("--no-reports", action="store_true", help=_("write no report files"))
    parser.add_argument("--record", type=Path, metavar="FILE.har", help=_("also write the exchanges as HAR 1.2 (secrets redacted)"))
    parser.add_argument("--strict", action="store_true", help=_("warnings fail the run (exit 1)"))
    parser.add_argument("--slow", type=float, default=2.0, metavar="S",
                        help=_("answers slower than this warn (LATENCY-SLOW; default: 2)"))
    parser.add_argument("--progress", choices=("auto", "none"), default="auto",
                        help=_("live status line on a terminal (default: auto)"))


def _check_output(report_dir: Path | None, record: Path | None) -> None:
    """Before any work: a bad --report-dir or --record must not cost a whole session of traffic."""
    from ..check.runner import prepare_report_dir

    prepare_report_dir(report_dir)
    if record is not None:
        if record.is_dir():
            raise KitError(_("{path}: --record names a directory, not a HAR file").format(path=record))
        parent = record.parent if str(record.parent) else Path(".")
        if not parent.is_dir():
            raise KitError(_("{path}: the directory {parent} does not exist").format(path=record, parent=parent))


def run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from .. import spec as specmod
    from ..check.runner import normalise_url
    from .running import Proxy, bind, reachable, run_loop, upstream_parts

    if not 0 <= args.port <= 65535:
        raise KitError(_("--port must be 0..65535, not {port}").format(port=args.port))
    upstream = normalise_url(args.upstream)
    host, port, _origin, _path = upstream_parts(upstream)
    report_dir = None if args.no_reports else args.report_dir
    _check_output(report_dir, args.record)
    spec = specmod.load()
    reachable(host, port)
    proxy = Proxy(upstream, spec, bind(args.host, args.port), keep=args.record is not None,
                  slow=args.slow)
    status = _StatusLine() if args.progress == "auto" and sys.stderr.isatty() else None
    print(_("scs-kit proxy: ready — clients use {url} (forwarding to {upstream}; "
            "Ctrl-C or SIGTERM writes the reports)").format(url=proxy.base_url, upstream=upstream), flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
                pass
        await proxy.serve(stop, status.show if status else None)

    try:
        run_loop(main())
    except KeyboardInterrupt:
        pass
    if status:
        status.clear()
    replay = f"scs-kit check --traffic {args.record}" if args.record else ""
    results = proxy.results(strict=args.strict, replay=replay)
    if args.record is not None:
        from .har import write_har

        write_har(args.record, proxy.exchanges, spec.secret_fields)
        print(_("scs-kit proxy: recorded {n} exchange(s) to {path}").format(n=len(proxy.exchanges), path=args.record))
    elif not proxy.seen:
        print(_("scs-kit proxy: no exchange passed through the proxy"))
    return _finish("proxy", results, report_dir, spec)


def check_traffic(args: argparse.Namespace) -> int:
    """`scs-kit check --traffic FILE.har`."""
    from .. import spec as specmod
    from .har import read_har
    from .judge import judge

    if getattr(args, "base_url", None):
        raise KitError(_("--traffic judges recorded traffic and sends no request: leave out --base-url"))
    report_dir = None if args.no_reports else args.report_dir
    _check_output(report_dir, None)
    spec = specmod.load()
    exchanges = read_har(args.traffic)
    results = judge(exchanges, spec, slow=getattr(args, "slow", 2.0), strict=args.strict,
                    replay=f"scs-kit check --traffic {args.traffic}")
    if results.requests_sent == 0:
        raise KitError(_("{path}: no answered exchange with the service among its {n} entries (expected URLs like "
                         "{url})").format(path=args.traffic, n=len(exchanges),
                                         url=f"http://HOST:55963{spec.base_path}/ContainmentLine"))
    return _finish("check", results, report_dir, spec)


def _finish(command: str, results, report_dir: Path | None, spec) -> int:
    from ..check import labels
    from ..check.reports import write_reports

    counts = results.summary()
    observed = sum(counts[s] for s in ("pass", "fail", "warn", "error"))
    skipped = _("{n} skipped (not observed or not applicable)").format(n=counts["skip"]) if counts["skip"] else ""
    print(_("scs-kit {command}: {outcome} — {n} exchange(s) judged; ").format(
              command=command, outcome=labels.status(results.outcome), n=results.requests_sent)
          + labels.counts({s: n for s, n in counts.items() if s != "skip"})
          + (f"{'; ' if observed else ''}{skipped}" if skipped else ""))
    for check in results.checks:
        if check.status in ("fail", "warn"):
            print(f"  {labels.status(check.status):4} {check.id} [{check.resource}] {check.message.splitlines()[0][:300]}")
    if report_dir is not None:
        paths = write_reports(results, report_dir, spec)
        print(_("reports written to {where}: {files}").format(where=report_dir,
                                                              files=", ".join(Path(p).name for p in paths.values())))
    return results.exit_code


class _StatusLine:
    """One self-overwriting line on a terminal: exchanges seen, findings so far."""

    def __init__(self) -> None:
        self.last = ""

    def show(self, proxy) -> None:
        line = "  " + _("{seen} exchanges · {findings} findings so far").format(seen=proxy.seen, findings=proxy.findings)
        if line != self.last:
            sys.stderr.write("\r" + line + "\033[K")
            sys.stderr.flush()
            self.last = line

    def clear(self) -> None:
        if self.last:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
