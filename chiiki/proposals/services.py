"""Writes for policy proposals: a bureau files (alone or jointly), HQ routes it to departments,
each department answers how it was reflected, HQ publishes. Every step checks permission
first, refuses a stale form, and leaves an audit entry (the proposal's timeline)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from chiiki.accounts.access import (
    require_answer,
    require_edit_proposal,
    require_file_proposal,
    require_route_proposal,
)
from chiiki.accounts.models import Role
from chiiki.audit.services import record as audit
from chiiki.core.errors import ParseError, StaleVersion, check_version
from chiiki.core.fiscal import format_fiscal_year, parse_fiscal_year
from chiiki.core.text import plain_lines, strip_tags
from chiiki.i18n import parse_invalid
from chiiki.plans.models import Bureau, Municipality, Organization, Program, ProgramBudget
from chiiki.proposals.models import Department, PolicyPillar, Proposal, Response


class ProposalError(Exception):
    """A step that cannot be taken in the proposal's current state."""


class StaleProposal(StaleVersion, ProposalError):
    """Someone changed the proposal (or answer) after the form was opened."""


def _stale() -> StaleProposal:
    return StaleProposal(
        gettext("画面を開いた後に他の人が更新しました。画面を開き直して内容を確認してください。")
    )


def _snapshot(p: Proposal) -> dict[str, Any]:
    return {
        "fy": p.fy,
        "title": p.title,
        "summary": p.summary,
        "background": p.background,
        "pillar": p.pillar_id,
        "bureaus": sorted(p.bureaus.values_list("pk", flat=True)),
        "municipalities": sorted(p.municipalities.values_list("pk", flat=True)),
        "status": p.status,
        "published": p.published,
        "version": p.version,
    }


def _locked(proposal_id: int) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=proposal_id)
    )


def _check(current: int, expected: int | None) -> None:
    check_version(current, expected, _stale)


@transaction.atomic
def save_proposal(
    *,
    actor: Any,
    organization: Organization,
    proposal_id: int | None = None,
    fy: str | int,
    title: str,
    summary: str = "",
    background: str = "",
    pillar_id: int | None = None,
    bureau_ids: Iterable[int] = (),
    municipality_ids: Iterable[int] = (),
    expected_version: int | None = None,
) -> Proposal:
    """Create a draft proposal, or update one. A bureau editor's own bureau is always among the
    proposing bureaus (it files the proposal); other bureaus make it a joint proposal."""
    if proposal_id is None:
        membership = require_file_proposal(actor, organization)
        proposal = Proposal(organization=organization, created_by=actor)
        old = None
    else:
        proposal = _locked(proposal_id)
        membership = require_edit_proposal(actor, proposal)
        _check(proposal.version, expected_version)
        old = _snapshot(proposal)
    errors: dict[str, list[str]] = {}
    try:
        year = parse_fiscal_year(str(fy))
    except ParseError as exc:
        errors["fy"] = [parse_invalid(exc)]
        year = 0
    title = strip_tags(title).strip()
    if not title:
        errors["title"] = [gettext("提案の要旨を入力してください")]
    bureaus = list(Bureau.objects.filter(organization=organization, pk__in=list(bureau_ids)))
    if membership.role == Role.BUREAU_EDITOR and membership.bureau_id not in {
        b.pk for b in bureaus
    }:
        bureaus.insert(0, membership.bureau)
    if not bureaus:
        errors["bureaus"] = [gettext("提案する振興局を選んでください")]
    pillar = None
    if pillar_id:
        pillar = PolicyPillar.objects.filter(organization=organization, pk=pillar_id).first()
        if pillar is None:
            errors["pillar"] = [gettext("政策の柱を選び直してください")]
    if errors:
        raise ValidationError(errors)
    proposal.fy = year
    proposal.title = title[:300]
    proposal.summary = plain_lines(summary)
    proposal.background = plain_lines(background)
    proposal.pillar = pillar
    proposal.pillar_inferred = False
    if proposal.pk is None:
        editor = membership.role == Role.BUREAU_EDITOR
        proposal.lead_bureau = membership.bureau if editor else bureaus[0]
    proposal.version += 1 if proposal.pk else 0
    proposal.save()
    proposal.set_bureaus(bureaus)
    proposal.municipalities.set(
        Municipality.objects.filter(organization=organization, pk__in=list(municipality_ids))
    )
    audit(
        actor=actor,
        action="proposal.saved",
        object_type="proposal",
        object_id=proposal.pk,
        summary=f"{format_fiscal_year(proposal.fy)} {proposal.title}",
        old=old,
        new=_snapshot(proposal),
    )
    return proposal


def _step(
    *,
    actor: Any,
    proposal_id: int,
    expected_version: int | None,
    require: Any,
    status: str,
    refusal: str,
    changes: dict[str, Any],
    action: str,
) -> Proposal:
    """One workflow step on a proposal in ``status``: permission, version, change, audit."""
    proposal = _locked(proposal_id)
    require(actor, proposal)
    _check(proposal.version, expected_version)
    if proposal.status != status:
        raise ProposalError(refusal)
    old = {field: getattr(proposal, field) for field in changes}
    for field, value in changes.items():
        setattr(proposal, field, value)
    proposal.version += 1
    proposal.save(update_fields=[*changes, "version"])
    audit(
        actor=actor,
        action=action,
        object_type="proposal",
        object_id=proposal.pk,
        summary=proposal.title,
        old=old,
        new=changes,
    )
    return proposal


@transaction.atomic
def submit(*, actor: Any, proposal_id: int, expected_version: int | None) -> Proposal:
    return _step(
        actor=actor,
        proposal_id=proposal_id,
        expected_version=expected_version,
        require=require_edit_proposal,
        status=Proposal.Status.DRAFT,
        refusal=gettext("作成中の提案だけを提出できます"),
        changes={"status": Proposal.Status.SUBMITTED},
        action="proposal.submitted",
    )


@transaction.atomic
def route(
    *, actor: Any, proposal_id: int, department_ids: Iterable[int], expected_version: int | None
) -> Proposal:
    """HQ sends a submitted proposal to departments; each gets an answer to give."""
    proposal = _locked(proposal_id)
    require_route_proposal(actor, proposal)
    _check(proposal.version, expected_version)
    if proposal.status not in (Proposal.Status.SUBMITTED, Proposal.Status.ROUTED):
        raise ProposalError(gettext("提出された提案だけを部局に回付できます"))
    departments = list(
        Department.objects.filter(organization=proposal.organization, pk__in=list(department_ids))
    )
    if not departments:
        raise ValidationError({"departments": [gettext("回付する部局を選んでください")]})
    already = set(proposal.responses.values_list("department_id", flat=True))
    start = proposal.responses.count()
    for i, department in enumerate(d for d in departments if d.pk not in already):
        Response.objects.create(proposal=proposal, department=department, order=start + i)
    proposal.target_departments.add(*departments)
    proposal.status = Proposal.Status.ROUTED
    proposal.version += 1
    proposal.save(update_fields=["status", "version"])
    audit(
        actor=actor,
        action="proposal.routed",
        object_type="proposal",
        object_id=proposal.pk,
        summary="、".join(d.name for d in departments),
        old=None,
        new={"departments": [d.name for d in departments], "status": proposal.status},
    )
    return proposal


@transaction.atomic
def answer(
    *,
    actor: Any,
    response_id: int,
    status: str,
    measure: str = "",
    program_id: int | None = None,
    budget_fy: str | int | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Response:
    """A department records how the proposal was reflected: the measure, and where there is one
    the program and the FY of its budget line."""
    response = (
        Response.objects.select_for_update(of=("self",))
        .select_related("proposal", "department")
        .get(pk=response_id)
    )
    require_answer(actor, response)
    _check(response.version, expected_version)
    proposal = Proposal.objects.select_for_update(of=("self",)).get(pk=response.proposal_id)
    if proposal.status not in (Proposal.Status.ROUTED, Proposal.Status.ANSWERED):
        raise ProposalError(gettext("部局に回付された提案だけに回答できます"))
    errors: dict[str, list[str]] = {}
    answered = {Response.Status.REFLECTED, Response.Status.PARTLY, Response.Status.NOT_REFLECTED}
    if status not in answered:
        errors["status"] = [gettext("対応（反映・一部反映・反映せず）を選んでください")]
    measure = strip_tags(measure).strip()
    if status != Response.Status.NOT_REFLECTED and not measure:
        errors["measure"] = [gettext("反映した施策を入力してください")]
    program = None
    if program_id:
        program = Program.objects.filter(
            organization=proposal.organization_id, pk=program_id
        ).first()
        if program is None:
            errors["program"] = [gettext("事業を選び直してください")]
    year = None
    if budget_fy not in (None, ""):
        try:
            year = parse_fiscal_year(str(budget_fy))
        except ParseError as exc:
            errors["budget_fy"] = [parse_invalid(exc)]
        if year and program is None:
            errors["budget_fy"] = [gettext("予算の年度は事業を選んだときに入力します")]
        elif year and not ProgramBudget.objects.filter(program=program, fy=year).exists():
            errors["budget_fy"] = [
                gettext("この事業には{fy}の予算額がありません").format(fy=format_fiscal_year(year))
            ]
    if errors:
        raise ValidationError(errors)
    old = {
        "status": response.status,
        "measure": response.measure,
        "program": response.program_id,
        "budget_fy": response.budget_fy,
    }
    response.status = status
    response.measure = measure
    response.program = program
    response.budget_fy = year
    response.note = plain_lines(note)
    response.answered_by = actor
    response.answered_at = timezone.now()
    response.version += 1
    response.save()
    if not proposal.responses.filter(status=Response.Status.PENDING).exists():
        proposal.status = Proposal.Status.ANSWERED
    proposal.version += 1
    proposal.save(update_fields=["status", "version"])
    audit(
        actor=actor,
        action="proposal.answered",
        object_type="proposal",
        object_id=proposal.pk,
        summary=f"{response.department.name}: {response.get_status_display()} {measure}",
        old=old,
        new={
            "status": status,
            "measure": measure,
            "program": program.pk if program else None,
            "budget_fy": year,
        },
    )
    return response


@transaction.atomic
def publish(*, actor: Any, proposal_id: int, expected_version: int | None) -> Proposal:
    """HQ makes an answered proposal and its answers public (the 対応状況 report)."""
    return _step(
        actor=actor,
        proposal_id=proposal_id,
        expected_version=expected_version,
        require=require_route_proposal,
        status=Proposal.Status.ANSWERED,
        refusal=gettext("すべての部局が回答した提案だけを公表できます"),
        changes={"published": True},
        action="proposal.published",
    )
