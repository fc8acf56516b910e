"""The kinds of background job: what each runs, through the same services as before."""

from __future__ import annotations

from django.urls import reverse

from chiiki.imports.models import ImportBatch
from chiiki.imports.services import apply_batch, preview_batch
from chiiki.indicators.services import recompute_grades
from chiiki.jobs.models import Job
from chiiki.jobs.services import JobFailed, Outcome, Progress, kind
from chiiki.reports.builders import REPORTS
from chiiki.reports.html import PdfUnavailable, document_key, render_document, render_pdf

IMPORT_PREVIEW = "import.preview"
IMPORT_APPLY = "import.apply"
REPORT_PDF = "report.pdf"
INDICATORS_RECOMPUTE = "indicators.recompute"


def _batch(job: Job) -> ImportBatch:
    return ImportBatch.objects.get(pk=job.params["batch"])


@kind(IMPORT_PREVIEW)
def import_preview(job: Job, progress: Progress) -> Outcome:
    """Read and check an uploaded file once; the preview page then shows the stored result."""
    batch = _batch(job)
    preview = preview_batch(
        batch, organization=job.organization, actor=job.created_by, progress=progress
    )
    return Outcome(
        {
            "url": reverse("import_preview", args=[batch.pk]),
            "problems": len(preview.get("problems") or []),
            "changes": preview.get("total", 0),
        }
    )


@kind(IMPORT_APPLY)
def import_apply(job: Job, progress: Progress) -> Outcome:
    """Apply an upload (all or nothing); refusals are stored on the job, located."""
    batch = _batch(job)
    summary = apply_batch(
        batch, organization=job.organization, actor=job.created_by, progress=progress
    )
    return Outcome({"url": reverse("imports"), "summary": summary})


@kind(REPORT_PDF)
def report_pdf(job: Job, progress: Progress) -> Outcome:
    """Build a report and render it as PDF (the file is kept on the job for download)."""
    progress(0, None, "build")
    built = REPORTS[job.params["report"]][1](job.organization, **job.params.get("args", {}))
    progress(0, None, "render")
    document = render_document(built)
    try:
        data = render_pdf(built, document)
    except PdfUnavailable as exc:
        raise JobFailed("pdf_unavailable", str(exc)) from exc
    return Outcome(
        {
            "filename": f"{built.filename}.pdf",
            "content_type": "application/pdf",
            "title": built.title,
        },
        data,
        {"key": document_key(document)},
    )


@kind(INDICATORS_RECOMPUTE)
def indicators_recompute(job: Job, progress: Progress) -> Outcome:
    """Every rate and grade of the organization computed again from the rules in force."""
    done = recompute_grades(
        actor=job.created_by,
        organization=job.organization,
        progress=lambda n, total: progress(n, total, "recompute"),
    )
    return Outcome({"rates": done.rates, "grades": done.grades})
