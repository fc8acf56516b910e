"""Who is calling: a bearer token (``Authorization: Bearer chiiki_…``) or nobody.

Reads accept both; writes need a token. A request that sends a token that is unknown or
revoked is refused (401) rather than served as anonymous, so a broken script notices at once.
Session cookies are ignored by the API: a browser's session never reaches it, so no request
can be forged from another site (no CSRF surface).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from chiiki.accounts.tokens import user_for_key


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        return user_for_key(token.strip())


def anonymous(request: HttpRequest) -> AnonymousUser | None:
    """Anonymous access, only when no Authorization header was sent at all."""
    if "HTTP_AUTHORIZATION" in request.META:
        return None
    return AnonymousUser()


token_auth = TokenAuth()
READ = [token_auth, anonymous]
WRITE = [token_auth]


def caller(request: HttpRequest) -> Any:
    """The user a request acts for (AnonymousUser for public reads)."""
    return request.auth  # type: ignore[attr-defined]
