"""View models for the templates: what each page shows, read from `scs_kit.spec` and the document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..spec import METHODS, Parameter, Resource, Spec
from . import samples

EVIDENCE = {  # x-scs-evidence → (Japanese label, English explanation)
    "documented": ("記載", "stated by the vendor's page"),
    "implied": ("示唆", "implied by the vendor's page"),
    "inferred": ("推定", "our inference, not a source: never a reason to fail"),
}


@dataclass
class Example:
    name: str
    summary: str
    value: Any


@dataclass
class Operation:
    """One operation of the model (`scs_kit.spec.Operation`) as a page shows it."""

    method: str
    kind: str  # collection | item | query, from the model
    template: str  # "/ContainmentLine/{回線No}"
    path: str  # a concrete path, "/ContainmentLine/1"
    summary: str
    description: str
    rules: list[str]
    parameters: list[Parameter]
    request_examples: list[Example]
    response_examples: list[Example]
    samples: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"op-{self.method.lower()}-{self.kind}"


def _example_key(resource: Resource) -> str:
    """A key for item samples: the document's own single-record example, else the minimum id."""
    op = resource.operation("item", "GET")
    for _, _, value in op.response_examples if op else []:
        if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get(resource.key):
            return str(value[0][resource.key])
    return str(resource.min_id)


def _concrete(template: str, parameters: list[Parameter], key_name: str, key: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == key_name:
            return quote(key, safe="")
        param = next((p for p in parameters if p.name == name), None)
        if param is None:
            example: Any = "0"
        else:
            example = param.example if param.example is not None else param.schema.get("default", "0")
        return quote(str(example), safe="&")  # the query route's FROM joins numbers with a literal &

    return re.sub(r"\{([^}]+)\}", value, template)


def operations(spec: Spec, resource: Resource, base_url: str) -> list[Operation]:
    key = _example_key(resource)
    found = []
    for op in resource.operations:
        if op.method not in METHODS:
            continue
        params = list(op.parameters)
        operation = Operation(
            method=op.method,
            kind=op.kind,
            template=op.path,
            path=_concrete(op.path, params, resource.key, key),
            summary=op.summary,
            description=op.description,
            rules=list(op.rules),
            parameters=params,
            request_examples=[Example(*e) for e in op.request_examples],
            response_examples=[Example(*e) for e in op.response_examples],
        )
        request = operation.request_examples[0].value if operation.request_examples else None
        operation.samples = samples.all_samples(op.method, base_url + operation.path, request)
        found.append(operation)
    # The vendor's own order: list, read one, create, update, delete; then the query route.
    order = ["op-get-collection", "op-get-item", "op-post-collection", "op-put-item", "op-delete-item"]
    found.sort(key=lambda op: order.index(op.anchor) if op.anchor in order else len(order))
    return found


def applicable_rules(spec: Spec, ops: list[Operation]) -> list[tuple[Any, list[Operation]]]:
    """The document's rules that this resource's operations cite, in the document's order."""
    return [
        (rule, [op for op in ops if rule_id in op.rules])
        for rule_id, rule in spec.rules.items()
        if any(rule_id in op.rules for op in ops)
    ]


def record_example(resource: Resource) -> Any:
    examples = resource.schema.get("examples") or []
    return examples[0] if examples else None


def query_parameters(ops: list[Operation]) -> list[Parameter]:
    """Parameters of the query route (for the builder); [] for resources without one."""
    query = next((op for op in ops if op.kind == "query"), None)
    return query.parameters if query else []
