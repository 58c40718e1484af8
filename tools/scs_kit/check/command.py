"""`scs-kit check`: check an implementation against the vendor's document."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..i18n import _
from .catalog import MODES, PROFILES


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", metavar="URL",
                        help=_("the implementation, e.g. http://HOST:55963/CTI_SmartConnectService/RestService (default: start "
                               "the reference server in-process and check it)"))
    parser.add_argument("--profile", choices=tuple(PROFILES), default="default", help=_("example budgets (default: default)"))
    parser.add_argument("--seed", type=int, help=_("seed for generated data (default: random, recorded in the results)"))
    parser.add_argument("--strict", action="store_true", help=_("warnings fail the run (exit 1)"))
    parser.add_argument("--mode", choices=MODES, default="full",
                        help=_("full: every check (records of resources without DELETE stay); live: reversible writes only; "
                               "read-only: GET only (default: full)"))
    parser.add_argument("--report-dir", type=Path, default=Path("reports"), metavar="DIR",
                        help=_("where results.json, junit.xml, report.html and report.md go (default: reports/)"))
    parser.add_argument("--no-reports", action="store_true", help=_("write no report files"))
    parser.add_argument("--only", type=_csv, metavar="FAMILY,...",
                        help=_("check families: ENVELOPE, METHODS, KEYS, MIN-ID, QUERY, ROUND-TRIP, SCHEMA, STATEFUL, "
                               "ROBUSTNESS, CONCURRENCY, LATENCY"))
    parser.add_argument("--resources", type=_csv, metavar="NAME,...", help=_("resources to check (default: all)"))
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help=_("per-request timeout; a request without a complete answer by then is an error (default: 10)"))
    parser.add_argument("--slow", type=float, default=2.0, metavar="S",
                        help=_("answers slower than this warn (LATENCY-SLOW; default: 2)"))
    parser.add_argument("--ledger", type=Path, metavar="PATH",
                        help=_("the journal of what the kit created or changed, kept until everything is undone (default: in "
                               "the report directory; see scs-kit cleanup)"))
    parser.add_argument("--force", action="store_true",
                        help=_("start although an earlier run against this URL left an unfinished ledger"))
    parser.add_argument("--progress", choices=("auto", "plain", "none"), default="auto",
                        help=_("live line on a terminal, plain lines otherwise (default: auto)"))
    parser.add_argument("--workers", type=int, metavar="N",
                        help=_("resources checked at a time (default: 8 in full and read-only mode, 1 in live mode)"))
    parser.add_argument("--rate-limit", metavar="N/s",
                        help=_("at most N requests per second over the whole run, retries included (default: no limit)"))
    parser.add_argument("--retries", type=int, default=2, metavar="N",
                        help=_("further attempts of a GET, PUT or DELETE after a connection error or a 503, with backoff or as "
                               "Retry-After says; never of a POST (default: 2)"))
    parser.add_argument("--header", action="append", metavar="NAME:VALUE",
                        help=_("add this header to every request (repeatable), e.g. for a gateway's token"))
    parser.add_argument("--proxy", metavar="URL",
                        help=_("send every request through this proxy, also to a loopback target (default: HTTP_PROXY, "
                               "HTTPS_PROXY and NO_PROXY from the environment, never for loopback targets)"))
    parser.add_argument("--traffic", type=Path, metavar="FILE.har",
                        help=_("judge recorded traffic (HAR from scs-kit proxy, browser devtools, mitmproxy) instead of sending "
                               "requests"))
    parser.add_argument("--spec", metavar="PATH", type=Path, default=None,
                        help=_("the OpenAPI document to check against (default: the kit's own)"))
    parser.add_argument("--report", dest="report_formats", type=_report_formats, default=None, metavar="LIST",
                        help=_("report formats out of junit,json,html,md (default: all)"))
    parser.add_argument("--baseline", type=Path, default=None, metavar="FILE",
                        help=_('known deviations: findings listed there pass as "known"; new ones still fail'))
    parser.add_argument("--baseline-update", action="store_true",
                        help=_("write the run's findings to the --baseline file (creating or refreshing it)"))
    # Keep last: gives every option above an environment variable and a config-file key.
    from .config import install

    install(parser)


def _report_formats(value: str) -> tuple[str, ...]:
    from .reports import FORMATS

    names = tuple(dict.fromkeys(n.strip().lower() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(_("unknown report format {unknown} (choose from {FORMATS})").format(unknown=', '.join(unknown) or repr(value), FORMATS=','.join(FORMATS)))
    return names


def ledger_default(args: argparse.Namespace) -> Path | None:
    """The ledger is safety state, not a report: it goes to the report directory even with --no-reports."""
    if not args.base_url:
        return None
    from .ledger import ledger_name
    from .runner import normalise_url

    return args.report_dir / ledger_name(normalise_url(args.base_url))


def run(args: argparse.Namespace) -> int:
    import os
    import sys
    import tempfile

    from .config import resolve

    resolve(args, args._parser)  # before any option is read: defaults are markers until then
    if args.traffic is not None:
        from ..traffic.command import check_traffic

        return check_traffic(args)
    # Hypothesis keeps caches in ./.hypothesis by default: keep the user's working directory clean.
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                          os.path.join(tempfile.gettempdir(), f"scs-kit-hypothesis-{os.getuid() if hasattr(os, 'getuid') else 0}"))
    from ..server import start_server  # the reference server, checked when no --base-url is given
    from .politeness import parse_headers, parse_proxy, parse_rate
    from .runner import CheckOptions, run_check

    if args.baseline_update and args.baseline is None:
        from ..errors import KitError

        raise KitError(_("--baseline-update needs --baseline FILE (the file to write)"))
    if args.baseline is not None and (not args.baseline_update or args.baseline.exists()):
        from .baseline import load

        load(args.baseline)  # a missing or broken baseline must not cost a whole run
    opts = CheckOptions(
        base_url=args.base_url,
        profile=args.profile,
        seed=args.seed,
        strict=args.strict,
        mode=args.mode,
        report_dir=None if args.no_reports else args.report_dir,
        only=args.only,
        resources=args.resources,
        progress=None if args.progress == "none" else args.progress,
        timeout=args.timeout,
        spec=args.spec,
        report_formats=args.report_formats,
        baseline=args.baseline,
        baseline_update=args.baseline_update,
        slow=args.slow,
        workers=args.workers,
        rate_limit=None if args.rate_limit is None else parse_rate(args.rate_limit),
        retries=args.retries,
        headers=parse_headers(args.header),
        proxy=parse_proxy(args.proxy),
        ledger=args.ledger if args.ledger is not None else ledger_default(args),
        force=args.force,
        reference=start_server,
    )
    results = run_check(opts)
    paths = getattr(results, "report_paths", {}) or {}
    from .ci_surfaces import publish

    publish(results, paths)  # GitHub Actions: step summary and annotations
    if paths and opts.progress is None:  # otherwise Progress.finish has printed the paths and the summary
        where = sorted({str(Path(p).parent) for p in paths.values()})
        print(_("reports written to {where}: {files}").format(where=", ".join(where),
                                                              files=", ".join(Path(p).name for p in paths.values())))
    if opts.progress is None:  # the verdict line last
        counts = results.summary()
        from . import labels

        print(_("scs-kit check: {outcome} — {counts}; {requests} requests in {seconds} s (seed {seed})").format(
            outcome=labels.status(results.outcome), counts=labels.counts(counts), requests=results.requests_sent,
            seconds=f"{results.duration_s:.1f}", seed=results.seed))
    for note in results.warnings:
        print(_("scs-kit check: note: {note}").format(note=note), file=sys.stderr)
    return results.exit_code

