"""Data workbook download and import: upload → preview of every change → apply."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiiki.accounts.access import membership_of, require_import
from chiiki.imports.models import ImportBatch
from chiiki.imports.reading import MAX_BYTES
from chiiki.imports.services import keep_upload, preview_batch
from chiiki.imports.workbook import export_workbook
from chiiki.jobs.kinds import IMPORT_APPLY, IMPORT_PREVIEW
from chiiki.jobs.services import start
from chiiki.web.report_views import XLSX, download


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    org = request.organization
    require_import(request.user, org)
    if request.method == "POST":
        if _declared_length(request) > MAX_BYTES + FORM_OVERHEAD:
            # Refused from the Content-Length header, before the body is read or stored.
            messages.error(request, _too_large())
            return redirect("imports")
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("取り込むファイルを選んでください"))
            return redirect("imports")
        if upload.size is not None and upload.size > MAX_BYTES:
            messages.error(request, _too_large())
            return redirect("imports")
        batch = keep_upload(
            actor=request.user, filename=upload.name or "upload", data=upload.read()
        )
        # Read and checked once, in the background; the preview page shows the stored result.
        return _in_background(request, IMPORT_PREVIEW, batch)
    batches = ImportBatch.objects.filter(uploaded_by=request.user, kind=ImportBatch.Kind.FIGURES)[
        :10
    ]
    return render(
        request,
        "web/imports.html",
        {
            "batches": batches,
            "max_mb": MAX_BYTES // 1024 // 1024,
            "workbook_url": reverse("workbook"),
        },
    )


FORM_OVERHEAD = 64 * 1024  # the multipart envelope around the file: boundary, CSRF token


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large() -> str:
    return _("ファイルが大きすぎます（上限 {mb}MB）。コマンドで取り込んでください").format(
        mb=MAX_BYTES // 1024 // 1024
    )


def _in_background(request: HttpRequest, kind: str, batch: ImportBatch) -> HttpResponse:
    """Hand ``batch`` to the worker as a job of ``kind``; the person follows it on its page."""
    job = start(
        kind=kind,
        actor=request.user,
        organization=request.organization,
        params={"batch": batch.pk, "filename": batch.filename},
    )
    return redirect("job", job_id=job.pk)


def _own_batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=pk, kind=ImportBatch.Kind.FIGURES).first()
    if batch is None or batch.uploaded_by_id != request.user.pk:
        raise Http404(_("取込が見つかりません"))
    return batch


@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization
    require_import(request.user, org)
    batch = _own_batch(request, pk)
    preview = batch.preview or preview_batch(batch, organization=org, actor=request.user)
    for change in preview.get("changes", []):
        conflict = change.get("conflict")
        if conflict and conflict.get("when"):
            conflict["at"] = parse_datetime(conflict["when"])
    context = {
        "batch": batch,
        "preview": preview,
        "problems": preview.get("problems"),
        "more": preview.get("total", 0) - len(preview.get("changes", [])),
    }
    status = 400 if context["problems"] else 200
    return render(request, "web/import_preview.html", context, status=status)


@require_POST
@login_required
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization
    require_import(request.user, org)
    batch = _own_batch(request, pk)
    if batch.status == ImportBatch.Status.APPLIED:
        messages.info(request, _("このファイルは取込済みです"))
        return redirect("imports")
    # Re-read against the data as it is now and written all or nothing, in the background;
    # the job page shows the counts, or every refused cell, located.
    return _in_background(request, IMPORT_APPLY, batch)


@login_required
def workbook(request: HttpRequest) -> HttpResponse:
    org = request.organization
    require_import(request.user, org)
    membership = membership_of(request.user)
    bureau = request.GET.get("bureau") or None
    if membership is not None and membership.bureau_id and bureau is None:
        bureau = membership.bureau.slug  # a bureau editor gets their own bureau by default
    try:
        data = export_workbook(org, plan_slug=request.GET.get("plan") or None, bureau_slug=bureau)
    except LookupError as exc:
        raise Http404(str(exc)) from exc
    return download(data, XLSX, f"chiiki-workbook{'-' + bureau if bureau else ''}.xlsx")
