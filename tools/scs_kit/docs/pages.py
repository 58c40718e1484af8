"""View models for the templates: what each page shows, read from `scs_kit.spec` and the document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..spec import METHODS, Resource, Spec, resolve
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
    method: str
    template: str  # "/ContainmentLine/{回線No}"
    path: str  # a concrete path, "/ContainmentLine/1"
    summary: str
    description: str
    rules: list[str]
    parameters: list[dict]
    request_examples: list[Example]
    response_examples: list[Example]
    samples: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        kind = "query" if self.template.count("/") > 2 else ("item" if "{" in self.template else "collection")
        return f"op-{self.method.lower()}-{kind}"


def _examples(content: dict | None) -> list[Example]:
    media = (content or {}).get("application/json") or {}
    found = [Example(n, e.get("summary", n), e.get("value")) for n, e in (media.get("examples") or {}).items()]
    if not found and "example" in media:
        found.append(Example("example", "", media["example"]))
    return found


def _example_key(spec: Spec, resource: Resource) -> str:
    """A key for item samples: the document's own single-record example, else the minimum id."""
    op = spec.operation(resource.item, "get") or {}
    for example in _examples(resolve(spec.document, (op.get("responses") or {}).get("200", {})).get("content")):
        value = example.value
        if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get(resource.key):
            return str(value[0][resource.key])
    return str(resource.min_id)


def _concrete(template: str, parameters: list[dict], key_name: str, key: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == key_name:
            return quote(key, safe="")
        param = next((p for p in parameters if p.get("name") == name), {})
        example = param.get("example", (param.get("schema") or {}).get("default", "0"))
        return quote(str(example), safe="&")  # the query route's FROM joins numbers with a literal &

    return re.sub(r"\{([^}]+)\}", value, template)


def operations(spec: Spec, resource: Resource, base_url: str) -> list[Operation]:
    key = _example_key(spec, resource)
    found = []
    for template in filter(None, (resource.collection, resource.item, resource.query)):
        for method in METHODS:
            op = spec.operation(template, method)
            if op is None:
                continue
            op = resolve(spec.document, op)
            params = [resolve(spec.document, p) for p in op.get("parameters", [])]
            body = resolve(spec.document, op.get("requestBody") or {})
            ok = resolve(spec.document, (op.get("responses") or {}).get("200") or {})
            operation = Operation(
                method=method,
                template=template,
                path=_concrete(template, params, resource.key, key),
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                rules=list(op.get("x-scs-rules", [])),
                parameters=params,
                request_examples=_examples(body.get("content")),
                response_examples=_examples(ok.get("content")),
            )
            request = operation.request_examples[0].value if operation.request_examples else None
            operation.samples = samples.all_samples(method, base_url + operation.path, request)
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


def query_parameters(ops: list[Operation]) -> list[dict]:
    """Parameters of the query route (for the builder); [] for resources without one."""
    query = next((op for op in ops if op.anchor == "op-get-query"), None)
    return query.parameters if query else []
