"""Login throttling, on django-axes (decision 0009).

Every sign-in goes through ``django.contrib.auth.authenticate`` (the site's form, the admin's,
any future one), and the first authentication backend is :class:`ThrottleBackend`: after
``AXES_FAILURE_LIMIT`` failures for an account, that account is refused for
``AXES_COOLOFF_TIME`` even with the right password. Failures are counted in the database,
so every server process sees the same count.

The lock is keyed on the account, not on what was typed: ``login_identity`` folds every
spelling that can authenticate as the same account (full-width ``ｔｈｒ１``, ``THR1``, padding)
into one key.
"""

from __future__ import annotations

import ipaddress
import math
import unicodedata
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from chiiki.accounts.ratelimit import hit, peek, rate_setting

LOCKED_MESSAGE = gettext_noop(
    "ログインの失敗が続いたため、しばらく（{minutes}分）ログインできません。"
)
ADDRESS_MESSAGE = gettext_noop(
    "この接続元からのログインの失敗が多すぎるため、しばらく（{minutes}分）ログインできません。"
)
ADDRESS_SCOPE = "login-failures-address"


def normalize_identity(username: str | None) -> str:
    """The account a typed name stands for: NFKC (as Django's login form normalises it),
    then case-folded and stripped, so every variant shares one lock."""
    return unicodedata.normalize("NFKC", username or "").casefold().strip()


def login_identity(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """``AXES_USERNAME_CALLABLE``: the lock key of a sign-in attempt."""
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = request.POST.get("username")
    return normalize_identity(name)


def client_ip(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address. Behind ``CHIIKI_PROXY_COUNT``
    trusted proxies it is the address the outermost of them saw, read from the right of
    X-Forwarded-For (entries further left are whatever the client sent, so never trusted)."""
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.CHIIKI_PROXY_COUNT
    if hops:
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [p for p in chain if p]
        if len(chain) >= hops:
            candidate = chain[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
    return remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the site's own page, in the reader's language, with 429
    and Retry-After."""
    address_wait = getattr(request, "chiiki_address_wait", None)
    seconds = (
        address_wait
        if address_wait is not None
        else int(settings.AXES_COOLOFF_TIME.total_seconds())
    )
    message = ADDRESS_MESSAGE if address_wait is not None else LOCKED_MESSAGE
    response = render(
        request,
        "registration/locked.html",
        {"message": _(message).format(minutes=max(1, math.ceil(seconds / 60)))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


class ThrottleBackend(AxesStandaloneBackend):
    """django-axes' backend, also for ``authenticate()`` called without a request (the test
    client, a management command): the account's lock holds there too."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            # Guessing across many accounts from one address: refused once the address has
            # failed CHIIKI_LOGIN_RATE_ADDRESS times (counted in record_address_failure).
            verdict = peek(
                ADDRESS_SCOPE, client_ip(request) or "", rate_setting("CHIIKI_LOGIN_RATE_ADDRESS")
            )
            if not verdict.allowed:
                request.chiiki_address_wait = verdict.retry_after  # type: ignore[attr-defined]
                request.axes_locked_out = True  # type: ignore[attr-defined]
                raise PermissionDenied("too many failed sign-ins from this address")
        return super().authenticate(
            request if request is not None else HttpRequest(), username, password, **kwargs
        )


@receiver(user_login_failed)
def record_address_failure(
    sender: Any, credentials: Any, request: HttpRequest | None = None, **_: Any
) -> None:
    if request is not None:
        hit(ADDRESS_SCOPE, client_ip(request) or "", rate_setting("CHIIKI_LOGIN_RATE_ADDRESS"))
