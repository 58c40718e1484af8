"""Answer times: every request's time, summarised per operation (p50 / p95 / max).

An operation is a method and a path template of the document (`GET /ContainmentLine/{回線No}`), so
the report says which operation is slow, not which of its thousands of URLs.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Timing:
    operation: str
    resource: str | None
    seconds: float
    request: str  # "GET http://…/ContainmentLine/3": which request it was
    end: float = 0.0  # time.monotonic() when the answer was in

    @property
    def start(self) -> float:
        return self.end - self.seconds


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


class Latency:
    """Thread-safe record of answer times; `operation(method, url)` names the document's operation."""

    def __init__(self, spec: Any):
        self.base_path = spec.base_path
        self._resources = {r.collection.strip("/"): r for r in spec.resources}
        self.timings: list[Timing] = []
        self._lock = threading.Lock()

    def operation(self, method: str, url: str) -> tuple[str, str | None]:
        """(the operation's name, its resource's name) for a request URL."""
        path = urlsplit(url).path
        rest = path.removeprefix(self.base_path)
        segments = [unquote(s) for s in rest.split("/")[1:]] if rest.startswith("/") else []
        r = self._resources.get(segments[0]) if segments else None
        if r is None:
            return f"{method} (other)", None
        if len(segments) == 1:
            return f"{method} {r.collection}", r.name
        if len(segments) == 2:
            return f"{method} {r.item}", r.name
        if r.query and len(segments) == len([s for s in r.query.split("/") if s]):
            return f"{method} {r.query}", r.name
        return f"{method} {r.collection}/…", r.name

    def record(self, method: str, url: str, seconds: float) -> None:
        operation, resource = self.operation(method, url)
        with self._lock:
            self.timings.append(Timing(operation, resource, seconds, f"{method} {url}", time.monotonic()))

    def summary(self) -> dict[str, dict[str, float]]:
        """operation → {"n", "p50", "p95", "max"} (seconds), operations sorted by name."""
        with self._lock:
            timings = list(self.timings)
        by_op: dict[str, list[float]] = {}
        for t in timings:
            by_op.setdefault(t.operation, []).append(t.seconds)
        return {op: {"n": len(v), "p50": round(percentile(v, 50), 4), "p95": round(percentile(v, 95), 4),
                     "max": round(max(v), 4)} for op, v in sorted(by_op.items())}

    def slower_than(self, seconds: float, resource: str | None = None) -> list[Timing]:
        with self._lock:
            return [t for t in self.timings if t.seconds > seconds and (resource is None or t.resource == resource)]

    def stalled_with_others(self, slow: Timing, seconds: float, others: int = 2) -> bool:
        """Whether answers to at least `others` other resources were as slow at the same moment: the
        signature of a pause on the kit's side (its process busy, the machine loaded), not of one
        resource's operation."""
        with self._lock:
            near = {t.resource for t in self.timings
                    if t.resource != slow.resource and t.seconds > seconds and t.start < slow.end and slow.start < t.end}
        return len(near) >= others
