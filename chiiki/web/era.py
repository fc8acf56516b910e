"""The reader's choice of 和暦 (R3) or 西暦 (2021) for fiscal years, per browser (a cookie).

A middleware puts the choice in a context variable for the request; the ``fy`` template filter
reads it, so every page follows the choice without each template passing it along.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chiiki.web.language import back_to

COOKIE = "chiiki_era"
WAREKI, WESTERN = "wareki", "western"
era_style: contextvars.ContextVar[str] = contextvars.ContextVar("era_style", default=WAREKI)


class EraMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        style = WESTERN if request.COOKIES.get(COOKIE) == WESTERN else WAREKI
        token = era_style.set(style)
        request.era_style = style  # type: ignore[attr-defined]
        try:
            return self.get_response(request)
        finally:
            era_style.reset(token)


def set_era(request: HttpRequest) -> HttpResponse:
    """``/era/?style=western&next=/…`` remembers the choice for a year and goes back."""
    style = WESTERN if request.GET.get("style") == WESTERN else WAREKI
    response = back_to(request)
    response.set_cookie(COOKIE, style, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
