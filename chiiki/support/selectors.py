"""Reads for the municipal support page."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from chiiki.plans.models import Municipality, Organization
from chiiki.support.models import CooperationArea, SupportFigure, SupportScheme


def support_page(org: Organization) -> dict[str, Any]:
    schemes = list(
        SupportScheme.objects.filter(organization=org)
        .select_related("source")
        .prefetch_related(
            Prefetch("figures", queryset=SupportFigure.objects.order_by("metric", "fy"))
        )
    )
    categories = [
        (label, [s for s in schemes if s.category == value])
        for value, label in SupportScheme.Category.choices
    ]
    areas = list(
        CooperationArea.objects.filter(organization=org)
        .select_related("source")
        .prefetch_related(Prefetch("members", queryset=Municipality.objects.order_by("code")))
        .order_by("order")
    )
    return {
        "categories": categories,
        "areas": areas,
        "areas_sources": list(dict.fromkeys(a.source for a in areas if a.source)),
    }
