"""The site's pages. Views stay thin: selectors gather what a page shows, services do the
writes (and check permissions), templates render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chiiki.accounts.access import (
    can_edit_indicator,
    can_edit_program,
    can_edit_project,
    can_publish_figures,
    can_read_internal,
    can_read_internal_org,
)
from chiiki.collection.selectors import unpublished_for_project
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import fiscal_year_of, format_fiscal_year, parse_fiscal_year
from chiiki.evaluations import services as workflow
from chiiki.evaluations.selectors import evaluation_page, project_evaluations
from chiiki.i18n import parse_message
from chiiki.indicators.selectors import indicator_page
from chiiki.indicators.services import (
    BulkEntryError,
    Conflict,
    record_actual,
    record_actuals_bulk,
)
from chiiki.plans import selectors
from chiiki.plans.models import Organization, Program
from chiiki.plans.services import BudgetConflict, record_budget
from chiiki.support.selectors import support_page
from chiiki.web.charts import BureauTile, indicator_chart, tile_map
from chiiki.web.dashboard import dashboard as dashboard_data
from chiiki.web.grid import FiguresThroughRounds, grid
from chiiki.web.posted import posted_int
from chiiki.web.search import search


def home(request: HttpRequest) -> HttpResponse:
    context = selectors.home(request.organization)
    tiles = [
        BureauTile(b.slug, b.short_name, reverse("bureau", args=[b.slug]), favourable, assessed)
        for b, favourable, assessed in context["bureau_grades"]
    ]
    context["tile_map"] = mark_safe(tile_map(tiles, context["tile_layout"]))  # noqa: S308  # nosec B308 B703  # every text escaped
    return render(request, "web/home.html", context)


def region(request: HttpRequest, slug: str) -> HttpResponse:
    org = request.organization
    return render(request, "web/region.html", selectors.region_page(org, slug))


def bureau(request: HttpRequest, slug: str) -> HttpResponse:
    org = request.organization
    return render(request, "web/bureau.html", selectors.bureau_page(org, slug))


def plan(request: HttpRequest, slug: str) -> HttpResponse:
    org = request.organization
    return render(request, "web/plan.html", selectors.plan_page(org, slug))


def project(request: HttpRequest, plan_slug: str, slug: str, **extra: object) -> HttpResponse:
    org = request.organization
    context = selectors.project_page(org, plan_slug, slug)
    context["editable_programs"] = [
        p for p in context["programs"] if can_edit_program(request.user, p)
    ]
    context.update(extra)
    context["evaluations"] = project_evaluations(context["project"], request.user)
    context["internal"] = can_read_internal(request.user, context["project"])
    if context["internal"]:
        context["unpublished"] = unpublished_for_project(context["project"])
    context["may_edit"] = can_edit_project(request.user, context["project"])
    context["evaluation_fy"] = fiscal_year_of(timezone.localdate()) - 1
    status = 400 if "budget_errors" in extra or "budget_alert" in extra else 200
    return render(request, "web/project.html", context, status=status)


@require_POST
@login_required
def record_program_budget(request: HttpRequest, plan_slug: str, slug: str) -> HttpResponse:
    """The budget form of the project page. Rules live in record_budget."""
    program_id = posted_int(request, "program")
    fy_text = request.POST.get("fy", "").strip()
    version = posted_int(request, f"version-{program_id}-{_fy_key(fy_text)}")
    try:
        budget = record_budget(
            actor=request.user,
            program_id=program_id,
            fy=fy_text,
            amount=request.POST.get("amount", ""),
            expected_version=version,
        )
    except Program.DoesNotExist:
        raise Http404("事業が見つかりません") from None
    except ValidationError as exc:
        return project(
            request, plan_slug, slug, budget_errors=exc.message_dict, budget_data=request.POST
        )
    except BudgetConflict as exc:
        return project(request, plan_slug, slug, budget_alert=str(exc), budget_data=request.POST)
    messages.success(
        request,
        _("{program}の{fy}予算額を{amount}千円にしました。").format(
            program=budget.program.name,
            fy=format_fiscal_year(budget.fy),
            amount=f"{budget.amount_thousand_yen:,}",
        ),
    )
    return redirect("project", plan_slug=plan_slug, slug=slug)


def evaluation(request: HttpRequest, plan_slug: str, slug: str, fy: int) -> HttpResponse:
    """The internal evaluation page; POST runs one workflow action."""
    org = request.organization
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        return _evaluation_action(request, org, plan_slug, slug, fy)
    context = evaluation_page(org, request.user, plan_slug, slug, fy)
    return render(request, "web/evaluation.html", context)


_ACTION_DONE = {
    "save": gettext_lazy("下書きを保存しました。"),
    "submit": gettext_lazy("評価を提出しました。本部の確認を待っています。"),
    "return": gettext_lazy("評価を差し戻しました。"),
    "approve": gettext_lazy("評価を承認しました。"),
    "publish": gettext_lazy("評価を公表しました。この年度の実績値はロックされます。"),
    "unlock": gettext_lazy("ロックを解除しました。評価は下書きに戻りました。"),
}


_STEPS = {"submit": workflow.submit, "approve": workflow.approve, "publish": workflow.publish}


REVIEW_FIELDS = ("program", "self_evaluation", "direction", "reason")


def _posted_reviews(request: HttpRequest) -> list[dict[str, str]] | None:
    """The program reviews of the evaluation form (``pr-N-field``); None when the form has
    none (a project without programs)."""
    if "program_review_rows" not in request.POST:
        return None
    n = min(posted_int(request, "program_review_rows"), 200)
    return [
        {f: request.POST.get(f"pr-{i}-{f}", "") for f in REVIEW_FIELDS} for i in range(1, n + 1)
    ]


def _review_errors(errors: dict[str, list[str]]) -> dict[int, dict[str, str]]:
    """``program_reviews.N.field`` refusals by row and field, for the form."""
    out: dict[int, dict[str, str]] = {}
    for key, messages_ in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "program_reviews" and parts[1].isdigit():
            out.setdefault(int(parts[1]), {})[parts[2]] = " ".join(messages_)
    return out


def _evaluation_action(
    request: HttpRequest, org: Organization, plan_slug: str, slug: str, fy: int
) -> HttpResponse:
    context = evaluation_page(org, request.user, plan_slug, slug, fy)
    action = request.POST.get("action", "")
    version = posted_int(request, "version")
    evaluation = context["evaluation"]
    try:
        if action in ("save", "submit") and "analysis" in request.POST:
            run = workflow.save_draft if action == "save" else workflow.save_and_submit
            run(
                actor=request.user,
                project_id=context["project"].pk,
                fy=fy,
                analysis=request.POST.get("analysis", ""),
                internal_note=request.POST.get("internal_note", ""),
                program_reviews=_posted_reviews(request),
                expected_version=version,
            )
        elif action in _STEPS and evaluation is not None:
            _STEPS[action](
                actor=request.user, evaluation_id=evaluation.pk, expected_version=version
            )
        elif action in ("return", "unlock") and evaluation is not None:
            run = workflow.return_evaluation if action == "return" else workflow.unlock
            run(
                actor=request.user,
                evaluation_id=evaluation.pk,
                reason=request.POST.get("reason", ""),
                expected_version=version,
            )
        else:
            raise workflow.WorkflowError(_("この操作はできません"))
    except ValidationError as exc:
        context.update(
            form_errors=exc.message_dict,
            form_data=request.POST,
            review_errors=_review_errors(exc.message_dict),
        )
        for row in context["program_reviews"]:  # what was typed, not what is stored
            for f in REVIEW_FIELDS[1:]:
                row[f] = request.POST.get(f"pr-{row['n']}-{f}", "")
        return render(request, "web/evaluation.html", context, status=400)
    except workflow.WorkflowError as exc:
        context.update(form_alert=str(exc), form_data=request.POST)
        status = 409 if isinstance(exc, workflow.StaleEvaluation) else 400
        return render(request, "web/evaluation.html", context, status=status)
    messages.success(request, _ACTION_DONE[action])
    return redirect("evaluation", plan_slug=plan_slug, slug=slug, fy=fy)


def municipalities(request: HttpRequest) -> HttpResponse:
    org = request.organization
    return render(request, "web/municipalities.html", selectors.municipality_list(org))


def support(request: HttpRequest) -> HttpResponse:
    org = request.organization
    return render(request, "web/support.html", support_page(org))


def indicator(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization
    as_of = None
    if request.GET.get("as_of"):
        try:
            day = dt.date.fromisoformat(request.GET["as_of"])
            # the end of that day in Japan time
            as_of = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        except ValueError:
            messages.error(
                request,
                _("日付「{day}」を読めません（例: 2026-04-01）").format(day=request.GET["as_of"]),
            )
    return render(request, "web/indicator.html", _indicator_context(request, org, pk, as_of=as_of))


def _indicator_context(
    request: HttpRequest,
    org: Organization,
    pk: int,
    as_of: dt.datetime | None = None,
    **extra: object,
) -> dict[str, object]:
    context = indicator_page(org, pk, as_of)
    context["can_edit"] = can_edit_indicator(request.user, context["indicator"])
    # Every text inside is escaped by the chart builder.
    context["chart"] = mark_safe(indicator_chart(context))  # noqa: S308  # nosec B308 B703
    context.update(extra)
    return context


@require_POST
@login_required
def record_indicator_actual(request: HttpRequest, pk: int) -> HttpResponse:
    """The actual-entry form of the KPI page. Rules live in record_actual."""
    org = request.organization
    fy_text = request.POST.get("fy", "").strip()
    value_text = request.POST.get("value", "")
    try:
        version = posted_int(request, f"version-{_fy_key(fy_text)}")
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
    if actual.rate is not None:
        rate = _("進捗率 {rate}%").format(rate=f"{actual.rate:.1f}")
    else:
        rate = _("進捗率は計算できません")
    actual.indicator.refresh_from_db()
    grade = actual.indicator.grade or _("判定不能")
    messages.success(
        request,
        _("{fy}の実績値を保存しました（{rate}、進捗 {grade}）。").format(
            fy=format_fiscal_year(actual.fy), rate=rate, grade=grade
        ),
    )
    return redirect("indicator", pk=pk)


def _fy_key(text: str) -> str:
    """The FY as the form's hidden version fields name it (Western year), or the raw text."""
    try:
        return str(parse_fiscal_year(text))
    except ParseError:
        return text


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.organization
    if not can_read_internal_org(request.user, org):
        raise PermissionDenied(_("ダッシュボードは職員向けです"))
    fy = None
    if request.GET.get("fy"):
        try:
            fy = parse_fiscal_year(request.GET["fy"])
        except ParseError:
            messages.error(
                request,
                _("年度「{fy}」を読めないため、前年度を表示しています").format(
                    fy=request.GET["fy"]
                ),
            )
    context = dashboard_data(org, request.user, fy)
    context["may_set_staff_costs"] = can_publish_figures(request.user, org.pk)
    return render(request, "web/dashboard.html", context)


def search_page(request: HttpRequest) -> HttpResponse:
    org = request.organization
    query = request.GET.get("q", "")[:100]
    return render(request, "web/search.html", search(org, query, request.user))


@login_required
def bureau_grid(request: HttpRequest, slug: str, fy: int) -> HttpResponse:
    """One FY's actuals for every indicator of a bureau's projects; all or nothing."""
    org = request.organization
    try:
        context = grid(org, request.user, slug, fy)
    except FiguresThroughRounds as exc:
        messages.info(request, str(exc))
        return redirect("collection")
    if request.method != "POST":
        return render(request, "web/grid.html", context)
    entries, data = [], {}
    for row in context["rows"]:
        pk = row["indicator"].pk
        text = request.POST.get(f"value-{pk}", "").strip()
        data[pk] = text
        if text:
            entries.append((pk, text, posted_int(request, f"version-{pk}")))
    if not entries:
        context.update(grid_alert=_("入力された値がありません"), grid_data=data)
        return render(request, "web/grid.html", context, status=400)
    try:
        saved = record_actuals_bulk(actor=request.user, fy=fy, entries=entries)
    except BulkEntryError as exc:
        context.update(grid_alert=str(exc), grid_errors=exc.errors, grid_data=data)
        return render(request, "web/grid.html", context, status=400)
    messages.success(
        request,
        _("{fy}の実績値を{n}件保存しました。").format(fy=format_fiscal_year(fy), n=len(saved)),
    )
    return redirect("bureau_grid", slug=slug, fy=fy)


def _chosen_year(request: HttpRequest) -> int | None:
    """The FY a year picker sent (``?fy=R3``, ``令和3年度``, ``2021``); None with a message."""
    text = request.GET.get("fy", "").strip()
    try:
        return parse_fiscal_year(text)
    except ParseError as exc:
        messages.error(request, parse_message(exc))
        return None


def evaluation_year(request: HttpRequest, plan_slug: str, slug: str) -> HttpResponse:
    """The year picker of a project's evaluations: to that year's evaluation page."""
    fy = _chosen_year(request)
    if fy is None:
        return redirect("project", plan_slug=plan_slug, slug=slug)
    return redirect("evaluation", plan_slug=plan_slug, slug=slug, fy=fy)


def bureau_grid_year(request: HttpRequest, slug: str) -> HttpResponse:
    """The year picker of the bulk grid: to that year's grid."""
    fy = _chosen_year(request)
    if fy is None:
        return redirect("bureau_grid", slug=slug, fy=fiscal_year_of(timezone.localdate()) - 1)
    return redirect("bureau_grid", slug=slug, fy=fy)
