"""Pre-existing data for the live-safety tests, and exact snapshots of it over HTTP."""

from __future__ import annotations

import json

import requests

PRELOADED_KEYS = (900, 901)


def preloaded_records(spec) -> dict[str, list[dict]]:
    """Two records per resource under keys the demo data does not use, with Japanese text, `&`,
    half-width kana and typographic quotes (short values: faults that truncate must not matter)."""
    out = {}
    for r in spec.resources:
        example = (r.schema.get("examples") or [{}])[0]
        rows = []
        for i, key in enumerate(PRELOADED_KEYS):
            rec = {r.key: str(key)}
            for f in r.fields:
                if f.name == r.key:
                    continue
                sample = str(example.get(f.name, ""))
                rec[f.name] = sample if sample.isdigit() else f"既存{i}&ｶﾅ“{f.name}”"[:30]
            rows.append(rec)
        out[r.name] = rows
    return out


def snapshot(base_url: str, spec) -> dict[str, dict[str, bytes]]:
    """resource → key → the exact bytes GET by key answers, for every record listed."""
    out = {}
    with requests.Session() as http:
        for r in spec.resources:
            rows = json.loads(http.get(base_url + r.collection, timeout=10).content.decode("utf-8-sig"))
            out[r.name] = {
                str(row[r.key]): http.get(base_url + r.item_path(row[r.key]), timeout=10).content for row in rows
            }
    return out


def changed_records(before: dict, after: dict) -> list[str]:
    """Pre-existing records that are gone or differ in any byte."""
    problems = []
    for name, records in before.items():
        for key, body in records.items():
            now = after.get(name, {}).get(key)
            if now != body:
                problems.append(f"{name}/{key}: {body.decode()[:200]} -> {now.decode()[:200] if now else 'GONE'}")
    return problems


def new_keys(before: dict, after: dict) -> dict[str, set[str]]:
    return {name: set(after[name]) - set(before.get(name, {})) for name in after if set(after[name]) - set(before.get(name, {}))}
