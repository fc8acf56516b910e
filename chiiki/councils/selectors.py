"""Reads for council and round-table meeting records."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from chiiki.accounts.access import can_edit_meetings, can_read_internal_org
from chiiki.councils.models import Meeting
from chiiki.evaluations.models import Evaluation
from chiiki.plans.models import Bureau, Organization


def bureau_or_404(org: Organization, slug: str) -> Bureau:
    bureau = Bureau.objects.filter(organization=org, slug=slug).select_related("region").first()
    if bureau is None:
        raise Http404("振興局が見つかりません")
    return bureau


def bureau_meetings(org: Organization, user: Any, slug: str) -> dict[str, Any]:
    bureau = bureau_or_404(org, slug)
    meetings = Meeting.objects.filter(bureau=bureau).prefetch_related("municipalities")
    if not can_read_internal_org(user, org):
        meetings = meetings.filter(published=True)
    return {
        "bureau": bureau,
        "meetings": list(meetings.order_by("-held_on", "pk")),
        "may_edit": can_edit_meetings(user, bureau),
    }


def get_meeting(org: Organization, user: Any, bureau: Bureau, pk: int) -> Meeting:
    """The bureau's meeting if the user may read it (published, or a member); else 404."""
    meeting = (
        Meeting.objects.filter(bureau=bureau, pk=pk)
        .prefetch_related(
            "municipalities", "reviewed_evaluations__project", "reviewed_evaluations__project__plan"
        )
        .first()
    )
    if meeting is None or not (meeting.published or can_read_internal_org(user, org)):
        raise Http404("会議が見つかりません")
    return meeting


def meeting_page(org: Organization, user: Any, slug: str, pk: int) -> dict[str, Any]:
    bureau = bureau_or_404(org, slug)
    return {
        "bureau": bureau,
        "meeting": get_meeting(org, user, bureau, pk),
        "may_edit": can_edit_meetings(user, bureau),
    }


def meeting_form_choices(bureau: Bureau) -> dict[str, Any]:
    """The bureau's municipalities, and evaluations of the projects the bureau takes part in."""
    evaluations = Evaluation.objects.filter(
        project__lead_bureau=bureau
    ) | Evaluation.objects.filter(project__other_bureaus=bureau)
    return {
        "kinds": Meeting.Kind.choices,
        "municipalities": list(bureau.municipalities.order_by("code")),
        "evaluations": list(
            evaluations.select_related("project").distinct().order_by("-fy", "project__order")
        ),
    }
