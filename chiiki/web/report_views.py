"""Report and open-data pages: choose a report, read it on screen, download xlsx or PDF."""

from __future__ import annotations

import importlib.metadata
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import condition

from chiiki.audit.selectors import data_version
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import parse_fiscal_year
from chiiki.i18n import parse_message
from chiiki.jobs.kinds import REPORT_PDF
from chiiki.jobs.models import Job
from chiiki.jobs.services import start
from chiiki.plans.models import Bureau, Organization, Plan, ProgramBudget, Region
from chiiki.reports import opendata
from chiiki.reports.builders import FILTERS, REPORTS, ReportNotFound
from chiiki.reports.html import (
    PdfUnavailable,
    document_key,
    japanese_font_installed,
    render_document,
)
from chiiki.reports.xlsx import render_xlsx
from chiiki.web.templatetags.chiiki_format import fy as fy_filter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RELEASE = importlib.metadata.version("chiiki")


def reports(request: HttpRequest) -> HttpResponse:
    org = request.organization
    budget_fys = sorted(
        set(ProgramBudget.objects.filter(program__organization=org).values_list("fy", flat=True))
    )
    return render(
        request,
        "web/reports.html",
        {
            "reports": [(kind, label, FILTERS[kind]) for kind, (label, _b) in REPORTS.items()],
            "plans": Plan.objects.filter(organization=org).order_by("kind", "-start_fy"),
            "regions": Region.objects.filter(organization=org).order_by("order"),
            "bureaus": Bureau.objects.filter(organization=org).order_by("order"),
            "budget_fys": budget_fys,
            "tables": list(opendata.TABLES.values()),
            # what the CP932 files replace, worked out once per version of the data
            "replaced": cache.get_or_set(
                f"cp932-replaced:{org.pk}:{data_version()}",
                lambda: opendata.cp932_replacements(org),
                timeout=24 * 3600,
            ),
        },
    )


def _report_args(request: HttpRequest, kind: str) -> dict[str, Any]:
    allowed = FILTERS[kind]
    kwargs: dict[str, Any] = {}
    for key in ("plan", "region", "bureau", "program"):
        value = request.GET.get(key, "").strip()
        if value and key in allowed:
            kwargs[f"{key}_slug"] = value
    fy_text = request.GET.get("fy", "").strip()
    if fy_text and "fy" in allowed:
        kwargs["fy"] = parse_fiscal_year(fy_text)
    return kwargs


def report(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in REPORTS:
        raise Http404(_("帳票が見つかりません"))
    org = request.organization
    fmt = request.GET.get("format", "html")
    if fmt not in ("html", "xlsx", "pdf"):
        return HttpResponseBadRequest(_("形式は html・xlsx・pdf のいずれかです"))
    try:
        kwargs = _report_args(request, kind)
    except ParseError as exc:
        return HttpResponseBadRequest(
            _("年度が読めません: {error}").format(error=parse_message(exc))
        )
    if fmt == "html":  # on screen the reader's 和暦/西暦 choice; downloads keep the official 和暦
        kwargs["fy_label"] = fy_filter
    try:
        built = REPORTS[kind][1](org, **kwargs)
    except ReportNotFound as exc:
        raise Http404(str(exc)) from exc
    if fmt == "xlsx":
        return download(render_xlsx(built), XLSX, f"{built.filename}.xlsx")
    if fmt == "pdf":
        return _pdf(request, org, kind, kwargs, built)
    query = request.GET.copy()
    query.pop("format", None)
    return render(request, "web/report.html", {"report": built, "query": query.urlencode()})


def _pdf(
    request: HttpRequest, org: Organization, kind: str, kwargs: dict[str, Any], built: Any
) -> HttpResponse:
    """A report's PDF: served at once when the same document was rendered before (cached by
    the hash of its HTML, so any change of the data makes a new one), else rendered in the
    background while the job page shows how far it got."""
    if not japanese_font_installed():
        return HttpResponse(
            str(
                PdfUnavailable(
                    "PDF に使う日本語フォントがありません: apt-get install fonts-noto-cjk"
                )
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    key = document_key(render_document(built))
    earlier = (
        Job.objects.filter(organization=org, kind=REPORT_PDF, key=key)
        .exclude(status=Job.Status.FAILED)
        .order_by("-created_at")
        .first()
    )
    if earlier is not None and earlier.status == Job.Status.DONE and earlier.file is not None:
        return download(bytes(earlier.file), "application/pdf", earlier.result["filename"])
    if earlier is None:
        earlier = start(
            kind=REPORT_PDF,
            actor=request.user,
            organization=org,
            params={"report": kind, "args": kwargs},
            key=key,
        )
    return redirect("job", job_id=earlier.pk)


def download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    """``data`` as a file the browser saves under ``filename``."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _opendata_etag(request: HttpRequest, name: str, ext: str) -> str:
    """Names the file's content: the table, its form and the data version (the latest audit
    entry: every write makes one) and the release (a new release may lay files out anew)."""
    encoding = request.GET.get("encoding", "utf-8").lower()
    org = request.organization
    return f"{org.pk}-{name}.{ext}-{encoding}-{data_version()}-{RELEASE}"


@condition(etag_func=_opendata_etag)
def opendata_file(request: HttpRequest, name: str, ext: str) -> HttpResponse:
    """An open-data file. Unchanged data answers 304 to a client that has it (ETag)."""
    response = _opendata_file(request, name, ext)
    response["Cache-Control"] = "public, no-cache"  # keep it, but ask each time (ETag)
    return response


def _opendata_file(request: HttpRequest, name: str, ext: str) -> HttpResponse:
    org: Organization = request.organization
    if ext not in ("csv", "json"):
        raise Http404(_("オープンデータの表が見つかりません"))
    if name == "datapackage" and ext == "json":
        package = opendata.datapackage(org, request.GET.get("encoding", "utf-8"))
        return HttpResponse(
            json.dumps(package, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
    if name not in opendata.TABLES:
        raise Http404(_("オープンデータの表が見つかりません"))
    if ext == "json":
        return StreamingHttpResponse(
            kept(f"{org.slug}-{name}.json", lambda: opendata.json_lines(org, name)),
            content_type="application/json; charset=utf-8",
        )
    encoding = request.GET.get("encoding", "utf-8").lower()
    if encoding not in opendata.ENCODINGS:
        return HttpResponseBadRequest(_("文字コードは utf-8 または cp932 です"))
    # CP932 holds characters Shift_JIS lacks (①, ㈱ …): its IANA name is Windows-31J
    codec = opendata.ENCODINGS[encoding]
    charset = "Windows-31J" if codec == "cp932" else "utf-8"
    response = StreamingHttpResponse(
        kept(f"{org.slug}-{name}-{codec}.csv", lambda: opendata.csv_lines(org, name, encoding)),
        content_type=f"text/csv; charset={charset}",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


CHUNK = 256 * 1024


def kept(name: str, make: Callable[[], Iterable[bytes]]) -> Iterator[bytes]:
    """The bytes of an open-data file: read from disk when this data version's file was made
    before, else made (streamed to the reader) and kept for the next one. A file is named by
    the data version, so any write makes it be made anew; older versions are removed. A file
    is kept only once complete (written aside, then renamed): a reader who leaves half-way
    leaves nothing behind."""
    folder = Path(settings.CACHE_DIR) / "opendata"
    version = data_version()
    path = folder / f"{version}-{RELEASE}-{name}"
    if path.exists():
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
        return
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        with partial.open("wb") as out:
            for chunk in make():
                out.write(chunk)
                yield chunk
        if data_version() == version:  # nothing was written while it was made
            partial.replace(path)
            for old in folder.glob(f"*-{name}"):
                if old != path:
                    old.unlink(missing_ok=True)
    finally:
        partial.unlink(missing_ok=True)
