"""Plan authoring in the API: editions (create empty or copied forward, edit, adopt), projects,
measures, programs, indicators and target revisions. Each operation calls the same writer as
the site's authoring screens (chiiki.plans.authoring, chiiki.indicators.authoring), so
permissions, validation, locks, audit and grading are theirs.

Every change names the version it is based on: ``If-Match: "<version>"`` (the ``version`` of
the record read); measures are part of their project and use the project's version. A token is
needed; reads of draft editions are for members of the organization (``GET /editions/{id}``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Status
from pydantic import Field

from chiiki.accounts.access import can_read_drafts, membership_of
from chiiki.api import schemas as s
from chiiki.api.auth import caller
from chiiki.api.errors import ERRORS, d
from chiiki.api.preconditions import expected_version, set_etag
from chiiki.api.router import record_id, router
from chiiki.api.writes import _organization
from chiiki.indicators import authoring as indicator_writes
from chiiki.indicators.models import Indicator
from chiiki.plans import authoring
from chiiki.plans.models import Bureau, Plan, Program, Project, Region

TAGS = ["authoring"]


def ok(schema: Any, status: int = 200) -> dict[int, Any]:
    return {status: schema, **ERRORS}


FY_IN = d("年度（西暦の開始年、2026 = 令和8年度）", "Fiscal year (2026 = R8)")
FIGURE_IN = d("書いたとおりの値: 1,200 / １２００ / 1.2千", "The figure as written")


class EditionIn(s.In):
    slug: str = Field(min_length=1, max_length=60, description=d("識別子", "Identifier"))
    kind: str = Field(
        "regional_policy",
        description=d("計画の種別（空の版のとき）", "Plan kind (for an empty edition)"),
    )
    edition: str = Field(min_length=1, max_length=20, description=d("版（R8 など）", "Edition"))
    title: str = Field(min_length=1, max_length=100, description=d("名称", "Title"))
    start_fy: int = Field(ge=1900, le=2200, description=FY_IN)
    end_fy: int | None = Field(None, ge=1900, le=2200, description=FY_IN)
    period_note: str = Field("", max_length=200)
    summary: str = Field("", max_length=5000)
    grading_scheme: str | None = Field(
        None,
        max_length=60,
        description=d("評価区分の名前（既定: もとの版と同じ）", "Grading scheme"),
    )
    copy_from: str | None = Field(
        None,
        max_length=60,
        description=d("写すもとの版の識別子（策定済み）", "Slug of the adopted edition to copy"),
    )


class EditionUpdate(s.In):
    grading_scheme: str | None = Field(None, max_length=60, description=d("評価区分", "Scheme"))
    edition: str = Field(min_length=1, max_length=20)
    title: str = Field(min_length=1, max_length=100)
    start_fy: int = Field(ge=1900, le=2200, description=FY_IN)
    end_fy: int | None = Field(None, ge=1900, le=2200, description=FY_IN)
    period_note: str = Field("", max_length=200)
    summary: str = Field("", max_length=5000)


class ProjectIn(s.In):
    name: str = Field(min_length=1, max_length=200, description=d("プロジェクト名", "Name"))
    number: int | None = Field(None, ge=0, le=32767)
    region: str | None = Field(None, max_length=60, description=d("連携地域の識別子", "Region"))
    lead_bureau: str | None = Field(
        None, max_length=60, description=d("主担当の振興局の識別子", "Lead bureau slug")
    )
    other_bureaus: list[str] = Field(default_factory=list, max_length=50)
    theme: str = Field("", max_length=200)
    summary: str = Field("", max_length=5000)


class MeasureIn(s.In):
    title: str = Field(min_length=1, max_length=300, description=d("施策", "Measure"))
    group: str = Field("", max_length=200, description=d("施策の柱", "Measure group"))
    description: str = Field("", max_length=5000)


class ProgramIn(s.In):
    name: str = Field(min_length=1, max_length=200, description=d("事業名", "Program name"))
    kind: str = Field("project", description=d("project / bureau_original", "Program kind"))
    bureau: str | None = Field(None, max_length=60, description=d("実施する振興局", "Bureau"))
    description: str = Field("", max_length=5000)


class YearTargetIn(s.In):
    fy: int = Field(ge=1900, le=2200, description=FY_IN)
    value: str = Field(min_length=1, max_length=50, description=FIGURE_IN)
    kind: str = Field("interim", description=d("interim=中間目標, annual=年度別目標値", "Kind"))


class IndicatorIn(s.In):
    kind: str = Field(description=d("numeric_goal=数値目標, kpi=KPI", "numeric_goal or kpi"))
    name: str = Field(
        "",
        max_length=200,
        description=d("指標名（系列では空欄: まとめる指標の名称）", "Name (a series: empty)"),
    )
    unit: str = Field("", max_length=20)
    decimal_places: int = Field(0, ge=0, le=6)
    direction: str = Field("up", description=d("up / down", "Desired direction"))
    method: str = Field("", description=d("空欄なら評価区分の既定", "Empty: the scheme's"))
    baseline_value: str | None = Field(None, max_length=50, description=FIGURE_IN)
    baseline_fy: int | None = Field(None, ge=1900, le=2200, description=FY_IN)
    target_kind: str = Field(
        description=d(
            "absolute / national / above_baseline / at_or_above_current / cumulative / "
            "above_previous_year / above_national_growth / series（系列ごとに設定）",
            "Target kind",
        )
    )
    target_value: str | None = Field(None, max_length=50, description=FIGURE_IN)
    target_fy: int | None = Field(None, ge=1900, le=2200, description=FY_IN)
    target_first_fy: int | None = Field(None, ge=1900, le=2200, description=FY_IN)
    actuals_cumulative: bool = False
    is_main: bool = False
    parent: int | None = Field(
        None,
        description=d(
            "系列をまとめる指標のID（目標の種類が series の、同じプロジェクトの指標）",
            "Id of the indicator (target kind series, same project) this one is a series of",
        ),
    )
    series_name: str = Field("", max_length=50, description=d("系列名（例: 小学校）", "Series"))
    year_targets: list[YearTargetIn] = Field(
        default_factory=list,
        max_length=50,
        description=d("中間目標・年度別目標値（すべて置き換え）", "Interim/yearly targets"),
    )


class RevisionIn(s.In):
    value: str = Field(min_length=1, max_length=50, description=FIGURE_IN)
    from_fy: int | None = Field(
        None, ge=1900, le=2200, description=d("適用開始年度（null は全年度）", "Applies from")
    )
    decided_on: dt.date | None = Field(None, description=d("決定日", "Decided on"))
    decided_by: str = Field("", max_length=100, description=d("決定した機関", "Decided by"))
    reason: str = Field(min_length=1, max_length=2000, description=d("理由", "Reason"))


class EditionOut(s.PlanOut):
    projects: list[s.ProjectOut] = Field(description=d("プロジェクト", "Projects"))

    @staticmethod
    def resolve_projects(obj: Any) -> list[Project]:
        return list(
            Project.with_drafts.filter(plan=obj)
            .select_related("plan", "region", "lead_bureau")
            .prefetch_related("other_bureaus")
            .order_by("region__order", "order", "pk")
        )


def _slug_id(model: Any, org: Any, slug: str | None, field: str) -> int | None:
    if not slug:
        return None
    pk = model.objects.filter(organization=org, slug=slug).values_list("pk", flat=True).first()
    if pk is None:
        raise ValidationError({field: gettext("見つかりません: {values}").format(values=slug)})
    return int(pk)


def _project(project_id: int, org: Any) -> Project:
    project = (
        Project.with_drafts.filter(pk=project_id, plan__organization=org)
        .select_related("plan", "region", "lead_bureau")
        .first()
    )
    if project is None:
        raise Http404(gettext("プロジェクトが見つかりません"))
    return project


def _plan(plan_id: int, org: Any) -> Plan:
    plan = Plan.with_drafts.filter(pk=plan_id, organization=org).first()
    if plan is None:
        raise Http404(gettext("計画が見つかりません"))
    return plan


def _indicator(indicator_id: int, org: Any) -> Indicator:
    indicator = (
        Indicator.with_drafts.filter(pk=indicator_id, project__plan__organization=org)
        .select_related("project__plan")
        .first()
    )
    if indicator is None:
        raise Http404(gettext("指標が見つかりません"))
    return indicator


def _out(response: HttpResponse, obj: Any) -> Any:
    set_etag(response, obj.version)
    return obj


def _fy(value: int | None) -> str:
    return "" if value is None else str(value)


# ------------------------------------------------------------------ editions


@router.get("/editions/{plan_id}", response=ok(EditionOut), tags=TAGS)
def get_edition(request: HttpRequest, response: HttpResponse, plan_id: int = record_id()) -> Any:
    """計画の版（作成中を含む、職員のみ）とプロジェクト / An edition, drafts included (staff)."""
    actor = caller(request)
    membership = membership_of(actor)
    if membership is None or not can_read_drafts(actor, membership.organization_id):
        raise Http404(gettext("計画が見つかりません"))
    return _out(response, _plan(plan_id, membership.organization))


@router.post("/plans", response=ok(EditionOut, 201), tags=TAGS)
def post_edition(request: HttpRequest, response: HttpResponse, body: EditionIn) -> Any:
    """計画の版を作成（空、または策定済みの版を写す） / Create a draft edition."""
    actor = caller(request)
    org = _organization(actor)
    data = body.model_dump(exclude={"copy_from"})
    data["start_fy"], data["end_fy"] = _fy(body.start_fy), _fy(body.end_fy)
    plan = authoring.create_edition(
        actor=actor,
        organization=org,
        data=data,
        copy_from=_slug_id(Plan, org, body.copy_from, "copy_from"),
    )
    return Status(201, _out(response, plan))


@router.put("/plans/{plan_id}", response=ok(EditionOut), tags=TAGS)
def put_edition(
    request: HttpRequest, response: HttpResponse, body: EditionUpdate, plan_id: int = record_id()
) -> Any:
    """計画の版の名称・期間・概要を変更 / Edit an edition's name, period and summary."""
    actor = caller(request)
    plan = _plan(plan_id, _organization(actor))
    data = body.model_dump()
    data["start_fy"], data["end_fy"] = _fy(body.start_fy), _fy(body.end_fy)
    saved = authoring.save_edition(
        actor=actor,
        plan_id=plan.pk,
        data=data,
        expected_version=expected_version(request, may_create=False),
    )
    return _out(response, saved)


@router.post("/plans/{plan_id}/adopt", response=ok(EditionOut), tags=TAGS)
def adopt_edition(request: HttpRequest, response: HttpResponse, plan_id: int = record_id()) -> Any:
    """作成中の版を策定（公開）し、もとの版を移行済みにする / Adopt a draft edition."""
    actor = caller(request)
    plan = _plan(plan_id, _organization(actor))
    adopted = authoring.adopt_edition(
        actor=actor, plan_id=plan.pk, expected_version=expected_version(request, may_create=False)
    )
    return _out(response, adopted)


# ------------------------------------------------------------------ projects and measures


def _project_data(org: Any, body: ProjectIn) -> dict[str, Any]:
    data = body.model_dump()
    data["region"] = _slug_id(Region, org, body.region, "region")
    data["lead_bureau"] = _slug_id(Bureau, org, body.lead_bureau, "lead_bureau")
    data["other_bureaus"] = [
        _slug_id(Bureau, org, slug, "other_bureaus") for slug in body.other_bureaus
    ]
    data["number"] = "" if body.number is None else str(body.number)
    return data


@router.post("/plans/{plan_id}/projects", response=ok(s.ProjectOut, 201), tags=TAGS)
def post_project(
    request: HttpRequest, response: HttpResponse, body: ProjectIn, plan_id: int = record_id()
) -> Any:
    """プロジェクトを追加 / Add a project to an edition."""
    actor = caller(request)
    org = _organization(actor)
    plan = _plan(plan_id, org)
    project = authoring.save_project(actor=actor, plan_id=plan.pk, data=_project_data(org, body))
    return Status(201, _out(response, project))


@router.put("/projects/{project_id}", response=ok(s.ProjectOut), tags=TAGS)
def put_project(
    request: HttpRequest, response: HttpResponse, body: ProjectIn, project_id: int = record_id()
) -> Any:
    """プロジェクトを変更 / Edit a project."""
    actor = caller(request)
    org = _organization(actor)
    project = _project(project_id, org)
    saved = authoring.save_project(
        actor=actor,
        plan_id=project.plan_id,
        project_id=project.pk,
        data=_project_data(org, body),
        expected_version=expected_version(request, may_create=False),
    )
    return _out(response, saved)


@router.delete("/projects/{project_id}", response={204: None, **ERRORS}, tags=TAGS)
def delete_project(request: HttpRequest, project_id: int = record_id()) -> Any:
    """作成中の版からプロジェクトを削除 / Delete a project of a draft edition."""
    actor = caller(request)
    project = _project(project_id, _organization(actor))
    authoring.delete_project(
        actor=actor,
        project_id=project.pk,
        expected_version=expected_version(request, may_create=False),
    )
    return Status(204, None)


@router.post("/projects/{project_id}/measures", response=ok(s.ProjectOut, 201), tags=TAGS)
def post_measure(
    request: HttpRequest, response: HttpResponse, body: MeasureIn, project_id: int = record_id()
) -> Any:
    """施策を末尾に追加（If-Match はプロジェクトの版） / Add a measure (the project's version)."""
    actor = caller(request)
    project = _project(project_id, _organization(actor))
    saved = authoring.save_measure(
        actor=actor,
        project_id=project.pk,
        data=body.model_dump(),
        expected_version=expected_version(request, may_create=False),
    )
    return Status(201, _out(response, saved))


# ------------------------------------------------------------------ programs


def _program_data(org: Any, body: ProgramIn) -> dict[str, Any]:
    data = body.model_dump()
    data["bureau"] = _slug_id(Bureau, org, body.bureau, "bureau")
    return data


@router.post("/projects/{project_id}/programs", response=ok(s.ProgramOut, 201), tags=TAGS)
def post_program(
    request: HttpRequest, response: HttpResponse, body: ProgramIn, project_id: int = record_id()
) -> Any:
    """事業を追加 / Add a program to a project."""
    actor = caller(request)
    org = _organization(actor)
    project = _project(project_id, org)
    program = authoring.save_program(
        actor=actor, project_id=project.pk, data=_program_data(org, body)
    )
    return Status(201, _out(response, program))


def _program(program_id: int, org: Any) -> Program:
    program = Program.with_drafts.filter(pk=program_id, organization=org).first()
    if program is None or program.project_id is None:
        raise Http404(gettext("事業が見つかりません"))
    return program


@router.put("/programs/{program_id}", response=ok(s.ProgramOut), tags=TAGS)
def put_program(
    request: HttpRequest, response: HttpResponse, body: ProgramIn, program_id: int = record_id()
) -> Any:
    """事業を変更 / Edit a program."""
    actor = caller(request)
    org = _organization(actor)
    program = _program(program_id, org)
    assert program.project_id is not None
    saved = authoring.save_program(
        actor=actor,
        project_id=program.project_id,
        program_id=program.pk,
        data=_program_data(org, body),
        expected_version=expected_version(request, may_create=False),
    )
    return _out(response, saved)


@router.delete("/programs/{program_id}", response={204: None, **ERRORS}, tags=TAGS)
def delete_program(request: HttpRequest, program_id: int = record_id()) -> Any:
    """予算額のない事業を削除 / Delete a program that has no budgets."""
    actor = caller(request)
    program = _program(program_id, _organization(actor))
    assert program.project_id is not None
    authoring.delete_program(
        actor=actor,
        project_id=program.project_id,
        program_id=program.pk,
        expected_version=expected_version(request, may_create=False),
    )
    return Status(204, None)


# ------------------------------------------------------------------ indicators and targets


def _indicator_data(body: IndicatorIn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = body.model_dump(exclude={"year_targets"})
    for name in ("baseline_fy", "target_fy", "target_first_fy"):
        data[name] = _fy(data[name])
    data["decimal_places"] = str(body.decimal_places)
    rows = [{"fy": str(t.fy), "value": t.value, "kind": t.kind} for t in body.year_targets]
    return data, rows


@router.post("/projects/{project_id}/indicators", response=ok(s.IndicatorOut, 201), tags=TAGS)
def post_indicator(
    request: HttpRequest, response: HttpResponse, body: IndicatorIn, project_id: int = record_id()
) -> Any:
    """数値目標・KPI を追加 / Add an indicator to a project."""
    actor = caller(request)
    project = _project(project_id, _organization(actor))
    data, rows = _indicator_data(body)
    indicator = indicator_writes.save_indicator(
        actor=actor, project_id=project.pk, data=data, year_targets=rows
    )
    return Status(201, _out(response, indicator))


@router.put("/indicators/{indicator_id}", response=ok(s.IndicatorOut), tags=TAGS)
def put_indicator(
    request: HttpRequest,
    response: HttpResponse,
    body: IndicatorIn,
    indicator_id: int = record_id(),
) -> Any:
    """指標の定義と中間目標を変更 / Edit an indicator and its interim targets."""
    actor = caller(request)
    indicator = _indicator(indicator_id, _organization(actor))
    data, rows = _indicator_data(body)
    saved = indicator_writes.save_indicator(
        actor=actor,
        project_id=indicator.project_id,
        indicator_id=indicator.pk,
        data=data,
        year_targets=rows,
        expected_version=expected_version(request, may_create=False),
    )
    return _out(response, saved)


@router.delete("/indicators/{indicator_id}", response={204: None, **ERRORS}, tags=TAGS)
def delete_indicator(request: HttpRequest, indicator_id: int = record_id()) -> Any:
    """作成中の版の指標を削除 / Delete an indicator of a draft edition."""
    actor = caller(request)
    indicator = _indicator(indicator_id, _organization(actor))
    indicator_writes.delete_indicator(
        actor=actor,
        indicator_id=indicator.pk,
        expected_version=expected_version(request, may_create=False),
    )
    return Status(204, None)


@router.post("/indicators/{indicator_id}/revisions", response=ok(s.IndicatorOut, 201), tags=TAGS)
def post_revision(
    request: HttpRequest, response: HttpResponse, body: RevisionIn, indicator_id: int = record_id()
) -> Any:
    """目標値を見直す（理由必須、見直し前の値は残る） / Revise a target (reason required)."""
    actor = caller(request)
    indicator = _indicator(indicator_id, _organization(actor))
    data = body.model_dump()
    data["from_fy"] = _fy(body.from_fy)
    data["decided_on"] = body.decided_on.isoformat() if body.decided_on else ""
    indicator_writes.revise_target(
        actor=actor,
        indicator_id=indicator.pk,
        data=data,
        expected_version=expected_version(request, may_create=False),
    )
    return Status(
        201, _out(response, _indicator(indicator.pk, indicator.project.plan.organization))
    )
