"""The verdict policy in one readable place, generated from the check catalogue: for every check what
fails, what only warns, and what the verdict rests on (the vendor's sentence, or a named standard).

The README's "what fails, what warns" table and the docs site's policy page are both rendered from
`rows`; `python -m scs_kit.check.policy --write README.md` refreshes the README's copy.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import CHECKS, PAGE

BEGIN = "<!-- policy table: generated from the check catalogue (python -m scs_kit.check.policy --write README.md) -->"
END = "<!-- end of policy table -->"


@dataclass(frozen=True)
class Row:
    id: str
    family: str
    level: str
    fails: str  # what fails (empty for a SHOULD check)
    warns: str  # what only warns
    basis: str  # the vendor's sentence, or the standard
    rule: str  # x-scs-rules id ("" when the basis is a standard)


def rows(spec: Any) -> list[Row]:
    out = []
    for c in CHECKS:
        rule = spec.rules.get(c.rule) if c.basis == PAGE else None
        basis = rule.source if rule is not None else c.basis
        must = c.level == "MUST"
        warns = c.warns if must else "; ".join(x for x in (c.title, c.warns) if x)
        out.append(Row(c.id, c.family, c.level, c.title if must else "", warns, basis, c.rule if rule else ""))
    return out


def _cell(text: str, limit: int = 0) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"


def markdown(spec: Any) -> str:
    """The README's table (the sentence of the page shortened; the docs site shows it whole)."""
    lines = ["| check | level | fails | only warns | basis |", "|---|---|---|---|---|"]
    for r in rows(spec):
        basis = f"「{_cell(r.basis, 48)}」 (`{r.rule}`)" if r.rule else _cell(r.basis)
        lines.append(f"| `{r.id}` | {r.level} | {_cell(r.fails) or '—'} | {_cell(r.warns) or '—'} | {basis} |")
    return "\n".join(lines) + "\n"


def embed(text: str, spec: Any) -> str:
    """`text` (the README) with the generated table between its markers."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError("the policy table markers are missing")
    return text[: start + len(BEGIN)] + "\n" + markdown(spec) + text[end:]


def main(argv: list[str] | None = None) -> int:
    from .. import spec as specmod

    parser = argparse.ArgumentParser(prog="python -m scs_kit.check.policy", description=__doc__)
    parser.add_argument("--write", type=Path, metavar="README", help="refresh the table in this file")
    args = parser.parse_args(argv)
    spec = specmod.load()
    if args.write is None:
        sys.stdout.write(markdown(spec))
        return 0
    text = args.write.read_text(encoding="utf-8")
    args.write.write_text(embed(text, spec), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
