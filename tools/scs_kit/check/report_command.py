"""`scs-kit report RESULTS_JSON [--out DIR] [--format html,md,junit]`: re-render reports of a run;
`scs-kit report --compare OLD.json NEW.json`: what regressed, was fixed, is unchanged (exit 1 on a regression)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EXIT_OK, KitError
from ..i18n import _
from ..results import load_results

# Names accepted by --format; "json" rewrites a (redacted) copy of the results file itself.
FORMAT_NAMES = ("html", "md", "junit", "json")
DEFAULT_FORMATS = "html,md,junit"


def _formats(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FORMAT_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(_("unknown format {names} (choose from {choices})").format(
            names=", ".join(unknown) or repr(text), choices=", ".join(FORMAT_NAMES)))
    return names


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS_JSON", type=Path, nargs="?",
                        help=_("a results.json written by `scs-kit check`"))
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"),
                        help=_("compare two results.json files instead: prints regressed, fixed and unchanged checks; "
                               "exit 1 when something regressed"))
    parser.add_argument("--out", metavar="DIR", type=Path, default=None, help=_("where to write (default: beside RESULTS_JSON)"))
    parser.add_argument("--format", dest="formats", metavar="LIST", type=_formats, default=_formats(DEFAULT_FORMATS),
                        help=_("comma-separated formats out of {names} (default: {default})").format(
                            names=", ".join(FORMAT_NAMES), default=DEFAULT_FORMATS))
    parser.add_argument("--spec", metavar="PATH", type=Path, default=None,
                        help=_("the OpenAPI document for resource titles and secret fields (default: the kit's own)"))



def run(args: argparse.Namespace) -> int:
    from .. import spec as spec_module
    from .reports import write_reports

    if args.compare:
        if args.results is not None:
            args._parser.error(_("give either RESULTS_JSON or --compare OLD NEW, not both"))
        return _compare(*args.compare)
    if args.results is None:
        args._parser.error(_("the following arguments are required: %s") % _("RESULTS_JSON (or --compare OLD NEW)"))
    results = load_results(args.results)
    out = args.out if args.out is not None else args.results.resolve().parent
    spec = spec_module.load(args.spec)
    try:
        paths = write_reports(results, out, spec, formats=args.formats)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:  # fields of the wrong type in the file
        raise KitError(_("{path}: malformed results file ({problem})").format(
            path=args.results, problem=f"{type(exc).__name__}: {exc}")) from None
    for name in args.formats:
        print(f"{name:>5}: {paths[name]}")
    return EXIT_OK


def _compare(old_path: Path, new_path: Path) -> int:
    from .compare import compare, render

    old, new = load_results(old_path), load_results(new_path)
    comparison = compare(old, new)
    print(render(comparison, old_path, new_path, old, new), end="")
    return comparison.exit_code
