"""Pages for policy proposals, council meetings and municipalities. Thin: reads
come from selectors, every write from a service that checks permission itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chiiki.accounts.access import (
    require_edit_meetings,
    require_edit_proposal,
    require_file_proposal,
)
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import parse_fiscal_year
from chiiki.councils import services as meeting_services
from chiiki.councils.selectors import (
    bureau_meetings,
    bureau_or_404,
    get_meeting,
    meeting_form_choices,
    meeting_page,
)
from chiiki.plans.models import Organization
from chiiki.proposals import services
from chiiki.proposals.models import Proposal, Response
from chiiki.proposals.selectors import (
    get_proposal,
    proposal_form_choices,
    proposal_page,
    proposal_report,
)
from chiiki.web.posted import posted_id, posted_ids, posted_int
from chiiki.web.related import municipality_page


def proposals(request: HttpRequest) -> HttpResponse:
    org = request.organization
    fy = None
    if request.GET.get("fy"):
        try:
            fy = parse_fiscal_year(request.GET["fy"])
        except ParseError:
            messages.error(request, _("年度「{fy}」を読めません").format(fy=request.GET["fy"]))
    return render(request, "web/proposals.html", proposal_report(org, request.user, fy))


def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization
    if request.method == "POST":
        return _proposal_action(request, org, pk)
    return render(request, "web/proposal.html", proposal_page(org, request.user, pk))


def _proposal_action(request: HttpRequest, org: Organization, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise PermissionDenied
    action = request.POST.get("action", "")
    version = posted_int(request, "version")
    try:
        if action == "submit":
            services.submit(actor=request.user, proposal_id=pk, expected_version=version)
            done = _("提案を提出しました。本部が部局に回付します。")
        elif action == "route":
            services.route(
                actor=request.user,
                proposal_id=pk,
                department_ids=posted_ids(request, "departments"),
                expected_version=version,
            )
            done = _("部局に回付しました。")
        elif action == "publish":
            services.publish(actor=request.user, proposal_id=pk, expected_version=version)
            done = _("対応状況を公表しました。")
        elif action == "answer":
            response_id = posted_int(request, "response")
            if not Response.objects.filter(pk=response_id, proposal_id=pk).exists():
                raise Http404
            services.answer(
                actor=request.user,
                response_id=response_id,
                status=request.POST.get("status", ""),
                measure=request.POST.get("measure", ""),
                program_id=posted_id(request, "program"),
                budget_fy=request.POST.get("budget_fy", ""),
                note=request.POST.get("note", ""),
                expected_version=posted_int(request, "response_version"),
            )
            done = _("対応を回答しました。")
        else:
            raise services.ProposalError(_("この操作はできません"))
    except Proposal.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        context = proposal_page(org, request.user, pk)
        context.update(form_errors=exc.message_dict, form_data=request.POST, form_action=action)
        return render(request, "web/proposal.html", context, status=400)
    except services.ProposalError as exc:
        context = proposal_page(org, request.user, pk)
        context.update(form_alert=str(exc), form_data=request.POST, form_action=action)
        status = 409 if isinstance(exc, services.StaleProposal) else 400
        return render(request, "web/proposal.html", context, status=status)
    messages.success(request, done)
    return redirect("proposal", pk=pk)


@login_required
def proposal_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = request.organization
    existing = None
    if pk is not None:
        existing = get_proposal(org, request.user, pk)
        require_edit_proposal(request.user, existing)
    else:
        require_file_proposal(request.user, org)
    context = {"proposal": existing, **proposal_form_choices(org)}
    if request.method != "POST":
        return render(request, "web/proposal_form.html", context)
    try:
        saved = services.save_proposal(
            actor=request.user,
            organization=org,
            proposal_id=pk,
            fy=request.POST.get("fy", ""),
            title=request.POST.get("title", ""),
            summary=request.POST.get("summary", ""),
            background=request.POST.get("background", ""),
            pillar_id=posted_id(request, "pillar"),
            bureau_ids=posted_ids(request, "bureaus"),
            municipality_ids=posted_ids(request, "municipalities"),
            expected_version=posted_int(request, "version"),
        )
    except ValidationError as exc:
        context.update(form_errors=exc.message_dict, form_data=request.POST)
        return render(request, "web/proposal_form.html", context, status=400)
    except services.StaleProposal as exc:
        context.update(form_alert=str(exc), form_data=request.POST)
        return render(request, "web/proposal_form.html", context, status=409)
    messages.success(request, _("政策提案を保存しました（作成中）。"))
    return redirect("proposal", pk=saved.pk)


def municipality(request: HttpRequest, code: str) -> HttpResponse:
    org = request.organization
    return render(request, "web/municipality.html", municipality_page(org, request.user, code))


def meetings(request: HttpRequest, slug: str) -> HttpResponse:
    org = request.organization
    return render(request, "web/meetings.html", bureau_meetings(org, request.user, slug))


def meeting(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    org = request.organization
    return render(request, "web/meeting.html", meeting_page(org, request.user, slug, pk))


@login_required
def meeting_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    org = request.organization
    bureau = bureau_or_404(org, slug)
    require_edit_meetings(request.user, bureau)
    existing = get_meeting(org, request.user, bureau, pk) if pk else None
    context = {"bureau": bureau, "meeting": existing, **meeting_form_choices(bureau)}
    if request.method != "POST":
        return render(request, "web/meeting_form.html", context)
    try:
        saved = meeting_services.save_meeting(
            actor=request.user,
            bureau=bureau,
            meeting_id=pk,
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            held_on=request.POST.get("held_on", ""),
            place=request.POST.get("place", ""),
            municipality_ids=posted_ids(request, "municipalities"),
            other_participants=request.POST.get("other_participants", ""),
            agenda=request.POST.get("agenda", ""),
            minutes=request.POST.get("minutes", ""),
            evaluation_ids=posted_ids(request, "evaluations"),
            published=request.POST.get("published") == "1",
            expected_version=posted_int(request, "version"),
        )
    except ValidationError as exc:
        context.update(form_errors=exc.message_dict, form_data=request.POST)
        return render(request, "web/meeting_form.html", context, status=400)
    except meeting_services.StaleMeeting as exc:
        context.update(form_alert=str(exc), form_data=request.POST)
        return render(request, "web/meeting_form.html", context, status=409)
    messages.success(request, _("会議の記録を保存しました。"))
    return redirect("meeting", slug=slug, pk=saved.pk)
