"""The job page: a background job followed by the person who started it — progress, the
result, or why it failed — updated without a reload where scripts run (job.js), by a
periodic refresh where they don't."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chiiki.accounts.access import can_read_internal_org, can_recompute, require_recompute
from chiiki.jobs.kinds import IMPORT_APPLY, IMPORT_PREVIEW, INDICATORS_RECOMPUTE, REPORT_PDF
from chiiki.jobs.models import Job
from chiiki.jobs.services import reap, start
from chiiki.web.report_views import download

TITLES = {
    IMPORT_PREVIEW: gettext_lazy("取込ファイルの確認"),
    IMPORT_APPLY: gettext_lazy("取り込み"),
    REPORT_PDF: gettext_lazy("帳票のPDF作成"),
    INDICATORS_RECOMPUTE: gettext_lazy("進捗率・評価の再計算"),
}
STEPS = {
    "check": gettext_lazy("ファイルの内容を確かめています"),
    "store": gettext_lazy("保存して、進捗率と評価を計算し直しています"),
    "build": gettext_lazy("帳票を組み立てています"),
    "render": gettext_lazy("PDFを作成しています"),
    "recompute": gettext_lazy("進捗率と評価を計算し直しています"),
}
ERRORS = {
    "problems": gettext_lazy("誤りがあるため、何も取り込んでいません。"),
    "interrupted": gettext_lazy(
        "処理が途中で止まりました（処理を担うプロセスが停止した可能性があります）。"
        "書きかけの内容は残っていません。もう一度実行してください。"
    ),
    "pdf_unavailable": gettext_lazy(
        "サーバーにPDFを作るための日本語フォントまたはライブラリがないため、PDFを作成できません。"
        "管理者に連絡してください（画面表示とExcelは利用できます）。"
    ),
    "unexpected": gettext_lazy(
        "処理中に予期しない誤りが起きました。書きかけの内容は残っていません。"
        "もう一度実行しても失敗する場合は、管理者に連絡してください。"
    ),
}


# Jobs whose result is public data (a report's PDF): anyone with the link may follow them.
PUBLIC = {REPORT_PDF}


def _may_open(user: Any, job: Job) -> bool:
    """Whether this person may open the job's page: its starter, or anyone for a public
    result."""
    return job.kind in PUBLIC or (user.is_authenticated and job.created_by_id == user.pk)


def _own_job(request: HttpRequest, job_id: Any) -> Job:
    """The job, if this person may see it (:func:`_may_open`)."""
    job = Job.objects.filter(pk=job_id, organization=request.organization).first()
    if job is None or not _may_open(request.user, job):
        raise Http404(_("処理が見つかりません"))
    reap(job=job)  # a job whose worker died is shown as failed, not as running forever
    if job.status == Job.Status.RUNNING:
        job.refresh_from_db()
    return job


def _state(job: Job) -> dict[str, Any]:
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.finished,
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "step": str(STEPS.get(job.step, "")),
        # where the browser goes by itself when the job is done (a preview to read)
        "next": job.result.get("url") if job.kind == IMPORT_PREVIEW and job.finished else None,
    }


def job(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = _own_job(request, job_id)
    if job.kind == IMPORT_PREVIEW and job.status == Job.Status.DONE:
        return redirect(job.result["url"])
    return render(
        request,
        "web/job.html",
        {
            "job": job,
            "title": TITLES.get(job.kind, job.kind),
            "state": _state(job),
            "error": ERRORS.get(job.error, ""),
            "jobs_url": reverse("jobs") if request.user.is_authenticated else "",
        },
    )


def job_status(request: HttpRequest, job_id: Any) -> JsonResponse:
    return JsonResponse(_state(_own_job(request, job_id)))


def job_file(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = _own_job(request, job_id)
    if job.status != Job.Status.DONE or job.file is None:
        raise Http404(_("ファイルはまだできていません"))
    return download(bytes(job.file), job.result["content_type"], job.result["filename"])


@require_POST
def job_retry(request: HttpRequest, job_id: Any) -> HttpResponse:
    old = _own_job(request, job_id)
    if old.status != Job.Status.FAILED:
        return redirect("job", job_id=old.pk)
    new = start(
        kind=old.kind, actor=request.user, organization=request.organization, params=old.params
    )
    return redirect("job", job_id=new.pk)


JOBS_SHOWN = 50


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    """The latest background jobs: HQ staff see the organization's, others their own. HQ staff
    start a recompute of every rate and grade here (after a grading scheme's settings
    changed); it runs in the background like an import."""
    org = request.organization
    if not can_read_internal_org(request.user, org):
        raise PermissionDenied(_("処理の一覧は職員向けです"))
    hq = can_recompute(request.user, org)
    if request.method == "POST" and request.POST.get("action") == "recompute":
        require_recompute(request.user, org)
        job = start(kind=INDICATORS_RECOMPUTE, actor=request.user, organization=org, params={})
        return redirect("job", job_id=job.pk)
    listed = Job.objects.filter(organization=org).select_related("created_by")
    if not hq:
        listed = listed.filter(created_by=request.user)
    for job in (rows := list(listed.defer("file")[:JOBS_SHOWN])):
        job.title = TITLES.get(job.kind, job.kind)
        # HQ sees a colleague's import listed, but its page (the file's problems) is the
        # starter's: no link that would answer 404
        job.openable = _may_open(request.user, job)
    return render(request, "web/jobs.html", {"jobs": rows, "may_recompute": hq, "everyone": hq})
