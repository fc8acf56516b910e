"""Read endpoints: lists (paginated with ``limit``/``offset``, filtered, in a stable order)
and single records. Open to everyone; a token adds its organization's unpublished records."""

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query
from ninja.pagination import paginate

from chiiki.accounts.access import membership_of
from chiiki.api import schemas as s
from chiiki.api import selectors
from chiiki.api.auth import READ, caller
from chiiki.api.errors import ERRORS, d
from chiiki.api.preconditions import set_etag
from chiiki.api.router import MAX_ID, KeysetPaging, Paging, fiscal_year, record_id, router
from chiiki.api.selectors import Filters
from chiiki.core.forecast import forecast
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.grading import indicator_spec, year_actuals
from chiiki.indicators.models import Actual
from chiiki.plans.models import ProgramBudget


def ok(schema: Any) -> dict[int, Any]:
    return {200: schema, **ERRORS}


def page(schema: Any) -> dict[int, Any]:
    return {200: list[schema], **ERRORS}


# Filters are identifiers (slugs, codes) or a grade: no control characters reach the database.
SLUG = r"^[A-Za-z0-9_-]+$"
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


class OrgFilter(s.Schema):
    organization: str | None = s.Field(
        None,
        max_length=50,
        pattern=SLUG,
        description=d("団体の識別子（hokkaido）", "Organization slug"),
    )


class PlaceFilter(OrgFilter):
    region: str | None = s.Field(
        None, max_length=50, pattern=SLUG, description=d("連携地域", "Region slug")
    )
    bureau: str | None = s.Field(
        None, max_length=50, pattern=SLUG, description=d("振興局", "Bureau slug")
    )


class PlanFilter(PlaceFilter):
    plan: str | None = s.Field(
        None, max_length=50, pattern=SLUG, description=d("計画の識別子", "Plan slug")
    )
    project: int | None = s.Field(
        None, ge=1, le=MAX_ID, description=d("プロジェクトのID", "Project id")
    )


KIND = d("種別", "Kind")
FYQ = d("年度（西暦）", "Fiscal year")


def _versioned(response: HttpResponse, record: Any) -> Any:
    """A versioned record with its version as the ETag, or 404."""
    if record is None:
        raise Http404
    set_etag(response, record.version)
    return record


def _filters(*parts: Any, **more: Any) -> Filters:
    values: dict[str, Any] = {}
    for part in parts:
        values.update(part.dict())
    values.update(more)
    return Filters(**values)


@router.get(auth=READ, path="/organizations", response=page(s.OrganizationOut), tags=["plans"])
@paginate(Paging)
def list_organizations(request: HttpRequest) -> Any:
    """団体（都道府県）の一覧 / Organizations (prefectures)."""
    return selectors.organizations()


@router.get(auth=READ, path="/regions", response=page(s.RegionOut), tags=["plans"])
@paginate(Paging)
def list_regions(request: HttpRequest, f: Query[OrgFilter]) -> Any:
    """連携地域 / Cooperation regions."""
    return selectors.regions(_filters(f))


@router.get(auth=READ, path="/bureaus", response=page(s.BureauOut), tags=["plans"])
@paginate(Paging)
def list_bureaus(
    request: HttpRequest,
    f: Query[OrgFilter],
    region: str | None = Query(None, max_length=50, pattern=SLUG),
    kind: str | None = Query(None, max_length=20, pattern=SLUG, description=KIND),
) -> Any:
    """振興局 / Bureaus."""
    return selectors.bureaus(_filters(f, region=region, kind=kind))


@router.get(auth=READ, path="/municipalities", response=page(s.MunicipalityOut), tags=["plans"])
@paginate(Paging)
def list_municipalities(request: HttpRequest, f: Query[PlaceFilter]) -> Any:
    """市町村 / Municipalities."""
    return selectors.municipalities(_filters(f))


@router.get(auth=READ, path="/plans", response=page(s.PlanOut), tags=["plans"])
@paginate(Paging)
def list_plans(
    request: HttpRequest,
    f: Query[OrgFilter],
    kind: str | None = Query(None, max_length=30, pattern=SLUG, description=KIND),
) -> Any:
    """計画 / Plans."""
    return selectors.plans(_filters(f, kind=kind))


@router.get(auth=READ, path="/projects", response=page(s.ProjectOut), tags=["plans"])
@paginate(Paging)
def list_projects(
    request: HttpRequest,
    f: Query[PlaceFilter],
    plan: str | None = Query(None, max_length=50, pattern=SLUG),
) -> Any:
    """プロジェクト（bureau は主担当の振興局） / Projects (bureau = lead bureau)."""
    return selectors.projects(_filters(f, plan=plan))


@router.get(auth=READ, path="/projects/{project_id}", response=ok(s.ProjectOut), tags=["plans"])
def get_project(request: HttpRequest, project_id: int = record_id()) -> Any:
    """1つのプロジェクト（策定済みの版のもの） / One project of an adopted edition."""
    project = selectors.projects(Filters()).filter(pk=project_id).first()
    if project is None:
        raise Http404
    return project


@router.get(auth=READ, path="/measures", response=page(s.MeasureOut), tags=["plans"])
@paginate(Paging)
def list_measures(request: HttpRequest, f: Query[PlanFilter]) -> Any:
    """主な施策 / Measures."""
    return selectors.measures(_filters(f))


@router.get(auth=READ, path="/programs", response=page(s.ProgramOut), tags=["budgets"])
@paginate(Paging)
def list_programs(
    request: HttpRequest,
    f: Query[PlanFilter],
    kind: str | None = Query(None, max_length=20, pattern=SLUG, description=KIND),
) -> Any:
    """事業と年度別の予算額（bureau は実施する振興局） / Programs with their budgets."""
    return selectors.programs(_filters(f, kind=kind))


@router.get(auth=READ, path="/programs/{program_id}", response=ok(s.ProgramOut), tags=["budgets"])
def get_program(request: HttpRequest, program_id: int = record_id()) -> Any:
    """1つの事業と年度ごとの予算額 / One program with its budgets by fiscal year."""
    program = selectors.programs(Filters()).filter(pk=program_id).first()
    if program is None:
        raise Http404
    return program


@router.get(auth=READ, path="/budgets", response=page(s.BudgetOut), tags=["budgets"])
@paginate(Paging)
def list_budgets(
    request: HttpRequest,
    f: Query[PlanFilter],
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
) -> Any:
    """予算額（千円）、1行が1事業の1年度 / Budgets, one row per program and year."""
    return selectors.budgets(_filters(f, fy=fy))


@router.get(
    auth=READ,
    path="/programs/{program_id}/budgets/{fy}",
    response=ok(s.BudgetOut),
    tags=["budgets"],
)
def get_budget(
    request: HttpRequest,
    response: HttpResponse,
    program_id: int = record_id(),
    fy: int = fiscal_year(),
) -> Any:
    """ETag ヘッダーが版を示します / The ETag header carries the version."""
    return _versioned(response, ProgramBudget.objects.filter(program_id=program_id, fy=fy).first())


@router.get(auth=READ, path="/settlements", response=page(s.SettlementOut), tags=["budgets"])
@paginate(Paging)
def list_settlements(
    request: HttpRequest,
    f: Query[PlanFilter],
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
) -> Any:
    """決算額・人工・フルコスト（千円）、1行が1事業の1年度 / Settled amounts, staff time and
    full cost, one row per program and year."""
    return selectors.settlements(_filters(f, fy=fy))


@router.get(
    auth=READ,
    path="/programs/{program_id}/settlements/{fy}",
    response=ok(s.SettlementOut),
    tags=["budgets"],
)
def get_settlement(
    request: HttpRequest,
    response: HttpResponse,
    program_id: int = record_id(),
    fy: int = fiscal_year(),
) -> Any:
    """ETag ヘッダーが版を示します / The ETag header carries the version."""
    return _versioned(
        response, selectors.settlements(Filters(fy=fy)).filter(program_id=program_id).first()
    )


@router.get(
    auth=READ, path="/staff-unit-costs", response=page(s.StaffUnitCostOut), tags=["budgets"]
)
@paginate(Paging)
def list_staff_unit_costs(
    request: HttpRequest,
    f: Query[PlanFilter],
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
) -> Any:
    """人件費単価（千円／人年） / The cost of a person-year of staff time, by fiscal year."""
    return selectors.staff_unit_costs(_filters(f, fy=fy))


@router.get(auth=READ, path="/indicators", response=page(s.IndicatorOut), tags=["indicators"])
@paginate(KeysetPaging)
def list_indicators(
    request: HttpRequest,
    f: Query[PlanFilter],
    kind: str | None = Query(
        None,
        max_length=20,
        pattern=SLUG,
        description=d("numeric_goal / kpi / activity / outcome", "Kind"),
    ),
    grade: str | None = Query(
        None, max_length=10, pattern=PRINTABLE, description=d("進捗評価（A① など）", "Grade")
    ),
) -> Any:
    """数値目標とKPI（評価は計算値） / Numeric goals and KPIs with computed grades."""
    return selectors.indicators(_filters(f, kind=kind, grade=grade))


@router.get(
    auth=READ,
    path="/indicators/{indicator_id}",
    response=ok(s.IndicatorDetailOut),
    tags=["indicators"],
)
def get_indicator(request: HttpRequest, indicator_id: int = record_id()) -> Any:
    """実績値と予測を含む / With its actuals and forecast."""
    indicator = selectors.indicator(indicator_id)
    if indicator is None:
        raise Http404
    projection = forecast(indicator_spec(indicator), year_actuals(indicator))
    indicator.forecast = (  # type: ignore[attr-defined]
        _forecast_out(projection, indicator.decimal_places) if projection else None
    )
    return indicator


def _forecast_out(projection: Any, places: int) -> dict[str, Any]:
    """The forecast as the KPI page shows it: figures at the indicator's decimal places, and no
    interval where none can be estimated."""
    chosen = projection.selected
    interval = chosen.has_interval
    return {
        "fy": projection.fy,
        "point": s.projected(chosen.point, places),
        "low": s.projected(chosen.low, places) if interval else None,
        "high": s.projected(chosen.high, places) if interval else None,
        "level": s.figure(Decimal(str(projection.level))),
        "model": chosen.model.value,
        "status": projection.status.value if projection.status else None,
        "note": projection.note,
    }


@router.get(auth=READ, path="/actuals", response=page(s.ActualOut), tags=["indicators"])
@paginate(KeysetPaging)
def list_actuals(
    request: HttpRequest,
    f: Query[PlanFilter],
    indicator: int | None = Query(None, ge=1, le=MAX_ID),
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
) -> Any:
    """実績値と進捗率（計算値） / Actuals with computed progress rates."""
    return selectors.actuals(_filters(f, indicator=indicator, fy=fy))


@router.get(
    auth=READ,
    path="/indicators/{indicator_id}/actuals/{fy}",
    response=ok(s.ActualOut),
    tags=["indicators"],
)
def get_actual(
    request: HttpRequest,
    response: HttpResponse,
    indicator_id: int = record_id(),
    fy: int = fiscal_year(),
) -> Any:
    """ETag ヘッダーが版を示します / The ETag header carries the version."""
    found = Actual.published.filter(indicator_id=indicator_id, fy=fy).first()
    return _versioned(response, found)


@router.get(auth=READ, path="/evaluations", response=page(s.EvaluationOut), tags=["evaluations"])
@paginate(Paging)
def list_evaluations(
    request: HttpRequest,
    f: Query[PlanFilter],
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
    status: str | None = Query(
        None, max_length=20, pattern=SLUG, description=d("状態", "Workflow state")
    ),
) -> Any:
    """評価（分析と課題）。公表前のものは団体の職員だけ / Evaluations; drafts for members."""
    return selectors.evaluations(caller(request), _filters(f, fy=fy, status=status))


@router.get(
    auth=READ,
    path="/evaluations/{evaluation_id}",
    response=ok(s.EvaluationOut),
    tags=["evaluations"],
)
def get_evaluation(
    request: HttpRequest, response: HttpResponse, evaluation_id: int = record_id()
) -> Any:
    """1つの分析と課題（公表前のものは団体の職員だけ）。ETag ヘッダーが版を示します /
    One evaluation (unpublished ones for the organization's staff only); the ETag is its
    version."""
    evaluation: Evaluation | None = (
        selectors.evaluations(caller(request), Filters()).filter(pk=evaluation_id).first()
    )
    if evaluation is not None:
        selectors.with_internal(caller(request), [evaluation])
    return _versioned(response, evaluation)


@router.get(auth=READ, path="/proposals", response=page(s.ProposalOut), tags=["proposals"])
@paginate(Paging)
def list_proposals(
    request: HttpRequest,
    f: Query[OrgFilter],
    bureau: str | None = Query(
        None, max_length=50, pattern=SLUG, description=d("提案した振興局", "Bureau")
    ),
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
    status: str | None = Query(
        None, max_length=20, pattern=SLUG, description=d("状態", "Workflow state")
    ),
) -> Any:
    """政策提案と部局の対応。公表前のものは団体の職員だけ / Policy proposals."""
    return selectors.proposals(caller(request), _filters(f, bureau=bureau, fy=fy, status=status))


@router.get(
    auth=READ, path="/proposals/{proposal_id}", response=ok(s.ProposalOut), tags=["proposals"]
)
def get_proposal(
    request: HttpRequest, response: HttpResponse, proposal_id: int = record_id()
) -> Any:
    """1つの政策提案と部局の回答（公表前のものは団体の職員だけ）。ETag が版 /
    One proposal with its responses (unpublished ones for staff only); the ETag is its
    version."""
    visible = selectors.proposals(caller(request), Filters())
    return _versioned(response, visible.filter(pk=proposal_id).first())


@router.get(auth=READ, path="/meetings", response=page(s.MeetingOut), tags=["councils"])
@paginate(Paging)
def list_meetings(
    request: HttpRequest,
    f: Query[OrgFilter],
    bureau: str | None = Query(None, max_length=50, pattern=SLUG),
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
    kind: str | None = Query(None, max_length=20, pattern=SLUG, description=KIND),
) -> Any:
    """地域づくり連携会議などの会議 / Regional council and round-table meetings."""
    return selectors.meetings(caller(request), _filters(f, bureau=bureau, fy=fy, kind=kind))


@router.get(auth=READ, path="/meetings/{meeting_id}", response=ok(s.MeetingOut), tags=["councils"])
def get_meeting(request: HttpRequest, response: HttpResponse, meeting_id: int = record_id()) -> Any:
    """1つの会議の記録。ETag が版 / One meeting record; the ETag is its version."""
    visible = selectors.meetings(caller(request), Filters())
    return _versioned(response, visible.filter(pk=meeting_id).first())


@router.get(auth=READ, path="/support/figures", response=page(s.SupportFigureOut), tags=["support"])
@paginate(Paging)
def list_support_figures(
    request: HttpRequest,
    f: Query[OrgFilter],
    fy: int | None = Query(None, ge=1900, le=2200, description=FYQ),
    metric: str | None = Query(None, max_length=20, pattern=SLUG, description=d("項目", "Metric")),
) -> Any:
    """市町村支援の年度別の数値（交付金、職員派遣…） / Municipal support figures by year."""
    return selectors.support_figures(_filters(f, fy=fy, kind=metric))


@router.get(auth=READ, path="/support/areas", response=page(s.CooperationAreaOut), tags=["support"])
@paginate(Paging)
def list_cooperation_areas(
    request: HttpRequest,
    f: Query[OrgFilter],
    kind: str | None = Query(None, max_length=20, pattern=SLUG, description=KIND),
) -> Any:
    """広域連携の圏域 / Cooperation areas of municipalities."""
    return selectors.cooperation_areas(_filters(f, kind=kind))


@router.get(auth=READ, path="/me", response=ok(s.MeOut), tags=["accounts"])
def me(request: HttpRequest) -> Any:
    """呼び出した利用者と役割（トークンの確認に） / Who the token acts as."""
    user = caller(request)
    membership = membership_of(user)
    return {
        "username": user.get_username() if user.is_authenticated else "",
        "organization": membership.organization.slug if membership else None,
        "role": membership.role if membership else None,
        "bureau": membership.bureau.slug if membership and membership.bureau else None,
        "department": membership.department if membership else None,
    }
