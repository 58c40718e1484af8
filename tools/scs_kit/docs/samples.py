"""Request samples (curl, browser fetch, Python requests) for one operation of the document.

Every sample spells out the full default URL (`http://localhost:55963/...`), as the vendor's own
examples do; the site's script swaps that prefix for the origin the site is served from.
"""

from __future__ import annotations

import json
import pprint
from typing import Any

from ..shell import curl_json


def _json(body: Any, indent: int) -> str:
    return json.dumps(body, ensure_ascii=False, indent=indent)


def _python_literal(body: Any) -> str:
    # JSON text is a valid Python literal as long as it holds only strings, lists and dicts.
    def plain(v: Any) -> bool:
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        if isinstance(v, list):
            return all(plain(x) for x in v)
        return isinstance(v, str)

    return _json(body, 4) if plain(body) else pprint.pformat(body, width=100)


def _indent(text: str, prefix: str) -> str:
    return text.replace("\n", "\n" + prefix)


def curl(method: str, url: str, body: Any = None, shell: str = "posix") -> str:
    return curl_json(method, url, body, shell=shell)


def fetch(method: str, url: str, body: Any = None) -> str:
    options = [f'method: "{method}"']
    if body is None:
        options.append('headers: { "Accept": "application/json" }')
    else:
        options.append('headers: { "Content-Type": "application/json" }')
        options.append(f"body: JSON.stringify({_indent(_json(body, 2), '  ')})")
    opts = ",\n  ".join(options)
    # GET answers an array of records; writes answer {"result": "True", "msg": "正常終了"}.
    handler = "(records) => console.log(records)" if method == "GET" else "(result) => console.log(result.result, result.msg)"
    return (
        f'fetch("{url}", {{\n  {opts},\n}})\n'
        "  .then((response) => response.json())\n"
        f"  .then({handler})\n"
        "  .catch((error) => console.error(error));"
    )


def python(method: str, url: str, body: Any = None) -> str:
    call = f'requests.{method.lower()}(\n    "{url}",\n'
    if body is not None:
        call += f"    json={_indent(_python_literal(body), '    ')},\n"
    call += "    timeout=10,\n)"
    result = "print(response.json())"
    return f"import requests\n\nresponse = {call}\nresponse.raise_for_status()\n{result}"


def all_samples(method: str, url: str, body: Any = None) -> list[tuple[str, str, str]]:
    """(label, Pygments lexer name, code) for each client, in the order the tabs show them."""
    return [
        ("curl", "bash", curl(method, url, body)),
        ("PowerShell (curl.exe)", "powershell", curl(method, url, body, shell="powershell")),
        ("JavaScript (fetch)", "javascript", fetch(method, url, body)),
        ("Python (requests)", "python", python(method, url, body)),
    ]
