"""The route table of the reference server, read entirely from the OpenAPI document.

For each resource: the methods the document declares on its collection, item and query paths
(for 405/Allow and CORS), the key's bounds (from the item path parameter), a validator for each
operation's request body and the query route's parameter schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jsonschema import Draft202012Validator

from ..spec import Resource, Spec, resolve

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass
class Route:
    resource: Resource
    collection_methods: tuple[str, ...]
    item_methods: tuple[str, ...]
    key_min: int
    key_max: int
    validators: dict = field(default_factory=dict)  # (kind, METHOD) -> Draft202012Validator
    query_names: tuple[str, ...] = ()  # the query route's segment names, in template order
    query_methods: tuple[str, ...] = ()
    query_params: dict = field(default_factory=dict)  # name -> parameter schema


def _methods(spec: Spec, path: str) -> tuple[str, ...]:
    item = spec.document.get("paths", {}).get(path) or {}
    return tuple(m.upper() for m in HTTP_METHODS if m in item)


def _validator(spec: Spec, operation: dict | None) -> Draft202012Validator | None:
    if not operation or "requestBody" not in operation:
        return None
    body = resolve(spec.document, operation["requestBody"])
    schema = ((body.get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None:
        return None
    # The schema's $refs point into the document: validate with the components as root.
    return Draft202012Validator({**schema, "components": spec.document.get("components", {})})


def _parameters(spec: Spec, operation: dict | None) -> dict:
    params = {}
    for p in (operation or {}).get("parameters", []):
        p = resolve(spec.document, p)
        if p.get("in") == "path":
            params[p["name"]] = resolve(spec.document, p.get("schema", {}))
    return params


def build_routes(spec: Spec) -> dict[str, Route]:
    routes = {}
    for r in spec.resources:
        key_schema = _parameters(spec, spec.operation(r.item, "get") or spec.operation(r.item, "put")).get(r.key, {})
        route = Route(
            resource=r,
            collection_methods=_methods(spec, r.collection),
            item_methods=_methods(spec, r.item),
            key_min=int(key_schema.get("minimum", r.min_id)),
            key_max=r.max_id,
        )
        for kind, path in (("collection", r.collection), ("item", r.item)):
            for method in ("POST", "PUT"):
                v = _validator(spec, spec.operation(path, method))
                if v is not None:
                    route.validators[(kind, method)] = v
        if r.query:
            prefix = r.collection.rstrip("/") + "/"
            route.query_names = tuple(s.strip("{}") for s in r.query[len(prefix):].split("/"))
            route.query_methods = _methods(spec, r.query)
            route.query_params = _parameters(spec, spec.operation(r.query, "get"))
        routes[r.collection.strip("/")] = route
    return routes
