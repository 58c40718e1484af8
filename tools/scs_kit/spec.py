"""Loads the OpenAPI document and exposes the resource table every part of the kit is driven by.

Nothing about individual resources lives in Python: keys, methods, minimum ids, fields and the
rules' sources are all read from the `x-scs-…` extensions of the document.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from .errors import KitError
from .files import read_text

SPEC_FILENAME = "scs-restful-api.yaml"
METHODS = ("GET", "POST", "PUT", "DELETE")


def default_spec_path() -> Path:
    """The document in a source checkout, else the copy packaged into the wheel."""
    env = os.environ.get("SCS_SPEC")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "openapi" / SPEC_FILENAME, here / "openapi" / SPEC_FILENAME):
        if candidate.is_file():
            return candidate
    raise KitError(f"cannot find the OpenAPI document {SPEC_FILENAME} (set SCS_SPEC)")


def read_document(path: str | os.PathLike | None = None) -> dict:
    """Parse the YAML/JSON document; any problem is a one-line KitError (exit 2)."""
    path = Path(path) if path else default_spec_path()
    text = read_text(path, "OpenAPI document")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise KitError(f"{path}: not parsable as YAML/JSON{where}: {problem}") from None
    except RecursionError:
        raise KitError(f"{path}: nested too deeply to parse as YAML/JSON") from None
    if not isinstance(document, dict):
        raise KitError(f"{path}: not an OpenAPI document (top level is {type(document).__name__})")
    return document


def resolve(document: dict, node: Any) -> Any:
    """Follow local `$ref`s (`#/...`) until a node without one; sibling keys win over the target."""
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            break
        seen.add(ref)
        target = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise KitError(f"unresolvable $ref {ref}")
            target = target[part]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if isinstance(target, dict) else target
    return node


@dataclass(frozen=True)
class Field:
    name: str
    evidence: str  # documented | implied | inferred
    secret: bool
    required: bool
    description: str
    source: str | None


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    title_en: str
    collection: str  # "/ContainmentLine"
    item: str  # "/ContainmentLine/{回線No}"
    key: str
    methods: tuple[str, ...]
    min_id: int
    max_id: int  # the key path parameter's maximum (2147483647, a .NET int)
    schema_name: str
    schema: dict  # the record schema, $refs of its properties resolved
    fields: tuple[Field, ...]  # the key first
    query: str | None  # the query route template, if any
    source: str
    methods_source: str
    min_id_source: str | None
    note: str | None
    tag: dict

    def allows(self, method: str) -> bool:
        return method.upper() in self.methods

    def item_path(self, key: Any) -> str:
        """The item URI path for a key, percent-encoded as it goes on the wire."""
        return f"{self.collection}/{quote(str(key), safe='')}"

    @property
    def secret_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.secret)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    source: str
    summary: str


class Spec:
    """The parsed document plus its resource table and rules."""

    def __init__(self, document: dict, path: Path | None = None):
        self.document = document
        self.path = path
        try:
            self.resources: tuple[Resource, ...] = tuple(
                self._resource(tag) for tag in document.get("tags", []) if "x-scs-resource" in tag
            )
            self.rules: dict[str, Rule] = {
                r["id"]: Rule(r["id"], r.get("level", "MUST"), r.get("source", ""), r.get("summary", ""))
                for r in document.get("x-scs-rules", [])
            }
            self._by_name = {r.name: r for r in self.resources}
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise KitError(f"{path or 'document'}: malformed x-scs extension ({type(exc).__name__}: {exc})") from None

    def _resource(self, tag: dict) -> Resource:
        ext = tag["x-scs-resource"]
        schema_name = ext["schema"]
        schema = self.document["components"]["schemas"][schema_name]
        required = set(schema.get("required", []))
        props = {name: resolve(self.document, prop) for name, prop in schema.get("properties", {}).items()}
        fields = tuple(
            Field(
                name=name,
                evidence=prop.get("x-scs-evidence", ""),
                secret=bool(prop.get("x-scs-secret", False)),
                required=name in required,
                description=prop.get("description", ""),
                source=prop.get("x-scs-source"),
            )
            for name, prop in props.items()
        )
        return Resource(
            name=tag["name"],
            title=ext["title"],
            title_en=ext.get("title-en", ""),
            collection=ext["collection"],
            item=ext["item"],
            key=ext["key"],
            methods=tuple(m.upper() for m in ext["methods"]),
            min_id=int(ext.get("min-id", 1)),
            max_id=self._key_maximum(ext["item"], ext["key"]),
            schema_name=schema_name,
            schema={**schema, "properties": props},
            fields=fields,
            query=ext.get("query"),
            source=ext.get("source", ""),
            methods_source=ext.get("methods-source", ""),
            min_id_source=ext.get("min-id-source"),
            note=ext.get("note"),
            tag=tag,
        )

    def _key_maximum(self, item: str, key: str) -> int:
        for op in ((self.document.get("paths") or {}).get(item) or {}).values():
            for param in (op.get("parameters") or []) if isinstance(op, dict) else []:
                param = resolve(self.document, param)
                if param.get("in") == "path" and param.get("name") == key:
                    return int((param.get("schema") or {}).get("maximum", 2**31 - 1))
        return 2**31 - 1

    def resource(self, name: str) -> Resource:
        try:
            return self._by_name[name]
        except KeyError:
            raise KitError(f"unknown resource {name!r}") from None

    @property
    def base_path(self) -> str:
        """"/CTI_SmartConnectService/RestService", from the first server URL."""
        try:
            servers = self.document.get("servers") or [{"url": "/"}]
            url = servers[0]["url"]
            for name, var in (servers[0].get("variables") or {}).items():
                url = url.replace("{" + name + "}", str(var.get("default", "")))
            return urlsplit(url).path.rstrip("/")
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            raise KitError(f"{self.path or 'document'}: malformed servers entry ({type(exc).__name__}: {exc})") from None

    @property
    def success(self) -> dict:
        """The answer of a successful write, as the page shows it: {"result": "True", "msg": "正常終了"}."""
        schema = ((self.document.get("components") or {}).get("schemas") or {}).get("Result") or {}
        return dict(schema.get("x-scs-success") or {"result": "True", "msg": "正常終了"})

    @property
    def default_port(self) -> int:
        port = ((self.document.get("servers") or [{}])[0].get("variables") or {}).get("port", {}).get("default")
        return int(port) if port else 55963

    @property
    def secret_fields(self) -> frozenset[str]:
        return frozenset().union(*(r.secret_fields for r in self.resources))

    def operation(self, path: str, method: str) -> dict | None:
        return (self.document.get("paths", {}).get(path) or {}).get(method.lower())


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Spec:
    return Spec(read_document(path), Path(path))


def load(path: str | os.PathLike | None = None) -> Spec:
    """The Spec for a document (the kit's own by default); cached while the file is unchanged."""
    path = Path(path) if path else default_spec_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _load_cached(str(path), mtime)
