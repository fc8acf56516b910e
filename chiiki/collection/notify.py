"""Email about collection rounds: reminders before, on and after a share's deadline (after it,
HQ is told too), a notice to the bureau when HQ returns its share, to HQ when a bureau submits,
and HQ's daily digest. Each message goes to one person, in their language, with a link to
the exact screen. Every notice is recorded under a key (round, share, kind, day or version)
so that running the reminders twice never sends anything twice."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from chiiki.accounts.models import HQ_ROLES, Membership, Role
from chiiki.collection.models import Notice, Round, Submission

log = logging.getLogger(__name__)


def _people(organization_id: int, *, bureau_id: int | None = None, hq: bool = False) -> list[Any]:
    """Members with an email address: a bureau's editors, or HQ staff."""
    members = Membership.objects.filter(
        organization_id=organization_id, user__is_active=True
    ).exclude(user__email="")
    if hq:
        members = members.filter(role__in=HQ_ROLES)
    elif bureau_id is not None:
        members = members.filter(role=Role.BUREAU_EDITOR, bureau_id=bureau_id)
    else:
        return []
    return list(members.select_related("user").order_by("user__username"))


def _link(name: str, *args: int) -> str:
    return settings.CHIIKI_SITE_URL + reverse(name, args=args)


def _text(kind: str, share: Submission | None, round_: Round, today: dt.date) -> tuple[str, str]:
    """Subject and body, in the active language."""
    if share is not None:
        due = share.due
        missing = share.entries.filter(value__isnull=True, marker="").count()
        link = _link("collection_share", share.pk)
        facts = gettext("{bureau}の提出期限: {due}　未入力: {missing}件").format(
            bureau=share.owner_name, due=due.isoformat(), missing=missing
        )
    if kind == "before" and share is not None:
        days = (share.due - today).days
        subject = gettext("{round}: 提出期限まであと{n}日です").format(round=round_.title, n=days)
    elif kind == "due" and share is not None:
        subject = gettext("{round}: 本日が提出期限です").format(round=round_.title)
    elif kind == "overdue" and share is not None:
        days = (today - share.due).days
        subject = gettext("{round}: {bureau}の提出期限を{n}日過ぎています").format(
            round=round_.title, bureau=share.owner_name, n=days
        )
    elif kind == "returned" and share is not None:
        subject = gettext("{round}: 本部が{bureau}の提出を差し戻しました").format(
            round=round_.title, bureau=share.owner_name
        )
        reasons = [
            f"- {e.subject}: {e.return_reason}" for e in share.entries.exclude(return_reason="")
        ]
        facts = "\n".join(
            [gettext("理由: {reason}").format(reason=share.return_reason or "—"), *reasons, facts]
        )
    elif kind == "submitted" and share is not None:
        subject = gettext("{round}: {bureau}が提出しました").format(
            round=round_.title, bureau=share.owner_name
        )
        facts = gettext("確認して、受理するか差し戻してください。")
    else:  # the digest
        shares = list(round_.submissions.select_related("bureau", "round"))
        subject = gettext("{round}: 本日の状況（{day}）").format(
            round=round_.title, day=today.isoformat()
        )
        link = _link("collection_round", round_.pk)
        lines = []
        for s in shares:
            lines.append(
                f"- {s.owner_name}: {s.get_status_display()}"
                + (gettext("（期限超過）") if s.overdue_on(today) else "")
            )
        facts = "\n".join(lines)
    body = "\n\n".join(
        [
            subject,
            facts,
            gettext("画面: {link}").format(link=link),
            gettext("（chiiki から自動送信しています。このメールに返信しないでください）"),
        ]
    )
    return subject, body


def _send(
    kind: str,
    key: str,
    round_: Round,
    share: Submission | None,
    people: Iterable[Any],
    today: dt.date,
) -> int:
    """Record the notice, then send one message per person; 0 when it was sent already."""
    people = list(people)
    if not people:
        return 0
    try:
        with transaction.atomic():
            Notice.objects.create(
                round=round_,
                submission=share,
                kind=kind,
                key=key,
                recipients=[m.user.email for m in people],
                sent_at=timezone.now(),
            )
            messages = []
            texts: dict[str, tuple[str, str]] = {}
            for member in people:
                if member.language not in texts:
                    with translation.override(member.language):
                        texts[member.language] = _text(kind, share, round_, today)
                subject, body = texts[member.language]
                messages.append(
                    EmailMessage(subject=f"[chiiki] {subject}", body=body, to=[member.user.email])
                )
            # Sent inside the transaction: if sending fails, the notice is not recorded and
            # the next run tries again.
            get_connection().send_messages(messages)
    except IntegrityError:
        return 0
    except (smtplib.SMTPException, OSError) as exc:
        # The mail server refused or could not be reached: nothing is recorded, the work that
        # triggered the notice stands, and the next `chiiki rounds remind` tries again.
        log.warning("collection notice %s not sent: %s", key, exc)
        return 0
    return len(people)


def notify(event: str, submission_id: int) -> int:
    """A share was submitted (tell HQ) or returned (tell the bureau)."""
    share = Submission.objects.select_related("round", "bureau").get(pk=submission_id)
    round_ = share.round
    if event == "submitted":
        people = _people(round_.organization_id, hq=True)
    else:
        people = _people(
            round_.organization_id, bureau_id=share.bureau_id, hq=share.bureau_id is None
        )
    key = f"{event}:{share.pk}:{share.version}"
    return _send(event, key, round_, share, people, timezone.localdate())


def remind(today: dt.date | None = None) -> int:
    """Send the reminders due today for every open round, and HQ's digest; the number of
    messages sent (0 when run again the same day)."""
    today = today or timezone.localdate()
    before = settings.CHIIKI_REMIND_DAYS_BEFORE
    sent = 0
    for round_ in Round.objects.filter(status=Round.Status.OPEN).order_by("pk"):
        hq = _people(round_.organization_id, hq=True)
        for share in round_.submissions.select_related("bureau", "round").order_by("pk"):
            if share.status not in Submission.EDITABLE:
                continue
            days = (share.due - today).days
            editors = (
                _people(round_.organization_id, bureau_id=share.bureau_id)
                if share.bureau_id
                else hq
            )
            if 0 < days <= before:
                sent += _send("before", f"before:{share.pk}:{share.due}", round_, share,
                              editors, today)  # fmt: skip
            elif days == 0:
                sent += _send("due", f"due:{share.pk}:{share.due}", round_, share, editors, today)
            elif days < 0:
                people = {m.pk: m for m in [*editors, *hq]}.values()
                sent += _send("overdue", f"overdue:{share.pk}:{today}", round_, share, people,
                              today)  # fmt: skip
        sent += _send("digest", f"digest:{round_.pk}:{today}", round_, None, hq, today)
    return sent
