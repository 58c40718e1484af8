"""ROBUSTNESS-TRUTHFUL: an answer tells the truth. POST, PUT and DELETE answer the envelope "全てこの形"
(`{"result": "True", "msg": "正常終了"}` for success): a success answer whose effect did not happen, or a
refusal (4xx or "False") after which data changed, misleads every client, whatever the status codes.
Probed with the bad requests of `bad_requests` on every resource that has the method."""

from __future__ import annotations

import pytest
from scs_kit.check.verdict import fail
from scs_kit.i18n import _

from ._kit import check, described


@check("ROBUSTNESS-TRUTHFUL")
def test_truthful(kit, resource, bad_requests, verdict):
    kit.require_write()
    found = bad_requests.of(resource)
    if not found:
        pytest.skip(_("no write the kit may send to {name} in --mode {mode}").format(name=resource.name, mode=kit.mode))
    lies = [p for p in found if p.lie]
    contradictions = [p for p in found if p.answer is not None and 400 <= p.answer.status < 500
                      and p.answer.result == "True"]
    if contradictions:
        p = contradictions[0]
        fail(_('{label} answered {answer}: a refusal that says result "True"').format(label=p.label, answer=described(p.answer)), p.answer.exchange)
    if lies:
        p = lies[0]
        more = f" (and {len(lies) - 1} more)" if len(lies) > 1 else ""
        fail(f"{p.label} {p.lie} ({described(p.answer) if p.answer else p.failure}){more}",
                 p.answer.exchange if p.answer else None, *p.evidence)
    doubts = [p for p in found if p.doubt]
    if doubts:
        p = doubts[0]
        more = f" (and {len(doubts) - 1} more)" if len(doubts) > 1 else ""
        verdict.warn(f"{p.label} {p.doubt}{more}", *p.evidence)
