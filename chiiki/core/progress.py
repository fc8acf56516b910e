"""Progress rates (進捗率) and grades (進捗評価) of an indicator.

The numbers follow docs/kpi-rules.md. In short, for direction *up* with the default ``ratio``
method, the rate for a fiscal year is ``actual ÷ target × 100`` where the target is:

* ``absolute`` / ``cumulative``: the target in force for that year — the latest revision
  (見直し後) applying to it, or the original target;
* ``national``: that year's national value (全国値);
* ``above_baseline`` / ``at_or_above_current``: the baseline (基準値).

A cumulative target compares the running total from the range's first year (or the published
cumulated actual when actuals are entered already cumulated).

Rates are exact Decimals here; :func:`round_rate` gives the published form (one decimal,
half-up — the rule that reproduces the published figures, see docs/kpi-rules.md). Grades come
from a :class:`~chiiki.core.schemes.GradingScheme`, judged on the latest fiscal year that has
an actual and a computable rate; ``未`` and ``—`` years are skipped. With none, the indicator is
not assessable, which is said, never guessed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, Protocol

from chiiki.core.numbers import Missing
from chiiki.core.targets import TargetKind

HUNDRED = Decimal(100)


class Direction(enum.StrEnum):
    UP = "up"  # higher is better
    DOWN = "down"  # lower is better


class Method(enum.StrEnum):
    RATIO = "ratio"  # actual ÷ target (down: target ÷ actual)
    FROM_BASELINE = "from_baseline"  # (actual − baseline) ÷ (target − baseline)
    MAINTAIN = "maintain"  # (2 × target − actual) ÷ target, for lower-is-better
    TRAJECTORY = "trajectory"  # actual ÷ the year's expected value on the baseline→target line
    YEAR_TARGET = "year_target"  # actual ÷ that year's own target (年度別目標値)


@dataclass(frozen=True, slots=True)
class Revision:
    """A revised target. ``from_fy``: the first fiscal year whose actual is judged against
    it (None: every year, as the published tables that do not say computed their rates)."""

    original: Decimal
    revised: Decimal
    from_fy: int | None = None

    def applies_to(self, fy: int) -> bool:
        return self.from_fy is None or fy >= self.from_fy


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """What is needed to evaluate an indicator, independent of storage."""

    target_kind: TargetKind
    target_value: Decimal | None = None
    target_fy: int | None = None
    target_first_fy: int | None = None
    baseline_value: Decimal | None = None
    baseline_fy: int | None = None
    revisions: tuple[Revision, ...] = ()
    direction: Direction = Direction.UP
    method: Method | None = None  # None: the grading scheme's default
    actuals_cumulative: bool = False
    # Interim and yearly targets (中間目標・年度別目標値) before the target FY, as (FY, value):
    # the trajectory to the final target runs through them.
    year_targets: tuple[tuple[int, Decimal], ...] = ()

    @property
    def original_target(self) -> Decimal | None:
        if self.revisions:
            return self.revisions[0].original
        return self.target_value

    @property
    def current_target(self) -> Decimal | None:
        """The latest target: the last revision's value, else the original."""
        if self.revisions:
            return self.revisions[-1].revised
        return self.target_value

    def target_in_force(self, fy: int) -> Decimal | None:
        """The target the actual of ``fy`` is judged against: the last revision applying to
        that year, else the original target."""
        for revision in reversed(self.revisions):
            if revision.applies_to(fy):
                return revision.revised
        return self.original_target

    def revised_harder(self, fy: int) -> bool:
        """Is the target in force for ``fy`` a harder one than the original (upward for up,
        downward for down)?"""
        original, in_force = self.original_target, self.target_in_force(fy)
        if not self.revisions or original is None or in_force is None:
            return False
        if self.direction is Direction.UP:
            return in_force > original
        return in_force < original


class YearActual(NamedTuple):
    """One fiscal year's input: a value, or why there is none; and the national value. (A
    tuple, as :class:`YearResult`: a national recompute makes two million of each.)"""

    fy: int
    value: Decimal | None
    missing: Missing | None = None
    national: Decimal | None = None


class NotComputable(enum.StrEnum):
    """Why a rate or grade could not be computed (shown to people, so in Japanese too)."""

    NO_ACTUAL = "no_actual"
    NO_TARGET = "no_target"
    NO_NATIONAL_VALUE = "no_national_value"
    NO_BASELINE = "no_baseline"
    ZERO_DENOMINATOR = "zero_denominator"
    INCOMPLETE_CUMULATION = "incomplete_cumulation"
    OUTSIDE_CUMULATION = "outside_cumulation"
    SIGNED_RATIO = "signed_ratio"
    NO_YEAR_TARGET = "no_year_target"
    NO_PREVIOUS_YEAR = "no_previous_year"
    NO_SERIES = "no_series"
    PER_SERIES = "per_series"
    SERIES_NOT_ASSESSABLE = "series_not_assessable"

    @property
    def label_ja(self) -> str:
        return _NOT_COMPUTABLE_JA[self]


_NOT_COMPUTABLE_JA = {
    NotComputable.NO_ACTUAL: "実績値がまだありません",
    NotComputable.NO_TARGET: "目標値がありません",
    NotComputable.NO_NATIONAL_VALUE: "その年度の全国値がありません",
    NotComputable.NO_BASELINE: "基準値がありません",
    NotComputable.ZERO_DENOMINATOR: "目標値（または目標と基準値の差）が0のため計算できません",
    NotComputable.INCOMPLETE_CUMULATION: "累計に必要な年度の実績値がそろっていません",
    NotComputable.OUTSIDE_CUMULATION: "累計の期間外の年度です",
    NotComputable.NO_YEAR_TARGET: "この年度の目標値（年度別目標値）がありません",
    NotComputable.NO_PREVIOUS_YEAR: "比べる前年度の実績値（または全国値）がありません",
    NotComputable.NO_SERIES: "系列がまだありません",
    NotComputable.PER_SERIES: "系列ごとに評価しています",
    NotComputable.SERIES_NOT_ASSESSABLE: "評価できない系列があります",
    NotComputable.SIGNED_RATIO: (
        "目標値または実績値が0以下のため、比率では計算できません（基準値からの伸びで計算する方法を使います）"
    ),
}


class YearResult(NamedTuple):
    fy: int
    compared: Decimal | None  # the actual as compared (running total for cumulative targets)
    target: Decimal | None  # the target it was compared with
    rate: Decimal | None  # exact, in %
    reason: NotComputable | None = None
    expected: Decimal | None = None  # trajectory: the value expected that year


_QUANTA: dict[int, Decimal] = {}  # places → 1, 0.1, 0.01 …: made once, used for every rate


def round_rate(rate: Decimal, places: int = 1) -> Decimal:
    """Published form of a rate: ``places`` decimals, half-up (89.583… → 89.6)."""
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA.setdefault(places, Decimal(1).scaleb(-places))
    return rate.quantize(quantum, rounding=ROUND_HALF_UP)


RELATIVE = (TargetKind.ABOVE_PREVIOUS_YEAR, TargetKind.ABOVE_NATIONAL_GROWTH)


def relative_target(
    spec: IndicatorSpec, year: YearActual, previous: YearActual | None
) -> tuple[Decimal | None, NotComputable | None]:
    """A target relative to the year before: its actual (前年度を上回る), or its actual grown as
    the nation grew (国の伸び率を上回る: A(y−1) × N(y) ÷ N(y−1))."""
    if previous is None or previous.value is None:
        return None, NotComputable.NO_PREVIOUS_YEAR
    if spec.target_kind is TargetKind.ABOVE_PREVIOUS_YEAR:
        return previous.value, None
    if year.national is None or previous.national is None or previous.national == 0:
        return None, NotComputable.NO_PREVIOUS_YEAR
    return previous.value * year.national / previous.national, None


def target_for_year(
    spec: IndicatorSpec, year: YearActual, previous: YearActual | None = None
) -> tuple[Decimal | None, NotComputable | None]:
    """The value the actual of ``year`` is compared with (``previous``: the year before, for
    the targets relative to it)."""
    kind = spec.target_kind
    if kind in RELATIVE:
        return relative_target(spec, year, previous)
    if kind is TargetKind.NATIONAL:
        if year.national is None:
            return None, NotComputable.NO_NATIONAL_VALUE
        return year.national, None
    if kind in (TargetKind.ABOVE_BASELINE, TargetKind.AT_OR_ABOVE_CURRENT):
        if spec.baseline_value is None:
            return None, NotComputable.NO_BASELINE
        return spec.baseline_value, None
    target = spec.target_in_force(year.fy)
    if target is None:
        return None, NotComputable.NO_TARGET
    return target, None


def year_target(spec: IndicatorSpec, fy: int) -> tuple[Decimal | None, NotComputable | None]:
    """That year's own target: a yearly or interim target, or in the target year the final
    target in force. Other years have none."""
    own = dict(spec.year_targets).get(fy)
    if own is not None:
        return own, None
    if fy == spec.target_fy:
        final = spec.target_in_force(fy)
        return (final, None) if final is not None else (None, NotComputable.NO_TARGET)
    return None, NotComputable.NO_YEAR_TARGET


def _compared_values(
    spec: IndicatorSpec, years: list[YearActual]
) -> dict[int, tuple[Decimal | None, NotComputable | None]]:
    """Per FY, the figure compared with the target: the actual, or the running total."""
    out: dict[int, tuple[Decimal | None, NotComputable | None]] = {}
    cumulative = spec.target_kind is TargetKind.CUMULATIVE
    by_fy = {y.fy: y for y in years}
    for y in years:
        if y.value is None:
            out[y.fy] = (None, NotComputable.NO_ACTUAL)
            continue
        if not cumulative or spec.actuals_cumulative:
            out[y.fy] = (y.value, None)
            continue
        first = spec.target_first_fy
        if first is None or y.fy < first:
            out[y.fy] = (None, NotComputable.OUTSIDE_CUMULATION)
            continue
        running = Decimal(0)
        for fy in range(first, y.fy + 1):
            prior = by_fy.get(fy)
            if prior is None or prior.value is None:
                running = Decimal(-1)
                break
            running += prior.value
        out[y.fy] = (None, NotComputable.INCOMPLETE_CUMULATION) if running < 0 else (running, None)
    return out


def expected_value(spec: IndicatorSpec, fy: int) -> Decimal | None:
    """The trajectory's value for ``fy``: linear from (baseline FY, baseline) to (target FY,
    the target in force for ``fy``), through any interim or yearly targets in between (a
    straight line between each pair of neighbouring milestones; beyond the last, the line
    from the one before it continues)."""
    target = spec.target_in_force(fy)
    if (
        spec.baseline_value is None
        or spec.baseline_fy is None
        or target is None
        or spec.target_fy is None
        or spec.target_fy == spec.baseline_fy
    ):
        return None
    between = sorted((y, v) for y, v in spec.year_targets if spec.baseline_fy < y < spec.target_fy)
    points = [(spec.baseline_fy, spec.baseline_value), *between, (spec.target_fy, target)]
    # the segment holding fy (the first before the baseline, the last beyond the target FY)
    start = 0
    while start < len(points) - 2 and fy > points[start + 1][0]:
        start += 1
    (fy0, v0), (fy1, v1) = points[start], points[start + 1]
    share = Decimal(fy - fy0) / Decimal(fy1 - fy0)
    return v0 + (v1 - v0) * share


def _ratio(
    down: bool, compared: Decimal, target: Decimal
) -> tuple[Decimal | None, NotComputable | None]:
    """actual ÷ target (down: target ÷ actual), for quantities that are positive.

    A ratio of signed quantities means nothing: a net migration of ▲7,004 against a target of
    ▲214 would read 3,272.9%, and −5 against 10 would read "−50% of the way". So the target
    (down: the actual) must be positive and the other side not negative, and the target is
    never 0 (lower is better against 0 would read 0% until the actual reached 0); otherwise
    the rate is refused with the reason, never returned as a silent number."""
    numerator, denominator = (target, compared) if down else (compared, target)
    if denominator == 0:
        return None, NotComputable.ZERO_DENOMINATOR
    if denominator < 0 or numerator < 0 or target == 0:
        # a lower-is-better target of 0 (転出入均衡) would read 0% whatever the actual
        return None, NotComputable.SIGNED_RATIO
    return numerator / denominator * HUNDRED, None


def rate_for(
    spec: IndicatorSpec, method: Method, compared: Decimal, target: Decimal, fy: int
) -> tuple[Decimal | None, NotComputable | None]:
    """The exact rate in % by ``method``; down-direction indicators invert the ratio.

    ``from_baseline`` is the method for signed quantities: (actual − baseline) ÷ (target −
    baseline) keeps its meaning whatever the signs (the share of the planned change achieved;
    negative when the indicator moved the wrong way), for either direction, since both
    differences change sign together. The ratio methods refuse signed quantities."""
    down = spec.direction is Direction.DOWN
    if method in (Method.RATIO, Method.YEAR_TARGET):
        return _ratio(down, compared, target)
    if method is Method.FROM_BASELINE:
        if spec.baseline_value is None:
            return None, NotComputable.NO_BASELINE
        numerator, denominator = compared - spec.baseline_value, target - spec.baseline_value
    elif method is Method.MAINTAIN:
        if target < 0 or compared < 0:
            return None, NotComputable.SIGNED_RATIO
        numerator, denominator = 2 * target - compared, target
    else:
        expected = expected_value(spec, fy)
        if expected is None:
            return None, NotComputable.NO_BASELINE
        return _ratio(down, compared, expected)
    if denominator == 0:
        return None, NotComputable.ZERO_DENOMINATOR
    return numerator / denominator * HUNDRED, None


def year_results(
    spec: IndicatorSpec, years: Iterable[YearActual], default_method: Method = Method.RATIO
) -> list[YearResult]:
    """Rates for every fiscal year given, in FY order."""
    ordered = sorted(years, key=lambda y: y.fy)
    method = spec.method or default_method
    compared = _compared_values(spec, ordered)
    by_fy = {y.fy: y for y in ordered}
    results = []
    # decided once per indicator, not per year (a national recompute assesses two million)
    by_year_target = method is Method.YEAR_TARGET and spec.target_kind in (
        TargetKind.ABSOLUTE,
        TargetKind.CUMULATIVE,
    )
    trajectory = method is Method.TRAJECTORY
    for y in ordered:
        value, reason = compared[y.fy]
        if by_year_target:
            target, target_reason = year_target(spec, y.fy)
        else:
            target, target_reason = target_for_year(spec, y, by_fy.get(y.fy - 1))
        expected = expected_value(spec, y.fy) if trajectory else None
        if value is None or target is None:
            results.append(YearResult(y.fy, value, target, None, reason or target_reason, expected))
            continue
        rate, rate_reason = rate_for(spec, method, value, target, y.fy)
        results.append(YearResult(y.fy, value, target, rate, rate_reason, expected))
    return results


def achieved(spec: IndicatorSpec, compared: Decimal, target: Decimal) -> bool:
    """Is the target met? Exact comparison (99.96% is not achieved even if shown as 100.0%).

    基準値より増加 and the targets relative to the year before (「上回る」) need a strict
    increase; the other kinds are met at equality.
    """
    if spec.target_kind in (TargetKind.ABOVE_BASELINE, *RELATIVE):  # 「上回る」: strictly
        return compared < target if spec.direction is Direction.DOWN else compared > target
    return compared <= target if spec.direction is Direction.DOWN else compared >= target


_VALUED = (TargetKind.ABSOLUTE, TargetKind.CUMULATIVE)


def _meets(spec: IndicatorSpec, compared: Decimal, target: Decimal) -> bool:
    return compared <= target if spec.direction is Direction.DOWN else compared >= target


def _better(spec: IndicatorSpec, now: Decimal, before: Decimal) -> bool:
    """Strictly better than the year before, in the indicator's direction."""
    return now < before if spec.direction is Direction.DOWN else now > before


def original_target_achieved(spec: IndicatorSpec, compared: Decimal, fy: int) -> bool:
    """The target in force for ``fy`` is a harder revision and the original target is met."""
    original = spec.original_target
    if not spec.revised_harder(fy) or original is None:
        return False
    return compared <= original if spec.direction is Direction.DOWN else compared >= original


@dataclass(frozen=True, slots=True)
class Assessment:
    """The outcome for one indicator under one scheme."""

    scheme: str
    years: list[YearResult] = field(default_factory=list)
    rates: dict[int, Decimal | None] = field(default_factory=dict)  # rounded, as published
    grade: str | None = None
    grade_fy: int | None = None
    reason: NotComputable | None = None  # why there is no grade
    achieved: bool | None = None
    facts: GradeFacts | None = None  # what the grade was decided on


@dataclass(frozen=True, slots=True)
class GradeFacts:
    """What a grading band can look at."""

    achieved: bool  # the target the graded year was compared with (its own, for year_target)
    original_target_achieved: bool
    rate: Decimal  # rounded as the scheme publishes it
    final_target_achieved: bool = False  # the final target in force (absolute, cumulative)
    improved: bool | None = None  # better than the year before with a figure (None: none)


class Grades(Protocol):
    """What :func:`assess` needs of a grading scheme (``chiiki.core.schemes.GradingScheme``)."""

    @property
    def name(self) -> str: ...

    @property
    def method(self) -> Method: ...

    @property
    def places(self) -> int: ...

    def grade(self, facts: GradeFacts) -> str: ...


def assess(spec: IndicatorSpec, years: Iterable[YearActual], scheme: Grades) -> Assessment:
    """Rates for every year and the grade on the latest assessable year."""
    results = year_results(spec, years, scheme.method)
    rates = {
        r.fy: round_rate(r.rate, scheme.places) if r.rate is not None else None for r in results
    }
    latest = next((r for r in reversed(results) if r.rate is not None), None)
    if latest is None:
        reasons = [r.reason for r in results if r.reason]
        reason = next((r for r in reversed(reasons) if r is not NotComputable.NO_ACTUAL), None)
        return Assessment(
            scheme.name, results, rates, None, None, reason or NotComputable.NO_ACTUAL, None
        )
    assert latest.compared is not None and latest.target is not None and latest.rate is not None
    met = achieved(spec, latest.compared, latest.target)
    final = spec.target_in_force(latest.fy) if spec.target_kind in _VALUED else None
    earlier = [r for r in results if r.fy < latest.fy and r.compared is not None]
    before = earlier[-1].compared if earlier else None
    facts = GradeFacts(
        achieved=met,
        original_target_achieved=original_target_achieved(spec, latest.compared, latest.fy),
        rate=round_rate(latest.rate, scheme.places),
        final_target_achieved=final is not None and _meets(spec, latest.compared, final),
        improved=None if before is None else _better(spec, latest.compared, before),
    )
    return Assessment(scheme.name, results, rates, scheme.grade(facts), latest.fy, None, met, facts)
