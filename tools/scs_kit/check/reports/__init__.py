"""Reports of a check run: results.json, junit.xml, report.html and report.md.

All of them are rendered from one redacted copy of the results, so a secret field value can
reach no file, and each file is written atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...errors import KitError
from ...files import write_text_atomic
from ...i18n import _
from ...results import RunResults
from ...shell import curl as curl_command
from ...spec import Spec
from .redaction import redact_results

FORMATS = ("json", "junit", "html", "md")  # name → file below
FILENAMES = {"json": "results.json", "junit": "junit.xml", "html": "report.html", "md": "report.md"}

__all__ = ["FILENAMES", "FORMATS", "curl_command", "redact_results", "write_reports"]


def write_reports(results: RunResults, report_dir: Path, spec: Spec, formats: Iterable[str] | None = None) -> dict[str, Path]:
    """Write the chosen reports (all by default) into `report_dir`; returns format name → path."""
    formats = tuple(formats) if formats is not None else FORMATS
    unknown = [f for f in formats if f not in FILENAMES]
    if unknown:
        raise KitError(_("unknown report format {names} (choose from {choices})").format(
            names=", ".join(unknown), choices=", ".join(FORMATS)))
    report_dir = Path(report_dir)
    if report_dir.exists() and not report_dir.is_dir():
        raise KitError(_("{path}: not a directory").format(path=report_dir))
    safe = redact_results(results, spec.secret_fields)
    paths: dict[str, Path] = {}
    if "json" in formats:
        paths["json"] = safe.save(report_dir / FILENAMES["json"])
    if "junit" in formats:
        from .junit import render_junit

        paths["junit"] = write_text_atomic(report_dir / FILENAMES["junit"], render_junit(safe), what="report")
    if "html" in formats or "md" in formats:
        from .view import build_view

        view = build_view(safe, spec)
        if "html" in formats:
            from .html import render_html

            paths["html"] = write_text_atomic(report_dir / FILENAMES["html"], render_html(view), what="report")
        if "md" in formats:
            from .markdown import render_markdown

            paths["md"] = write_text_atomic(report_dir / FILENAMES["md"], render_markdown(view), what="report")
    return paths
