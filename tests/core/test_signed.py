"""Signed quantities: a ratio of a negative target or a negative actual is refused with its
reason, never returned as a silent huge number; the from-baseline method keeps its meaning
whatever the signs (property tests)."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from chiiki.core.progress import (
    Direction,
    IndicatorSpec,
    Method,
    NotComputable,
    YearActual,
    rate_for,
    year_results,
)
from chiiki.core.targets import TargetKind

figures = st.decimals(min_value=-(10**7), max_value=10**7, places=1, allow_nan=False)


def spec(**kw):
    return IndicatorSpec(target_kind=TargetKind.ABSOLUTE, target_fy=2027, **kw)


def test_net_migration_against_a_negative_target_is_refused_not_3272_percent():
    """転出超過 ▲7,004人 against a target of ▲214人 (lower losses are better): the ratio would
    read 3,272.9% (grade A); it is refused, and from the baseline it is judged as it should be."""
    s = spec(target_value=D(-214), baseline_value=D(-8000), baseline_fy=2019,
             direction=Direction.UP)  # fmt: skip
    (ratio,) = year_results(s, [YearActual(2023, D(-7004))], Method.RATIO)
    assert ratio.rate is None and ratio.reason is NotComputable.SIGNED_RATIO
    (gain,) = year_results(s, [YearActual(2023, D(-7004))], Method.FROM_BASELINE)
    # (−7,004 − (−8,000)) ÷ (−214 − (−8,000)) = 996 ÷ 7,786
    assert gain.rate.quantize(D("0.1")) == D("12.8")


def test_a_balance_target_of_zero_is_judged_from_the_baseline():
    """まち・ひと・しごと創生総合戦略 (2014): 東京圏 about 10万人 net inflow a year → 地方・東京圏の
    転出入均衡 (0) in 2020, lower is better. No ratio exists against 0; from the baseline an
    inflow that grew to 14万人 (an illustrative figure) reads −40.0%: it moved away."""
    s = spec(target_value=D(0), baseline_value=D(100_000), baseline_fy=2013,
             direction=Direction.DOWN)  # fmt: skip
    (ratio,) = year_results(s, [YearActual(2019, D(140_000))], Method.RATIO)
    assert ratio.rate is None and ratio.reason is NotComputable.SIGNED_RATIO
    (gain,) = year_results(s, [YearActual(2019, D(140_000))], Method.FROM_BASELINE)
    assert gain.rate == D(-40)
    (half,) = year_results(s, [YearActual(2019, D(50_000))], Method.FROM_BASELINE)
    assert half.rate == D(50)


@given(actual=figures, target=figures)
def test_a_ratio_is_never_computed_on_a_non_positive_target_or_a_negative_actual(actual, target):
    for direction in Direction:
        rate, reason = rate_for(spec(direction=direction), Method.RATIO, actual, target, 2027)
        denominator, numerator = (
            (actual, target) if direction is Direction.DOWN else (target, actual)
        )
        if denominator <= 0 or numerator < 0 or target == 0:
            assert rate is None and reason in (
                NotComputable.SIGNED_RATIO, NotComputable.ZERO_DENOMINATOR
            )  # fmt: skip
        else:
            assert rate is not None and rate >= 0 and reason is None


@given(baseline=figures, target=figures, actual=figures)
def test_from_baseline_measures_the_share_of_the_planned_change_whatever_the_signs(
    baseline, target, actual
):
    s = spec(baseline_value=baseline, baseline_fy=2020)
    rate, reason = rate_for(s, Method.FROM_BASELINE, actual, target, 2027)
    if target == baseline:
        assert rate is None and reason is NotComputable.ZERO_DENOMINATOR
        return
    assert reason is None
    # at the baseline 0%, at the target 100%, and moving toward the target raises it
    assert rate_for(s, Method.FROM_BASELINE, baseline, target, 2027)[0] == 0
    assert rate_for(s, Method.FROM_BASELINE, target, target, 2027)[0] == 100
    step = (target - baseline) / 10
    further, _ = rate_for(s, Method.FROM_BASELINE, actual + step, target, 2027)
    assert further > rate


@given(actual=figures, target=figures)
def test_the_trajectory_refuses_signed_expected_values_too(actual, target):
    s = spec(baseline_value=D(-100), baseline_fy=2020, target_value=target)
    rate, reason = rate_for(s, Method.TRAJECTORY, actual, target, 2024)
    if rate is not None:
        assert rate >= 0 and actual >= 0
    else:
        assert reason in (NotComputable.SIGNED_RATIO, NotComputable.ZERO_DENOMINATOR)
