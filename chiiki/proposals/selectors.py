"""Reads for policy proposals: the 対応状況 report, one proposal with its timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from chiiki.accounts.access import (
    can_answer,
    can_edit_proposal,
    can_file_proposal,
    can_read_internal_org,
    can_read_proposal,
    can_route_proposal,
)
from chiiki.audit.models import AuditEntry
from chiiki.plans.models import Bureau, Municipality, Organization, Program
from chiiki.proposals.models import (
    Department,
    PolicyPillar,
    Proposal,
    ProposalBureau,
    Response,
)


def visible_proposals(org: Organization, user: Any) -> QuerySet[Proposal]:
    """Published proposals for the public; every proposal for members of the organization."""
    proposals = Proposal.objects.filter(organization=org)
    if not can_read_internal_org(user, org):
        proposals = proposals.filter(published=True)
    return proposals


def _with_details(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return proposals.select_related(
        "pillar", "pillar__parent", "lead_bureau", "source"
    ).prefetch_related(
        Prefetch(
            "bureau_links",
            queryset=ProposalBureau.objects.select_related("bureau").order_by("order"),
        ),
        Prefetch(
            "responses",
            queryset=Response.objects.select_related("department", "program").order_by(
                "order", "pk"
            ),
        ),
    )


def proposal_report(org: Organization, user: Any, fy: int | None = None) -> dict[str, Any]:
    """「振興局からの政策提案の対応状況」: one FY's proposals by pillar, with the reflections."""
    visible = visible_proposals(org, user)
    fys = sorted(set(visible.values_list("fy", flat=True)), reverse=True)
    if fy is None and fys:
        fy = fys[0]
    proposals = list(_with_details(visible.filter(fy=fy)).order_by("order", "pk"))
    pillars = list(
        PolicyPillar.objects.filter(organization=org).select_related("parent").order_by("order")
    )
    groups: list[dict[str, Any]] = []
    for top in (p for p in pillars if p.parent_id is None):
        rows = []
        for pillar in [top] + [p for p in pillars if p.parent_id == top.pk]:
            items = [p for p in proposals if p.pillar_id == pillar.pk]
            if items:
                rows.append({"pillar": pillar, "proposals": items})
        if rows:
            groups.append(
                {"pillar": top, "rows": rows, "size": sum(len(r["proposals"]) for r in rows)}
            )
    unfiled = [p for p in proposals if p.pillar_id is None]
    if unfiled:
        groups.append(
            {
                "pillar": None,
                "rows": [{"pillar": None, "proposals": unfiled}],
                "size": len(unfiled),
            }
        )
    counts = {status: 0 for status in Response.Status.values}
    for p in proposals:
        for r in p.responses.all():
            counts[r.status] += 1
    return {
        "fy": fy,
        "fys": fys,
        "groups": groups,
        "proposal_count": len(proposals),
        "joint_count": sum(1 for p in proposals if len(p.ordered_bureaus) > 1),
        "response_counts": counts,
        "internal": can_read_internal_org(user, org),
        "may_file": can_file_proposal(user, org),
    }


def get_proposal(org: Organization, user: Any, pk: int) -> Proposal:
    """The proposal with its bureaus and responses, if the user may read it; else 404."""
    proposal = _with_details(Proposal.objects.filter(organization=org, pk=pk)).first()
    if proposal is None or not can_read_proposal(user, proposal):
        raise Http404("政策提案が見つかりません")
    return proposal


def proposal_page(org: Organization, user: Any, pk: int) -> dict[str, Any]:
    proposal = get_proposal(org, user, pk)
    responses = list(proposal.responses.all())
    timeline = (
        AuditEntry.objects.filter(object_type="proposal", object_id=str(proposal.pk))
        .select_related("actor")
        .order_by("at", "pk")
        if can_read_internal_org(user, org)
        else AuditEntry.objects.none()
    )
    routable = can_route_proposal(user, proposal)
    editable = can_edit_proposal(user, proposal)
    return {
        "proposal": proposal,
        "responses": responses,
        "answerable": [r for r in responses if can_answer(user, r)],
        "timeline": list(timeline),
        "actions": {
            "edit": editable,
            "submit": editable and proposal.status == "draft",
            "route": routable and proposal.status in ("submitted", "routed"),
            "publish": routable and proposal.status == "answered" and not proposal.published,
        },
        "departments": list(Department.objects.filter(organization=org).order_by("order")),
        "programs": list(
            Program.objects.filter(organization=org)
            .select_related("bureau")
            .order_by("bureau__order", "order")
        ),
        "response_statuses": [
            (value, label) for value, label in Response.Status.choices if value != "pending"
        ],
        "internal": can_read_internal_org(user, org),
    }


def proposal_form_choices(org: Organization) -> dict[str, Any]:
    return {
        "pillars": list(
            PolicyPillar.objects.filter(organization=org).select_related("parent").order_by("order")
        ),
        "bureaus": list(Bureau.objects.filter(organization=org).order_by("order")),
        "municipalities": list(
            Municipality.objects.filter(organization=org).select_related("bureau").order_by("code")
        ),
    }


def responses_for_program(org: Organization, user: Any, program: Program) -> list[Response]:
    """Answers that name the program: public when their proposal is published."""
    responses = Response.objects.filter(program=program).select_related(
        "proposal", "department", "proposal__lead_bureau"
    )
    if not can_read_internal_org(user, org):
        responses = responses.filter(proposal__published=True)
    return list(responses.order_by("-proposal__fy", "pk"))


def proposals_naming(org: Organization, user: Any, municipality: Municipality) -> list[Proposal]:
    visible = visible_proposals(org, user)
    return list(
        visible.filter(Q(municipalities=municipality))
        .select_related("lead_bureau")
        .order_by("-fy", "order", "pk")
        .distinct()
    )
