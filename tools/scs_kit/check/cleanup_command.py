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


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", metavar="URL", required=True,
                        help="the implementation the interrupted run checked")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--report-dir", type=Path, default=Path("reports"), metavar="DIR",
                       help="the report directory of that run (default: reports/)")
    where.add_argument("--ledger", type=Path, metavar="PATH", help="the ledger file itself")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S", help="per-request timeout (default: 10)")


def run(args: argparse.Namespace) -> int:
    import sys

    from .. import spec as specmod
    from .http import Client, Unreachable
    from .ledger import Ledger, ledger_name
    from .records import Records
    from .runner import MAX_TIMEOUT, normalise_url

    base_url = normalise_url(args.base_url)
    if not (0 < args.timeout <= MAX_TIMEOUT):
        raise KitError(f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    path = args.ledger if args.ledger is not None else args.report_dir / ledger_name(base_url)
    if not path.exists():
        if args.ledger is not None:
            raise KitError(f"{path}: no such ledger")
        print(f"scs-kit cleanup: nothing to undo: no ledger for {base_url} in {args.report_dir}")
        return EXIT_OK
    ledger = Ledger.load(path)
    if normalise_url(ledger.base_url) != base_url:
        raise KitError(f"{path}: this ledger is for {ledger.base_url}, not {base_url}")
    spec = specmod.load()
    named = {e.resource for e in ledger.entries} | {name for name, _ in ledger.snapshots}
    unknown = sorted(named - {r.name for r in spec.resources})
    if unknown:
        raise KitError(f"{path}: names resources the document does not declare: {', '.join(unknown)}")
    client = Client(base_url, args.timeout)
    records = Records(client, spec, mode="full", run_id=ledger.run_id)
    records.ledger = ledger
    before = {"snapshots": len(ledger.snapshots), "open": sum(1 for e in ledger.entries if not e.deleted and not e.keep)}
    ledger.resume()
    try:
        client.get(spec.resources[0].collection)  # one-line error for a service that does not answer
    except Unreachable as exc:
        ledger.close()
        raise KitError(f"cannot reach {base_url}: {client.last_failure or exc}") from None
    try:
        records.cleanup()
    finally:
        client.close()
    kept = [e for e in ledger.entries if e.keep and not e.deleted and e.key]
    print(f"scs-kit cleanup: {before['snapshots']} changed record(s) to restore, {before['open']} kit record(s) "
          f"to delete")
    for e in kept:
        print(f"  kept {e.resource}/{e.key}: the one marked record the kit leaves on a resource without DELETE")
    for note in ledger.notes:
        print(f"scs-kit cleanup: note: {note}", file=sys.stderr)
    if ledger.problems:
        for problem in ledger.problems:
            print(f"scs-kit cleanup: could not undo: {problem}", file=sys.stderr)
        print(f"scs-kit cleanup: the ledger {path} stays; run cleanup again once the cause is fixed", file=sys.stderr)
        return EXIT_FINDINGS
    print("scs-kit cleanup: everything undone" + ("" if path.exists() else f"; removed {path}"))
    return EXIT_OK
