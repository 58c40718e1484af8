"""The conformance results page's model: the matrix of worst statuses, each cell linked to its check."""

from __future__ import annotations

from dataclasses import dataclass

from ..results import SEVERITY, CheckResult, RunResults

BODY_LIMIT = 4000  # characters of a request/response body shown per exchange
FINDINGS = ("error", "fail", "warn")  # statuses detailed (and linked from the matrix); pass/skip are listed


@dataclass
class Cell:
    status: str | None  # None: no check of this family ran for the resource
    anchor: str | None  # the worst check's detail, when the cell is not a pass
    traffic: bool = False  # judged from recorded traffic (scs-kit proxy, check --traffic)

    @property
    def label(self) -> str:
        if self.traffic and self.status == "skip":
            return "not observed"
        return (self.status or "·") + (" ⇄" if self.traffic and self.status else "")


@dataclass
class ResultsView:
    run: RunResults
    families: list[str]
    rows: list[tuple[str, list[Cell]]]
    details: list[tuple[str, CheckResult]]  # (anchor, check) for every error, fail and warn
    passed: list[CheckResult]
    skipped: list[CheckResult]
    summary: dict[str, int]


def check_anchor(index: int) -> str:
    return f"check-{index + 1}"


def clip(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"\n… ({len(text) - BODY_LIMIT} more characters)"


def build_view(run: RunResults) -> ResultsView:
    matrix = run.matrix()
    present = {c.family for c in run.checks}
    families = [f for f in run.families if f in present] + sorted(present - set(run.families))
    anchors = {id(c): check_anchor(i) for i, c in enumerate(run.checks) if c.status in FINDINGS}
    rows = []
    for resource, statuses in matrix.items():
        cells = []
        for family in families:
            status = statuses.get(family)
            worst = next(
                (
                    c
                    for c in run.checks
                    if c.family == family and c.resource in (resource, None) and c.status == status and status in FINDINGS
                ),
                None,
            )
            cells.append(Cell(status, anchors.get(id(worst)) if worst else None, run.target == "traffic"))
        rows.append((resource, cells))
    details = sorted(
        ((anchors[id(c)], c) for c in run.checks if c.status in FINDINGS),
        key=lambda item: -SEVERITY.get(item[1].status, 0),
    )
    passed = [c for c in run.checks if c.status == "pass"]
    skipped = [c for c in run.checks if c.status == "skip"]
    return ResultsView(run, families, rows, details, passed, skipped, run.summary())
