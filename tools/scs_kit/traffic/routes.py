"""Which operation of the document an exchange's URL addresses, whatever base path it is served under."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..spec import Resource, Spec


@dataclass(frozen=True)
class Route:
    resource: Resource
    kind: str  # collection | item | query
    raw: tuple[str, ...]  # the path segments after the collection, still percent-encoded

    @property
    def template(self) -> str:
        """The document's path for this route (the key of `paths`)."""
        return {"collection": self.resource.collection, "item": self.resource.item}.get(self.kind) \
            or (self.resource.query or "")

    @property
    def key(self) -> str | None:
        return unquote(self.raw[0]) if self.kind == "item" else None


class Router:
    def __init__(self, spec: Spec):
        self.spec = spec
        self._by_segment = {r.collection.strip("/"): r for r in spec.resources}

    def route(self, url: str) -> Route | None:
        """The route of `url`, found by the first path segment naming a resource's collection."""
        try:
            path = urlsplit(url).path
        except ValueError:
            return None
        segments = path.split("/")
        for i, segment in enumerate(segments):
            resource = self._by_segment.get(segment)
            if resource is None:
                continue
            rest = tuple(segments[i + 1:])
            if rest and rest[-1] == "" and len(rest) > 1:
                rest = rest[:-1]
            if not rest or rest == ("",):
                return Route(resource, "collection", ())
            if len(rest) == 1:
                return Route(resource, "item", rest)
            if resource.query and len(rest) == resource.query.strip("/").count("/"):
                return Route(resource, "query", rest)
            return None
        return None
