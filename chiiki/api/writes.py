"""Write endpoints: each calls the same write function as the site's form, so permissions,
parsing, published-year locks, audit entries and recomputation are the site's, not copies.

Every write needs a token and names the version it is based on (If-Match, or
If-None-Match: * to create); see ``preconditions``.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Status

from chiiki.accounts.access import membership_of
from chiiki.api import schemas as s
from chiiki.api import selectors
from chiiki.api.auth import caller
from chiiki.api.errors import ERRORS, ApiProblem
from chiiki.api.preconditions import expected_version, set_etag
from chiiki.api.router import fiscal_year, record_id, router
from chiiki.api.selectors import Filters, with_internal
from chiiki.councils import services as councils
from chiiki.councils.models import Meeting
from chiiki.evaluations import services as evaluations
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual
from chiiki.indicators.services import BulkEntryError, record_actual, record_actuals_bulk
from chiiki.plans.models import (
    Bureau,
    Municipality,
    Organization,
    ProgramBudget,
    ProgramSettlement,
    StaffUnitCost,
)
from chiiki.plans.services import (
    FUNDING_INPUTS,
    record_budget,
    record_settlement,
    record_staff_unit_cost,
)
from chiiki.proposals import services as proposals
from chiiki.proposals.models import Department, Proposal, Response


def ok(schema: Any, status: int = 200) -> dict[int, Any]:
    return {status: schema, **ERRORS}


def _organization(actor: Any) -> Organization:
    membership = membership_of(actor)
    if membership is None:
        raise PermissionDenied(gettext("所属と役割が設定されていない利用者は書き込めません"))
    return membership.organization


def _ids(
    model: Any, organization: Organization, field: str, values: list[str], where: str
) -> list[int]:
    """Primary keys of ``values`` (slugs or codes) in the organization; unknown ones are a
    located error naming them."""
    found = dict(
        model.objects.filter(organization=organization, **{f"{field}__in": values}).values_list(
            field, "pk"
        )
    )
    unknown = [v for v in values if v not in found]
    if unknown:
        raise ValidationError(
            {where: gettext("見つかりません: {values}").format(values="、".join(unknown))}
        )
    return [found[v] for v in values]


# ------------------------------------------------------------------ actuals and budgets


@router.put(
    "/indicators/{indicator_id}/actuals/{fy}", response=ok(s.ActualOut), tags=["indicators"]
)
def put_actual(
    request: HttpRequest,
    response: HttpResponse,
    body: s.ActualIn,
    indicator_id: int = record_id(),
    fy: int = fiscal_year(),
) -> Any:
    """実績値を記録・修正し、進捗率と評価を計算し直す / Record an actual; rates recompute.

    If-Match: "版" で修正、If-None-Match: * で新しい年度を記録します。
    """
    actual = record_actual(
        actor=caller(request),
        indicator_id=indicator_id,
        fy=fy,
        value=body.value,
        expected_version=expected_version(
            request,
            may_create=True,
            exists=Actual.objects.filter(indicator_id=indicator_id, fy=fy).exists,
        ),
    )
    set_etag(response, actual.version)
    return actual


@router.post("/actuals/bulk", response=ok(s.BulkOut), tags=["indicators"])
def post_actuals_bulk(request: HttpRequest, body: s.BulkIn) -> Any:
    """1年度分の実績値をまとめて記録（全件成功か、何も保存しない） / One FY's actuals, all or nothing.

    Each entry names the version it read (0 for a year with no value yet); a stale entry
    makes the whole request fail with 412 and each problem located by its entry index.
    """
    seen: dict[int, int] = {}
    for index, entry in enumerate(body.entries):
        if entry.indicator in seen:
            raise ApiProblem(
                400,
                "invalid",
                gettext("同じ指標が2回あります"),
                [
                    {
                        "loc": ["body", "entries", index, "indicator"],
                        "message": gettext("同じ指標が entries[{first}] にもあります").format(
                            first=seen[entry.indicator]
                        ),
                        "code": "invalid",
                    }
                ],
            )
        seen[entry.indicator] = index
    try:
        saved = record_actuals_bulk(
            actor=caller(request),
            fy=body.fy,
            entries=[(e.indicator, e.value, e.version) for e in body.entries],
        )
    except BulkEntryError as exc:
        kinds = set(exc.kinds.values())
        status, code = next((pair for pair in _SEVERITY if pair[1] in kinds), (400, "invalid"))
        items = [
            {
                "loc": ["body", "entries", seen[indicator_id]],
                "message": message,
                "code": exc.codes.get(indicator_id, exc.kinds[indicator_id]),
            }
            for indicator_id, message in sorted(exc.errors.items(), key=lambda i: seen[i[0]])
        ]
        raise ApiProblem(status, code, str(exc), items) from None
    return {"saved": saved}


# The status of a bulk refusal is its most serious row's.
_SEVERITY = [(403, "forbidden"), (404, "not_found"), (412, "precondition_failed")]


@router.put("/programs/{program_id}/budgets/{fy}", response=ok(s.BudgetOut), tags=["budgets"])
def put_budget(
    request: HttpRequest,
    response: HttpResponse,
    body: s.BudgetIn,
    program_id: int = record_id(),
    fy: int = fiscal_year(),
) -> Any:
    """事業の予算額（千円）を記録・修正 / Record a program's budget (thousand yen)."""
    budget = record_budget(
        actor=caller(request),
        program_id=program_id,
        fy=fy,
        amount=body.amount,
        expected_version=expected_version(
            request,
            may_create=True,
            exists=ProgramBudget.objects.filter(program_id=program_id, fy=fy).exists,
        ),
    )
    set_etag(response, budget.version)
    return budget


@router.put(
    "/programs/{program_id}/settlements/{fy}", response=ok(s.SettlementOut), tags=["budgets"]
)
def put_settlement(
    request: HttpRequest,
    response: HttpResponse,
    body: s.SettlementIn,
    program_id: int = record_id(),
    fy: int = fiscal_year(),
) -> Any:
    """事業の決算額・財源内訳・人工を記録・修正 / Record a program's settled amount, its
    sources and the staff time (thousand yen; person-years)."""
    settlement = record_settlement(
        actor=caller(request),
        program_id=program_id,
        fy=fy,
        settled=body.settled,
        revised_budget=body.revised_budget,
        note=body.note,
        funding={f: getattr(body, f) for f, *_rest in FUNDING_INPUTS},
        staff_years=body.staff_years,
        expected_version=expected_version(
            request,
            may_create=True,
            exists=ProgramSettlement.objects.filter(program_id=program_id, fy=fy).exists,
        ),
    )
    set_etag(response, settlement.version)
    return selectors.settlements(Filters()).get(pk=settlement.pk)


@router.put("/staff-unit-costs/{fy}", response=ok(s.StaffUnitCostOut), tags=["budgets"])
def put_staff_unit_cost(
    request: HttpRequest, response: HttpResponse, body: s.StaffUnitCostIn, fy: int = fiscal_year()
) -> Any:
    """人件費単価（千円／人年）を設定（本部） / Set the cost of a person-year (HQ)."""
    actor = caller(request)
    organization = _organization(actor)
    saved = record_staff_unit_cost(
        actor=actor,
        organization=organization,
        fy=fy,
        amount=body.amount,
        expected_version=expected_version(
            request,
            may_create=True,
            exists=StaffUnitCost.objects.filter(organization=organization, fy=fy).exists,
        ),
    )
    set_etag(response, saved.version)
    return saved


# ------------------------------------------------------------------ evaluations


def _evaluation_out(request: HttpRequest, response: HttpResponse, e: Evaluation) -> Evaluation:
    with_internal(caller(request), [e])
    set_etag(response, e.version)
    return e


@router.put(
    "/projects/{project_id}/evaluations/{fy}",
    response=ok(s.EvaluationOut),
    tags=["evaluations"],
)
def put_evaluation(
    request: HttpRequest,
    response: HttpResponse,
    body: s.EvaluationIn,
    project_id: int = record_id(),
    fy: int = fiscal_year(),
) -> Any:
    """評価（分析と課題）の下書きを保存 / Save the draft evaluation of a project and FY."""
    evaluation = evaluations.save_draft(
        actor=caller(request),
        project_id=project_id,
        fy=fy,
        analysis=body.analysis,
        internal_note=body.internal_note,
        program_reviews=None
        if body.program_reviews is None
        else [r.dict() for r in body.program_reviews],
        expected_version=expected_version(
            request,
            may_create=True,
            exists=Evaluation.objects.filter(project_id=project_id, fy=fy).exists,
        ),
    )
    return _evaluation_out(request, response, evaluation)


def _step(request: HttpRequest, response: HttpResponse, step: Any, **more: Any) -> Evaluation:
    evaluation = step(
        actor=caller(request),
        expected_version=expected_version(request, may_create=False),
        **more,
    )
    return _evaluation_out(request, response, evaluation)


@router.post(
    "/evaluations/{evaluation_id}/submit", response=ok(s.EvaluationOut), tags=["evaluations"]
)
def submit_evaluation(
    request: HttpRequest, response: HttpResponse, evaluation_id: int = record_id()
) -> Any:
    """提出（振興局・本部） / Submit for review."""
    return _step(request, response, evaluations.submit, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/approve", response=ok(s.EvaluationOut), tags=["evaluations"]
)
def approve_evaluation(
    request: HttpRequest, response: HttpResponse, evaluation_id: int = record_id()
) -> Any:
    """承認（本部、提出者以外） / Approve (HQ, not the submitter)."""
    return _step(request, response, evaluations.approve, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/return", response=ok(s.EvaluationOut), tags=["evaluations"]
)
def return_evaluation(
    request: HttpRequest, response: HttpResponse, body: s.ReasonIn, evaluation_id: int = record_id()
) -> Any:
    """差戻し（本部、理由が必要） / Return with a reason (HQ)."""
    return _step(
        request,
        response,
        evaluations.return_evaluation,
        evaluation_id=evaluation_id,
        reason=body.reason,
    )


@router.post(
    "/evaluations/{evaluation_id}/publish", response=ok(s.EvaluationOut), tags=["evaluations"]
)
def publish_evaluation(
    request: HttpRequest, response: HttpResponse, evaluation_id: int = record_id()
) -> Any:
    """公表（本部）。その年度の実績値は変更できなくなります / Publish; locks the FY's actuals."""
    return _step(request, response, evaluations.publish, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/unlock", response=ok(s.EvaluationOut), tags=["evaluations"]
)
def unlock_evaluation(
    request: HttpRequest, response: HttpResponse, body: s.ReasonIn, evaluation_id: int = record_id()
) -> Any:
    """ロック解除（本部、理由が必要） / Reopen a published evaluation (HQ, with a reason)."""
    return _step(
        request, response, evaluations.unlock, evaluation_id=evaluation_id, reason=body.reason
    )


# ------------------------------------------------------------------ proposals


def _proposal_out(request: HttpRequest, response: HttpResponse, proposal: Proposal) -> Proposal:
    """The proposal as the reads return it (the writer is a member, so it is visible)."""
    fresh = selectors.proposals(caller(request), Filters()).get(pk=proposal.pk)
    set_etag(response, fresh.version)
    return fresh


def _save_proposal(
    request: HttpRequest, body: s.ProposalIn, proposal_id: int | None, version: int | None
) -> Proposal:
    actor = caller(request)
    organization = _organization(actor)
    return proposals.save_proposal(
        actor=actor,
        organization=organization,
        proposal_id=proposal_id,
        fy=body.fy,
        title=body.title,
        summary=body.summary,
        background=body.background,
        pillar_id=body.pillar,
        bureau_ids=_ids(Bureau, organization, "slug", body.bureaus, "bureaus"),
        municipality_ids=_ids(
            Municipality, organization, "code", body.municipalities, "municipalities"
        ),
        expected_version=version,
    )


@router.post("/proposals", response=ok(s.ProposalOut, 201), tags=["proposals"])
def post_proposal(request: HttpRequest, response: HttpResponse, body: s.ProposalIn) -> Any:
    """政策提案を作成（作成中） / Create a draft policy proposal."""
    proposal = _save_proposal(request, body, None, None)
    return Status(201, _proposal_out(request, response, proposal))


@router.put("/proposals/{proposal_id}", response=ok(s.ProposalOut), tags=["proposals"])
def put_proposal(
    request: HttpRequest, response: HttpResponse, body: s.ProposalIn, proposal_id: int = record_id()
) -> Any:
    """政策提案を修正 / Update a proposal."""
    version = expected_version(request, may_create=False)
    if not Proposal.objects.filter(pk=proposal_id).exists():
        raise Http404
    return _proposal_out(request, response, _save_proposal(request, body, proposal_id, version))


@router.post("/proposals/{proposal_id}/submit", response=ok(s.ProposalOut), tags=["proposals"])
def submit_proposal(
    request: HttpRequest, response: HttpResponse, proposal_id: int = record_id()
) -> Any:
    """提出 / Submit to HQ."""
    proposal = proposals.submit(
        actor=caller(request),
        proposal_id=proposal_id,
        expected_version=expected_version(request, may_create=False),
    )
    return _proposal_out(request, response, proposal)


@router.post("/proposals/{proposal_id}/route", response=ok(s.ProposalOut), tags=["proposals"])
def route_proposal(
    request: HttpRequest, response: HttpResponse, body: s.RouteIn, proposal_id: int = record_id()
) -> Any:
    """部局に回付（本部） / Route to departments (HQ)."""
    actor = caller(request)
    version = expected_version(request, may_create=False)
    proposal = proposals.route(
        actor=actor,
        proposal_id=proposal_id,
        department_ids=_ids(
            Department, _organization(actor), "slug", body.departments, "departments"
        ),
        expected_version=version,
    )
    return _proposal_out(request, response, proposal)


@router.post("/proposals/{proposal_id}/publish", response=ok(s.ProposalOut), tags=["proposals"])
def publish_proposal(
    request: HttpRequest, response: HttpResponse, proposal_id: int = record_id()
) -> Any:
    """対応状況を公表（本部） / Publish the answers (HQ)."""
    proposal = proposals.publish(
        actor=caller(request),
        proposal_id=proposal_id,
        expected_version=expected_version(request, may_create=False),
    )
    return _proposal_out(request, response, proposal)


@router.put("/responses/{response_id}", response=ok(s.ResponseOut), tags=["proposals"])
def put_response(
    request: HttpRequest, response: HttpResponse, body: s.AnswerIn, response_id: int = record_id()
) -> Any:
    """部局の対応を回答（反映した施策・事業・予算の年度） / A department's answer."""
    version = expected_version(request, may_create=False)
    answered = proposals.answer(
        actor=caller(request),
        response_id=response_id,
        status=body.status,
        measure=body.measure,
        program_id=body.program,
        budget_fy=body.budget_fy,
        note=body.note,
        expected_version=version,
    )
    fresh = Response.objects.select_related("department").get(pk=answered.pk)
    set_etag(response, fresh.version)
    return fresh


# ------------------------------------------------------------------ meetings


def _save_meeting(
    request: HttpRequest,
    bureau: Bureau,
    body: s.MeetingIn,
    meeting_id: int | None,
    version: int | None,
) -> Meeting:
    organization = bureau.organization
    return councils.save_meeting(
        actor=caller(request),
        bureau=bureau,
        meeting_id=meeting_id,
        kind=body.kind,
        title=body.title,
        held_on=body.held_on,
        place=body.place,
        municipality_ids=_ids(
            Municipality, organization, "code", body.municipalities, "municipalities"
        ),
        other_participants=body.other_participants,
        agenda=body.agenda,
        minutes=body.minutes,
        published=body.published,
        expected_version=version,
    )


def _meeting_out(request: HttpRequest, response: HttpResponse, meeting: Meeting) -> Meeting:
    """The meeting as the reads return it (the writer edits that bureau, so it is visible)."""
    fresh = selectors.meetings(caller(request), Filters()).get(pk=meeting.pk)
    set_etag(response, fresh.version)
    return fresh


@router.post("/bureaus/{bureau_id}/meetings", response=ok(s.MeetingOut, 201), tags=["councils"])
def post_meeting(
    request: HttpRequest, response: HttpResponse, body: s.MeetingIn, bureau_id: int = record_id()
) -> Any:
    """振興局の会議の記録を作成 / Record a bureau's meeting."""
    bureau = Bureau.objects.select_related("organization").filter(pk=bureau_id).first()
    if bureau is None:
        raise Http404
    meeting = _save_meeting(request, bureau, body, None, None)
    return Status(201, _meeting_out(request, response, meeting))


@router.put("/meetings/{meeting_id}", response=ok(s.MeetingOut), tags=["councils"])
def put_meeting(
    request: HttpRequest, response: HttpResponse, body: s.MeetingIn, meeting_id: int = record_id()
) -> Any:
    """会議の記録を修正 / Update a meeting record."""
    version = expected_version(request, may_create=False)
    meeting = Meeting.objects.select_related("bureau__organization").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return _meeting_out(
        request, response, _save_meeting(request, meeting.bureau, body, meeting_id, version)
    )
