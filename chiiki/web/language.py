"""The reader's language: Japanese unless they chose English (a cookie set from the footer).

Django's LocaleMiddleware would also follow the browser's Accept-Language header, so most
visitors with an English-language browser would get the English interface without asking.
The published content (names of plans, projects, KPIs) is Japanese whatever the interface
language, and staff share links and screenshots, so the interface stays Japanese until a
reader switches it; the choice is remembered for a year.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

LANGUAGES = dict(settings.LANGUAGES)
API_PREFIX = "/api/"


def chosen_language(request: HttpRequest) -> str:
    if request.path.startswith(API_PREFIX):
        # Programs send no cookie: the API answers in the language the request accepts.
        return translation.get_language_from_request(request)
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return code if code in LANGUAGES else settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = chosen_language(request)
        translation.activate(code)
        request.LANGUAGE_CODE = code  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", code)
        return response


def back_to(request: HttpRequest) -> HttpResponse:
    """A redirect to ``?next=`` when it points into this site, else to the top page."""
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)


def set_language(request: HttpRequest) -> HttpResponse:
    """``/language/?lang=en&next=/…`` remembers the interface language and goes back."""
    code = request.GET.get("lang", "")
    response = back_to(request)
    if code in LANGUAGES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
        )
    return response
