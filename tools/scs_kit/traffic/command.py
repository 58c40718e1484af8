"""`scs-kit proxy` and `scs-kit check --traffic`: judged traffic in, the usual reports and exit codes out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import KitError

DEFAULT_PORT = 55963


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upstream", required=True, metavar="URL",
                        help="the service, e.g. http://HOST:55963/CTI_SmartConnectService/RestService")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--report-dir", type=Path, default=Path("reports"), metavar="DIR",
                        help="where the reports go on Ctrl-C / SIGTERM (default: reports/)")
    parser.add_argument("--no-reports", action="store_true", help="write no report files")
    parser.add_argument("--record", type=Path, metavar="FILE.har", help="also write the exchanges as HAR 1.2 (secrets redacted)")
    parser.add_argument("--strict", action="store_true", help="warnings fail the run (exit 1)")
    parser.add_argument("--slow", type=float, default=2.0, metavar="S",
                        help="answers slower than this warn (LATENCY-SLOW; default: 2)")
    parser.add_argument("--progress", choices=("auto", "none"), default="auto",
                        help="live status line on a terminal (default: auto)")


def _check_output(report_dir: Path | None, record: Path | None) -> None:
    """Before any work: a bad --report-dir or --record must not cost a whole session of traffic."""
    from ..check.runner import prepare_report_dir

    prepare_report_dir(report_dir)
    if record is not None:
        if record.is_dir():
            raise KitError(f"{record}: --record names a directory, not a HAR file")
        parent = record.parent if str(record.parent) else Path(".")
        if not parent.is_dir():
            raise KitError(f"{record}: the directory {parent} does not exist")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from .. import spec as specmod
    from ..check.runner import normalise_url
    from .running import Proxy, bind, reachable, run_loop, upstream_parts

    if not 0 <= args.port <= 65535:
        raise KitError(f"--port must be 0..65535, not {args.port}")
    upstream = normalise_url(args.upstream)
    host, port, _, _ = upstream_parts(upstream)
    report_dir = None if args.no_reports else args.report_dir
    _check_output(report_dir, args.record)
    spec = specmod.load()
    reachable(host, port)
    proxy = Proxy(upstream, spec, bind(args.host, args.port), keep=args.record is not None,
                  slow=args.slow)
    status = _StatusLine() if args.progress == "auto" and sys.stderr.isatty() else None
    print(f"scs-kit proxy: ready — clients use {proxy.base_url} (forwarding to {upstream}; "
          "Ctrl-C or SIGTERM writes the reports)", flush=True)

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
        print(f"scs-kit proxy: recorded {len(proxy.exchanges)} exchange(s) to {args.record}")
    elif not proxy.seen:
        print("scs-kit proxy: no exchange passed through the proxy")
    return _finish("proxy", results, report_dir, spec)


def check_traffic(args: argparse.Namespace) -> int:
    """`scs-kit check --traffic FILE.har`."""
    from .. import spec as specmod
    from .har import read_har
    from .judge import judge

    if getattr(args, "base_url", None):
        raise KitError("--traffic judges recorded traffic and sends no request: leave out --base-url")
    report_dir = None if args.no_reports else args.report_dir
    _check_output(report_dir, None)
    spec = specmod.load()
    exchanges = read_har(args.traffic)
    results = judge(exchanges, spec, slow=getattr(args, "slow", 2.0), strict=args.strict,
                    replay=f"scs-kit check --traffic {args.traffic}")
    if results.requests_sent == 0:
        raise KitError(f"{args.traffic}: no answered exchange with the service among its {len(exchanges)} "
                       f"entries (expected URLs like http://HOST:55963{spec.base_path}/ContainmentLine)")
    return _finish("check", results, report_dir, spec)


def _finish(command: str, results, report_dir: Path | None, spec) -> int:
    from ..check.reports import write_reports

    counts = results.summary()
    observed = sum(counts[s] for s in ("pass", "fail", "warn", "error"))
    print(f"scs-kit {command}: {results.outcome} — {results.requests_sent} exchange(s) judged; "
          + ", ".join(f"{n} {s}" for s, n in counts.items() if n and s != "skip")
          + (f"{'; ' if observed else ''}{counts['skip']} skipped (not observed or not applicable)"
             if counts["skip"] else ""))
    for check in results.checks:
        if check.status in ("fail", "warn"):
            print(f"  {check.status:4} {check.id} [{check.resource}] {check.message.splitlines()[0][:300]}")
    if report_dir is not None:
        paths = write_reports(results, report_dir, spec)
        print(f"reports written to {report_dir}: " + ", ".join(Path(p).name for p in paths.values()))
    return results.exit_code


class _StatusLine:
    """One self-overwriting line on a terminal: exchanges seen, findings so far."""

    def __init__(self) -> None:
        self.last = ""

    def show(self, proxy) -> None:
        line = f"  {proxy.seen} exchanges · {proxy.findings} findings so far"
        if line != self.last:
            sys.stderr.write("\r" + line + "\033[K")
            sys.stderr.flush()
            self.last = line

    def clear(self) -> None:
        if self.last:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
