"""Reads for the bureau-wide correction grid (HQ): every indicator of a bureau's projects for
one FY. Bureaus enter their figures in collection rounds."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext

from chiiki.accounts.access import (
    FIGURES_THROUGH_ROUNDS,
    can_enter_for_bureau,
    can_publish_figures,
)
from chiiki.indicators.models import HOLDS_FIGURES, Actual, Indicator
from chiiki.plans.models import Bureau, Organization


class FiguresThroughRounds(PermissionDenied):
    """A bureau editor reached HQ's correction grid: their figures go through a round."""


def grid(org: Organization, user: Any, bureau_slug: str, fy: int) -> dict[str, Any]:
    bureau = Bureau.objects.filter(organization=org, slug=bureau_slug).first()
    if bureau is None:
        raise Http404("振興局が見つかりません")
    indicators = list(
        Indicator.objects.filter(HOLDS_FIGURES, project__lead_bureau=bureau)
        .select_related("project", "project__plan")
        .prefetch_related(Prefetch("actuals", queryset=Actual.objects.filter(fy=fy)))
        .order_by("project__plan__slug", "project__order", "order")
    )
    if not can_enter_for_bureau(user, bureau):
        raise PermissionDenied(gettext("この振興局の実績値を入力する権限がありません"))
    if not can_publish_figures(user, org.pk):
        # bureau editors: their figures go through a collection round, reviewed by HQ
        raise FiguresThroughRounds(str(FIGURES_THROUGH_ROUNDS))
    rows = []
    for indicator in indicators:
        actual = next(iter(indicator.actuals.all()), None)
        rows.append({"indicator": indicator, "actual": actual})
    return {"bureau": bureau, "fy": fy, "rows": rows}
