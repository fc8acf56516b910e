"""Login throttling: after too many failures for a username, refuse for a while."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from chiiki.accounts.models import LoginAttempt

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


def _recent(username: str) -> int:
    since = timezone.now() - WINDOW
    return LoginAttempt.objects.filter(username=username.lower(), at__gte=since).count()


def is_locked(username: str) -> bool:
    return _recent(username) >= MAX_FAILURES


def record_failure(username: str, ip: str | None) -> None:
    LoginAttempt.objects.create(username=username.lower(), ip=ip)


def clear(username: str) -> None:
    LoginAttempt.objects.filter(username=username.lower()).delete()
