"""The route table of the reference server, read entirely from the document model (`scs_kit.spec`).

For each resource: the methods the document declares on its collection, item and query paths
(for 405/Allow and CORS), the key's bounds (from the item path parameter), a validator for each
operation's request body and the query route's parameters and meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jsonschema import Draft202012Validator

from ..spec import Parameter, QueryRoute, Resource, Spec


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
    query_params: dict[str, dict] = field(default_factory=dict)  # name -> parameter schema
    query: QueryRoute | None = None  # what each query parameter means (x-scs-query)


def _validator(spec: Spec, schema: dict | None) -> Draft202012Validator | None:
    if schema is None:
        return None
    # The schema's $refs point into the document: validate with the components as root.
    return Draft202012Validator({**schema, "components": spec.document.get("components", {})})


def _path_schemas(parameters: tuple[Parameter, ...]) -> dict[str, dict]:
    return {p.name: p.schema for p in parameters if p.location == "path"}


def build_routes(spec: Spec) -> dict[str, Route]:
    routes = {}
    for r in spec.resources:
        route = Route(
            resource=r,
            collection_methods=r.methods_on("collection"),
            item_methods=r.methods_on("item"),
            key_min=r.min_key,
            key_max=r.max_id,
        )
        for op in r.operations:
            if op.kind in ("collection", "item") and op.method in ("POST", "PUT"):
                v = _validator(spec, op.request_schema)
                if v is not None:
                    route.validators[(op.kind, op.method)] = v
        query = r.operation("query", "GET")
        if r.query_route is not None and query is not None:
            route.query = r.query_route
            route.query_names = r.query_route.parameters
            route.query_methods = r.methods_on("query")
            route.query_params = _path_schemas(query.parameters)
        routes[r.collection.strip("/")] = route
    return routes
