"""Which organization (prefecture) a request is about: every page reads ``request.organization``.

Staff always work in their own organization: a member of one prefecture never sees another's
internal pages, whatever the address or cookie says. A visitor without an account reads the
organization they chose (a cookie set by ``/organization/?slug=…``), else the deployment's
``CHIIKI_ORGANIZATION``, else the first one by code.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from chiiki.accounts.access import membership_of
from chiiki.plans.models import Organization
from chiiki.plans.selectors import default_organization
from chiiki.web.language import back_to

COOKIE = "chiiki_org"


def organization_for(request: HttpRequest) -> Organization:
    membership = membership_of(getattr(request, "user", None))
    if membership is not None:
        return membership.organization
    chosen = request.COOKIES.get(COOKIE) or settings.CHIIKI_ORGANIZATION
    return (chosen and _by_slug(chosen)) or default_organization()


def _by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


class OrganizationMiddleware:
    """Sets ``request.organization`` (resolved on first use). After authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = SimpleLazyObject(lambda: organization_for(request))  # type: ignore[attr-defined]
        return self.get_response(request)


def choose_organization(request: HttpRequest) -> HttpResponse:
    """``/organization/?slug=aomori&next=/…``: the prefecture a visitor reads, for a year."""
    org = _by_slug(request.GET.get("slug", "").strip())
    if org is None:
        raise Http404("団体が見つかりません")
    response = back_to(request)
    response.set_cookie(COOKIE, org.slug, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
