"""API rate limits: per token, and per client address for calls without one (decision 0009).
A refused call gets 429 in the API's problem shape with Retry-After."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from chiiki.accounts.ratelimit import hit, rate_setting
from chiiki.accounts.throttle import client_ip


class _Limit(BaseThrottle):
    scope = ""
    setting = ""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def ident(self, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        verdict = hit(self.scope, ident, rate_setting(self.setting))
        self.retry_after = None if verdict.allowed else verdict.retry_after
        return verdict.allowed

    def wait(self) -> float | None:
        return self.retry_after


class TokenLimit(_Limit):
    """Calls with a token, counted per user (all of a user's tokens together)."""

    scope = "api-token"
    setting = "CHIIKI_API_RATE_TOKEN"

    def ident(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return f"user:{user.pk}"


class AddressLimit(_Limit):
    """Calls without a token, counted per client address."""

    scope = "api-address"
    setting = "CHIIKI_API_RATE_ADDRESS"

    def ident(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return None
        return f"ip:{client_ip(request)}"


THROTTLES = [TokenLimit(), AddressLimit()]
