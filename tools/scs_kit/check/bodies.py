"""Record bodies the kit sends: every field of the document a value shaped like its example."""

from __future__ import annotations

import random
from typing import Any

from .verdict import documented


def example(resource: Any) -> dict:
    """The document's first example record of the resource ({} without one)."""
    examples = resource.schema.get("examples") or [{}]
    return examples[0] if isinstance(examples[0], dict) else {}


class Bodies:
    def __init__(self, rng: random.Random, run_id: str):
        self.rng = rng
        self.run_id = run_id

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
            if f.name != resource.key:
                body[f.name] = self.value_like(sample.get(f.name), keep_zero=documented(resource, f.name))
        if fields:
            body.update(fields)
        return body

    def mutated(self, resource: Any, record: dict) -> dict:
        """The record with each field the document declares given a fresh value of the same shape; the key
        and any field the document does not declare (server-managed, perhaps) keep their values."""
        declared = {f.name for f in resource.fields if f.name != resource.key}
        return {k: (self.value_like(v, keep_zero=documented(resource, k)) if k in declared else v)
                for k, v in record.items()}

    @staticmethod
    def text_fields(resource: Any, record: dict | None = None) -> list[str]:
        """Fields that carry free text: those whose example in the document is not a digit string
        (all the record's fields when none is)."""
        sample = example(resource)
        names = [f.name for f in resource.fields if f.name != resource.key and (record is None or f.name in record)]
        texty = [n for n in names if not str(sample.get(n, "x")).isdigit()]
        return texty or names
