"""LATENCY-SLOW (SHOULD): every answer arrives within `--slow` seconds (default 2). The page names no
time; a client that pops up the caller's record on an incoming call needs its answer while the phone
rings. Every answer of the run is timed (the report shows p50 / p95 / max per operation); these checks
run last and judge the answers to their resource."""

from __future__ import annotations

from scs_kit.i18n import _

from ._kit import check


@check("LATENCY-SLOW")
def test_slow(kit, resource, verdict):
    mark = len(kit.latency.timings)
    rows, _unused = kit.list(resource)  # at least these answers, and fresh ones sent while nothing else runs
    if rows:
        kit.get_item(resource, rows[0].get(resource.key))
    fresh_fast = all(t.seconds <= kit.slow for t in kit.latency.timings[mark:])
    slow = sorted(kit.latency.slower_than(kit.slow, resource.name), key=lambda t: -t.seconds)
    # A slow answer that coincided with slow answers to other resources, while the fresh ones are quick,
    # was a pause of the kit's own process (many checks share it), not the implementation's slowness.
    slow = [t for t in slow if not (fresh_fast and kit.latency.stalled_with_others(t, kit.slow))]
    if slow:
        worst = "; ".join(f"{t.request} {t.seconds:.2f} s" for t in slow[:3])
        verdict.warn(_("{n} answer(s) to {name} took longer than {slow:g} s (--slow), e.g. {worst}").format(n=len(slow), name=resource.name, slow=kit.slow, worst=worst))
