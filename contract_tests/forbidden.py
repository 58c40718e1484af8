"""The probe of a resource's undocumented methods, sent once per resource (the `probes` fixture) and
judged by METHODS-FORBIDDEN and METHODS-ALLOW-HEADER. Every request that could register a record
goes through the records component, ledgered before it is sent."""

from __future__ import annotations

from scs_kit.check.context import Kit
from scs_kit.i18n import _

from ._kit import described


class Probes:
    def __init__(self, kit: Kit):
        self.kit = kit
        self._done: dict[str, dict] = {}

    def of(self, resource) -> dict:
        """{"answers": [(method, path, answer)], "failures": [(message, evidence)], "unclear": ...}"""
        if resource.name not in self._done:
            self._done[resource.name] = out = {"answers": [], "failures": []}
            _probe(self.kit, resource, out)
        return self._done[resource.name]


def _probe(kit: Kit, r, out: dict) -> None:
    """Send each undocumented method once, safely."""
    records = kit.records
    rows, _unused = kit.list(r)
    absent = kit.absent_key(rows, r)

    if not r.allows("POST") and kit.mode == "full":  # a faulty implementation may register it for good
        body, marker = records.marked(r, kit.body(r, "0"))
        posted = records.post(r, body, marker=marker, note=_("registered by a POST the resource does not document"))
        ans = posted.answer
        out["answers"].append(("POST", r.collection, ans))
        if posted.by_marker:
            out["failures"].append((_("POST {collection} (not documented) registered record {key}").format(collection=r.collection, key=posted.key),
                                    [ans.exchange, posted.after_answer.exchange]))
        elif ans.result == "True":
            out["failures"].append((_('POST {collection} (not documented) answered result "True"').format(collection=r.collection), [ans.exchange]))
        else:
            new = posted.unsettled or ([posted.key] if posted.key else [])
            if new and ans.succeeded:  # without the kit's marker these may be another client's records
                out["unclear"] = (_("POST {collection} (not documented) answered {answer} and records {new} appeared meanwhile (not "
                                    "carrying the kit's marker)").format(collection=r.collection, answer=described(ans), new=new),
                                  [ans.exchange, posted.after_answer.exchange])

    if not r.allows("PUT"):
        if rows:  # a PUT of an existing record with its own values: harmless even if accepted
            target = rows[0]
            k = str(target.get(r.key))
            ans = kit.put(r, k, target)
            out["answers"].append(("PUT", r.item_path(k), ans))
            if ans.result == "True":
                out["failures"].append((_('PUT {item_path} (not documented) answered result "True"').format(item_path=r.item_path(k)), [ans.exchange]))
    if not r.allows("PUT") and kit.mode == "full":  # an upserting PUT would register a record
        body, _unused = records.marked(r, kit.body(r, absent))
        probe = records.put_new(r, absent, body, _("registered by a PUT the resource does not document"))
        ans = probe.answer
        out["answers"].append(("PUT", r.item_path(absent), ans))
        if probe.key is not None:
            out["failures"].append((_("PUT {item_path} (not documented) registered a record").format(item_path=r.item_path(absent)), [ans.exchange]))
        elif ans.result == "True":
            out["failures"].append((_('PUT {item_path} (not documented) answered result "True"').format(item_path=r.item_path(absent)), [ans.exchange]))

    if not r.allows("DELETE"):
        if r.allows("POST") and kit.has_own(r):
            k = kit.spare_key(r)
            ans = kit.delete(r, k)
            out["answers"].append(("DELETE", r.item_path(k), ans))
            if kit.record(r, k) is None:
                records.forget(r, k)
                out["failures"].append((_("DELETE {item_path} (not documented) removed the kit's record").format(item_path=r.item_path(k)), [ans.exchange]))
            elif ans.result == "True":
                out["failures"].append((_('DELETE {item_path} (not documented) answered result "True"').format(item_path=r.item_path(k)), [ans.exchange]))
        ans = kit.delete(r, absent)
        out["answers"].append(("DELETE", r.item_path(absent), ans))
        if ans.result == "True":
            out["failures"].append((_('DELETE {item_path} (not documented) answered result "True"').format(item_path=r.item_path(absent)), [ans.exchange]))
