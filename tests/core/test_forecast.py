import math
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiiki.core.forecast import (
    Model,
    Status,
    backtest_one,
    fit,
    forecast,
    loo_error,
    t_quantile,
)
from chiiki.core.numbers import Missing
from chiiki.core.progress import Direction, IndicatorSpec, YearActual
from chiiki.core.targets import TargetKind


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        (0.9, 1, 3.0777),
        (0.9, 2, 1.8856),
        (0.975, 10, 2.2281),
        (0.95, 30, 1.6973),
        (0.1, 5, -1.4759),
    ],
)
def test_t_quantiles_match_the_tables(p, df, expected):
    assert t_quantile(p, df) == pytest.approx(expected, abs=1e-4)


def test_an_exact_line_is_recovered_with_a_zero_width_interval():
    f = fit(Model.LINEAR, [(2015, 10.0), (2016, 12.0), (2017, 14.0)])
    point, low, high = f.predict(2019)
    assert (
        point == pytest.approx(18.0) and low == pytest.approx(18.0) and high == pytest.approx(18.0)
    )


def test_constant_growth_is_recovered_by_the_log_linear_model():
    f = fit(Model.LOG_LINEAR, [(2015, 100.0), (2016, 110.0), (2017, 121.0)])
    assert f.predict(2019)[0] == pytest.approx(146.41)


def test_log_linear_does_not_apply_to_non_positive_values():
    assert fit(Model.LOG_LINEAR, [(2015, 0.0), (2016, 1.0), (2017, 2.0)]) is None


@given(st.lists(st.floats(min_value=1, max_value=1e6), min_size=3, max_size=10), st.integers(1, 10))
def test_intervals_contain_the_point_and_widen_further_out(values, ahead):
    points = list(zip(range(2010, 2010 + len(values)), values, strict=True))
    f = fit(Model.LINEAR, points)
    last = points[-1][0]
    p1, lo1, hi1 = f.predict(last + ahead)
    _, lo2, hi2 = f.predict(last + ahead + 5)
    assert lo1 <= p1 <= hi1
    assert (hi2 - lo2) >= (hi1 - lo1) - 1e-6 * max(1.0, abs(hi1))


def spec(**kw):
    kw.setdefault("target_kind", TargetKind.ABSOLUTE)
    kw.setdefault("target_fy", 2019)
    return IndicatorSpec(**kw)


def ys(*pairs):
    return [
        YearActual(fy, None, v) if isinstance(v, Missing) else YearActual(fy, D(str(v)))
        for fy, v in pairs
    ]


def test_needs_three_actuals_and_a_target_year_ahead():
    assert forecast(spec(target_value=D(100)), ys((2015, 1), (2016, 2))) is None
    assert (
        forecast(spec(target_value=D(100), target_fy=2016), ys((2014, 1), (2015, 2), (2016, 3)))
        is None
    )
    skipped = ys((2015, 1), (2016, Missing.NOT_PUBLISHED), (2017, 2))
    assert forecast(spec(target_value=D(100)), skipped) is None


def test_status_on_track_off_track_and_at_risk():
    steady = ys((2015, 80), (2016, 86), (2017, 89), (2018, 95))
    assert forecast(spec(target_value=D(90)), steady).status is Status.ON_TRACK
    assert forecast(spec(target_value=D(200)), steady).status is Status.OFF_TRACK
    noisy = ys((2015, 80), (2016, 95), (2017, 85), (2018, 100))
    assert forecast(spec(target_value=D(100)), noisy).status is Status.AT_RISK


def test_lower_is_better_status():
    falling = ys((2015, 100), (2016, 91), (2017, 79), (2018, 70))
    assert (
        forecast(spec(target_value=D(65), direction=Direction.DOWN), falling).status
        is Status.ON_TRACK
    )


def test_actuals_exactly_on_a_line_give_no_interval_and_no_status():
    """3, 6, 9 件: the fit has no residuals, so its interval has zero width. That is no
    certainty: the projection is shown as a reference, without an interval or a status."""
    f = forecast(spec(target_value=D(12)), ys((2015, 3), (2016, 6), (2017, 9), (2018, 12)))
    assert f is not None and not f.selected.has_interval
    assert f.status is None and f.note.startswith("実績値がちょうど一直線に並んでいる")
    assert round(f.selected.point) == 15


def test_national_targets_get_a_projection_but_no_status():
    f = forecast(
        spec(target_kind=TargetKind.NATIONAL), ys((2015, "1.31"), (2016, "1.29"), (2017, "1.29"))
    )
    assert f is not None and f.status is None and "全国値" in f.note


def test_cumulative_targets_forecast_the_running_total():
    s = spec(
        target_kind=TargetKind.CUMULATIVE,
        target_value=D(10500),
        target_first_fy=2015,
        target_fy=2019,
    )
    per_year = ys((2015, 2000), (2016, 2000), (2017, 2000), (2018, 2000))
    f = forecast(s, per_year)
    assert f.selected.point == pytest.approx(10000, rel=0.05)
    assert f.basis_fys == (2015, 2016, 2017, 2018)


def test_the_selected_model_has_the_smaller_leave_one_out_error():
    f = forecast(
        spec(target_value=D(200)), ys((2015, 100), (2016, 110), (2017, 121), (2018, "133.1"))
    )
    errors = {m.model: m.loo_mse for m in f.models}
    assert f.selected.model is min(errors, key=errors.get)
    assert f.selected.model is Model.LOG_LINEAR


def test_backtest_hides_the_last_year():
    row = backtest_one("x", [(2015, 10.0), (2016, 12.0), (2017, 14.0), (2018, 99.0)])
    assert row.fy == 2018 and row.actual == 99.0
    assert row.predictions[Model.LINEAR][0] == pytest.approx(16.0)
    assert backtest_one("short", [(2015, 1.0), (2016, 2.0), (2017, 3.0)]) is None


def test_loo_error_of_a_perfect_line_is_zero():
    assert loo_error(Model.LINEAR, [(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)]) == pytest.approx(
        0.0, abs=1e-12
    )
    assert math.isfinite(loo_error(Model.LOG_LINEAR, [(1, 1.0), (2, 2.0), (3, 3.0)]))
