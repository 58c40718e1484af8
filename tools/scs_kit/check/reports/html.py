"""The conformance report as one self-contained HTML file (inline CSS, no scripts, prints well)."""

from __future__ import annotations

import functools

from ... import i18n
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
        extensions=["jinja2.ext.i18n"],
    )
    # Looked up at render time, so the current language applies (newstyle: `_("%(n)s …", n=…)`).
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env.get_template("report.html.j2")


def render_html(view: ReportView) -> str:
    return _template().render(view=view, r=view.results, symbols=SYMBOLS, lang=i18n.current())
