"""Pages that gather records from several apps: one program, one municipality."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from chiiki.accounts.access import (
    can_author_project,
    can_edit_program,
    can_read_internal,
    can_read_internal_org,
)
from chiiki.councils.models import Meeting
from chiiki.evaluations.models import Evaluation, ProgramReview
from chiiki.plans.models import Municipality, Organization, Program, Project
from chiiki.plans.selectors import COST_PREFETCH, contributable, cost_years, program_results
from chiiki.proposals.selectors import proposals_naming, responses_for_program
from chiiki.support.models import GrantAward, StaffDispatch
from chiiki.web.logic_model import columns, logic_model_svg


def program_page(org: Organization, user: Any, pk: int) -> dict[str, Any]:
    """One program: its money by FY (budget, settlement, staff time, full cost) and the
    proposals reflected into it."""
    program = (
        Program.objects.filter(organization=org, pk=pk)
        .select_related("bureau", "project", "project__plan", "source")
        .prefetch_related(*COST_PREFETCH)
        .first()
    )
    if program is None:
        raise Http404("事業が見つかりません")
    years = cost_years([program])[program.pk]
    results = program_results(program, years)
    stages = columns(years, results)
    svg = logic_model_svg(stages, gettext("{name}のロジックモデル").format(name=program.name))
    project = program.project
    may_author = project is not None and can_author_project(user, project)
    reviews = ProgramReview.objects.filter(program=program).select_related("evaluation")
    if project is None or not can_read_internal(user, project):
        reviews = reviews.filter(evaluation__status=Evaluation.Status.PUBLISHED)
    return {
        "reviews": list(reviews.order_by("-evaluation__fy")),
        "program": program,
        "cost_years": years,
        "has_funding": any(y.funding for y in years),
        "has_notes": any(y.note for y in years),
        "settlement_versions": {s.fy: s.version for s in program.settlements.all()},
        "may_edit": can_edit_program(user, program),
        "may_author": may_author,
        # the KPIs it may declare a contribution to: its project's own and those listed in it
        "contributable": contributable(project) if may_author and project else [],
        "stages": stages,
        "logic_svg": mark_safe(svg),  # noqa: S308  # nosec B308 B703  # every text escaped
        **results,
        "responses": responses_for_program(org, user, program),
    }


def municipality_page(org: Organization, user: Any, code: str) -> dict[str, Any]:
    """Everything touching one municipality."""
    municipality = (
        Municipality.objects.filter(organization=org, code=code)
        .select_related("bureau", "bureau__region")
        .first()
    )
    if municipality is None:
        raise Http404("市町村が見つかりません")
    bureau = municipality.bureau
    projects = list(
        Project.objects.filter(Q(lead_bureau=bureau) | Q(other_bureaus=bureau))
        .select_related("plan", "lead_bureau")
        .distinct()
        .order_by("plan__slug", "order")
    )
    meetings = Meeting.objects.filter(municipalities=municipality).select_related("bureau")
    if not can_read_internal_org(user, org):
        meetings = meetings.filter(published=True)
    return {
        "municipality": municipality,
        "bureau": bureau,
        "projects": projects,
        "areas": list(municipality.cooperation_areas.prefetch_related("members").order_by("order")),
        "awards": list(
            GrantAward.objects.filter(municipality=municipality).select_related("scheme")
        ),
        "dispatches": list(StaffDispatch.objects.filter(municipality=municipality)),
        "proposals": proposals_naming(org, user, municipality),
        "meetings": list(meetings.order_by("-held_on")),
    }
