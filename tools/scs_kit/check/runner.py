"""`run_check`: the programmatic entry point of `scs-kit check`.

It starts the reference server when no URL is given, preflights the target (one-line KitError
when the kit cannot do its job), drives the contract_tests suite through `pytest.main` with a
Collector plugin, always cleans up what the kit created (finally, atexit, SIGTERM), and writes the
reports.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import hashlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, shell
from .. import spec as specmod
from ..errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, KitError
from ..i18n import _
from ..results import FAMILIES, RunResults
from .catalog import CHECKS, MODES, PROFILES
from .collector import Collector, FastReports
from .context import Kit
from .http import GIVE_UP_AFTER, Client, NoAnswer, Unreachable
from .ledger import Ledger, ledger_name
from .politeness import MAX_RATE, Politeness
from .workers import MAX_WORKERS, default_workers


@dataclass
class CheckOptions:
    base_url: str | None = None
    profile: str = "default"
    seed: int | None = None
    strict: bool = False
    mode: str = "full"
    report_dir: Path | None = Path("reports")
    only: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    progress: str | None = "auto"
    timeout: float = 10.0
    spec: Path | None = None  # the OpenAPI document (default: the kit's own)
    report_formats: tuple[str, ...] | None = None  # out of reports.FORMATS (default: all)
    baseline: Path | None = None  # known deviations (check.baseline)
    baseline_update: bool = False  # write the run's findings to `baseline` first
    slow: float = 2.0  # seconds: slower answers warn (LATENCY-SLOW)
    ledger: Path | None = None  # the journal of what to undo (default: in report_dir, one per target)
    force: bool = False  # start although an unfinished ledger for this target is there
    # Without base_url: starts the reference server to check (the CLI passes scs_kit.server.start_server;
    # check does not import the server package itself).
    reference: Callable[..., Any] | None = None
    workers: int | None = None  # resources checked at a time; None: the mode's default
    rate_limit: float | None = None  # requests per second over the whole run
    retries: int = 2  # further attempts of an idempotent request after a connection error or a 503
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request
    proxy: str | None = None  # for every request, loopback targets included (else HTTP(S)_PROXY, NO_PROXY)

    def politeness(self) -> Politeness:
        return Politeness(rate=self.rate_limit, retries=self.retries, headers=tuple(self.headers), proxy=self.proxy)


MAX_TIMEOUT = 3600.0  # seconds; larger values overflow socket timeouts and mean "hang"


def suite_dir() -> Path:
    """contract_tests/ of a source checkout, else the copy packaged into the wheel."""
    here = Path(__file__).resolve().parents[1]  # the scs_kit package
    for candidate in (here.parents[1] / "contract_tests", here / "contract_tests"):
        if (candidate / "conftest.py").is_file():
            return candidate
    raise KitError(_("cannot find the conformance suite (contract_tests) beside the scs_kit package"))


def validate(opts: CheckOptions, spec) -> tuple[list[str], list[str]]:
    """The selected families and resource names; KitError for bad values."""
    if opts.profile not in PROFILES:
        raise KitError(_("unknown profile {profile!r} (choose from {PROFILES})").format(profile=opts.profile, PROFILES=', '.join(PROFILES)))
    if opts.mode not in MODES:
        raise KitError(_("unknown mode {mode!r} (choose from {MODES})").format(mode=opts.mode, MODES=', '.join(MODES)))
    families = list(FAMILIES)
    if opts.only is not None:  # an empty list ("--only ,") is a mistake, not "everything"
        wanted = [f.strip().upper() for f in opts.only if f.strip()]
        aliases = {"ROUNDTRIP": "ROUND-TRIP", "MINID": "MIN-ID", "MIN_ID": "MIN-ID", "ROUND_TRIP": "ROUND-TRIP"}
        wanted = [aliases.get(f, f) for f in wanted]
        bad = [f for f in wanted if f not in FAMILIES]
        if bad or not wanted:
            raise KitError(_("unknown check family {bad} for --only (choose from {FAMILIES})").format(bad=', '.join(bad) or '(empty)', FAMILIES=', '.join(FAMILIES)))
        families = [f for f in FAMILIES if f in wanted]
    names = [r.name for r in spec.resources]
    if not names:
        raise KitError(_("{path}: declares no resources (tags with x-scs-resource)").format(path=spec.path or 'the OpenAPI document'))
    if opts.resources is not None:
        wanted = [n.strip() for n in opts.resources if n.strip()]
        lookup = {n.lower(): n for n in names}
        bad = [n for n in wanted if n.lower() not in lookup]
        if bad or not wanted:
            raise KitError(_("unknown resource {bad} for --resources (choose from {names})").format(bad=', '.join(bad) or '(empty)', names=', '.join(names)))
        chosen = {lookup[n.lower()] for n in wanted}
        names = [n for n in names if n in chosen]
    if opts.timeout is not None and not (0 < opts.timeout <= MAX_TIMEOUT):  # also NaN and inf
        raise KitError(_("--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}").format(MAX_TIMEOUT=MAX_TIMEOUT))
    if not (0 < opts.slow <= MAX_TIMEOUT):  # also NaN and inf
        raise KitError(_("--slow must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}").format(MAX_TIMEOUT=MAX_TIMEOUT))
    if opts.workers is not None and not (1 <= opts.workers <= MAX_WORKERS):
        raise KitError(_("--workers must be a whole number from 1 to {MAX_WORKERS}").format(MAX_WORKERS=MAX_WORKERS))
    if opts.rate_limit is not None and not (0 < opts.rate_limit <= MAX_RATE):
        raise KitError(_("--rate-limit must be above 0 and at most {MAX_RATE:g} requests per second").format(MAX_RATE=MAX_RATE))
    if not (0 <= opts.retries <= 10):
        raise KitError(_("--retries must be a whole number from 0 to 10"))
    return families, names


def normalise_url(url: str) -> str:
    from urllib.parse import urlsplit

    url = url.strip().rstrip("/")
    expected = "expected http://HOST:55963/CTI_SmartConnectService/RestService"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0..65535
    except ValueError as exc:
        raise KitError(_("{url!r} is not a valid URL ({exc}; {expected})").format(url=url, exc=exc, expected=expected)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KitError(_("{url!r} is not an http:// URL with a host ({expected})").format(url=url, expected=expected))
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise KitError(_("{url!r}: a base URL has no query or fragment ({expected})").format(url=url, expected=expected))
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise KitError(_("{url!r} is not a valid URL (it contains spaces or control characters; {expected})").format(url=url, expected=expected))
    return url


def preflight(base_url: str, spec, names: list[str], timeout: float, politeness: Politeness | None = None) -> None:
    """KitError unless the target answers JSON on at least one collection."""
    client = Client(base_url, timeout, politeness)
    try:
        answers = []
        for name in names:
            answer = client.get(spec.resource(name).collection)
            answers.append(answer)
            if answer.is_json:
                return
    except Unreachable as exc:
        reason = client.last_failure or _(exc.failure.value)
        if exc.failure is NoAnswer.TIMEOUT:
            raise KitError(_("{base_url} did not answer within {timeout:g} s (timeout)").format(base_url=base_url, timeout=timeout)) from None
        if exc.failure in (NoAnswer.REFUSED, NoAnswer.NAME, NoAnswer.UNREACHABLE):
            raise KitError(_("cannot reach {base_url}: {reason}").format(base_url=base_url, reason=reason)) from None
        raise KitError(_("no usable answer from {base_url}: {reason}").format(base_url=base_url, reason=reason)) from None
    finally:
        client.close()
    first = answers[0] if answers else None
    what = f"HTTP {first.status} {first.content_type or 'without Content-Type'}" if first else "nothing"
    if first and 300 <= first.status < 400 and first.headers.get("location"):
        what += f" redirecting to {first.headers['location'][:200]}"
    raise KitError(_("{base_url} answers no JSON at all (GET {collection} gave {what}); is this the …{base_path} base "
                     "URL of the service?").format(base_url=base_url, collection=spec.resource(names[0]).collection, what=what,
                       base_path=spec.base_path))


def _progress(mode):
    from .progress import Progress

    return None if mode is None else Progress(mode=mode, stream=sys.stderr)


def prepare_report_dir(report_dir: Path | None) -> None:
    """Before any work: a bad --report-dir must not cost a whole run (one-line KitError)."""
    if report_dir is None:
        return
    path = Path(report_dir)
    if path.exists() and not path.is_dir():
        raise KitError(_("{path}: --report-dir is not a directory").format(path=path))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KitError(_("{path}: cannot create the report directory ({strerror})").format(path=path, strerror=exc.strerror or exc)) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise KitError(_("{path}: the report directory is not writable").format(path=path))


def ledger_path(opts: CheckOptions, base_url: str) -> Path | None:
    """Where the run's ledger goes: --ledger, else the report directory (None: memory only)."""
    if opts.ledger is not None:
        return Path(opts.ledger)
    return Path(opts.report_dir) / ledger_name(base_url) if opts.report_dir is not None else None


def _claim_ledger(path: Path | None, base_url: str, force: bool) -> str | None:
    """KitError if an unfinished ledger for this target is at `path` (with --force it is moved aside;
    the note says where)."""
    if path is None or not path.exists():
        return None
    if path.is_dir():
        raise KitError(_("{path}: --ledger is a directory").format(path=path))
    try:
        earlier = Ledger.load(path).base_url
    except KitError:
        earlier = None
    if not force:
        if earlier is None:
            raise KitError(_("{path}: not a scs-kit ledger; remove it or choose another --ledger (or --force)").format(path=path))
        raise KitError(_("{path}: an earlier run against {earlier} did not finish undoing its changes; run `scs-kit "
                         "cleanup --base-url {quote} --ledger {quote2}` first (or pass --force to start anyway)").format(path=path, earlier=earlier, quote=shell.quote(earlier), quote2=shell.quote(str(path))))
    aside = path.with_name(f"{path.name}.abandoned-{dt.datetime.now().strftime('%Y%m%d%H%M%S')}")
    try:
        path.replace(aside)
    except OSError as exc:
        raise KitError(_("{path}: cannot move the unfinished ledger aside ({strerror})").format(path=path, strerror=exc.strerror or exc)) from None
    return _("--force: the unfinished ledger of an earlier run was moved to {path}; run scs-kit cleanup with it").format(
        path=aside)


def _write_reports(results, report_dir, spec, formats=None) -> dict:
    from .reports import write_reports

    return {} if report_dir is None else write_reports(results, Path(report_dir), spec, formats)


def run_check(opts: CheckOptions) -> RunResults:
    spec = specmod.load(opts.spec)
    families, names = validate(opts, spec)
    prepare_report_dir(opts.report_dir)  # before the run: a bad --report-dir must not cost a whole run
    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    server = None
    if opts.base_url:
        base_url = normalise_url(opts.base_url)
        target = "external"
    else:
        if opts.reference is None:
            raise KitError(_("no base URL to check and no reference server to start"))
        server = opts.reference(host="127.0.0.1", port=0, demo=True, db=":memory:", spec=spec)
        base_url = server.base_url
        target = "reference"
    # the reference server runs in memory and is gone with the run: nothing to journal there
    journal = ledger_path(opts, base_url) if target == "external" and opts.mode != "read-only" else None
    run_notes = []
    kit = None
    old_term = None
    stopped = ""  # the request after which the implementation stopped answering
    try:
        note = _claim_ledger(journal, base_url, opts.force)
        if note:
            run_notes.append(note)
        preflight(base_url, spec, names, opts.timeout, opts.politeness())
        kit = Kit(base_url, profile=opts.profile, seed=opts.seed, mode=opts.mode, timeout=opts.timeout, spec=spec,
                  slow=opts.slow, politeness=opts.politeness())
        if journal is not None:
            kit.records.journal(journal, base_url)
        progress = _progress(opts.progress)
        collector = Collector(kit, progress, replay_base_url=opts.base_url and base_url)
        atexit.register(kit.cleanup)
        if threading.current_thread() is threading.main_thread():
            old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        if progress is not None:
            progress.start(names, families, total=_count(spec, families, names))
        code = _pytest(kit, collector, families, names, opts)
        stopped = kit.client.gave_up
        if code == 2 and not stopped:  # pytest.ExitCode.INTERRUPTED
            raise KeyboardInterrupt
        if code not in (0, 1, 2, 5):
            raise KitError(_("the conformance suite could not run (pytest exit code {int})").format(int=int(code)))
        results = RunResults(
            kit_version=__version__, base_url=base_url, target=target, profile=opts.profile, mode=opts.mode,
            seed=kit.seed, strict=opts.strict, spec_path=str(spec.path or ""), spec_sha256=_sha256(spec.path),
            started_at=started_at, resources=names, families=families, checks=collector.results,
        )
    finally:
        if kit is not None:
            kit.client.adapter.cancel.clear()  # an interrupted run still sends its cleanup requests
            with _signals_held():  # a second Ctrl-C must not cut the cleanup short
                kit.cleanup()
            atexit.unregister(kit.cleanup)
            kit.client.close()
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        if server is not None:
            server.stop()
    if stopped:
        left = (_("; once it answers again, run `scs-kit cleanup --base-url {url} --ledger {ledger}`").format(
            url=shell.quote(base_url), ledger=shell.quote(str(journal))) if journal is not None and journal.exists() else "")
        raise KitError(_("the implementation stopped answering: {stopped} ({GIVE_UP_AFTER} requests in a row without an "
                         "answer){left}").format(stopped=stopped, GIVE_UP_AFTER=GIVE_UP_AFTER, left=left))
    results.created_records = kit.records.created_records()
    results.warnings.extend(run_notes)
    results.warnings.extend(kit.records.problems)
    results.warnings.extend(kit.records.notes)
    results.warnings.extend(kit.notes)
    if journal is not None and journal.exists():
        results.warnings.append(_("the ledger {journal} lists what the kit could not undo; fix the cause and run `scs-kit cleanup "
                                  "--base-url {quote} --ledger {quote2}`").format(journal=journal, quote=shell.quote(base_url), quote2=shell.quote(str(journal))))
    if kit.type_notes:
        results.warnings.append(_("fields the page does not document answered as JSON numbers, booleans or null "
                                  "(compared as strings, null as absent; the document infers strings): ")
                                + ", ".join(sorted(kit.type_notes)))
    if kit.client.adapter.bom_answers:
        results.warnings.append(_("{bom_answers} answers began with a UTF-8 byte order mark, which JSON senders must not add (RFC "
                                  "8259); the kit read past it").format(bom_answers=kit.client.adapter.bom_answers))
    results.requests_sent = kit.client.sent
    results.latency = kit.latency.summary()
    if kit.client.last_failure and any(c.status == "error" for c in results.checks):
        results.warnings.append(_("the implementation stopped answering during the run: {last_failure}").format(last_failure=kit.client.last_failure))
    if opts.baseline is not None:  # known deviations pass as "known" before the verdict is drawn
        from . import baseline

        results.baseline = baseline.apply(results, opts.baseline, update=opts.baseline_update)
    results.exit_code, results.outcome = _verdict(results, opts.strict, bool(kit.records.problems))
    results.duration_s = round(time.monotonic() - started, 2)
    paths = _write_reports(results, opts.report_dir, spec, opts.report_formats)
    results.report_paths = paths  # type: ignore[attr-defined]
    if progress is not None:
        progress.finish(results, paths)
    return results


def _verdict(results: RunResults, strict: bool, problems: bool) -> tuple[int, str]:
    statuses = {c.status for c in results.checks}
    if "fail" in statuses:
        return EXIT_FINDINGS, "fail"
    if "error" in statuses or problems:
        return EXIT_USAGE, "error"
    if strict and ("warn" in statuses or results.warnings):  # run-level notes are warnings too
        return EXIT_FINDINGS, "fail"
    return EXIT_OK, "pass"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_held():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _count(spec, families, names) -> int:
    return sum(len(names) for c in CHECKS if c.family in families)


def _sha256(path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except (OSError, TypeError):
        return ""


def _pytest(kit: Kit, collector: Collector, families, names, opts: CheckOptions) -> int:
    """Run the suite: in one pytest session, or with --workers N in N sessions that share the
    resources (see workers.py); families that load the implementation on purpose run alone after.
    A --spec is set for all of them at once (SCS_SPEC), so that no session's end resets it for another."""
    spec_path = os.path.abspath(str(kit.spec.path)) if opts.spec is not None and kit.spec.path else None
    old = os.environ.get("SCS_SPEC")
    if spec_path:
        os.environ["SCS_SPEC"] = spec_path
    try:
        return _sessions(kit, collector, families, names, opts)
    finally:
        if spec_path:
            if old is None:
                os.environ.pop("SCS_SPEC", None)
            else:
                os.environ["SCS_SPEC"] = old


def _sessions(kit: Kit, collector: Collector, families, names, opts: CheckOptions) -> int:
    import pytest

    from . import workers as pool
    from .collector import resource_of

    directory = suite_dir()

    def args(selected: list[str], threaded: bool = False) -> list[str]:
        out = [
            str(directory),
            "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:randomly",
            "-o", "addopts=", "-o", "python_files=test_*.py", "--rootdir", str(directory.parent),
            "-c", os.devnull, "-W", "ignore",
            "--scs-profile", opts.profile, "--scs-mode", opts.mode,
            "--scs-only", ",".join(selected), "--scs-resources", ",".join(names),
            "--scs-base-url", kit.base_url,
            *(["--scs-spec", str(kit.spec.path)] if opts.spec is not None and kit.spec.path else []),
        ]
        for plugin in pool.THREAD_UNSAFE_PLUGINS if threaded else ():
            out += ["-p", f"no:{plugin}"]
        return out

    workers = opts.workers or default_workers(opts.mode)
    if workers <= 1 or len(names) <= 1:
        return pytest.main(args(families), plugins=[collector, FastReports()])
    shared = [f for f in families if f not in pool.ALONE_FAMILIES]
    alone = [f for f in families if f in pool.ALONE_FAMILIES]
    codes = []
    if shared:
        codes.append(pool.run_concurrently(
            lambda extra: pytest.main(args(shared, threaded=True), plugins=[collector, FastReports(), *extra]),
            _heaviest_first(kit.spec, names), workers, resource_of, kit.client.adapter.cancel))
    if alone and set(codes) <= {0, 1, 5} and not kit.client.gave_up:
        codes.append(pytest.main(args(alone), plugins=[collector, FastReports()]))
    return pool.combined(codes)


def _heaviest_first(spec, names: list[str]) -> list[str]:
    """Resources with more methods to check (and the query route) first, so that no long one starts last."""
    def weight(name: str) -> int:
        resource = spec.resource(name)
        return 10 * sum(resource.allows(m) for m in ("POST", "PUT", "DELETE")) + (5 if resource.query else 0)

    return sorted(names, key=weight, reverse=True)
