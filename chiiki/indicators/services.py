"""Writes for indicators. Computed fields (rates, grades) are only ever set here."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from chiiki.core.numbers import Missing
from chiiki.core.progress import (
    Direction,
    IndicatorSpec,
    Method,
    Revision,
    YearActual,
    assess,
)
from chiiki.core.schemes import get_scheme
from chiiki.core.targets import TargetKind
from chiiki.indicators.models import Indicator


def indicator_spec(indicator: Indicator) -> IndicatorSpec:
    """The core's view of a stored indicator (revisions must be prefetched or are queried)."""
    return IndicatorSpec(
        target_kind=TargetKind(indicator.target_kind),
        target_value=indicator.target_value,
        target_fy=indicator.target_fy,
        target_first_fy=indicator.target_first_fy,
        baseline_value=indicator.baseline_value,
        baseline_fy=indicator.baseline_fy,
        revisions=tuple(
            Revision(r.original_value, r.revised_value) for r in indicator.revisions.all()
        ),
        direction=Direction(indicator.direction),
        method=Method(indicator.method) if indicator.method else None,
        actuals_cumulative=indicator.actuals_cumulative,
    )


def year_actuals(indicator: Indicator) -> list[YearActual]:
    return [
        YearActual(a.fy, a.value, Missing(a.marker) if a.marker else None, a.national_value)
        for a in indicator.actuals.all()
    ]


def scheme_name(indicator: Indicator) -> str:
    return indicator.project.plan.grading_scheme


@transaction.atomic
def recompute(indicators: Iterable[Indicator]) -> int:
    """Recompute and store every rate and grade of ``indicators``; returns rows changed.

    Call after any change to an indicator's definition, revisions or actuals.
    """
    changed = 0
    ids = [i.pk for i in indicators]
    fresh = (
        Indicator.objects.filter(pk__in=ids)
        .select_related("project__plan")
        .prefetch_related("revisions", "actuals")
    )
    for indicator in fresh:
        scheme = get_scheme(scheme_name(indicator))
        result = assess(indicator_spec(indicator), year_actuals(indicator), scheme)
        by_fy = {r.fy: r for r in result.years}
        for actual in indicator.actuals.all():
            rate = result.rates.get(actual.fy)
            reason = by_fy[actual.fy].reason
            new = (rate, reason.value if reason else "")
            if (actual.rate, actual.rate_reason) != new:
                actual.rate, actual.rate_reason = new
                actual.save(update_fields=["rate", "rate_reason"])
                changed += 1
        new_grade = (
            result.grade or "",
            result.grade_fy,
            result.reason.value if result.reason else "",
            scheme.name,
        )
        old_grade = (
            indicator.grade,
            indicator.grade_fy,
            indicator.grade_reason,
            indicator.grading_scheme,
        )
        if old_grade != new_grade:
            (
                indicator.grade,
                indicator.grade_fy,
                indicator.grade_reason,
                indicator.grading_scheme,
            ) = new_grade
            indicator.save(update_fields=["grade", "grade_fy", "grade_reason", "grading_scheme"])
            changed += 1
    return changed


def recompute_all() -> int:
    return recompute(Indicator.objects.all())
