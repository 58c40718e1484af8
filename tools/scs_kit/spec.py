"""Loads the OpenAPI document and exposes the resource table every part of the kit is driven by.

Nothing about individual resources lives in Python: keys, methods, minimum ids, fields and the
rules' sources are all read from the `x-scs-…` extensions of the document.

The model: `Spec.resources` → `Resource.operations` (method, path kind collection / item / query,
request and response schemas, rule ids) → `Operation.parameters` → `Resource.fields` (type as the
document gives it, evidence, secret, `documented`). The query route's meaning (which parameter
filters which field, the spelling of "all", the separator, the order key) is `Resource.query_route`,
read from the `x-scs-query` extension of that operation. `model_problems(document)` lists, with JSON
pointers, what a document lacks for this model: `scs-kit lint` reports them as findings and `Spec`
refuses such a document (a one-line KitError), so nothing falls back silently.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from .errors import KitError
from .files import read_text
from .i18n import _

SPEC_FILENAME = "scs-restful-api.yaml"
METHODS = ("GET", "POST", "PUT", "DELETE")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")  # an OpenAPI path item's
KINDS = ("collection", "item", "query")  # an operation's path: /R, /R/{key}, the query route
EVIDENCE = ("documented", "implied", "inferred")


def default_spec_path() -> Path:
    """The document in a source checkout, else the copy packaged into the wheel."""
    env = os.environ.get("SCS_SPEC")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "openapi" / SPEC_FILENAME, here / "openapi" / SPEC_FILENAME):
        if candidate.is_file():
            return candidate
    raise KitError(_("cannot find the OpenAPI document {SPEC_FILENAME} (set SCS_SPEC)").format(SPEC_FILENAME=SPEC_FILENAME))


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
        raise KitError(_("{path}: not parsable as YAML/JSON{where}: {problem}").format(path=path, where=where, problem=problem)) from None
    except RecursionError:
        raise KitError(_("{path}: nested too deeply to parse as YAML/JSON").format(path=path)) from None
    if not isinstance(document, dict):
        raise KitError(_("{path}: not an OpenAPI document (top level is {name})").format(path=path, name=type(document).__name__))
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
                raise KitError(_("unresolvable $ref {ref}").format(ref=ref))
            target = target[part]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if isinstance(target, dict) else target
    return node


def pointer(*parts: Any) -> str:
    """RFC 6901 JSON pointer (as a URI fragment) for a path of keys."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _schema_type(schema: Any) -> str | tuple[str, ...] | None:
    """The `type` a schema gives, as written ("string", or a tuple for a list of types)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    return tuple(kind) if isinstance(kind, list) else kind


@dataclass(frozen=True)
class Field:
    name: str
    evidence: str  # documented | implied | inferred
    secret: bool
    required: bool
    description: str
    source: str | None
    type: str | tuple[str, ...] | None = None  # as the document gives it (the record schema's property)

    @property
    def documented(self) -> bool:
        """THE answer to "may a difference in this field fail an implementation?": only when the
        vendor's page shows the field. Implied and inferred fields (and unknown ones) at most warn."""
        return self.evidence == "documented"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path", "query", ...
    required: bool
    schema: dict  # $refs resolved at the top level
    description: str
    example: Any

    @property
    def type(self) -> str | tuple[str, ...] | None:
        return _schema_type(self.schema)

    @property
    def minimum(self) -> int | None:
        value = self.schema.get("minimum")
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def maximum(self) -> int | None:
        value = self.schema.get("maximum")
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def enum(self) -> tuple[Any, ...]:
        return tuple(self.schema.get("enum") or ())

    @property
    def pattern(self) -> str | None:
        value = self.schema.get("pattern")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Operation:
    method: str  # "GET"
    path: str  # the template, "/ContainmentLine/{回線No}"
    kind: str  # collection | item | query
    operation_id: str
    summary: str
    description: str
    rules: tuple[str, ...]  # ids of x-scs-rules the operation cites
    parameters: tuple[Parameter, ...]
    request_schema: dict | None  # the application/json request body schema, as written ($refs kept)
    response_schema: dict | None  # the application/json schema of the 200 answer, as written
    node: dict = dataclass_field(repr=False, compare=False, default_factory=dict)  # the operation object (examples, ...)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    @property
    def request_examples(self) -> list[tuple[str, str, Any]]:
        """(name, summary, value) of the request body's application/json examples."""
        return _media_examples(self.node.get("requestBody") or {})

    @property
    def response_examples(self) -> list[tuple[str, str, Any]]:
        """(name, summary, value) of the 200 answer's application/json examples."""
        return _media_examples((self.node.get("responses") or {}).get("200") or {})


def _media_examples(node: dict) -> list[tuple[str, str, Any]]:
    media = (node.get("content") or {}).get("application/json") or {}
    found = [(n, e.get("summary", n), e.get("value")) for n, e in (media.get("examples") or {}).items()
             if isinstance(e, dict)]
    if not found and "example" in media:
        found.append(("example", "", media["example"]))
    return found


# --- the query route's meaning (x-scs-query) ---------------------------------------------------


@dataclass(frozen=True)
class QueryLimit:
    parameter: str  # "TOP"
    all: int  # the value that means "every record" (0)
    source: str


@dataclass(frozen=True)
class QueryOrder:
    parameter: str  # "DESCENDING"
    descending: tuple[str, ...]  # spellings meaning descending: "True", "true"
    ascending: tuple[str, ...]
    key: str  # the record field the order is by ("ID")
    key_evidence: str  # "inferred": the page says 降順/昇順 without naming the key
    source: str
    key_note: str = ""  # why the key is what it is

    def is_descending(self, value: str) -> bool:
        return value in self.descending


@dataclass(frozen=True)
class QueryFilter:
    parameter: str  # "K_ID"
    field: str  # the record field it filters ("顧客ID")
    match: str  # "number" (compared as integers) | "text" (compared as written)
    all: int | str  # the value that means "no filter": 0, "Null"
    separator: str | None  # joins several values ("&"); None for a one-value filter
    encoded_separators: tuple[str, ...]  # the separator's other spellings on the wire ("%26")
    max_values: int  # how many values the parameter may carry
    source: str

    @property
    def separators(self) -> tuple[str, ...]:
        return ((self.separator,) if self.separator else ()) + self.encoded_separators

    def split(self, text: str) -> list[str] | None:
        """A decoded text parameter as its values; None for the "all" spelling (e.g. FROM=Null)."""
        if text == str(self.all):
            return None
        return text.split(self.separator) if self.separator else [text]

    def join(self, values: list[str] | None, separator: str | None = None) -> str:
        """The parameter for these values (None = all), joined with `separator` (default: the page's)."""
        if values is None:
            return str(self.all)
        return (separator or self.separator or "").join(values)


@dataclass(frozen=True)
class QueryRoute:
    path: str  # "/ReceivedCall-Record/{TOP}/{DESCENDING}/{K_ID}/{FROM}"
    parameters: tuple[str, ...]  # the segment names, in template order
    limit: QueryLimit
    order: QueryOrder
    filters: tuple[QueryFilter, ...]

    def filter(self, parameter: str) -> QueryFilter | None:
        return next((f for f in self.filters if f.parameter == parameter), None)

    @property
    def number_filter(self) -> QueryFilter | None:
        """The one-value filter compared as numbers (K_ID), if any."""
        return next((f for f in self.filters if f.match == "number"), None)

    @property
    def text_filter(self) -> QueryFilter | None:
        """The filter on text values (FROM), if any."""
        return next((f for f in self.filters if f.match == "text"), None)

    def path_for(self, values: dict[str, Any]) -> str:
        """The route with each {parameter} replaced by its value, as given (no encoding)."""
        path = self.path
        for name in self.parameters:
            path = path.replace("{" + name + "}", str(values[name]))
        return path


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
    operations: tuple[Operation, ...] = ()  # every operation on the collection, item and query paths
    query_route: QueryRoute | None = None  # the query route's meaning, from its x-scs-query

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

    def documented(self, name: str) -> bool:
        """Whether the page documents this field, so a difference in it may fail (see Field.documented);
        False for a field the document does not know."""
        found = self.field(name)
        return found is not None and found.documented

    def operation(self, kind: str, method: str) -> Operation | None:
        return next((o for o in self.operations if o.kind == kind and o.method == method.upper()), None)

    def methods_on(self, kind: str) -> tuple[str, ...]:
        """The methods the document declares on the collection, item or query path."""
        return tuple(o.method for o in self.operations if o.kind == kind)

    @property
    def key_parameter(self) -> Parameter | None:
        """The key's path parameter on the item path (its bounds are the key's bounds)."""
        for op in self.operations:
            if op.kind == "item" and op.parameter(self.key) is not None:
                return op.parameter(self.key)
        return None

    @property
    def min_key(self) -> int:
        """The smallest key the item path accepts: its parameter's minimum, else min-id."""
        param = self.key_parameter
        return param.minimum if param is not None and param.minimum is not None else self.min_id


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    source: str
    summary: str


# --- what the model needs from a document ------------------------------------------------------


def model_problems(document: dict) -> list[tuple[str, str]]:
    """(JSON pointer, message) for each thing the document lacks that the model needs: every path
    belongs to a resource as its collection, item or query path; a declared query route exists with
    a GET whose x-scs-query names the route's own parameters and the record's fields; no x-scs-query
    elsewhere. An empty list means `Spec(document)` builds the model without guessing."""
    problems: list[tuple[str, str]] = []
    paths = document.get("paths") or {}
    schemas = (document.get("components") or {}).get("schemas") or {}
    if not isinstance(paths, dict):
        return [(pointer("paths"), _("paths is not a mapping"))]
    claimed: dict[str, tuple[str, str]] = {}  # path -> (resource, kind)
    for i, tag in enumerate(document.get("tags") or []):
        if not isinstance(tag, dict) or not isinstance(tag.get("x-scs-resource"), dict):
            continue
        ext, where = tag["x-scs-resource"], pointer("tags", i, "x-scs-resource")
        name = tag.get("name")
        for kind in KINDS:
            template = ext.get(kind)
            if template is None and kind == "query":
                continue
            if not isinstance(template, str) or not template.startswith("/"):
                problems.append((f"{where}/{kind}", _("{name}: the {kind} path must be a path template, found {template!r}").format(name=name, kind=kind, template=template)))
                continue
            claimed[template] = (str(name), kind)
            if template not in paths:
                problems.append((pointer("paths"), _("{name}: its {kind} path {template} is not in paths").format(name=name, kind=kind, template=template)))
        collection = str(ext.get("collection", "")).rstrip("/")
        if not re.fullmatch(r"/[^/{}]+", collection):
            problems.append((f"{where}/collection", _("{name}: the collection path must be one segment, /Name").format(name=name)))
        elif ext.get("item") != f"{collection}/{{{ext.get('key')}}}":
            expected = f"{collection}/{{{ext.get('key')}}}"
            problems.append((f"{where}/item", _("{name}: the item path must be the collection path then {{key}}: {expected}").format(name=name, expected=expected)))
        schema = schemas.get(ext.get("schema")) if isinstance(ext.get("schema"), str) else None
        record_fields = set((schema or {}).get("properties") or {}) if isinstance(schema, dict) else set()
        query = ext.get("query")
        if isinstance(query, str) and not _query_shape(collection, query):
            problems.append((f"{where}/query",
                             _("{name}: the query path must be its collection path then two or more {{parameter}} segments").format(name=name)))
        elif isinstance(query, str) and isinstance(paths.get(query), dict):
            get = paths[query].get("get")
            if not isinstance(get, dict):
                problems.append((pointer("paths", query), _("{name}: the query route {query} has no GET").format(name=name, query=query)))
            elif "x-scs-query" not in get:
                problems.append((pointer("paths", query, "get"),
                                 _("{name}: GET {query} does not declare its meaning (x-scs-query: limit, order, filters)").format(name=name, query=query)))
            else:
                params = {p.get("name") for p in (resolve(document, p) for p in get.get("parameters") or [])
                          if isinstance(p, dict) and p.get("in") == "path"}
                problems.extend(_query_problems(get["x-scs-query"], pointer("paths", query, "get", "x-scs-query"),
                                                _segments(collection, query), params, record_fields))
    for path, item in paths.items():
        if path not in claimed:
            problems.append((pointer("paths", path),
                             _("path {path} is no resource's collection, item or query path (x-scs-resource)").format(path=path)))
        for method, op in (item or {}).items() if isinstance(item, dict) else ():
            if isinstance(op, dict) and "x-scs-query" in op and not (claimed.get(path, ("", ""))[1] == "query"
                                                                      and method == "get"):
                problems.append((pointer("paths", path, method, "x-scs-query"),
                                 _("{upper} {path}: x-scs-query belongs only on the GET of a declared query route").format(upper=method.upper(), path=path)))
    return problems


def _query_shape(collection: str, template: str) -> bool:
    """/R/{A}/{B}...: the server tells a query from an item by its number of segments."""
    rest = template[len(collection) + 1:].split("/") if template.startswith(collection + "/") else []
    return len(rest) >= 2 and all(s.startswith("{") and s.endswith("}") and len(s) > 2 for s in rest)


def _segments(collection: str, template: str) -> list[str]:
    """The {parameter} names of a query template after its collection path."""
    rest = template[len(collection.rstrip("/")) + 1:] if template.startswith(collection.rstrip("/") + "/") else template
    return [s[1:-1] for s in rest.split("/") if s.startswith("{") and s.endswith("}")]


def _query_problems(ext: Any, where: str, segments: list[str], params: set, record_fields: set) -> list[tuple[str, str]]:
    if not isinstance(ext, dict):
        return [(where, _("x-scs-query must be a mapping with limit, order and filters"))]
    problems = []
    used: list[Any] = []
    parts: list[tuple[str, Any]] = [("limit", ext.get("limit")), ("order", ext.get("order"))]
    filters = ext.get("filters")
    if not isinstance(filters, list) or not filters:
        problems.append((f"{where}/filters", _("filters must list the route's filters (parameter, field, match, all)")))
        filters = []
    parts += [(f"filters/{j}", f) for j, f in enumerate(filters)]
    for at, part in parts:
        here = f"{where}/{at}"
        if not isinstance(part, dict):
            problems.append((here, _("{at} must be a mapping with parameter and source").format(at=at)))
            continue
        param = part.get("parameter")
        used.append(param)
        if param not in segments or param not in params:
            problems.append((f"{here}/parameter", _("{at}: {param!r} is not a path parameter of the route").format(at=at, param=param)))
        if not str(part.get("source") or "").strip():
            problems.append((f"{here}/source", _("{at}: no vendor source sentence").format(at=at)))
        if at == "limit" and not isinstance(part.get("all"), int):
            problems.append((f"{here}/all", _("limit: all must be the integer that means every record")))
        if at == "order":
            for spelling in ("descending", "ascending"):
                values = part.get(spelling)
                if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                    problems.append((f"{here}/{spelling}", _("order: {spelling} must list its spellings").format(spelling=spelling)))
            if part.get("key") not in record_fields:
                problems.append((f"{here}/key", _("order: key {value!r} is not a field of the record schema").format(value=part.get('key'))))
            if part.get("key-evidence") not in EVIDENCE:
                problems.append((f"{here}/key-evidence", _("order: key-evidence must be one of {EVIDENCE}").format(EVIDENCE=', '.join(EVIDENCE))))
        if at.startswith("filters/"):
            if part.get("field") not in record_fields:
                problems.append((f"{here}/field", _("{at}: field {value!r} is not a field of the record schema").format(at=at, value=part.get('field'))))
            if part.get("match") not in ("number", "text"):
                problems.append((f"{here}/match", _("{at}: match must be number or text, found {value!r}").format(at=at, value=part.get('match'))))
            elif part.get("match") == "number" and (not isinstance(part.get("all"), int) or part.get("separator")):
                problems.append((f"{here}/all", _("{at}: a number filter has one value and an integer all").format(at=at)))
            if part.get("match") == "text" and not isinstance(part.get("all"), str):
                problems.append((f"{here}/all", _("{at}: a text filter needs the spelling that means all (e.g. Null)").format(at=at)))
            if "separator" in part and not (isinstance(part["separator"], str) and part["separator"]):
                problems.append((f"{here}/separator", _("{at}: separator must be a non-empty string").format(at=at)))
            if not isinstance(part.get("max-values", 1), int) or part.get("max-values", 1) < 1:
                problems.append((f"{here}/max-values", _("{at}: max-values must be a positive integer").format(at=at)))
    kinds = [f.get("match") for f in filters if isinstance(f, dict)]
    if kinds.count("number") > 1 or kinds.count("text") > 1:
        problems.append((f"{where}/filters", _("the kit implements at most one number and one text filter")))
    for name in segments:
        if used.count(name) != 1:
            count = used.count(name)
            problems.append((where, _("path parameter {name!r} must have exactly one meaning (limit, order or a filter), found {count}").format(name=name, count=count)))
    return problems


class Spec:
    """The parsed document plus its resource table and rules."""

    def __init__(self, document: dict, path: Path | None = None):
        self.document = document
        self.path = path
        try:
            problems = model_problems(document)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise KitError(_("{path}: malformed x-scs extension ({name}: {exc})").format(path=path or 'document', name=type(exc).__name__, exc=exc)) from None
        if problems:
            where, message = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise KitError(_("{path}: incomplete or malformed x-scs extension at {where}: {message}{more} (see scs-kit lint)").format(path=path or 'document', where=where, message=message, more=more))
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
            raise KitError(_("{path}: malformed x-scs extension ({name}: {exc})").format(path=path or 'document', name=type(exc).__name__, exc=exc)) from None

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
                type=_schema_type(prop),
            )
            for name, prop in props.items()
        )
        operations = tuple(
            self._operation(path, kind, method)
            for kind, path in ((k, ext.get(k)) for k in KINDS)
            if path
            for method in HTTP_METHODS
            if method in (self.document.get("paths", {}).get(path) or {})
        )
        query_route = None
        if ext.get("query"):
            get = self.document["paths"][ext["query"]]["get"]
            query_route = _query_route(ext["query"], _segments(ext["collection"], ext["query"]), get["x-scs-query"])
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
            operations=operations,
            query_route=query_route,
        )

    def _operation(self, path: str, kind: str, method: str) -> Operation:
        op = resolve(self.document, self.document["paths"][path][method])
        params = []
        for p in op.get("parameters") or []:
            p = resolve(self.document, p)
            params.append(Parameter(
                name=p["name"],
                location=p.get("in", ""),
                required=bool(p.get("required", False)),
                schema=resolve(self.document, p.get("schema") or {}),
                description=p.get("description", ""),
                example=p.get("example", next((e.get("value") for e in (p.get("examples") or {}).values()
                                               if isinstance(e, dict) and "value" in e), None)),
            ))
        body = resolve(self.document, op.get("requestBody") or {})
        ok = resolve(self.document, (op.get("responses") or {}).get("200") or {})
        node = {**op, "requestBody": body, "responses": {**(op.get("responses") or {}), "200": ok}}
        return Operation(
            method=method.upper(),
            path=path,
            kind=kind,
            operation_id=op.get("operationId", ""),
            summary=op.get("summary", ""),
            description=op.get("description", ""),
            rules=tuple(op.get("x-scs-rules") or ()),
            parameters=tuple(params),
            request_schema=((body.get("content") or {}).get("application/json") or {}).get("schema"),
            response_schema=((ok.get("content") or {}).get("application/json") or {}).get("schema"),
            node=node,
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
            raise KitError(_("unknown resource {name!r}").format(name=name)) from None

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
            raise KitError(_("{path}: malformed servers entry ({name}: {exc})").format(path=self.path or 'document', name=type(exc).__name__, exc=exc)) from None

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

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(op for r in self.resources for op in r.operations)

    def operation(self, path: str, method: str) -> dict | None:
        return (self.document.get("paths", {}).get(path) or {}).get(method.lower())


def _query_route(path: str, segments: list[str], ext: dict) -> QueryRoute:
    limit, order = ext["limit"], ext["order"]
    return QueryRoute(
        path=path,
        parameters=tuple(segments),
        limit=QueryLimit(parameter=limit["parameter"], all=int(limit["all"]), source=limit["source"]),
        order=QueryOrder(
            parameter=order["parameter"],
            descending=tuple(order["descending"]),
            ascending=tuple(order["ascending"]),
            key=order["key"],
            key_evidence=order["key-evidence"],
            source=order["source"],
            key_note=order.get("key-note", ""),
        ),
        filters=tuple(
            QueryFilter(
                parameter=f["parameter"],
                field=f["field"],
                match=f["match"],
                all=int(f["all"]) if f["match"] == "number" else str(f["all"]),
                separator=f.get("separator"),
                encoded_separators=tuple(f.get("encoded-separators") or ()),
                max_values=int(f.get("max-values", 1)),
                source=f["source"],
            )
            for f in ext["filters"]
        ),
    )


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
