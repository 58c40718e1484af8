"""Progress of a check run: a live status line on a terminal, plain lines in CI, a summary at the end.

    p = Progress(mode="auto", stream=sys.stderr)   # "auto" | "plain" | None (silent)
    p.start(resources, families, total=None)       # total: number of checks, when known
    p.begin(resource, family); p.record(check); ...
    p.finish(results, paths)                       # summary table to stdout
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Mapping
from typing import IO

from ..console import harden
from ..i18n import _, cut, ljust, rjust
from ..i18n import width as _width
from ..results import STATUSES, CheckResult, RunResults
from . import labels

SYMBOLS = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "-", "error": "E", "known": "~"}
COLOURS = {"pass": "32", "fail": "31", "warn": "33", "skip": "2", "error": "35", "known": "36"}
REDRAW_EVERY_S = 0.1  # a live line redrawn faster than this only costs time


def _ci() -> bool:
    return bool(os.environ.get("CI"))


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class Progress:
    def __init__(self, mode: str | None = "auto", stream: IO[str] | None = None, out: IO[str] | None = None):
        if mode not in ("auto", "plain", None):
            raise ValueError(f"progress mode must be 'auto', 'plain' or None, not {mode!r}")
        # SafeStream: a line the console's code page cannot show falls back instead of being lost.
        self.stream = harden(stream if stream is not None else sys.stderr)
        self._out = out  # None → sys.stdout at finish time (so redirection set up later still applies)
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", lambda: False)
            mode = "live" if isatty() and not _ci() else "plain"
        self.mode = mode  # "live" | "plain" | None
        self.counts = {s: 0 for s in STATUSES}
        self.done = 0
        self.total: int | None = None
        self.resource: str | None = None
        self.family = ""
        self._started = time.monotonic()
        self._drawn = 0.0
        self._line_len = 0

    # -- during the run -------------------------------------------------------------------------
    def start(self, resources: list[str], families: list[str], total: int | None = None) -> None:
        self._started = time.monotonic()
        self.total = total
        if self.mode == "plain":
            scope = _("{resources} resources × {families} families ({names})").format(
                resources=len(resources), families=len(families), names=", ".join(families))
            self._write(f"scs-kit check: {scope}" + (_(", {n} checks").format(n=total) if total else "") + "\n")
        self._draw(force=True)

    def begin(self, resource: str | None, family: str) -> None:
        self.resource, self.family = resource, family
        self._draw(force=True)

    def record(self, check: CheckResult) -> None:
        self.done += 1
        self.counts[check.status] = self.counts.get(check.status, 0) + 1
        if self.mode == "plain":
            width = len(str(self.total)) if self.total else 3
            counter = f"[{self.done:>{width}}/{self.total}]" if self.total else f"[{self.done:>{width}}]"
            where = check.resource or "-"
            line = f"{counter} {where} {check.family} {check.id} … {labels.status(check.status)}"
            if check.status in ("fail", "error", "warn") and check.message:
                line += f": {check.message.splitlines()[0][:200]}"
            self._write(line + "\n")
        elif self.mode == "live":
            if check.status in ("fail", "error"):  # failures scroll above the live line, as they happen
                self._clear()
                first = check.message.splitlines()[0][:200] if check.message else _(check.title) if check.title else ""
                self._write(f"{self._colour(check.status, labels.status(check.status).upper())} {check.id}"
                            + (f" [{check.resource}]" if check.resource else "") + f": {first}\n")
                self._draw(force=True)
            else:
                self._draw()

    def _status_line(self) -> str:
        where = f"{self.resource} · {self.family}" if self.resource else self.family or _("starting")
        done = f"{self.done}/{self.total}" if self.total else str(self.done)
        counts = " ".join(f"{SYMBOLS[s]}{self.counts[s]}" for s in STATUSES)
        return _("checking {where}  [{done}]  {counts}  {elapsed}").format(
            where=where, done=done, counts=counts, elapsed=_elapsed(time.monotonic() - self._started))

    def _draw(self, force: bool = False) -> None:
        if self.mode != "live":
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_EVERY_S:
            return
        self._drawn = now
        width = shutil.get_terminal_size((100, 20)).columns - 1
        line = cut(self._status_line(), width)
        self._write("\r" + line + "\x1b[K")
        self._line_len = len(line)

    def _clear(self) -> None:
        if self.mode == "live" and self._line_len:
            self._write("\r\x1b[K")
            self._line_len = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not break the run
            self.mode = None

    def _colour(self, status: str, text: str) -> str:
        if self.mode == "live" and not os.environ.get("NO_COLOR"):
            return f"\x1b[{COLOURS[status]}m{text}\x1b[0m"
        return text

    # -- at the end -----------------------------------------------------------------------------
    def finish(self, results: RunResults, paths: Mapping[str, os.PathLike | str] | None = None) -> None:
        """Clear the live line and print the summary table (nothing when silent)."""
        self._clear()
        if self.mode is None:
            return
        out = harden(self._out if self._out is not None else sys.stdout)
        colour = getattr(out, "isatty", lambda: False)() and not os.environ.get("NO_COLOR") and not _ci()
        try:
            out.write(summary_table(results, paths, colour=colour))
            out.flush()
        except (OSError, ValueError):
            pass


def summary_table(results: RunResults, paths: Mapping[str, os.PathLike | str] | None = None, colour: bool = False) -> str:
    """Families × statuses, a total row, where the reports are and, last, the verdict line."""
    families = list(dict.fromkeys([*results.families, *(c.family for c in results.checks)]))
    counts = {f: {s: 0 for s in STATUSES} for f in families}
    for check in results.checks:
        counts[check.family][check.status] += 1
    summary = results.summary()
    shown_statuses = results.shown_statuses()

    def paint(status: str, text: str, n: int) -> str:
        return f"\x1b[{COLOURS[status]}m{text}\x1b[0m" if colour and n and status != "pass" else text

    family_word, total_word = _("family"), _("total")
    names = {s: labels.status(s) for s in shown_statuses}
    cell = max([5, *(_width(n) for n in names.values())])
    width = max([_width(family_word), _width(total_word), *map(_width, families)])
    lines = ["", ljust(family_word, width) + "  " + "  ".join(rjust(names[s], cell) for s in shown_statuses)]
    rule = "-" * _width(lines[-1])
    lines.append(rule)
    for family in families:
        row = counts[family]
        lines.append(ljust(family, width) + "  " + "  ".join(paint(s, f"{row[s]:>{cell}}", row[s]) for s in shown_statuses))
    lines.append(rule)
    lines.append(ljust(total_word, width) + "  "
                 + "  ".join(paint(s, f"{summary[s]:>{cell}}", summary[s]) for s in shown_statuses))
    lines.append("")
    table_end = len(lines)
    not_deleted = [r for r in results.created_records if not r.deleted]
    if not_deleted:
        keys: dict[str, list[str]] = {}
        for record in not_deleted:
            keys.setdefault(record.resource, []).append(record.key)
        where = _(" (in the bundled server's temporary database)") if results.target == "reference" else ""
        lines.append(_("created and not deleted{where} ({n}): ").format(where=where, n=len(not_deleted))
                     + "; ".join(f"{r} {','.join(k)}" for r, k in keys.items()))
    for name, path in (paths or {}).items():
        lines.append(_("{format} report: {path}").format(format=f"{name:>5}", path=path))
    if len(lines) > table_end:
        lines.append("")
    # The verdict comes last, where CI logs and redirected output are read first.
    verdict = labels.status(results.outcome).upper()
    verdict_colour = {"pass": "32", "fail": "31"}.get(results.outcome, "35")
    shown = f"\x1b[1;{verdict_colour}m{verdict}\x1b[0m" if colour else verdict
    lines.append(_("{verdict}: {counts} · {requests} requests in {seconds} s · seed {seed} · exit {exit}").format(
        verdict=shown, counts=_(", ").join(_("{n} {status}").format(n=summary[s], status=names[s]) for s in shown_statuses),
        requests=results.requests_sent, seconds=f"{results.duration_s:.1f}", seed=results.seed, exit=results.exit_code))
    return "\n".join(lines) + "\n"
