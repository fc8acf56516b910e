"""The HTML and PDF editions of a report: one template, print CSS, WeasyPrint for the PDF.

The PDF embeds (subsets of) the Japanese font the CSS names first — Noto Sans CJK JP from
Debian's ``fonts-noto-cjk`` — so it reads the same on any machine.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess  # nosec B404  # runs fc-list only, below
from pathlib import Path

from django.template.loader import render_to_string

from chiiki.reports.layout import Report

CSS = Path(__file__).with_name("static") / "reports" / "report.css"


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the system libraries it needs) is missing."""


def render_document(report: Report) -> str:
    """The whole report as one stand-alone HTML document (styles inline)."""
    return render_to_string(
        "reports/document.html", {"report": report, "css": CSS.read_text(encoding="utf-8")}
    )


@functools.cache
def japanese_font_installed() -> bool:
    """Whether fontconfig knows a font with Japanese glyphs (else the PDF would show boxes)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run(  # noqa: S603  # nosec B603  # a fixed command, no user input
        [fc_list, ":lang=ja", "family"], capture_output=True, text=True, check=False
    )
    return bool(found.stdout.strip())


def document_key(document: str) -> str:
    """Names a rendered document: the same text makes the same PDF (the PDF cache's key)."""
    return hashlib.sha256(document.encode()).hexdigest()


def render_pdf(report: Report, document: str | None = None) -> bytes:
    """The report as PDF (``document``: its HTML, if already rendered)."""
    if not japanese_font_installed():
        raise PdfUnavailable("PDF に使う日本語フォントがありません: apt-get install fonts-noto-cjk")
    try:
        from weasyprint import HTML
    except OSError as exc:  # pango not installed
        raise PdfUnavailable(
            "PDF を作るためのライブラリ（Pango）がありません: apt-get install libpango-1.0-0"
        ) from exc
    return bytes(HTML(string=document or render_document(report)).write_pdf())
