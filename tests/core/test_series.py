"""Indicators with several series: each series assessed alone, the indicator's grade by the
scheme's series rule (worst, all, mean rate, each)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiiki.core.progress import IndicatorSpec, NotComputable, YearActual, assess
from chiiki.core.schemes import SchemeError, get_scheme, parse_schemes
from chiiki.core.series import SeriesRule, assess_series
from chiiki.core.targets import TargetKind

HOKKAIDO = get_scheme("hokkaido")
ABCD = get_scheme("abcd")


def part(target: str, *actuals: tuple[int, str | None], scheme=HOKKAIDO):
    spec = IndicatorSpec(TargetKind.ABSOLUTE, D(target), target_fy=2027)
    years = [YearActual(fy, D(v) if v is not None else None) for fy, v in actuals]
    return assess(spec, years, scheme)


# 算数・数学の正答率が全国の上位25%にある児童生徒の割合 (%), target 27 for each school level
ELEMENTARY = part("27", (2023, "25"), (2024, "27.5"))  # 101.9% → A①
JUNIOR_HIGH = part("27", (2023, "20"), (2024, "21.6"))  # 80.0% → A③
HIGH = part("27", (2023, "15"), (2024, "13.5"))  # 50.0% → B


def test_worst_takes_the_lowest_series_grade():
    parts = [("小学校", ELEMENTARY), ("中学校", JUNIOR_HIGH)]
    result = assess_series(parts, HOKKAIDO, SeriesRule.WORST)
    assert (ELEMENTARY.grade, JUNIOR_HIGH.grade) == ("A①", "A③")
    assert result.grade == "A③" and result.grade_fy == 2024 and result.reason is None
    result = assess_series([*parts, ("高校", HIGH)], HOKKAIDO, SeriesRule.WORST)
    assert result.grade == "B"


def test_all_is_achieved_only_when_every_series_is():
    both = [("小学校", ELEMENTARY), ("中学校", part("27", (2024, "27")))]
    assert assess_series(both, HOKKAIDO, SeriesRule.ALL).grade == "A①"
    one = [("小学校", ELEMENTARY), ("中学校", JUNIOR_HIGH)]
    result = assess_series(one, HOKKAIDO, SeriesRule.ALL)
    # not every series met its target: graded on the lowest rate, 80.0% → A③
    assert result.grade == "A③" and result.rate == D("80.0")


def test_mean_rate_grades_on_the_mean_of_the_published_rates():
    parts = [("小学校", ELEMENTARY), ("中学校", JUNIOR_HIGH), ("高校", HIGH)]
    assert [a.rates[2024] for _n, a in parts] == [D("101.9"), D("80.0"), D("50.0")]
    result = assess_series(parts, HOKKAIDO, SeriesRule.MEAN_RATE)
    assert result.rate == D("77.3")  # (101.9 + 80.0 + 50.0) ÷ 3 = 77.30
    assert result.grade == "B"
    # the same series under the A–D scale: 77.3% → C
    abcd = [(n, part("27", (2024, v), scheme=ABCD)) for n, v in
            (("小学校", "27.5"), ("中学校", "21.6"), ("高校", "13.5"))]  # fmt: skip
    assert assess_series(abcd, ABCD, SeriesRule.MEAN_RATE).grade == "C"


def test_each_series_keeps_its_own_grade():
    parts = [("小学校", ELEMENTARY), ("中学校", JUNIOR_HIGH)]
    result = assess_series(parts, HOKKAIDO, SeriesRule.EACH)
    assert result.grade is None and result.reason is NotComputable.PER_SERIES
    assert [a.grade for _n, a in result.parts] == ["A①", "A③"]


def test_a_series_without_an_assessable_year_leaves_the_indicator_ungraded():
    unsurveyed = part("27", (2024, None))
    for rule in (SeriesRule.WORST, SeriesRule.ALL, SeriesRule.MEAN_RATE):
        result = assess_series([("小学校", ELEMENTARY), ("高校", unsurveyed)], HOKKAIDO, rule)
        assert result.grade is None
        assert result.reason is NotComputable.SERIES_NOT_ASSESSABLE
    assert assess_series([], HOKKAIDO, SeriesRule.WORST).reason is NotComputable.NO_SERIES


def test_series_graded_on_different_latest_years_report_the_latest():
    late = part("27", (2023, "27"), (2024, None))  # judged on 2023
    result = assess_series([("小学校", ELEMENTARY), ("高校", late)], HOKKAIDO, SeriesRule.WORST)
    assert late.grade_fy == 2023 and result.grade_fy == 2024 and result.grade == "A①"


def test_the_rule_is_part_of_the_scheme():
    assert HOKKAIDO.series_rule is SeriesRule.WORST
    data = {"x": {"label": "x", "series_rule": "mean_rate",
                  "bands": [{"grade": "A", "when": "always"}]}}  # fmt: skip
    assert parse_schemes(data)["x"].series_rule is SeriesRule.MEAN_RATE
    data["x"]["series_rule"] = "median"
    with pytest.raises(SchemeError, match="scheme 'x' field 'series_rule': unknown rule 'median'"):
        parse_schemes(data)


values = st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False)


@given(st.lists(st.tuples(values, values), min_size=1, max_size=5))
def test_combined_grades_are_never_better_than_every_series_allows(pairs):
    """worst is one of the series' grades and no series is worse; all and mean_rate never say
    achieved unless every series achieved; each never grades the indicator."""
    parts = [(str(i), part(str(t + 1), (2024, str(a)))) for i, (t, a) in enumerate(pairs)]
    order = HOKKAIDO.grades()
    worst = assess_series(parts, HOKKAIDO, SeriesRule.WORST)
    grades = [a.grade for _n, a in parts]
    assert worst.grade in grades
    assert all(order.index(g) <= order.index(worst.grade) for g in grades)
    every = all(a.achieved for _n, a in parts)
    for rule in (SeriesRule.ALL, SeriesRule.MEAN_RATE):
        combined = assess_series(parts, HOKKAIDO, rule)
        assert (combined.grade == "A①") == every
    assert assess_series(parts, HOKKAIDO, SeriesRule.EACH).grade is None
