"""The one grader: every progress rate and grade stored is computed here, for one indicator
(after a form save) or a nation (``chiiki indicators recompute``), by the same code.

The arithmetic is the core's (``chiiki.core.progress.assess``); this module maps stored rows
to the core's spec — once, in :func:`spec_of` — reads them as plain rows in chunks, and writes
back only what changed. Each chunk is its own transaction, so a national recompute holds no
lock for long and a crash leaves every chunk either done or not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction

from chiiki.core.numbers import Missing
from chiiki.core.progress import (
    Assessment,
    Direction,
    IndicatorSpec,
    Method,
    Revision,
    YearActual,
    assess,
)
from chiiki.core.schemes import get_scheme
from chiiki.core.series import assess_series
from chiiki.core.targets import TargetKind
from chiiki.indicators.models import Actual, Indicator, TargetRevision, YearTarget
from chiiki.storage import CHUNK, by_range, chunks, update_rows, without_cycle_collection

# The stored fields the core's spec is made of (Indicator columns).
SPEC_FIELDS = (
    "target_kind",
    "target_value",
    "target_fy",
    "target_first_fy",
    "baseline_value",
    "baseline_fy",
    "direction",
    "method",
    "actuals_cumulative",
)


def spec_of(
    values: Sequence[Any],
    revisions: Iterable[Revision],
    year_targets: Iterable[tuple[int, Decimal]] = (),
) -> IndicatorSpec:
    """The core's view of a stored indicator: ``values`` are the SPEC_FIELDS, in that order
    (a row read with ``values_list(*SPEC_FIELDS)``, or a model's attributes); its revisions
    and its interim or yearly targets as (FY, value)."""
    kind, target, target_fy, first_fy, baseline, baseline_fy, direction, method, cumulative = values
    return IndicatorSpec(
        target_kind=TargetKind(kind),
        target_value=target,
        target_fy=target_fy,
        target_first_fy=first_fy,
        baseline_value=baseline,
        baseline_fy=baseline_fy,
        revisions=tuple(revisions),
        direction=Direction(direction),
        method=Method(method) if method else None,
        actuals_cumulative=cumulative,
        year_targets=tuple(year_targets),
    )


def indicator_spec(indicator: Indicator) -> IndicatorSpec:
    """The spec of a model instance (revisions and year targets must be prefetched or are
    queried)."""
    return spec_of(
        [getattr(indicator, f) for f in SPEC_FIELDS],
        (
            Revision(r.original_value, r.revised_value, r.revised_fy)
            for r in indicator.revisions.all()
        ),
        ((t.fy, t.value) for t in indicator.year_targets.all()),
    )


def year_actual(
    fy: int, value: Decimal | None, marker: str, national: Decimal | None
) -> YearActual:
    return YearActual(fy, value, Missing(marker) if marker else None, national)


def year_actuals(indicator: Indicator) -> list[YearActual]:
    return [year_actual(a.fy, a.value, a.marker, a.national_value) for a in indicator.actuals.all()]


class Regraded(NamedTuple):
    """What a recompute changed: actual rows (rate, reason) and indicators (grade)."""

    rates: int
    grades: int

    @property
    def changed(self) -> int:
        return self.rates + self.grades


def recompute(
    indicators: Iterable[Indicator | int] | None = None,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> Regraded:
    """Recompute and store the rates and grades of ``indicators`` (instances or ids; every
    indicator when None). Call after any change to an indicator's definition, revisions or
    actuals."""
    regraded, _rates = _regrade(_with_parents(indicators), {}, chunk, progress)
    return regraded


# (indicator id, FY) → (value, marker): actuals about to be stored.
Pending = dict[tuple[int, int], tuple[Decimal | None, str]]
# (indicator id, FY) → (rate, rate_reason) of such an actual.
PendingRates = dict[tuple[int, int], tuple[Decimal | None, str]]


def regrade_before_store(pending: Pending) -> PendingRates:
    """Grade the indicators of the actuals about to be stored, as if they were stored: store
    every rate and grade that changes except those of the pending rows, and return those, so
    the writer stores each value with its rate in one write (a million-value import then
    updates each row once, not twice). Call inside the writer's transaction, with the
    indicators locked; the result equals storing first and calling :func:`recompute`
    (tests/test_grading_equivalence.py)."""
    _regraded, rates = _regrade(_with_parents({i for i, _fy in pending}), pending, CHUNK, None)
    return rates


def _with_parents(indicators: Iterable[Indicator | int] | None) -> list[int]:
    """The ids to grade: ``indicators`` (every indicator when None) and, for a series, the
    indicator it belongs to (a series' change regrades it)."""
    if indicators is None:
        return list(Indicator.with_drafts.order_by("pk").values_list("pk", flat=True))
    given = {i if isinstance(i, int) else i.pk for i in indicators}
    parents: set[int] = set()
    for part in chunks(sorted(given), CHUNK):
        parents.update(
            by_range(Indicator.with_drafts, "pk", part)
            .filter(parent__isnull=False)
            .order_by()
            .values_list("parent_id", flat=True)
        )
    return sorted(given | parents)


@without_cycle_collection()
def _regrade(
    ids: list[int],
    pending: Pending,
    chunk: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[Regraded, PendingRates]:
    rates = grades = done = 0
    pending_rates: PendingRates = {}
    pending_fys: dict[int, list[int]] = defaultdict(list)
    for indicator_id, fy in pending:
        pending_fys[indicator_id].append(fy)
    for part in chunks(ids, chunk):
        with transaction.atomic():
            rate_rows, grade_rows = _grade_chunk(part, pending, pending_rates, pending_fys)
            update_rows("indicators_actual", ("rate numeric", "rate_reason text"), rate_rows)
            update_rows(
                "indicators_indicator",
                ("grade text", "grade_fy integer", "grade_reason text", "grading_scheme text"),
                grade_rows,
            )
        rates += len(rate_rows)
        grades += len(grade_rows)
        done += len(part)
        if progress:
            progress(done, len(ids))
    return Regraded(rates, grades), pending_rates


_READ = ("pk", *SPEC_FIELDS, "project__plan__grading_scheme", "grade", "grade_fy",
         "grade_reason", "grading_scheme")  # fmt: skip


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b


def _grade_chunk(
    part: list[int],
    pending: Pending,
    pending_rates: PendingRates,
    pending_fys: dict[int, list[int]],
) -> tuple[list[tuple[int, Decimal | None, str]], list[tuple[int, str, int | None, str, str]]]:
    """The changed rates and grades of the indicators ``part``. An indicator with several
    series is graded from its series, which are read (and assessed) with it even when they
    fall in another chunk; only ``part``'s rows are written. ``pending`` actuals are graded
    as if stored (``pending_fys``: their FYs by indicator); their rates go to
    ``pending_rates`` instead of the changed rows."""
    series: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for parent_id, pk, name in (
        by_range(Indicator.with_drafts, "parent_id", part)
        .order_by("parent_id", "order", "pk")
        .values_list("parent_id", "pk", "series_name")
    ):
        series[parent_id].append((pk, name))
    writing = set(part)
    part = sorted(writing | {pk for members in series.values() for pk, _n in members})
    revisions: dict[int, list[Revision]] = defaultdict(list)
    for indicator_id, original, revised, from_fy in (
        by_range(TargetRevision.objects, "indicator_id", part)
        .order_by("indicator_id", "order", "pk")
        .values_list("indicator_id", "original_value", "revised_value", "revised_fy")
    ):
        revisions[indicator_id].append(Revision(original, revised, from_fy))
    year_targets: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for indicator_id, fy, value in (
        by_range(YearTarget.objects, "indicator_id", part)
        .order_by("indicator_id", "fy")  # not the model's order, which joins up to the plan
        .values_list("indicator_id", "fy", "value")
    ):
        year_targets[indicator_id].append((fy, value))
    actuals: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        by_range(Actual.objects, "indicator_id", part)
        .order_by("indicator_id", "fy")
        .values_list(
            "pk", "indicator_id", "fy", "value", "marker", "national_value", "rate", "rate_reason"
        )
    ):
        if (row[1], row[2]) in pending:  # as it will be stored
            row = (row[0], row[1], row[2], *pending[(row[1], row[2])], *row[5:])
        actuals[row[1]].append(row)
    for pk in part if pending else ():  # the rows about to be added
        years_stored = {a[2] for a in actuals[pk]}
        added = [fy for fy in pending_fys.get(pk, ()) if fy not in years_stored]
        if added:
            actuals[pk] += [(None, pk, fy, *pending[(pk, fy)], None, None, "") for fy in added]
            actuals[pk].sort(key=lambda a: a[2])
    rate_changes: list[tuple[int, Decimal | None, str]] = []
    grade_changes: list[tuple[int, str, int | None, str, str]] = []
    spec_end = 1 + len(SPEC_FIELDS)
    rows = list(by_range(Indicator.with_drafts, "pk", part).order_by("pk").values_list(*_READ))
    assessed: dict[int, Assessment] = {}
    for values in rows:  # every indicator's own figures first, then the series' indicators
        pk = values[0]
        years = [year_actual(a[2], a[3], a[4], a[5]) for a in actuals[pk]]
        spec = spec_of(values[1:spec_end], revisions[pk], year_targets[pk])
        assessed[pk] = assess(spec, years, get_scheme(values[spec_end]))
    for values in rows:
        pk = values[0]
        if pk not in writing:
            continue
        scheme = get_scheme(values[spec_end])
        result = assessed[pk]
        reasons = {r.fy: r.reason for r in result.years}
        for a in actuals[pk]:
            rate = result.rates.get(a[2])
            reason = reasons[a[2]]
            reason_text = reason.value if reason else ""
            if (pk, a[2]) in pending:
                pending_rates[(pk, a[2])] = (rate, reason_text)
            elif not _same(a[6], rate) or a[7] != reason_text:
                rate_changes.append((a[0], rate, reason_text))
        if values[1] == TargetKind.SERIES:
            combined = assess_series(
                [(name, assessed[member]) for member, name in series[pk]],
                scheme,
                scheme.series_rule,
            )
            outcome = (combined.grade, combined.grade_fy, combined.reason)
        else:
            outcome = (result.grade, result.grade_fy, result.reason)
        grade = (
            outcome[0] or "",
            outcome[1],
            outcome[2].value if outcome[2] else "",
            scheme.name,
        )
        stored = tuple(values[spec_end + 1 : spec_end + 5])  # grade, FY, reason, scheme
        if grade != stored:
            grade_changes.append((pk, *grade))
    return rate_changes, grade_changes
