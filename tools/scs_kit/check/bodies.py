"""Record bodies the kit sends: every field of the document a value shaped like its example."""

from __future__ import annotations

import random
from typing import Any

from .field_types import FieldTypes
from .verdict import documented


def example(resource: Any) -> dict:
    """The document's first example record of the resource ({} without one)."""
    examples = resource.schema.get("examples") or [{}]
    return examples[0] if isinstance(examples[0], dict) else {}


class Bodies:
    def __init__(self, rng: random.Random, run_id: str, types: FieldTypes | None = None):
        self.rng = rng
        self.run_id = run_id
        self.types = types or FieldTypes()  # the JSON types the implementation's records showed
        self.page_fields_only: set[str] = set()  # resources whose POST refused the fields the document infers

    def value_like(self, sample: Any, keep_zero: bool = True) -> str:
        """A fresh value shaped like the document's example (digits stay digits of the same length).
        Without keep_zero a leading zero is avoided, so that an implementation storing the field as a
        number (the page does not say it is a string) gives the same value back."""
        text = str(sample) if sample is not None else ""
        if text.isdigit() and text:
            first = self.rng.randrange(0 if keep_zero and text[0] == "0" else 1, 10)
            return str(first) + "".join(str(self.rng.randrange(10)) for _ in text[1:])
        return f"scs-kit {self.run_id} {self.rng.randrange(10**6)}"

    def body(self, resource: Any, key: str = "0", fields: dict | None = None) -> dict:
        """A valid record body: every field of the document a string, the key a digit string."""
        sample = example(resource)
        body = {resource.key: str(key)}
        for f in resource.fields:
            if f.name == resource.key or (resource.name in self.page_fields_only and not documented(resource, f.name)):
                continue
            body[f.name] = self.fresh(resource, f.name, sample.get(f.name))
        if fields:
            body.update(fields)
        return body

    def fresh(self, resource: Any, name: str, sample: Any) -> str:
        """A fresh value for a field, in text that converts exactly to the JSON type the implementation's
        records showed for it ("True"/"False" for a boolean, digits for a number), else like the sample."""
        kind = self.types.of(resource, name)
        if kind == "boolean":
            return self.rng.choice(["True", "False"])
        if kind in ("integer", "number") and not str(sample or "").isdigit():
            return str(self.rng.randrange(1, 65536))
        return self.value_like(sample, keep_zero=documented(resource, name))

    def mutated(self, resource: Any, record: dict) -> dict:
        """The record with each field the document declares given a fresh value of the same shape; the key
        and any field the document does not declare (server-managed, perhaps) keep their values."""
        declared = {f.name for f in resource.fields if f.name != resource.key}
        return {k: (self.fresh(resource, k, v) if k in declared else v) for k, v in record.items()}

    def text_fields(self, resource: Any, record: dict | None = None) -> list[str]:
        """Fields that carry free text: those whose example in the document is not a digit string
        (all the record's fields when none is); never one the implementation types as a number or flag."""
        sample = example(resource)
        names = [f.name for f in resource.fields if f.name != resource.key and (record is None or f.name in record)
                 and self.types.of(resource, f.name) is None]
        texty = [n for n in names if not str(sample.get(n, "x")).isdigit()]
        return texty or names
