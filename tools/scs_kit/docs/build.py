"""Builds the documentation site: Jinja2 templates rendered from the spec, plus a few static assets.

The site is flat (every page next to index.html) and uses only relative links, so it works from
`/docs/` on the reference server and from any directory on disk (file://), search included: the
search index is a script, not a JSON file fetched at run time.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name

from .. import __version__
from .. import spec as spec_module
from ..errors import KitError
from ..i18n import _
from ..results import load_results
from . import pages
from .results_view import build_view, clip

HERE = Path(__file__).resolve().parent
MARKER = ".scs-kit-docs"  # marks a directory as a site we built, so a rebuild may replace it
RESERVED = {"index", "results", "policy"}
CODE_STYLE = "friendly"


def _highlight(code: str, lexer: str) -> Markup:
    return Markup(pygments_highlight(code, get_lexer_by_name(lexer), HtmlFormatter(nowrap=True)))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = _highlight
    env.filters["tojson_pretty"] = _json
    env.filters["clip"] = clip
    env.globals["evidence_labels"] = pages.EVIDENCE
    return env


def default_base_url(spec: spec_module.Spec) -> str:
    """The server URL with its variables' defaults: http://localhost:55963/CTI_SmartConnectService/RestService."""
    server = (spec.document.get("servers") or [{"url": spec.base_path}])[0]
    url = server.get("url", "")
    for name, var in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(var.get("default", "")))
    return url.rstrip("/") if url.startswith("http") else f"http://localhost:{spec.default_port}{spec.base_path}"


class _SearchText(HTMLParser):
    """Collects (anchor, heading, text) sections of a page's <main>, skipping code and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[list[str]] = []
        self.depth_main = 0
        self.skip = 0
        self.heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        named = dict(attrs)
        if tag == "main":
            self.depth_main += 1
        if tag in ("pre", "script", "style", "button", "select"):
            self.skip += 1
        if self.depth_main and tag in ("h1", "h2", "h3") and named.get("id"):
            self.sections.append([named["id"], "", ""])
            self.heading = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth_main -= 1
        if tag in ("pre", "script", "style", "button", "select"):
            self.skip -= 1
        if tag == self.heading:
            self.heading = None

    def handle_data(self, data: str) -> None:
        if not self.depth_main or self.skip or not self.sections:
            return
        self.sections[-1][1 if self.heading else 2] += data


def _index_page(html: str, url: str, title: str) -> list[dict]:
    parser = _SearchText()
    parser.feed(html)
    squash = lambda text: re.sub(r"\s+", " ", text).strip()  # noqa: E731
    return [
        {"t": title, "s": squash(heading), "u": f"{url}#{anchor}", "x": squash(text)[:1500]}
        for anchor, heading, text in parser.sections
    ]


def _load_results(results: Path | None):
    if results is None:
        return None
    try:
        return build_view(load_results(results))
    except (TypeError, AttributeError, KeyError, ValueError) as exc:  # fields of the wrong type in the file
        raise KitError(_("{results}: malformed results file ({name}: {exc})").format(results=results, name=type(exc).__name__, exc=exc)) from None


def _render(spec: spec_module.Spec, results_view, policy: list[Any], spec_path: Path, out: Path) -> int:
    env = _environment()
    base_url = default_base_url(spec)
    for resource in spec.resources:
        if resource.name.lower() in RESERVED or not re.fullmatch(r"[A-Za-z0-9_.-]+", resource.name):
            raise KitError(_("resource name {name!r} cannot be a page name of the docs site").format(name=resource.name))
    common = {
        "spec": spec,
        "info": spec.document.get("info") or {},
        "version": __version__,
        "resources": spec.resources,
        "base_url": base_url,
        "base_path": spec.base_path,
        "spec_file": spec_path.name,
        "has_results": results_view is not None,
    }
    jobs: list[tuple[str, str, str, dict]] = [("index.html", "index.html", "概要 Overview", {})]
    for resource in spec.resources:
        ops = pages.operations(spec, resource, base_url)
        jobs.append(
            (
                f"{resource.name}.html",
                "resource.html",
                f"{resource.title} {resource.name}",
                {
                    "r": resource,
                    "ops": ops,
                    "rules": pages.applicable_rules(spec, ops),
                    "record": pages.record_example(resource),
                    "query_params": pages.query_parameters(ops),
                },
            )
        )
    if results_view is not None:
        jobs.append(("results.html", "results.html", "適合性テスト結果 Conformance results", {"view": results_view}))
    jobs.append(("policy.html", "policy.html", "判定方針 What fails, what warns", {"policy": policy}))

    index: list[dict] = []
    for filename, template, title, context in jobs:
        html = env.get_template(template).render(**common, **context, page=filename, title=title)
        (out / filename).write_text(html, encoding="utf-8")
        index.extend(_index_page(html, filename, title))

    assets = out / "assets"
    shutil.copytree(HERE / "assets", assets)
    (assets / "pygments.css").write_text(HtmlFormatter(style=CODE_STYLE).get_style_defs(".hl"), encoding="utf-8")
    (assets / "search-index.js").write_text(
        "window.SCS_SEARCH = " + json.dumps(index, ensure_ascii=False) + ";\n", encoding="utf-8"
    )
    shutil.copyfile(spec_path, out / spec_path.name)
    (out / MARKER).write_text(f"built by scs-kit {__version__}\n", encoding="utf-8")
    return len(jobs)


def _replace_dir(built: Path, out_dir: Path) -> None:
    """Move the finished site into place; never wipe a directory that is not a site we built."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise KitError(_("{out_dir}: exists and is not a directory").format(out_dir=out_dir))
        if any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
            raise KitError(_("{out_dir}: not empty and not a scs-kit docs site; refusing to overwrite it").format(out_dir=out_dir))
        shutil.rmtree(out_dir)
    built.rename(out_dir)


def build_site(out_dir: Path, results: Path | None = None, spec_path=None, *,
               policy: Callable[[spec_module.Spec], list[Any]]) -> Path:
    """Build the static site into out_dir (replacing a previous build) and return out_dir. `policy` gives the
    rows of the verdict policy page for a document (the check catalogue's `scs_kit.check.policy.rows`)."""
    out_dir = Path(out_dir).resolve()
    spec_file = Path(spec_path) if spec_path else spec_module.default_spec_path()
    spec = spec_module.load(spec_file)
    if not spec.resources:
        raise KitError(_("{spec_file}: no resources (tags with x-scs-resource) to document").format(spec_file=spec_file))
    view = _load_results(Path(results) if results else None)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    except OSError as exc:
        reason = _("a parent is not a directory") if isinstance(exc, (FileExistsError, NotADirectoryError)) else exc.strerror
        raise KitError(_("{out_dir}: cannot create the site directory ({reason})").format(out_dir=out_dir, reason=reason)) from None
    try:
        built = work / "site"
        built.mkdir()
        try:
            _render(spec, view, policy(spec), spec_file, built)
        except jinja2.TemplateError as exc:  # the document lacks something a page needs
            raise KitError(_("{spec_file}: cannot render the docs site ({name}: {exc})").format(spec_file=spec_file, name=type(exc).__name__, exc=exc)) from None
        except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
            # a node of the wrong type in the document (or in the results file) surfaces only while rendering
            blame = f"{spec_file} (see scs-kit lint)" + (f" or of {results}" if view is not None else "")
            raise KitError(_("cannot render the docs site, unexpected content of {blame}: {name}: {exc}").format(blame=blame, name=type(exc).__name__, exc=exc)) from None
        _replace_dir(built, out_dir)
    except OSError as exc:
        raise KitError(_("{out_dir}: cannot write the site ({strerror})").format(out_dir=out_dir, strerror=exc.strerror or exc)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir
