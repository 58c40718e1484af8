"""`scs-kit cleanup`: undo what an interrupted `scs-kit check` left on an implementation.

Reads the run's ledger (the journal `check` keeps in its report directory, or `--ledger PATH`),
restores every snapshot exactly (verified by GET), deletes every record the kit created (found by
key or by its marker), leaves the one marked record the kit keeps on a resource without DELETE, and
reports what it could not undo. Exit codes: 0 everything undone (or nothing to do), 1 something
could not be undone (the ledger stays for another try), 2 usage errors and an unreachable service.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EXIT_FINDINGS, EXIT_OK, KitError
from ..i18n import _


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", metavar="URL", required=True,
                        help=_("the implementation the interrupted run checked"))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--report-dir", type=Path, default=Path("reports"), metavar="DIR",
                       help=_("the report directory of that run (default: reports/)"))
    where.add_argument("--ledger", type=Path, metavar="PATH", help=_("the ledger file itself"))
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S", help=_("per-request timeout (default: 10)"))


def run(args: argparse.Namespace) -> int:
    import sys

    from .. import spec as specmod
    from .http import Client, Unreachable
    from .ledger import Ledger, ledger_name
    from .records import Records
    from .runner import MAX_TIMEOUT, normalise_url

    base_url = normalise_url(args.base_url)
    if not (0 < args.timeout <= MAX_TIMEOUT):
        raise KitError(_("--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}").format(MAX_TIMEOUT=MAX_TIMEOUT))
    path = args.ledger if args.ledger is not None else args.report_dir / ledger_name(base_url)
    if not path.exists():
        if args.ledger is not None:
            raise KitError(_("{path}: no such ledger").format(path=path))
        print(_("scs-kit cleanup: nothing to undo: no ledger for {base_url} in {report_dir}").format(base_url=base_url, report_dir=args.report_dir))
        return EXIT_OK
    ledger = Ledger.load(path)
    if normalise_url(ledger.base_url) != base_url:
        raise KitError(_("{path}: this ledger is for {base_url}, not {base_url2}").format(path=path, base_url=ledger.base_url, base_url2=base_url))
    spec = specmod.load()
    named = {e.resource for e in ledger.entries} | {name for name, _unused in ledger.snapshots}
    unknown = sorted(named - {r.name for r in spec.resources})
    if unknown:
        raise KitError(_("{path}: names resources the document does not declare: {unknown}").format(path=path, unknown=', '.join(unknown)))
    client = Client(base_url, args.timeout)
    records = Records(client, spec, mode="full", run_id=ledger.run_id)
    records.ledger = ledger
    before = {"snapshots": len(ledger.snapshots), "open": sum(1 for e in ledger.entries if not e.deleted and not e.keep)}
    ledger.resume()
    try:
        client.get(spec.resources[0].collection)  # one-line error for a service that does not answer
    except Unreachable as exc:
        ledger.close()
        raise KitError(_("cannot reach {base_url}: {last_failure}").format(base_url=base_url, last_failure=client.last_failure or exc)) from None
    try:
        records.cleanup()
    finally:
        client.close()
    kept = [e for e in ledger.entries if e.keep and not e.deleted and e.key]
    print(_("scs-kit cleanup: {before} changed record(s) to restore, {before2} kit record(s) to delete").format(before=before['snapshots'], before2=before['open']))
    for e in kept:
        print(_("  kept {resource}/{key}: the one marked record the kit leaves on a resource without DELETE").format(resource=e.resource, key=e.key))
    for note in ledger.notes:
        print(_("scs-kit cleanup: note: {note}").format(note=note), file=sys.stderr)
    if ledger.problems:
        for problem in ledger.problems:
            print(_("scs-kit cleanup: could not undo: {problem}").format(problem=problem), file=sys.stderr)
        print(_("scs-kit cleanup: the ledger {path} stays; run cleanup again once the cause is fixed").format(path=path), file=sys.stderr)
        return EXIT_FINDINGS
    print(_("scs-kit cleanup: everything undone") + ("" if path.exists() else _("; removed {path}").format(path=path)))
    return EXIT_OK
