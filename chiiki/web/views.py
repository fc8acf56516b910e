"""Public pages. Views stay thin: a selector gathers the data, a template shows it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chiiki.accounts.access import can_edit_indicator
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import format_fiscal_year, parse_fiscal_year
from chiiki.indicators.selectors import indicator_page
from chiiki.indicators.services import Conflict, record_actual
from chiiki.plans import selectors
from chiiki.plans.models import Organization
from chiiki.support.selectors import support_page


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", selectors.home(selectors.default_organization()))


def region(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/region.html", selectors.region_page(org, slug))


def bureau(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/bureau.html", selectors.bureau_page(org, slug))


def plan(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/plan.html", selectors.plan_page(org, slug))


def project(request: HttpRequest, plan_slug: str, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/project.html", selectors.project_page(org, plan_slug, slug))


def municipalities(request: HttpRequest) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/municipalities.html", selectors.municipality_list(org))


def support(request: HttpRequest) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/support.html", support_page(org))


def indicator(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/indicator.html", _indicator_context(request, org, pk))


def _indicator_context(
    request: HttpRequest, org: Organization, pk: int, **extra: object
) -> dict[str, object]:
    context = indicator_page(org, pk)
    context["can_edit"] = can_edit_indicator(request.user, context["indicator"])
    context.update(extra)
    return context


@require_POST
@login_required
def record_indicator_actual(request: HttpRequest, pk: int) -> HttpResponse:
    """The actual-entry form of the KPI page. Rules live in record_actual."""
    org = selectors.default_organization()
    fy_text = request.POST.get("fy", "").strip()
    value_text = request.POST.get("value", "")
    try:
        version = int(request.POST.get(f"version-{_fy_key(fy_text)}", "0") or 0)
        actual = record_actual(
            actor=request.user,
            indicator_id=pk,
            fy=fy_text,
            value=value_text,
            expected_version=version,
        )
    except ValidationError as exc:
        context = _indicator_context(
            request, org, pk, form_errors=exc.message_dict, form_data=request.POST
        )
        return render(request, "web/indicator.html", context, status=400)
    except Conflict as exc:
        context = _indicator_context(request, org, pk, form_alert=str(exc), form_data=request.POST)
        return render(request, "web/indicator.html", context, status=409)
    rate = f"進捗率 {actual.rate:.1f}%" if actual.rate is not None else "進捗率は計算できません"
    actual.indicator.refresh_from_db()
    grade = actual.indicator.grade or "判定不能"
    messages.success(
        request,
        f"{format_fiscal_year(actual.fy)}の実績値を保存しました（{rate}、進捗 {grade}）。",
    )
    return redirect("indicator", pk=pk)


def _fy_key(text: str) -> str:
    """The FY as the form's hidden version fields name it (Western year), or the raw text."""
    try:
        return str(parse_fiscal_year(text))
    except ParseError:
        return text
