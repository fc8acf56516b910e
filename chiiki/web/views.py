"""Public pages. Views stay thin: a selector gathers the data, a template shows it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chiiki.indicators.selectors import indicator_page
from chiiki.plans import selectors
from chiiki.support.selectors import support_page


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", selectors.home(selectors.default_organization()))


def region(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/region.html", selectors.region_page(org, slug))


def bureau(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/bureau.html", selectors.bureau_page(org, slug))


def plan(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/plan.html", selectors.plan_page(org, slug))


def project(request: HttpRequest, plan_slug: str, slug: str) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/project.html", selectors.project_page(org, plan_slug, slug))


def municipalities(request: HttpRequest) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/municipalities.html", selectors.municipality_list(org))


def support(request: HttpRequest) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/support.html", support_page(org))


def indicator(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.default_organization()
    return render(request, "web/indicator.html", indicator_page(org, pk))
