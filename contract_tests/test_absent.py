"""ENVELOPE-GET-ABSENT: GET of a valid key without a record answers 200 and `[]`. The page: "GETの戻り値は
[{ データ },{ データ }, ・・・] の形です。データが空の時は [ ] です。" A key that is not a valid key (`abc`, `0`, out
of range) names no record the page could describe: how that is refused stays open and is not sent here."""

from __future__ import annotations

from scs_kit.check.verdict import fail
from scs_kit.i18n import _

from ._kit import check, described


@check("ENVELOPE-GET-ABSENT")
def test_get_absent(resource, tours):
    t = tours.of(resource)
    for label, answer in ((_("a key far above every record"), t.get_absent), (_("a record the kit deleted"), t.get_after_delete)):
        if answer is None:
            continue
        if answer.status != 200 or answer.json != []:
            fail(_("GET {url} ({label}: a valid key without a record) answered {answer} instead of 200 []; the "
                   "page: データが空の時は [ ]").format(url=answer.exchange.url, label=label, answer=described(answer)), answer.exchange)
