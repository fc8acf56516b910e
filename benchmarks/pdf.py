"""Benchmark: the official reports as PDF, against the HTML render of the same report.

- chiiki: ``reports.html.render_pdf`` — what the background worker runs for a PDF download
  (WeasyPrint laying out the document with the Japanese font embedded).
- baseline: ``reports.html.render_document`` — the same report rendered as the HTML page the
  PDF is made from, measured in the same run. The ratio is what laying out pages costs on top.

Time per page is the PDF time over its page count (read back with pypdf). The reports are the
four of Hokkaido and the progress report of the largest synthetic prefecture for one bureau
(a whole synthetic prefecture's would run to thousands of pages, which nobody prints).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from benchmarks.common import setup_django, table, timed


def _reports() -> list[tuple[str, Callable[[], Any]]]:
    from django.db.models import Count

    from chiiki.plans.models import Bureau, Organization
    from chiiki.reports import builders

    hokkaido = Organization.objects.get(slug="hokkaido")
    reports: list[tuple[str, Callable[[], Any]]] = [
        ("hokkaido: region summary", lambda: builders.region_summary(hokkaido)),
        ("hokkaido: budget report", lambda: builders.budget_report(hokkaido)),
        ("hokkaido: progress report", lambda: builders.progress_report(hokkaido)),
        ("hokkaido: support report", lambda: builders.support_report(hokkaido)),
    ]
    largest = (
        Organization.objects.filter(slug__startswith="synth-")
        .annotate(n=Count("plans__projects__indicators"))
        .order_by("-n")
        .first()
    )
    if largest is not None:
        bureau = Bureau.objects.filter(organization=largest).order_by("order", "pk").first()
        if bureau is not None:
            reports.append(
                (
                    f"{largest.slug}: progress report, bureau {bureau.slug}",
                    lambda: builders.progress_report(largest, bureau_slug=bureau.slug),
                )
            )
    return reports


def main() -> str:
    setup_django()
    from pypdf import PdfReader

    from chiiki.reports.html import render_document, render_pdf

    rows = []
    for name, build in _reports():
        report = build()
        html_seconds, document = timed(lambda report=report: render_document(report), repeat=3)
        pdf_seconds, pdf = timed(
            lambda report=report, document=document: render_pdf(report, document), repeat=1
        )
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        if pages == 0:
            raise SystemExit(f"{name}: the PDF has no page")
        rows.append(
            [
                name,
                pages,
                html_seconds,
                pdf_seconds,
                pdf_seconds / pages,
                pdf_seconds / html_seconds,
                len(pdf) / 1e3,
            ]
        )
    return table(
        "Official reports as PDF (WeasyPrint) vs the HTML render of the same report",
        ["report", "pages", "HTML s", "PDF s", "PDF s/page", "× HTML", "PDF KB"],
        rows,
    )


if __name__ == "__main__":
    main()
