"""A client that does what the vendor page's fetch samples do: GET a list, GET one record, POST a record
with key 0, PUT it, DELETE it, and ask the ReceivedCall-Record query route. It leaves the data as it found
it (its own records deleted, a PUT on a resource without POST undone)."""

from __future__ import annotations

import json

import requests
from scs_kit.spec import Resource, Spec


def _rows(answer: requests.Response) -> list[dict]:
    try:
        data = json.loads(answer.content.decode("utf-8-sig"))
    except ValueError:
        return []
    if isinstance(data, dict) and "result" not in data:
        data = [data]
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def _keys(resource: Resource, rows: list[dict]) -> list[int]:
    out = []
    for row in rows:
        try:
            out.append(int(str(row.get(resource.key))))
        except ValueError:
            pass
    return out


def _changed(value: object, name: str) -> str:
    text = "" if value is None else str(value)
    if text.isdigit() and text:
        return text[:-1] + str((int(text[-1]) + 1) % 10)
    return f"更新 {name} & 100%"


def new_body(resource: Resource) -> dict:
    example = (resource.schema.get("examples") or [{}])[0]
    body = {resource.key: "0"}
    for f in resource.fields:
        if f.name != resource.key:
            sample = str(example.get(f.name, ""))
            body[f.name] = sample if sample.isdigit() else f"サンプル {f.name}"
    return body


def updated(resource: Resource, record: dict, key: str) -> dict:
    body = {resource.key: key}
    for f in resource.fields:
        if f.name != resource.key and not f.secret:
            body[f.name] = _changed(record.get(f.name), f.name)
    return body


def exercise(base_url: str, spec: Spec, names: list[str] | None = None) -> int:
    """Run the sample sequence on each resource; returns the number of requests sent."""
    sent = 0
    with requests.Session() as http:
        def call(method: str, path: str, body: dict | None = None) -> requests.Response:
            nonlocal sent
            sent += 1
            data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json"} if body is not None else {}
            return http.request(method, base_url + path, data=data, headers=headers, timeout=10)

        for r in spec.resources:
            if names is not None and r.name not in names:
                continue
            rows = _rows(call("GET", r.collection))
            keys = _keys(r, rows)
            if keys:
                call("GET", r.item_path(keys[0]))
            created = None
            if r.allows("POST"):
                call("POST", r.collection, new_body(r))
                after = _keys(r, _rows(call("GET", r.collection)))
                fresh = sorted(set(after) - set(keys))
                if fresh:
                    created = fresh[-1]
                    call("GET", r.item_path(created))
            if r.allows("PUT"):
                target = created if created is not None else (keys[0] if keys else None)
                if target is not None:
                    current = _rows(call("GET", r.item_path(target)))
                    if current:
                        call("PUT", r.item_path(target), updated(r, current[0], str(target)))
                        call("GET", r.item_path(target))
                        if created is None:  # someone else's record: put it back as it was
                            call("PUT", r.item_path(target), current[0])
            if created is not None and r.allows("DELETE"):
                call("DELETE", r.item_path(created))
                call("GET", r.item_path(created))
                call("GET", r.collection)
            if r.query:
                _queries(call, r, _rows(call("GET", r.collection)))
    return sent


def _queries(call, r: Resource, rows: list[dict]) -> None:
    kid = next((str(x.get("顧客ID")) for x in rows if str(x.get("顧客ID", "")).isdigit()), "0")
    tels = [str(x.get("相手TEL")) for x in rows if str(x.get("相手TEL", "")).isdigit()][:2]
    paths = [(2, "True", "0", "Null"), (0, "False", kid, "Null"), (0, "True", "0", "Null"), (0, "true", "0", "Null")]
    if tels:
        paths += [(0, "True", "0", "&".join(tels)), (0, "True", "0", "%26".join(tels))]
    for top, desc, k, frm in paths:
        call("GET", r.query.replace("{TOP}", str(top)).replace("{DESCENDING}", desc).replace("{K_ID}", k)
             .replace("{FROM}", frm))
