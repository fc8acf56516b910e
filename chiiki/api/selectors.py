"""Reads for the API: one queryset per list, filtered and in a stable order, with what its
schema needs loaded up front, so a page of 500 rows costs the same few queries as a page of 5.

Visibility is the site's: the plan structure, indicators, actuals, budgets and support figures
are public; evaluations, proposals and meetings are public once published, and the rest of
them is seen only by members of their organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from chiiki.accounts.access import membership_of
from chiiki.councils.models import Meeting
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual, Indicator, IndicatorListing
from chiiki.plans.models import (
    Bureau,
    Measure,
    Municipality,
    Organization,
    Plan,
    Program,
    ProgramBudget,
    ProgramSettlement,
    Project,
    Region,
    StaffUnitCost,
)
from chiiki.plans.selectors import with_costs
from chiiki.proposals.models import Proposal, Response
from chiiki.support.models import CooperationArea, SupportFigure


@dataclass(frozen=True)
class Filters:
    """Query filters of the list endpoints; None means "any"."""

    organization: str | None = None
    region: str | None = None
    bureau: str | None = None
    plan: str | None = None
    project: int | None = None
    indicator: int | None = None
    fy: int | None = None
    kind: str | None = None
    grade: str | None = None
    status: str | None = None


def _where(**pairs: Any) -> Q:
    """Q of the pairs whose value is given (a None filter adds no condition)."""
    return Q(**{k: v for k, v in pairs.items() if v is not None})


def member_organization_id(user: Any) -> int | None:
    membership = membership_of(user)
    return membership.organization_id if membership else None


def organizations() -> QuerySet[Organization]:
    return Organization.objects.order_by("code")


def regions(f: Filters) -> QuerySet[Region]:
    return (
        Region.objects.select_related("organization")
        .filter(_where(organization__slug=f.organization))
        .order_by("organization__code", "order", "pk")
    )


def bureaus(f: Filters) -> QuerySet[Bureau]:
    return (
        Bureau.objects.select_related("organization", "region")
        .filter(_where(organization__slug=f.organization, region__slug=f.region, kind=f.kind))
        .order_by("organization__code", "order", "pk")
    )


def municipalities(f: Filters) -> QuerySet[Municipality]:
    return (
        Municipality.objects.select_related("organization", "bureau")
        .filter(
            _where(
                organization__slug=f.organization,
                bureau__slug=f.bureau,
                bureau__region__slug=f.region,
            )
        )
        .order_by("code", "pk")
    )


def plans(f: Filters) -> QuerySet[Plan]:
    return (
        Plan.objects.select_related("organization")
        .filter(_where(organization__slug=f.organization, kind=f.kind))
        .order_by("organization__code", "kind", "-start_fy", "pk")
    )


def projects(f: Filters) -> QuerySet[Project]:
    return (
        Project.objects.select_related("plan", "region", "lead_bureau")
        .prefetch_related("other_bureaus")
        .filter(
            _where(
                plan__organization__slug=f.organization,
                plan__slug=f.plan,
                region__slug=f.region,
                lead_bureau__slug=f.bureau,
            )
        )
        .order_by("plan__organization__code", "plan_id", "order", "pk")
    )


def measures(f: Filters) -> QuerySet[Measure]:
    return Measure.objects.filter(
        _where(
            project__plan__organization__slug=f.organization,
            project__plan__slug=f.plan,
            project_id=f.project,
            project__lead_bureau__slug=f.bureau,
        )
    ).order_by("project_id", "order", "pk")


def programs(f: Filters) -> QuerySet[Program]:
    budgets = ProgramBudget.objects.order_by("fy")
    return (
        Program.objects.select_related("organization", "bureau")
        .prefetch_related(Prefetch("budgets", queryset=budgets))
        .filter(
            _where(
                organization__slug=f.organization,
                project__plan__slug=f.plan,
                project_id=f.project,
                bureau__slug=f.bureau,
                bureau__region__slug=f.region,
                kind=f.kind,
            )
        )
        .order_by("organization__code", "order", "pk")
    )


def _program_years(f: Filters) -> Q:
    """A program-year's filters (budgets, settlements): its program's place, and the FY."""
    return _where(
        program__organization__slug=f.organization,
        program__project__plan__slug=f.plan,
        program__project_id=f.project,
        program__bureau__slug=f.bureau,
        program__bureau__region__slug=f.region,
        fy=f.fy,
    )


def settlements(f: Filters) -> QuerySet[ProgramSettlement]:
    return with_costs(ProgramSettlement.objects.filter(_program_years(f))).order_by(
        "program_id", "fy", "pk"
    )


def staff_unit_costs(f: Filters) -> QuerySet[StaffUnitCost]:
    return StaffUnitCost.objects.filter(
        _where(organization__slug=f.organization, fy=f.fy)
    ).order_by("organization_id", "fy")


def budgets(f: Filters) -> QuerySet[ProgramBudget]:
    return ProgramBudget.objects.filter(_program_years(f)).order_by("program_id", "fy", "pk")


def indicators(f: Filters) -> QuerySet[Indicator]:
    """Indicators; ``project`` also finds those of other projects listed in its table."""
    in_project = (
        Q(project_id=f.project)
        | Q(pk__in=IndicatorListing.objects.filter(project_id=f.project).values("indicator_id"))
        if f.project is not None
        else Q()
    )
    return (
        Indicator.objects.select_related("project__plan")
        .prefetch_related("revisions", "year_targets", "listings")
        .filter(in_project)
        .filter(
            _where(
                project__plan__organization__slug=f.organization,
                project__plan__slug=f.plan,
                project__region__slug=f.region,
                project__lead_bureau__slug=f.bureau,
                kind=f.kind,
                grade=f.grade,
            )
        )
        .order_by("project__plan_id", "project__order", "project_id", "order", "pk")
    )


def indicator(pk: int) -> Indicator | None:
    return (
        Indicator.objects.select_related("project__plan")
        .prefetch_related(
            "revisions",
            "year_targets",
            "listings",
            Prefetch("actuals", queryset=Actual.objects.order_by("fy")),
        )
        .filter(pk=pk)
        .first()
    )


def actuals(f: Filters) -> QuerySet[Actual]:
    return Actual.published.filter(
        _where(
            indicator__project__plan__organization__slug=f.organization,
            indicator__project__plan__slug=f.plan,
            indicator__project_id=f.project,
            indicator__project__region__slug=f.region,
            indicator__project__lead_bureau__slug=f.bureau,
            indicator_id=f.indicator,
            fy=f.fy,
        )
    ).order_by("indicator_id", "fy", "pk")


def _public_unless_member(user: Any, published: Q, organization_field: str) -> Q:
    """Published rows for everyone, every row of the caller's own organization."""
    org_id = member_organization_id(user)
    if org_id is None:
        return published
    return published | Q(**{organization_field: org_id})


def evaluations(user: Any, f: Filters) -> QuerySet[Evaluation]:
    visible = _public_unless_member(
        user, Q(status=Evaluation.Status.PUBLISHED), "project__plan__organization_id"
    )
    return (
        Evaluation.objects.filter(visible)
        .filter(
            _where(
                project__plan__organization__slug=f.organization,
                project__plan__slug=f.plan,
                project_id=f.project,
                project__lead_bureau__slug=f.bureau,
                project__region__slug=f.region,
                fy=f.fy,
                status=f.status,
            )
        )
        .select_related("project__plan")
        .prefetch_related("program_reviews")
        .order_by("project_id", "-fy", "pk")
    )


def with_internal(user: Any, evaluations: list[Evaluation]) -> list[Evaluation]:
    """Mark which evaluations' internal notes the caller may read (members only)."""
    org_id = member_organization_id(user)
    for e in evaluations:
        e.internal_visible = org_id is not None and e.project.plan.organization_id == org_id  # type: ignore[attr-defined]
    return evaluations


def proposals(user: Any, f: Filters) -> QuerySet[Proposal]:
    visible = _public_unless_member(user, Q(published=True), "organization_id")
    return (
        Proposal.objects.filter(visible)
        .filter(
            _where(
                organization__slug=f.organization,
                bureaus__slug=f.bureau,
                fy=f.fy,
                status=f.status,
            )
        )
        .select_related("organization", "pillar")
        .prefetch_related(
            "bureaus",
            Prefetch("responses", queryset=Response.objects.select_related("department")),
        )
        .distinct()
        .order_by("organization__code", "-fy", "order", "pk")
    )


def meetings(user: Any, f: Filters) -> QuerySet[Meeting]:
    visible = _public_unless_member(user, Q(published=True), "organization_id")
    query = Meeting.objects.filter(visible).filter(
        _where(organization__slug=f.organization, bureau__slug=f.bureau, kind=f.kind)
    )
    if f.fy is not None:
        # A fiscal year runs April to March.
        query = query.filter(held_on__gte=f"{f.fy}-04-01", held_on__lt=f"{f.fy + 1}-04-01")
    return (
        query.select_related("bureau").prefetch_related("municipalities").order_by("-held_on", "pk")
    )


def support_figures(f: Filters) -> QuerySet[SupportFigure]:
    return (
        SupportFigure.objects.select_related("scheme")
        .filter(
            _where(
                scheme__organization__slug=f.organization,
                fy=f.fy,
                metric=f.kind,
            )
        )
        .order_by("scheme__order", "scheme_id", "fy", "metric", "pk")
    )


def cooperation_areas(f: Filters) -> QuerySet[CooperationArea]:
    return (
        CooperationArea.objects.select_related("organization")
        .prefetch_related("members")
        .filter(_where(organization__slug=f.organization, kind=f.kind))
        .order_by("organization__code", "order", "pk")
    )
