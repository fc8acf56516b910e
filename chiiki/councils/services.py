"""Writes for council and round-table meeting records: the bureau's own staff or HQ."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from chiiki.accounts.access import require_edit_meetings
from chiiki.audit.services import record as audit
from chiiki.core.errors import StaleVersion, check_version
from chiiki.core.text import plain_lines, strip_tags
from chiiki.councils.models import Meeting
from chiiki.evaluations.models import Evaluation
from chiiki.plans.models import Bureau, Municipality


class StaleMeeting(StaleVersion):
    """Someone saved the meeting record after the form was opened."""


def _snapshot(m: Meeting) -> dict[str, Any]:
    return {
        "kind": m.kind,
        "title": m.title,
        "held_on": m.held_on.isoformat(),
        "place": m.place,
        "municipalities": sorted(m.municipalities.values_list("pk", flat=True)),
        "other_participants": m.other_participants,
        "agenda": m.agenda,
        "minutes": m.minutes,
        "evaluations": sorted(m.reviewed_evaluations.values_list("pk", flat=True)),
        "published": m.published,
        "version": m.version,
    }


@transaction.atomic
def save_meeting(
    *,
    actor: Any,
    bureau: Bureau,
    meeting_id: int | None = None,
    kind: str,
    title: str,
    held_on: str,
    place: str = "",
    municipality_ids: Iterable[int] = (),
    other_participants: str = "",
    agenda: str = "",
    minutes: str = "",
    evaluation_ids: Iterable[int] = (),
    published: bool = False,
    expected_version: int | None = None,
) -> Meeting:
    require_edit_meetings(actor, bureau)
    if meeting_id is None:
        meeting = Meeting(organization_id=bureau.organization_id, bureau=bureau, created_by=actor)
        old = None
    else:
        meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting_id, bureau=bureau)
        check_version(
            meeting.version,
            expected_version,
            lambda: StaleMeeting(
                gettext(
                    "この会議の記録は、画面を開いた後に他の人が更新しました。開き直してください。"
                )
            ),
        )
        old = _snapshot(meeting)
    errors: dict[str, list[str]] = {}
    if kind not in Meeting.Kind.values:
        errors["kind"] = [gettext("会議の種別を選んでください")]
    title = strip_tags(title).strip()
    if not title:
        errors["title"] = [gettext("会議名を入力してください")]
    try:
        day = dt.date.fromisoformat(str(held_on).strip())
    except ValueError:
        errors["held_on"] = [gettext("開催日を 2026-06-15 の形で入力してください")]
        day = None
    if errors:
        raise ValidationError(errors)
    assert day is not None
    meeting.kind = kind
    meeting.title = title[:200]
    meeting.held_on = day
    meeting.place = strip_tags(place).strip()[:200]
    meeting.other_participants = plain_lines(other_participants)
    meeting.agenda = plain_lines(agenda)
    meeting.minutes = plain_lines(minutes)
    meeting.published = bool(published)
    if meeting.pk:
        meeting.version += 1
    meeting.save()
    meeting.municipalities.set(
        Municipality.objects.filter(
            organization_id=bureau.organization_id, pk__in=list(municipality_ids)
        )
    )
    meeting.reviewed_evaluations.set(
        Evaluation.objects.filter(
            project__plan__organization_id=bureau.organization_id, pk__in=list(evaluation_ids)
        )
    )
    audit(
        actor=actor,
        action="meeting.saved",
        object_type="meeting",
        object_id=meeting.pk,
        summary=f"{bureau.short_name} {meeting.title} {meeting.held_on:%Y-%m-%d}",
        old=old,
        new=_snapshot(meeting),
    )
    return meeting
