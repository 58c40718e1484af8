"""The conformance report as Markdown (renders on GitHub/GitLab; readable as plain text)."""

from __future__ import annotations

import re

from ...i18n import _
from .. import labels
from .view import SYMBOLS, Body, ReportView, printable

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|#<>!])")


def inline(text: str | None) -> str:
    """Text safe inside a paragraph or table cell: no markup, no raw HTML, one line."""
    text = printable(text or "").replace("\r\n", "\n").replace("\n", " ")
    text = text.replace("&", "&amp;")
    return _INLINE_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)), text)


def code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    text = printable(text).replace("\n", " ")
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(text: str, lang: str = "") -> list[str]:
    """A fenced block longer than any backtick run inside, so bodies cannot end it early."""
    ticks = "`" * max(3, max((len(run) for run in re.findall(r"`{3,}", text)), default=0) + 1)
    return [f"{ticks}{lang}", text, ticks]


def _body(label: str, body: Body | None) -> list[str]:
    if body is None:
        return []
    out = [_("{label}:").format(label=label), "", *fence(body.text, "json" if body.is_json else "text")]
    if body.truncated_note:
        out.append(f"_{inline(body.truncated_note)}_")
    return out + [""]


def _headers(headers: list[tuple[str, str]]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers)


def render_markdown(view: ReportView) -> str:
    r = view.results
    counts = _(", ").join(_("{n} {status}").format(n=n, status=labels.status(s)) for s, n in view.summary.items())
    out = [
        "# " + _("Conformance report: {service} RESTful API").format(service="光CTIスマートコネクトサービス"),
        "",
        "**" + _("Verdict: {verdict}").format(verdict=view.verdict) + f"** — {counts}",
        "",
        "| | |",
        "|---|---|",
        *(f"| {inline(k)} | {inline(v)} |" for k, v in view.header),
        "",
        _("Replay the whole run: {command}").format(command=code(view.run_replay)),
        "",
        f"PowerShell: {code(view.run_replay_powershell)}",
        "",
        "## " + _("Matrix"),
        "",
        _("Legend: ") + " · ".join(f"{SYMBOLS[s]} {labels.status(s)}" for s in view.summary) + " · · " + _("not applicable")
        + (" · ⇄ " + _("judged from recorded traffic (not observed is never a pass)")
           if view.results.target == "traffic" else ""),
        "",
        "| " + _("Resource") + " | " + " | ".join(inline(f) for f in view.families) + " |",
        "|---|" + "---|" * len(view.families),
    ]
    for row in view.rows:
        cells = []
        for cell in row.cells:
            text = f"{cell.symbol} {cell.label}" if cell.status else SYMBOLS[None]
            cells.append(f"[{text}]({cell.href})" if cell.href else text)
        title = f"{inline(row.title)} {code(row.name)}" if row.title else code(row.name)
        out.append(f"| {title} | " + " | ".join(cells) + " |")
    out.append("")

    for status, title, findings in view.sections:
        out += [f"## {title} ({len(findings)})", ""]
        for f in findings:
            c = f.check
            out += [
                f'<a id="{f.anchor}"></a>',
                "",
                f"### {SYMBOLS[status]} {inline(c.id)} · {inline(f.resource_label)}",
                "",
                "**" + inline(view.title_of(c)) + "** ("
                + _("{level}, family {family}").format(level=inline(c.level), family=inline(c.family))
                + (_(", rule {rule}").format(rule=code(c.rule)) if c.rule else "") + ")",
                "",
            ]
            if c.source:
                out += ["> " + _("Vendor document: {quote}").format(quote=inline(c.source)), ""]
            if c.message:
                out += [_("Finding:"), "", *fence(printable(c.message)), ""]
            for ex in f.exchanges:
                out += ["**" + _("Exchange {n}:").format(n=ex.number)
                        + f"** {code(ex.request_line)} → {inline(ex.status_line)}", ""]
                if ex.request_headers:
                    out += [_("Request headers:"), "", *fence(_headers(ex.request_headers), "http"), ""]
                out += _body(_("Request body"), ex.request_body)
                if ex.response_headers:
                    out += [_("Response headers:"), "", *fence(_headers(ex.response_headers), "http"), ""]
                out += _body(_("Response body"), ex.response_body)
                out += [_("Reproduce:"), "", *fence(ex.curl, "sh"), ""]
                if ex.powershell:
                    out += ["PowerShell:", "", *fence(ex.powershell, "powershell"), ""]
            if f.more_exchanges:
                out += ["_" + _("{n} more exchanges in results.json.").format(n=f.more_exchanges) + "_", ""]
            out += [_("Replay:") + (_(" (seed {seed})").format(seed=c.seed) if c.seed is not None else ""), "",
                    *fence(f.replay, "sh"), ""]
            out += ["PowerShell:", "", *fence(f.replay_powershell, "powershell"), ""]

    if view.skipped:
        out += ["## " + _("Skipped checks ({n})").format(n=len(view.skipped)), "",
                "| " + " | ".join((_("Check"), _("Resource"), _("Why"))) + " |", "|---|---|---|"]
        for anchor, c, label in view.skipped:
            out.append(f'| <a id="{anchor}"></a>{inline(c.id)} | {inline(label)} | {inline(c.message)} |')
        out.append("")

    out += ["## " + _("Records the kit created"), ""]
    if r.created_records:
        out += ["| " + " | ".join((_("Resource"), _("Key"), _("Deleted"), _("Note"))) + " |", "|---|---|---|---|"]
        out += [f"| {inline(c.resource)} | {inline(c.key)} | {_('yes') if c.deleted else '**' + _('no') + '**'} | "
                f"{inline(c.note)} |" for c in r.created_records]
    else:
        out.append(_("None."))
    out += ["", "## " + _("Answer times"), ""]
    if r.latency:
        out += ["| " + " | ".join((_("Operation"), _("Answers"), _("p50 (s)"), _("p95 (s)"), _("max (s)"))) + " |",
                "|---|---|---|---|---|"]
        out += [f"| {inline(op)} | {t['n']:g} | {t['p50']:.3f} | {t['p95']:.3f} | {t['max']:.3f} |"
                for op, t in r.latency.items()]
    else:
        out.append(_("None recorded."))
    out += ["", "## " + _("Run warnings"), ""]
    out += [f"- {inline(w)}" for w in r.warnings] or [_("None.")]
    return "\n".join(out) + "\n"
