"""`scs-kit lint [SPEC]`: OpenAPI 3.1 validity plus the kit's own rules.

Exit 0 clean, 1 findings, 2 unreadable or unparsable file. Each finding names a JSON pointer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import vendor_page
from .errors import EXIT_FINDINGS, EXIT_OK
from .i18n import _
from .spec import (
    EVIDENCE,
    HTTP_METHODS,
    model_problems,
    pointer,
    read_document,
    resolve,
)

# Which of a resource's methods live on the collection path and which on the item path.
COLLECTION_METHODS = {"GET", "POST"}
ITEM_METHODS = {"GET", "PUT", "DELETE"}


@dataclass(frozen=True)
class Finding:
    rule: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer}: [{self.rule}] {self.message}"


def lint_document(doc: dict) -> list[Finding]:
    findings = list(_openapi_validity(doc))
    if any(f.rule == "oas-structure" for f in findings):
        return findings  # the kit's rules assume a structurally valid document
    for rule in (_model, _vendor_resources, _record_keys, _examples, _operation_examples, _sources, _evidence):
        try:
            findings.extend(rule(doc))  # the findings before a crash are kept
        except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
            # a node of an unexpected type (a list where a schema belongs, ...): a finding, not a crash
            name = rule.__name__.strip("_").replace("_", "-")
            findings.append(Finding("doc-shape", "#", _("cannot apply the {rules} rules, the document has an unexpected shape "
                                                        "({problem})").format(rules=name, problem=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")))
    return findings


# --- OpenAPI validity (openapi-spec-validator) -------------------------------------------------


def _openapi_validity(doc: dict) -> Iterator[Finding]:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    version = str(doc.get("openapi", ""))
    if not version.startswith("3.1."):
        yield Finding("oas-structure", pointer("openapi"), _("OpenAPI 3.1.x expected, found {version}").format(version=repr(version) if version else _("nothing")))
        return
    validator = OpenAPIV31SpecValidator(doc)
    structural = list(validator.schema_validator.iter_errors(doc))
    for err in structural:
        yield Finding("oas-structure", pointer(*err.absolute_path), err.message.splitlines()[0])
    if structural:
        return
    try:
        for err in validator.root_validator(validator.schema_path):
            where = pointer(*getattr(err, "absolute_path", []) or [])
            yield Finding("oas-semantics", where, str(err.message if hasattr(err, "message") else err).splitlines()[0])
    except Exception as exc:  # noqa: BLE001 - the validator itself gave up on this document
        yield Finding("oas-semantics", "#", _("openapi-spec-validator could not finish: {problem}").format(
            problem=f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"))


# --- the kit's rules ---------------------------------------------------------------------------


def _resources(doc: dict) -> list[tuple[int, dict, dict]]:
    return [(i, t, t["x-scs-resource"]) for i, t in enumerate(doc.get("tags") or []) if isinstance(t, dict) and "x-scs-resource" in t]


def _model(doc: dict) -> Iterator[Finding]:
    """What the kit's model of the document needs (scs_kit.spec.model_problems): every path is a
    resource's collection, item or query path, and the query route declares its meaning (x-scs-query)."""
    for where, message in model_problems(doc):
        yield Finding("model", where, message)


def _vendor_resources(doc: dict) -> Iterator[Finding]:
    """The vendor's 19 resources, each with exactly its methods, key and minimum id. A resource the
    vendor's table lacks is a finding unless its x-scs-resource says why it is added (`addition`);
    an addition is held to its own declared methods and minimum id instead."""
    paths = doc.get("paths") or {}
    seen = {}
    known = {vendor_page.QUERY_ROUTE}
    for i, tag, ext in _resources(doc):
        name = tag.get("name")
        where = pointer("tags", i, "x-scs-resource")
        addition = str(ext.get("addition") or "").strip()
        if name in vendor_page.RESOURCES and addition:
            yield Finding("vendor-resources", where + "/addition", _("{name} is in the vendor's table, not an addition").format(name=name))
        if name not in vendor_page.RESOURCES:
            if not addition:
                yield Finding("vendor-resources", pointer("tags", i), _("resource {name} is not in the vendor's table "
                              "(an intended addition says why in x-scs-resource addition)").format(name=repr(name)))
                continue
            key, min_id = ext.get("key"), int(ext.get("min-id", 1))
            methods = tuple(str(m).upper() for m in ext.get("methods") or [])
            collection, item = str(ext.get("collection")), str(ext.get("item"))
            known.update(p for p in (collection, item, ext.get("query")) if isinstance(p, str))
        else:
            seen[name] = ext
            key, methods, min_id = vendor_page.RESOURCES[name]
            if ext.get("key") != key:
                yield Finding("vendor-resources", where + "/key", _("{name}: key must be {key}, found {found}").format(name=name, key=repr(key), found=repr(ext.get('key'))))
            declared = tuple(str(m).upper() for m in ext.get("methods") or [])
            if set(declared) != set(methods):
                yield Finding("vendor-methods", where + "/methods", _("{name}: the vendor allows {methods}; x-scs-resource says {declared}").format(name=name, methods=', '.join(methods), declared=', '.join(declared) or _("nothing")))
            if int(ext.get("min-id", 1)) != min_id:
                yield Finding("min-id", where + "/min-id", _("{name}: minimum id must be {min_id}, found {found}").format(name=name, min_id=min_id, found=ext.get('min-id', 1)))
            collection, item = f"/{name}", f"/{name}/{{{key}}}"
        for path, allowed in ((collection, COLLECTION_METHODS), (item, ITEM_METHODS)):
            expected = {m.lower() for m in methods if m in allowed}
            actual = {m for m in (paths.get(path) or {}) if m in HTTP_METHODS}
            if path not in paths:
                yield Finding("vendor-methods", pointer("paths", path), _("{name}: path {path} is missing").format(name=name, path=path))
                continue
            for m in sorted(expected - actual):
                yield Finding("vendor-methods", pointer("paths", path, m), _("{name}: {method} {path} is a vendor method but is not documented").format(name=name, method=m.upper(), path=path))
            for m in sorted(actual - expected):
                yield Finding("vendor-methods", pointer("paths", path, m), _("{name}: {method} {path} is not a vendor method").format(name=name, method=m.upper(), path=path))
        item_ops = paths.get(item) or {}
        for m in sorted(set(item_ops) & set(HTTP_METHODS)):
            for j, param in enumerate(item_ops[m].get("parameters") or []):
                param = resolve(doc, param)
                if param.get("in") == "path" and param.get("name") == key:
                    minimum = (param.get("schema") or {}).get("minimum")
                    if minimum != min_id:
                        yield Finding("min-id", pointer("paths", item, m, "parameters", j), _("{name}: the key parameter's minimum must be {min_id}, found {found}").format(name=name, min_id=min_id, found=minimum))
    for name in vendor_page.RESOURCES:
        if name not in seen:
            yield Finding("vendor-resources", pointer("tags"), _("vendor resource {name} has no tag with x-scs-resource").format(name=repr(name)))
    known.update(p for name, (key, _, _) in vendor_page.RESOURCES.items() for p in (f"/{name}", f"/{name}/{{{key}}}"))
    if vendor_page.QUERY_ROUTE not in paths:
        yield Finding("vendor-resources", pointer("paths"), _("the vendor's query route {path} is missing").format(path=vendor_page.QUERY_ROUTE))
    for path in paths:
        if path not in known:
            yield Finding("vendor-resources", pointer("paths", path), _("path {path} is not on the vendor's page").format(path=path))
    query = paths.get(vendor_page.QUERY_ROUTE) or {}
    extra = sorted(m.upper() for m in query if m in HTTP_METHODS and m != "get")
    if extra:
        yield Finding("vendor-methods", pointer("paths", vendor_page.QUERY_ROUTE), _("the query route is GET only, found {methods}").format(methods=', '.join(extra)))


def _record_keys(doc: dict) -> Iterator[Finding]:
    schemas = (doc.get("components") or {}).get("schemas") or {}
    for i, _tag, ext in _resources(doc):
        name, key = ext.get("schema"), ext.get("key")
        where = pointer("components", "schemas", name)
        schema = schemas.get(name)
        if not isinstance(schema, dict):
            yield Finding("record-key", pointer("tags", i, "x-scs-resource", "schema"), _("record schema {name} does not exist").format(name=repr(name)))
            continue
        if key not in (schema.get("properties") or {}):
            yield Finding("record-key", where + "/properties", _("record schema {name} has no property for its key {key}").format(name=name, key=repr(key)))
        if key not in (schema.get("required") or []):
            yield Finding("record-key", where + "/required", _("record schema {name} does not require its key {key}").format(name=name, key=repr(key)))


def _validator(doc: dict, schema: Any):
    import jsonschema

    # Local "#/components/..." refs resolve against the root, so carry the components along.
    root = {**schema, "components": doc.get("components", {})} if isinstance(schema, dict) else schema
    return jsonschema.Draft202012Validator(root)


def _check_example(doc: dict, schema: Any, value: Any, where: str) -> Iterator[Finding]:
    if schema is None:
        return
    import jsonschema
    import referencing.exceptions

    try:
        validator = _validator(doc, schema)
        validator.check_schema(validator.schema)  # an invalid schema would crash the validation below
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    except jsonschema.exceptions.SchemaError as exc:
        yield Finding("example-valid", where, _("schema is invalid: {problem}").format(problem=exc.message.splitlines()[0][:200]))
        return
    except referencing.exceptions.Unresolvable as exc:  # an unresolvable $ref
        cause = exc.__cause__ or getattr(exc, "_cause", None)
        ref = getattr(cause, "ref", None)  # the message itself would dump the whole document
        yield Finding("example-valid", where, _("cannot resolve a $ref: {ref}").format(ref=ref or str(exc).splitlines()[0][:200]))
        return
    except Exception as exc:  # noqa: BLE001 - jsonschema trips over a malformed schema (a non-string pattern, ...)
        yield Finding("example-valid", where, _("schema is invalid: {problem}").format(problem=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"))
        return
    for err in errors[:3]:
        at = "".join(f"/{p}" for p in err.absolute_path)
        yield Finding("example-valid", where + at, _("example does not match its schema: {problem}").format(problem=err.message))


def _media_examples(doc: dict, media: dict, where: str) -> Iterator[tuple[Any, str]]:
    if "example" in media:
        yield media["example"], where + "/example"
    for name, ex in (media.get("examples") or {}).items():
        ex = resolve(doc, ex)
        if isinstance(ex, dict) and "value" in ex:
            yield ex["value"], where + "/examples/" + name.replace("~", "~0").replace("/", "~1") + "/value"


def _examples(doc: dict) -> Iterator[Finding]:
    """Every example in the document validates against the schema it illustrates."""
    components = doc.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        for j, ex in enumerate(schema.get("examples") or [] if isinstance(schema, dict) else []):
            yield from _check_example(doc, schema, ex, pointer("components", "schemas", name, "examples", j))
        for prop, sub in ((schema or {}).get("properties") or {}).items() if isinstance(schema, dict) else []:
            for j, ex in enumerate(resolve(doc, sub).get("examples") or []):
                yield from _check_example(doc, sub, ex, pointer("components", "schemas", name, "properties", prop, "examples", j))
    for pname, param in (components.get("parameters") or {}).items():
        yield from _parameter_examples(doc, param, pointer("components", "parameters", pname))
    for path, item in (doc.get("paths") or {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            base = pointer("paths", path, method)
            for j, param in enumerate(op.get("parameters") or []):
                if "$ref" not in param:
                    yield from _parameter_examples(doc, param, f"{base}/parameters/{j}")
            body = resolve(doc, op.get("requestBody") or {})
            for mt, media in (body.get("content") or {}).items():
                where = f"{base}/requestBody/content/{mt.replace('/', '~1')}"
                for value, at in _media_examples(doc, media, where):
                    yield from _check_example(doc, media.get("schema"), value, at)
            for status, response in (op.get("responses") or {}).items():
                response = resolve(doc, response)
                for mt, media in (response.get("content") or {}).items():
                    where = f"{base}/responses/{status}/content/{mt.replace('/', '~1')}"
                    for value, at in _media_examples(doc, media, where):
                        yield from _check_example(doc, media.get("schema"), value, at)


def _parameter_examples(doc: dict, param: dict, where: str) -> Iterator[Finding]:
    param = resolve(doc, param)
    for value, at in _media_examples(doc, param, where):
        yield from _check_example(doc, param.get("schema"), value, at)


def _operation_examples(doc: dict) -> Iterator[Finding]:
    """A realistic example for every operation: its request body and its successful answer."""
    for path, item in (doc.get("paths") or {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            base = pointer("paths", path, method)
            body = resolve(doc, op.get("requestBody") or {})
            for mt, media in (body.get("content") or {}).items():
                if not list(_media_examples(doc, media, "")):
                    yield Finding("operation-example", f"{base}/requestBody/content/{mt.replace('/', '~1')}", _("{method} {path}: the request body has no example").format(method=method.upper(), path=path))
            ok = resolve(doc, (op.get("responses") or {}).get("200") or {})
            if not any(list(_media_examples(doc, media, "")) for media in (ok.get("content") or {}).values()):
                yield Finding("operation-example", f"{base}/responses/200", _("{method} {path}: the 200 response has no example").format(method=method.upper(), path=path))


def _sources(doc: dict) -> Iterator[Finding]:
    """Every rule names the vendor sentence it comes from; operations cite known rules."""
    rules = doc.get("x-scs-rules")
    if not isinstance(rules, list) or not rules:
        yield Finding("rule-source", pointer("x-scs-rules"), _("the document lists no rules (x-scs-rules)"))
        rules = []
    ids = set()
    for j, rule in enumerate(rules):
        if not isinstance(rule, dict) or not rule.get("id"):
            yield Finding("rule-source", pointer("x-scs-rules", j), _("a rule without an id"))
            continue
        ids.add(rule["id"])
        if not str(rule.get("source") or "").strip():
            yield Finding("rule-source", pointer("x-scs-rules", j, "source"), _("rule {id} has no vendor source sentence").format(id=repr(rule['id'])))
    for i, tag, ext in _resources(doc):
        where = pointer("tags", i, "x-scs-resource")
        for field in ("source", "methods-source"):
            if not str(ext.get(field) or "").strip():
                yield Finding("rule-source", f"{where}/{field}", _("{name}: no vendor source for {what}").format(name=tag.get('name'), what=field.replace('-source', '') if field != "source" else _("the resource")))
        if int(ext.get("min-id", 1)) > 1 and not str(ext.get("min-id-source") or "").strip():
            yield Finding("rule-source", f"{where}/min-id-source", _("{name}: the minimum id has no vendor source").format(name=tag.get('name')))
    for path, item in (doc.get("paths") or {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            cited = op.get("x-scs-rules")
            if not cited:
                yield Finding("rule-source", pointer("paths", path, method), _("{method} {path}: cites no rule (x-scs-rules)").format(method=method.upper(), path=path))
            for j, rid in enumerate(cited or []):
                if rid not in ids:
                    yield Finding("rule-source", pointer("paths", path, method, "x-scs-rules", j), _("{method} {path}: unknown rule {id}").format(method=method.upper(), path=path, id=repr(rid)))


def _evidence(doc: dict) -> Iterator[Finding]:
    """Every record property says how we know it; documented and implied ones cite the page."""
    schemas = (doc.get("components") or {}).get("schemas") or {}
    for _index, _tag, ext in _resources(doc):
        name = ext.get("schema")
        for prop, sub in ((schemas.get(name) or {}).get("properties") or {}).items():
            where = pointer("components", "schemas", name, "properties", prop)
            evidence = sub.get("x-scs-evidence") if isinstance(sub, dict) else None
            if evidence not in EVIDENCE:
                yield Finding("property-evidence", where, _("{field}: x-scs-evidence must be one of {allowed}, found {found}").format(field=f"{name}.{prop}", allowed=', '.join(EVIDENCE), found=repr(evidence)))
            elif evidence != "inferred" and not str(sub.get("x-scs-source") or "").strip():
                yield Finding("property-evidence", where, _("{field}: {evidence} but no x-scs-source quotes the page").format(field=f"{name}.{prop}", evidence=evidence))


# --- command -----------------------------------------------------------------------------------


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", help=_("the OpenAPI document (default: the kit's own openapi/ document)"))


def run(args: argparse.Namespace) -> int:
    from .spec import default_spec_path

    path = args.spec or str(default_spec_path())
    doc = read_document(path)  # KitError (exit 2) if unreadable
    findings = lint_document(doc)
    for finding in findings:
        print(f"{path}: {finding}")
    if findings:
        print(_("{n} finding(s)").format(n=len(findings)), file=sys.stderr)
        return EXIT_FINDINGS
    additions = sum(1 for _, _, ext in _resources(doc) if str(ext.get("addition") or "").strip())
    matched = len(_resources(doc)) - additions
    if additions:
        summary = _("OK (OpenAPI 3.1 valid; {n} resources match the vendor's table, {k} declared addition(s))").format(
            n=matched, k=additions)
    else:
        summary = _("OK (OpenAPI 3.1 valid; {n} resources match the vendor's table)").format(n=matched)
    print(f"{path}: {summary}")
    return EXIT_OK
