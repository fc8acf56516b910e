"""Writes for plan authoring: editions (create empty or copied forward, edit, adopt), their
projects, measures and programs. Indicators and targets are written by
chiiki.indicators.authoring.

Every function is the one write path for its kind of record (screens, API, imports): permission
(chiiki.accounts.access) → validation (ValidationError keyed by field, in the user's language)
→ lock and version check (StaleVersion) → store → audit (old and new values).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils.translation import gettext

from chiiki.accounts.access import (
    membership_of,
    require_add_project,
    require_author_edition,
    require_author_project,
)
from chiiki.accounts.models import HQ_ROLES
from chiiki.audit.services import record as audit
from chiiki.core.errors import ParseError, StaleVersion, check_version
from chiiki.core.fiscal import parse_fiscal_year
from chiiki.core.schemes import DEFAULT_SCHEME, schemes
from chiiki.i18n import parse_invalid, too_long
from chiiki.indicators.grading import recompute
from chiiki.indicators.models import (
    Contribution,
    Indicator,
    IndicatorListing,
    TargetRevision,
    YearTarget,
)
from chiiki.plans.models import (
    Bureau,
    EditionStatus,
    Measure,
    Organization,
    Plan,
    PlanSection,
    Program,
    Project,
    Region,
    RegionPlan,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class EditionConflict(StaleVersion):
    """The record was saved by someone else after the page was loaded; nothing was written."""


def stale(what: str) -> EditionConflict:
    return EditionConflict(
        gettext(
            "この{what}は、画面を開いた後に他の人が更新しました。"
            "最新の内容を確認してから、もう一度保存してください。"
        ).format(what=what)
    )


def text(data: dict[str, Any], name: str, *, limit: int, required: str = "") -> str:
    """A trimmed text field; ``required`` is the message when it is empty."""
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise ValidationError({name: required})
    refusal = too_long(value, limit)
    if refusal:
        raise ValidationError({name: refusal})
    return value


def fiscal_year(data: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    raw = data.get(name)
    if raw is None or str(raw).strip() == "":
        if required:
            raise ValidationError({name: gettext("年度を入力してください（例: R8、2026）")})
        return None
    try:
        return parse_fiscal_year(raw if isinstance(raw, int) else str(raw))
    except ParseError as exc:
        raise ValidationError({name: parse_invalid(exc)}) from None


def whole(data: dict[str, Any], name: str) -> int | None:
    raw = str(data.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 32767:
        raise ValidationError({name: gettext("0以上の整数で入力してください")})
    return int(raw)


def _slug(data: dict[str, Any], name: str = "slug") -> str:
    value = text(
        data, name, limit=60, required=gettext("識別子を入力してください（例: regional-policy-r8）")
    )
    if not SLUG_RE.match(value):
        raise ValidationError(
            {
                name: gettext(
                    "識別子は半角の英小文字・数字・ハイフンで入力してください（例: regional-policy-r8）"
                )
            }
        )
    return value


def _free_slug(taken: Iterable[str], stem: str) -> str:
    used = set(taken)
    n = 1
    while f"{stem}-{n}" in used:
        n += 1
    return f"{stem}-{n}"


def next_order(siblings: QuerySet[Any]) -> int:
    """The display order after the last of ``siblings`` (a new record goes to the end)."""
    return (siblings.aggregate(m=Max("order"))["m"] or 0) + 1


def new_slug(data: dict[str, Any], taken: Iterable[str], stem: str) -> str:
    """The identifier of a new record: the one given (``data["slug"]``, checked and unique
    among ``taken``), else the next free ``stem-N``."""
    if not str(data.get("slug") or "").strip():
        return _free_slug(taken, stem)
    slug = _slug(data)
    if slug in set(taken):
        raise ValidationError(
            {"slug": gettext("この識別子はすでに使われています: {slug}").format(slug=slug)}
        )
    return slug


# --------------------------------------------------------------------------- editions


@dataclass(frozen=True)
class Copied:
    sections: int = 0
    projects: int = 0
    measures: int = 0
    programs: int = 0
    indicators: int = 0


def grading_scheme(data: dict[str, Any], default: str) -> str:
    """The grading scheme named (a built-in one or one the installation added)."""
    name = str(data.get("grading_scheme") or default)
    if name not in schemes():
        raise ValidationError(
            {
                "grading_scheme": gettext(
                    "評価区分が見つかりません: {name}（使える区分: {names}）"
                ).format(name=name, names="、".join(schemes()))
            }
        )
    return name


def _edition_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "edition": text(
            data, "edition", limit=20, required=gettext("版を入力してください（例: R8）")
        ),
        "title": text(data, "title", limit=100, required=gettext("計画の名称を入力してください")),
        "start_fy": fiscal_year(data, "start_fy", required=True),
        "end_fy": fiscal_year(data, "end_fy"),
        "period_note": text(data, "period_note", limit=200),
        "summary": text(data, "summary", limit=5000),
    }
    if fields["end_fy"] is not None and fields["end_fy"] < fields["start_fy"]:
        raise ValidationError({"end_fy": gettext("終了年度は開始年度以降にしてください")})
    return fields


def _edition_snapshot(plan: Plan) -> dict[str, Any]:
    return {
        "slug": plan.slug,
        "edition": plan.edition,
        "title": plan.title,
        "start_fy": plan.start_fy,
        "end_fy": plan.end_fy,
        "period_note": plan.period_note,
        "status": plan.status,
        "grading_scheme": plan.grading_scheme,
        "version": plan.version,
    }


@transaction.atomic
def create_edition(
    *, actor: Any, organization: Organization, data: dict[str, Any], copy_from: int | None = None
) -> Plan:
    """A new draft edition: empty, or a copy of edition ``copy_from`` (its sections, regions'
    texts, projects, measures, programs and indicators with their targets; not its actuals,
    budgets or evaluations). A carried-over indicator keeps a link to its predecessor."""
    source = None
    if copy_from is not None:
        # an adopted (or superseded) edition: a draft is not copied forward
        source = Plan.objects.filter(organization=organization, pk=copy_from).first()
        if source is None:
            raise ValidationError(
                {"copy_from": gettext("もとにする版が見つかりません（策定済みの版から作ります）")}
            )
    probe = Plan(organization=organization, status=EditionStatus.DRAFT)
    require_author_edition(actor, probe)
    slug = _slug(data)
    fields = _edition_fields(data)
    kind = source.kind if source else str(data.get("kind") or "")
    if kind not in Plan.Kind.values:
        raise ValidationError({"kind": gettext("計画の種別を選んでください")})
    if Plan.with_drafts.filter(organization=organization, slug=slug).exists():
        raise ValidationError(
            {"slug": gettext("この識別子の計画はすでにあります: {slug}").format(slug=slug)}
        )
    plan = Plan.with_drafts.create(
        organization=organization,
        slug=slug,
        kind=kind,
        status=EditionStatus.DRAFT,
        predecessor=source,
        grading_scheme=grading_scheme(data, source.grading_scheme if source else DEFAULT_SCHEME),
        declared_project_total=None,
        **fields,
    )
    copied = _copy_into(source, plan) if source else Copied()
    audit(
        actor=actor,
        action="plan.edition.created",
        object_type="plan",
        object_id=plan.pk,
        summary=f"{plan}（作成中）" + (f" ← {source}" if source else ""),
        old=None,
        new={
            **_edition_snapshot(plan),
            "copied_from": source.slug if source else None,
            **copied.__dict__,
        },
    )
    return plan


def _copy_into(source: Plan, plan: Plan) -> Copied:
    sections = [
        PlanSection(plan=plan, slug=s.slug, title=s.title, description=s.description, order=s.order)
        for s in PlanSection.with_drafts.filter(plan=source)
    ]
    PlanSection.objects.bulk_create(sections)
    RegionPlan.objects.bulk_create(
        RegionPlan(
            plan=plan,
            region_id=rp.region_id,
            vision=rp.vision,
            efforts_and_issues=rp.efforts_and_issues,
            directions=rp.directions,
        )
        for rp in RegionPlan.with_drafts.filter(plan=source)
    )
    projects: dict[int, Project] = {}
    programs: dict[int, Program] = {}
    n_measures = n_programs = n_indicators = 0
    taken_programs = set(
        Program.with_drafts.filter(organization=plan.organization).values_list("slug", flat=True)
    )
    for old in Project.with_drafts.filter(plan=source).prefetch_related("other_bureaus"):
        new = Project.with_drafts.create(
            plan=plan,
            slug=old.slug,
            number=old.number,
            name=old.name,
            region_id=old.region_id,
            lead_bureau_id=old.lead_bureau_id,
            lead_bureau_inferred=old.lead_bureau_inferred,
            theme=old.theme,
            theme_inferred=old.theme_inferred,
            summary=old.summary,
            is_example=old.is_example,
            order=old.order,
        )
        new.other_bureaus.set(old.other_bureaus.all())
        projects[old.pk] = new
        measures = [
            Measure(
                project=new, group=m.group, title=m.title, description=m.description, order=m.order
            )
            for m in Measure.with_drafts.filter(project=old)
        ]
        Measure.objects.bulk_create(measures)
        n_measures += len(measures)
        for p in Program.with_drafts.filter(project=old):
            slug = _carried_slug(p.slug, plan.slug, taken_programs)
            taken_programs.add(slug)
            programs[p.pk] = Program.with_drafts.create(
                organization=plan.organization,
                slug=slug,
                kind=p.kind,
                project=new,
                bureau_id=p.bureau_id,
                name=p.name,
                description=p.description,
                purpose=p.purpose,
                target_group=p.target_group,
                order=p.order,
            )
            n_programs += 1
    indicators: dict[int, Indicator] = {}
    olds = (
        Indicator.with_drafts.filter(project__plan=source)
        .prefetch_related("revisions", "year_targets")
        .order_by(F("parent_id").asc(nulls_first=True), "pk")  # an indicator before its series
    )
    for old in olds:
        new_indicator = Indicator.with_drafts.create(
            project=projects[old.project_id],
            program=programs[old.program_id] if old.program_id else None,
            slug=old.slug,
            kind=old.kind,
            name=old.name,
            name_status=old.name_status,
            name_note=old.name_note,
            unit=old.unit,
            decimal_places=old.decimal_places,
            direction=old.direction,
            method=old.method,
            national_source=old.national_source,
            baseline_value=old.baseline_value,
            baseline_fy=old.baseline_fy,
            target_kind=old.target_kind,
            target_value=old.target_value,
            target_fy=old.target_fy,
            target_first_fy=old.target_first_fy,
            actuals_cumulative=old.actuals_cumulative,
            is_main=old.is_main,
            order=old.order,
            predecessor=old,
            parent=indicators[old.parent_id] if old.parent_id else None,
            series_name=old.series_name,
        )
        indicators[old.pk] = new_indicator
        TargetRevision.objects.bulk_create(
            TargetRevision(
                indicator=new_indicator,
                original_value=r.original_value,
                revised_value=r.revised_value,
                target_fy=r.target_fy,
                revised_fy=r.revised_fy,
                reason=r.reason,
                decided_on=r.decided_on,
                decided_by=r.decided_by,
                order=r.order,
            )
            for r in old.revisions.all()
        )
        YearTarget.objects.bulk_create(
            YearTarget(indicator=new_indicator, fy=t.fy, kind=t.kind, value=t.value)
            for t in old.year_targets.all()
        )
        n_indicators += 1
    IndicatorListing.objects.bulk_create(
        IndicatorListing(
            indicator=indicators[listing.indicator_id],
            project=projects[listing.project_id],
            order=listing.order,
        )
        for listing in IndicatorListing.with_drafts.filter(project__plan=source)
        if listing.indicator_id in indicators
    )
    Contribution.objects.bulk_create(
        Contribution(
            program=programs[c.program_id],
            indicator=indicators[c.indicator_id],
            assumption=c.assumption,
        )
        for c in Contribution.with_drafts.filter(indicator__project__plan=source)
        if c.program_id in programs and c.indicator_id in indicators
    )
    return Copied(len(sections), len(projects), n_measures, n_programs, n_indicators)


def _carried_slug(slug: str, plan_slug: str, taken: set[str]) -> str:
    """A program's identifier in the new edition (identifiers are unique per prefecture)."""
    stem = f"{slug}--{plan_slug}"[:76]
    return stem if stem not in taken else _free_slug(taken, stem[:72])


def _locked_plan(plan_id: int) -> Plan:
    plan = Plan.with_drafts.select_for_update(of=("self",)).filter(pk=plan_id).first()
    if plan is None:
        raise ValidationError({"plan": gettext("計画が見つかりません")})
    return plan


@transaction.atomic
def save_edition(
    *, actor: Any, plan_id: int, data: dict[str, Any], expected_version: int | None
) -> Plan:
    """Edit an edition's name, period and summary."""
    plan = _locked_plan(plan_id)
    require_author_edition(actor, plan)
    fields = _edition_fields(data)
    fields["grading_scheme"] = grading_scheme(data, plan.grading_scheme)
    check_version(plan.version, expected_version, lambda: stale(gettext("計画")))
    old = _edition_snapshot(plan)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.version += 1
    plan.save()
    if old["grading_scheme"] != plan.grading_scheme:
        recompute(Indicator.with_drafts.filter(project__plan=plan).values_list("pk", flat=True))
    audit(
        actor=actor,
        action="plan.edition.saved",
        object_type="plan",
        object_id=plan.pk,
        summary=str(plan),
        old=old,
        new=_edition_snapshot(plan),
    )
    return plan


@transaction.atomic
def adopt_edition(*, actor: Any, plan_id: int, expected_version: int | None) -> Plan:
    """Adopt a draft edition: it becomes public (pages, reports, open data, API, collection
    rounds) and the edition it was copied from, if adopted, becomes history (superseded)."""
    plan = _locked_plan(plan_id)
    require_author_edition(actor, plan)
    check_version(plan.version, expected_version, lambda: stale(gettext("計画")))
    if not plan.is_draft:
        raise ValidationError({"status": gettext("この計画はすでに策定済みです")})
    if not Project.with_drafts.filter(plan=plan).exists():
        raise ValidationError(
            {"status": gettext("プロジェクトが1つもありません。追加してから策定してください")}
        )
    old = _edition_snapshot(plan)
    plan.status = EditionStatus.ADOPTED
    plan.version += 1
    plan.save()
    superseded = None
    if plan.predecessor_id is not None:
        predecessor = _locked_plan(plan.predecessor_id)
        if predecessor.status == EditionStatus.ADOPTED:
            predecessor.status = EditionStatus.SUPERSEDED
            predecessor.version += 1
            predecessor.save()
            superseded = predecessor.slug
    audit(
        actor=actor,
        action="plan.edition.adopted",
        object_type="plan",
        object_id=plan.pk,
        summary=f"{plan}を策定" + (f"（{plan.predecessor}は次の版に移行）" if superseded else ""),
        old=old,
        new={**_edition_snapshot(plan), "superseded": superseded},
    )
    return plan


@transaction.atomic
def save_section(
    *,
    actor: Any,
    plan_id: int,
    data: dict[str, Any],
    expected_version: int | None,
    section_id: int | None = None,
) -> Plan:
    """Add or edit one of the edition's sections (地域のめざす姿, 主な施策の展開方向 …): its
    heading and what it holds. Part of the edition: checked against, and bumps, its version."""
    plan = _locked_plan(plan_id)
    require_author_edition(actor, plan)
    check_version(plan.version, expected_version, lambda: stale(gettext("計画")))
    sections = PlanSection.with_drafts.filter(plan=plan)
    section = sections.filter(pk=section_id).first() if section_id is not None else None
    if section_id is not None and section is None:
        raise ValidationError({"section": gettext("計画の構成が見つかりません")})
    old = {"title": section.title, "description": section.description} if section else None
    title = text(data, "title", limit=100, required=gettext("見出しを入力してください"))
    description = text(data, "description", limit=5000)
    if section is None:
        section = PlanSection(
            plan=plan,
            slug=_free_slug(sections.values_list("slug", flat=True), "section"),
            order=next_order(sections),
        )
    section.title, section.description = title, description
    section.save()
    plan.version += 1
    plan.save(update_fields=["version"])
    audit(
        actor=actor,
        action="plan.edition.saved",
        object_type="plan",
        object_id=plan.pk,
        summary=f"{plan} {title}",
        old=old,
        new={"title": title, "description": description, "version": plan.version},
    )
    return plan


REGION_TEXTS = ("vision", "efforts_and_issues", "directions")


@transaction.atomic
def save_region_texts(
    *, actor: Any, plan_id: int, region_id: int, data: dict[str, Any], expected_version: int | None
) -> Plan:
    """A region's part of the edition: 地域のめざす姿, これまでの取組と課題, 主な施策の展開方向."""
    plan = _locked_plan(plan_id)
    require_author_edition(actor, plan)
    check_version(plan.version, expected_version, lambda: stale(gettext("計画")))
    region = Region.objects.filter(organization_id=plan.organization_id, pk=region_id).first()
    if region is None:
        raise ValidationError({"region": gettext("連携地域が見つかりません")})
    part = RegionPlan.with_drafts.filter(plan=plan, region=region).first()
    old = {k: getattr(part, k) for k in REGION_TEXTS} if part else None
    if part is None:
        part = RegionPlan(plan=plan, region=region)
    for name in REGION_TEXTS:
        setattr(part, name, text(data, name, limit=10000))
    part.save()
    plan.version += 1
    plan.save(update_fields=["version"])
    audit(
        actor=actor,
        action="plan.edition.saved",
        object_type="plan",
        object_id=plan.pk,
        summary=f"{plan} {region.name}",
        old=old,
        new={**{k: getattr(part, k) for k in REGION_TEXTS}, "version": plan.version},
    )
    return plan


# --------------------------------------------------------------------------- projects


def _project_snapshot(project: Project) -> dict[str, Any]:
    return {
        "slug": project.slug,
        "number": project.number,
        "name": project.name,
        "region": project.region.name if project.region_id else None,
        "lead_bureau": project.lead_bureau.name if project.lead_bureau_id else None,
        "other_bureaus": sorted(b.short_name for b in project.other_bureaus.all()),
        "theme": project.theme,
        "summary": project.summary,
        "order": project.order,
        "version": project.version,
    }


def _project_fields(actor: Any, plan: Plan, data: dict[str, Any]) -> dict[str, Any]:
    org = plan.organization_id
    lead = None
    if data.get("lead_bureau"):
        lead = Bureau.objects.filter(organization_id=org, pk=data["lead_bureau"]).first()
        if lead is None:
            raise ValidationError({"lead_bureau": gettext("主担当の振興局が見つかりません")})
    membership = membership_of(actor)
    if membership is not None and membership.role not in HQ_ROLES:
        # a bureau editor drafts the projects their own bureau leads
        if lead is None or lead.pk != membership.bureau_id:
            raise ValidationError(
                {
                    "lead_bureau": gettext("主担当は自分の振興局にしてください（{bureau}）").format(
                        bureau=membership.bureau.name if membership.bureau_id else "—"
                    )
                }
            )
    region = None
    if data.get("region"):
        region = Region.objects.filter(organization_id=org, pk=data["region"]).first()
        if region is None:
            raise ValidationError({"region": gettext("連携地域が見つかりません")})
    if lead is not None:
        if region is not None and region.pk != lead.region_id:
            raise ValidationError(
                {
                    "region": gettext(
                        "プロジェクトは主担当の振興局が属する連携地域に数えます（{bureau}は{region}）"
                    ).format(bureau=lead.name, region=lead.region.name)
                }
            )
        region = lead.region
    if plan.kind == Plan.Kind.REGIONAL_POLICY and region is None:
        raise ValidationError({"region": gettext("連携地域または主担当の振興局を選んでください")})
    others = list(
        Bureau.objects.filter(organization_id=org, pk__in=data.get("other_bureaus") or [])
    )
    if lead is not None:
        others = [b for b in others if b.pk != lead.pk]
    return {
        "name": text(data, "name", limit=200, required=gettext("プロジェクト名を入力してください")),
        "number": whole(data, "number"),
        "theme": text(data, "theme", limit=200),
        "summary": text(data, "summary", limit=5000),
        **({"order": whole(data, "order") or 0} if str(data.get("order") or "").strip() else {}),
        "region": region,
        "lead_bureau": lead,
        "others": others,
    }


@transaction.atomic
def save_project(
    *,
    actor: Any,
    plan_id: int,
    data: dict[str, Any],
    project_id: int | None = None,
    expected_version: int | None = None,
) -> Project:
    """Add a project to an edition (``project_id`` None) or edit one. A bureau editor adds and
    edits, in a draft edition, the projects their bureau leads."""
    plan = _locked_plan(plan_id)
    if project_id is None:
        require_add_project(actor, plan)
        project = Project(plan=plan)
        old = None
    else:
        found = Project.with_drafts.select_for_update(of=("self",)).filter(plan=plan, pk=project_id)
        project = found.select_related("plan", "region", "lead_bureau").first()
        if project is None:
            raise ValidationError({"project": gettext("プロジェクトが見つかりません")})
        require_author_project(actor, project)
        check_version(project.version, expected_version, lambda: stale(gettext("プロジェクト")))
        old = _project_snapshot(project)
    fields = _project_fields(actor, plan, data)
    others = fields.pop("others")
    for name, value in fields.items():
        setattr(project, name, value)
    if project_id is None:
        siblings = Project.with_drafts.filter(plan=plan)
        project.slug = new_slug(data, siblings.values_list("slug", flat=True), "project")
        if "order" not in fields:
            project.order = next_order(siblings)
    project.version += 1
    project.save()
    project.other_bureaus.set(others)
    audit(
        actor=actor,
        action="plan.project.created" if old is None else "plan.project.saved",
        object_type="project",
        object_id=project.pk,
        summary=f"{plan} {project.name}",
        old=old,
        new=_project_snapshot(project),
    )
    return project


def locked_project(project_id: int) -> Project:
    """A project of any edition, locked for a write to it or to its parts."""
    project = (
        Project.with_drafts.select_for_update(of=("self",))
        .select_related("plan", "region", "lead_bureau")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise ValidationError({"project": gettext("プロジェクトが見つかりません")})
    return project


@transaction.atomic
def delete_project(*, actor: Any, project_id: int, expected_version: int | None) -> None:
    """Remove a project from a draft edition, with its measures, programs and indicators."""
    project = locked_project(project_id)
    require_author_project(actor, project)
    check_version(project.version, expected_version, lambda: stale(gettext("プロジェクト")))
    if not project.plan.is_draft:
        raise ValidationError(
            {
                "project": gettext(
                    "策定済みの計画のプロジェクトは削除できません（記録として残します）"
                )
            }
        )
    old = _project_snapshot(project)
    Program.with_drafts.filter(project=project).delete()
    project.delete()
    audit(
        actor=actor,
        action="plan.project.deleted",
        object_type="project",
        object_id=project_id,
        summary=f"{project.plan} {old['name']}",
        old=old,
        new=None,
    )


# --------------------------------------------------------------------------- measures


def _measures(project: Project) -> list[Measure]:
    return list(Measure.with_drafts.filter(project=project).order_by("order", "pk"))


def _measure_fields(data: dict[str, Any]) -> dict[str, str]:
    return {
        "title": text(data, "title", limit=300, required=gettext("施策を入力してください")),
        "group": text(data, "group", limit=200),
        "description": text(data, "description", limit=5000),
    }


def _measure_list(measures: list[Measure]) -> list[dict[str, str]]:
    return [{"group": m.group, "title": m.title, "description": m.description} for m in measures]


@transaction.atomic
def save_measure(
    *,
    actor: Any,
    project_id: int,
    data: dict[str, Any],
    expected_version: int | None,
    measure_id: int | None = None,
    delete: bool = False,
    move: int = 0,
) -> Project:
    """Add, edit, delete or move (``move`` −1 up, +1 down) one of a project's measures. The
    measures are the project's ordered list: every change is checked against, and bumps, the
    project's version and is audited as the list before and after."""
    project = locked_project(project_id)
    require_author_project(actor, project)
    check_version(project.version, expected_version, lambda: stale(gettext("プロジェクト")))
    measures = _measures(project)
    before = _measure_list(measures)
    target = None
    if measure_id is not None:
        target = next((m for m in measures if m.pk == measure_id), None)
        if target is None:
            raise ValidationError({"measure": gettext("施策が見つかりません")})
    if delete and target is not None:
        target.delete()
        measures.remove(target)
    elif move and target is not None:
        i = measures.index(target)
        j = i + (1 if move > 0 else -1)
        if 0 <= j < len(measures):
            measures[i], measures[j] = measures[j], measures[i]
    else:
        fields = _measure_fields(data)
        if target is None:
            target = Measure(project=project)
            measures.append(target)
        target.title, target.group = fields["title"], fields["group"]
        target.description = fields["description"]
    for order, m in enumerate(measures, start=1):
        m.order = order
        m.save()
    project.version += 1
    project.save(update_fields=["version"])
    audit(
        actor=actor,
        action="plan.measures.saved",
        object_type="project",
        object_id=project.pk,
        summary=f"{project.name}の施策",
        old={"measures": before},
        new={"measures": _measure_list(measures), "version": project.version},
    )
    return project


@transaction.atomic
def replace_measures(
    *, actor: Any, project_id: int, measures: list[dict[str, Any]], expected_version: int | None
) -> Project:
    """Set a project's measures to ``measures`` (group, title, description), in that order: the
    whole list at once, as the plan-structure workbook gives it (one audit entry)."""
    project = locked_project(project_id)
    require_author_project(actor, project)
    check_version(project.version, expected_version, lambda: stale(gettext("プロジェクト")))
    current = _measures(project)
    before = _measure_list(current)
    rows = []
    for i, row in enumerate(measures, start=1):
        try:
            rows.append(_measure_fields(row))
        except ValidationError as exc:
            raise ValidationError(
                {f"measures.{i}.{k}": v for k, v in exc.message_dict.items()}
            ) from None
    Measure.with_drafts.filter(project=project).delete()
    Measure.objects.bulk_create(
        Measure(project=project, order=order, **row) for order, row in enumerate(rows, start=1)
    )
    project.version += 1
    project.save(update_fields=["version"])
    audit(
        actor=actor,
        action="plan.measures.saved",
        object_type="project",
        object_id=project.pk,
        summary=f"{project.name}の施策",
        old={"measures": before},
        new={"measures": rows, "version": project.version},
    )
    return project


# --------------------------------------------------------------------------- programs


def _program_snapshot(program: Program) -> dict[str, Any]:
    return {
        "slug": program.slug,
        "name": program.name,
        "kind": program.kind,
        "bureau": program.bureau.name if program.bureau_id else None,
        "description": program.description,
        "purpose": program.purpose,
        "target_group": program.target_group,
        "version": program.version,
    }


@transaction.atomic
def save_program(
    *,
    actor: Any,
    project_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
    program_id: int | None = None,
) -> Program:
    """Add a program (事業) to a project or edit one: its name, kind, running bureau,
    description, purpose and target group. Budgets are figures, entered through budgets and
    collection rounds."""
    project = locked_project(project_id)
    require_author_project(actor, project)
    org = project.plan.organization_id
    if program_id is None:
        program = Program(organization_id=org, project=project)
        old = None
    else:
        found = Program.with_drafts.select_for_update(of=("self",)).filter(
            project=project, pk=program_id
        )
        program = found.select_related("bureau").first()
        if program is None:
            raise ValidationError({"program": gettext("事業が見つかりません")})
        check_version(program.version, expected_version, lambda: stale(gettext("事業")))
        old = _program_snapshot(program)
    name = text(data, "name", limit=200, required=gettext("事業名を入力してください"))
    kind = str(data.get("kind") or Program.Kind.PROJECT)
    if kind not in Program.Kind.values:
        raise ValidationError({"kind": gettext("事業の種別を選んでください")})
    bureau = None
    if data.get("bureau"):
        bureau = Bureau.objects.filter(organization_id=org, pk=data["bureau"]).first()
        if bureau is None:
            raise ValidationError({"bureau": gettext("実施する振興局が見つかりません")})
    program.name, program.kind, program.bureau = name, kind, bureau
    program.description = text(data, "description", limit=5000)
    # (the plan-structure workbook has no columns for these: absent, they stay as they are)
    if "purpose" in data:
        program.purpose = text(data, "purpose", limit=2000)
    if "target_group" in data:
        program.target_group = text(data, "target_group", limit=200)
    if program_id is None:
        taken = Program.with_drafts.filter(organization_id=org).values_list("slug", flat=True)
        program.slug = new_slug(data, taken, f"{project.plan.slug}-program")
        siblings = Program.with_drafts.filter(project=project)
        program.order = next_order(siblings)
    program.version += 1
    program.save()
    audit(
        actor=actor,
        action="plan.program.created" if old is None else "plan.program.saved",
        object_type="program",
        object_id=program.pk,
        summary=f"{project.name} {program.name}",
        old=old,
        new=_program_snapshot(program),
    )
    return program


@transaction.atomic
def delete_program(
    *, actor: Any, project_id: int, program_id: int, expected_version: int | None
) -> None:
    """Remove a program that has no budgets (a program with budgets is a record: keep it)."""
    project = locked_project(project_id)
    require_author_project(actor, project)
    program = (
        Program.with_drafts.select_for_update(of=("self",))
        .select_related("bureau")
        .filter(project=project, pk=program_id)
        .first()
    )
    if program is None:
        raise ValidationError({"program": gettext("事業が見つかりません")})
    check_version(program.version, expected_version, lambda: stale(gettext("事業")))
    if program.budgets.exists():
        raise ValidationError({"program": gettext("予算額が記録された事業は削除できません")})
    old = _program_snapshot(program)
    program.delete()
    audit(
        actor=actor,
        action="plan.program.deleted",
        object_type="program",
        object_id=program_id,
        summary=f"{project.name} {old['name']}",
        old=old,
        new=None,
    )
