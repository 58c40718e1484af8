"""`scs-kit report --compare OLD.json NEW.json`: what regressed, what was fixed, what is unchanged.

Checks are matched by id and resource. A regression is a check that fails or errs in NEW but did
not in OLD (or did not run there), or that fails with a different finding (another fingerprint):
those make the exit code 1. Known (baselined) findings count as not failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EXIT_FINDINGS, EXIT_OK
from ..i18n import N_, _
from ..results import CheckResult, RunResults
from . import labels
from .baseline import fingerprint

BAD = ("fail", "error")
Key = tuple[str, "str | None"]


@dataclass
class Change:
    check_id: str
    resource: str | None
    old: str  # status in OLD ("absent" when it did not run)
    new: str
    message: str = ""

    def line(self) -> str:
        where = f" [{self.resource}]" if self.resource else ""
        first = self.message.splitlines()[0][:200] if self.message else ""
        return f"  {self.check_id}{where}: {_word(self.old)} -> {_word(self.new)}" + (f": {first}" if first else "")


WORDS = {"absent": N_("absent"), "not run": N_("not run"), "fail (another finding)": N_("fail (another finding)")}


def _word(status: str) -> str:
    return _(WORDS[status]) if status in WORDS else labels.status(status)


@dataclass
class Comparison:
    regressed: list[Change] = field(default_factory=list)
    fixed: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    other: list[Change] = field(default_factory=list)  # other status changes (a new warning, a skip, …)
    gone: list[Change] = field(default_factory=list)  # ran in OLD, not in NEW

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.regressed else EXIT_OK


def _index(results: RunResults) -> dict[Key, CheckResult]:
    return {(c.id, c.resource): c for c in results.checks}


def _fingerprint(check: CheckResult, results: RunResults) -> str:
    return check.fingerprint or fingerprint(check, results.resources)


def compare(old: RunResults, new: RunResults) -> Comparison:
    before, after = _index(old), _index(new)
    out = Comparison()
    for key, check in after.items():
        prior = before.get(key)
        was = prior.status if prior is not None else "absent"
        now = check.status
        change = Change(check.id, check.resource, was, now, check.message if now != "pass" else "")
        if now in BAD and was not in BAD:
            out.regressed.append(change)
        elif now == "fail" and was == "fail" and prior is not None and _fingerprint(prior, old) != _fingerprint(check, new):
            change.old = "fail (another finding)"
            out.regressed.append(change)
        elif was in BAD + ("warn",) and now in ("pass", "skip") or (was in BAD and now in ("warn", "known")):
            out.fixed.append(change)
        elif was == now:
            out.unchanged.append(change)
        else:
            out.other.append(change)
    for key, check in before.items():
        if key not in after:
            out.gone.append(Change(check.id, check.resource, check.status, "not run"))
    return out


def render(comparison: Comparison, old_path: Path, new_path: Path, old: RunResults, new: RunResults) -> str:
    lines = [_("comparing {old} ({old_outcome}, seed {old_seed}) with {new} ({new_outcome}, seed {new_seed})").format(
        old=old_path, old_outcome=labels.status(old.outcome), old_seed=old.seed,
        new=new_path, new_outcome=labels.status(new.outcome), new_seed=new.seed)]
    for key, title, changes in (("regressed", _("regressed"), comparison.regressed), ("fixed", _("fixed"), comparison.fixed),
                                ("other", _("other changes"), comparison.other),
                                ("gone", _("not run in the new results"), comparison.gone)):
        if changes or key in ("regressed", "fixed"):
            lines.append(f"{title} ({len(changes)}):" + ("" if changes else " " + _("none")))
            lines += [c.line() for c in changes]
    still = [c for c in comparison.unchanged if c.new in BAD + ("warn", "known")]
    lines.append(_("unchanged ({n})").format(n=len(comparison.unchanged))
                 + (_(", still not passing ({n}):").format(n=len(still)) if still else ""))
    lines += [c.line() for c in still]
    verdict = _("regression: exit 1") if comparison.regressed else _("no regression: exit 0")
    lines.append(_("{verdict} ({regressed} regressed, {fixed} fixed, {unchanged} unchanged)").format(
        verdict=verdict, regressed=len(comparison.regressed), fixed=len(comparison.fixed),
        unchanged=len(comparison.unchanged)))
    return "\n".join(lines) + "\n"
