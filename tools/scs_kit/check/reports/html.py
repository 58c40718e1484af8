"""The conformance report as one self-contained HTML file (inline CSS, no scripts, prints well)."""

from __future__ import annotations

import functools

from .view import SYMBOLS, ReportView


@functools.lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scs_kit.check.reports", "templates"),
        autoescape=True,  # every string from an implementation is untrusted (bodies may hold <script>)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def render_html(view: ReportView) -> str:
    return _template().render(view=view, r=view.results, symbols=SYMBOLS)
