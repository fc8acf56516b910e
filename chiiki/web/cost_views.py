"""Pages for a program's money: the program page with its settlement form, and the staff unit
cost (人件費単価) that prices staff time. Thin: the rules live in ``plans.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiiki.accounts.access import require_set_staff_costs
from chiiki.core.errors import StaleVersion
from chiiki.core.fiscal import format_fiscal_year
from chiiki.indicators.authoring import delete_contribution, save_contribution
from chiiki.plans.models import Program
from chiiki.plans.selectors import staff_unit_costs
from chiiki.plans.services import (
    FUNDING_INPUTS,
    SettlementConflict,
    StaffCostConflict,
    record_settlement,
    record_staff_unit_cost,
)
from chiiki.web.posted import posted_int
from chiiki.web.related import program_page
from chiiki.web.views import _fy_key


def program(request: HttpRequest, pk: int) -> HttpResponse:
    """The program page; a POST (HQ) records the settlement of one FY."""
    org = request.organization
    if request.method != "POST":
        context = program_page(org, request.user, pk)
        if context["may_edit"] and request.GET.get("fy", "").isdigit():
            context["data"] = _settlement_form(context, int(request.GET["fy"]))
        return render(request, "web/program.html", context)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    fy_text = request.POST.get("fy", "").strip()
    try:
        settlement = record_settlement(
            actor=request.user,
            program_id=pk,
            fy=fy_text,
            settled=request.POST.get("settled", ""),
            revised_budget=request.POST.get("revised_budget", ""),
            note=request.POST.get("note", ""),
            funding={f: request.POST.get(f, "") for f, *_rest in FUNDING_INPUTS},
            staff_years=request.POST.get("staff_years", ""),
            expected_version=posted_int(request, f"version-{_fy_key(fy_text)}"),
        )
    except Program.DoesNotExist:
        raise Http404("事業が見つかりません") from None
    except ValidationError as exc:
        return _program_again(request, pk, errors=exc.message_dict)
    except SettlementConflict as exc:
        return _program_again(request, pk, alert=str(exc))
    messages.success(
        request,
        _("{fy}の決算額を{amount}千円として保存しました。").format(
            fy=format_fiscal_year(settlement.fy),
            amount=f"{settlement.settled_thousand_yen:,}",
        ),
    )
    return redirect("program", pk=pk)


def _settlement_form(context: dict[str, Any], fy: int) -> dict[str, str]:
    """The form filled with a year's stored figures, to correct them (a save replaces them
    all: nothing left blank by accident is lost)."""
    year = next((y for y in context["cost_years"] if y.fy == fy), None)
    data = {"fy": format_fiscal_year(fy)}
    if year is None or year.settled is None:
        return data
    data.update(
        settled=f"{year.settled:,}",
        revised_budget=f"{year.revised_budget:,}" if year.revised_budget is not None else "",
        note=year.note,
        staff_years=f"{year.staff_years}" if year.staff_years is not None else "",
    )
    if year.funding is not None:
        data.update(zip((f for f, *_r in FUNDING_INPUTS), map(str, year.funding), strict=True))
    return data


def _program_again(
    request: HttpRequest, pk: int, errors: dict[str, Any] | None = None, alert: str = ""
) -> HttpResponse:
    """The page again with what was typed, each refusal beside its field."""
    context = program_page(request.organization, request.user, pk)
    context.update(settlement_errors=errors or {}, settlement_alert=alert, data=request.POST)
    return render(request, "web/program.html", context, status=400)


@login_required
def staff_costs(request: HttpRequest) -> HttpResponse:
    """人件費単価 by FY (HQ): the price of a person-year in every program's full cost."""
    org = request.organization
    require_set_staff_costs(request.user, org)
    context: dict[str, Any] = {"unit_costs": staff_unit_costs(org)}
    if request.method == "POST":
        fy_text = request.POST.get("fy", "").strip()
        try:
            saved = record_staff_unit_cost(
                actor=request.user,
                organization=org,
                fy=fy_text,
                amount=request.POST.get("amount", ""),
                expected_version=posted_int(request, f"version-{_fy_key(fy_text)}"),
            )
        except ValidationError as exc:
            context.update(errors=exc.message_dict, data=request.POST)
            return render(request, "web/staff_costs.html", context, status=400)
        except StaffCostConflict as exc:
            context.update(alert=str(exc), data=request.POST)
            return render(request, "web/staff_costs.html", context, status=400)
        messages.success(
            request,
            _("{fy}の人件費単価を{amount}千円にしました。").format(
                fy=format_fiscal_year(saved.fy), amount=f"{saved.thousand_yen:,}"
            ),
        )
        return redirect("staff_costs")
    return render(request, "web/staff_costs.html", context)


@require_POST
@login_required
def program_contribution(request: HttpRequest, pk: int) -> HttpResponse:
    """Declare or withdraw the program's contribution to a KPI of its project."""
    try:
        if request.POST.get("action") == "delete":
            delete_contribution(
                actor=request.user,
                contribution_id=posted_int(request, "contribution"),
                expected_version=posted_int(request, "version"),
            )
            messages.success(request, _("寄与の登録を取り消しました。"))
        else:
            save_contribution(
                actor=request.user,
                program_id=pk,
                indicator_id=posted_int(request, "indicator"),
                assumption=request.POST.get("assumption", ""),
                expected_version=None,
            )
            messages.success(request, _("KPIへの寄与を登録しました。"))
    except ValidationError as exc:
        context = program_page(request.organization, request.user, pk)
        context.update(contribution_errors=exc.message_dict, contribution_data=request.POST)
        return render(request, "web/program.html", context, status=400)
    except StaleVersion as exc:
        context = program_page(request.organization, request.user, pk)
        context.update(contribution_alert=str(exc), contribution_data=request.POST)
        return render(request, "web/program.html", context, status=400)
    return redirect("program", pk=pk)
