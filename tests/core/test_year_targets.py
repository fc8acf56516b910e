"""Targets per year: achievement against the year's own target (年度別目標値), and the
trajectory's expected value reported with each year it was computed against."""

from __future__ import annotations

from decimal import Decimal as D

from chiiki.core.progress import (
    IndicatorSpec,
    Method,
    NotComputable,
    YearActual,
    assess,
    year_results,
)
from chiiki.core.schemes import get_scheme
from chiiki.core.targets import TargetKind

# 新規就農者数: baseline 100 (R6); yearly targets 120 (R7), 140 (R8), 160 (R9); final 200 (R11)
SPEC = IndicatorSpec(
    target_kind=TargetKind.ABSOLUTE,
    target_value=D(200),
    target_fy=2029,
    baseline_value=D(100),
    baseline_fy=2024,
    year_targets=((2025, D(120)), (2026, D(140)), (2027, D(160))),
    method=Method.YEAR_TARGET,
)


def test_each_year_is_judged_against_its_own_target():
    years = [YearActual(2025, D(126)), YearActual(2026, D(133)), YearActual(2028, D(170))]
    results = {r.fy: r for r in year_results(SPEC, years)}
    assert results[2025].target == 120 and results[2025].rate == D("105")
    assert results[2026].target == 140 and results[2026].rate == D(95)
    # R10 has no target of its own: not computable, said so
    assert results[2028].rate is None and results[2028].reason is NotComputable.NO_YEAR_TARGET


def test_the_grade_asks_whether_this_years_target_is_met():
    hokkaido = get_scheme("hokkaido")
    met = assess(SPEC, [YearActual(2025, D(126))], hokkaido)
    assert (met.grade, met.achieved) == ("A①", True)  # 126 ≥ R7's 120, far from the final 200
    missed = assess(SPEC, [YearActual(2026, D(133))], hokkaido)
    assert (missed.grade, missed.rates[2026]) == ("A③", D("95.0"))
    final = assess(SPEC, [YearActual(2029, D(190))], hokkaido)
    assert final.rates[2029] == D("95.0")  # the target year: the final target


def test_the_trajectory_reports_the_value_it_compared_with():
    spec = IndicatorSpec(
        target_kind=TargetKind.ABSOLUTE, target_value=D(200), target_fy=2029,
        baseline_value=D(100), baseline_fy=2024, method=Method.TRAJECTORY,
    )  # fmt: skip
    (r,) = year_results(spec, [YearActual(2026, D(130))])
    assert r.expected == D(140) and r.target == 200 and r.rate.quantize(D("0.1")) == D("92.9")


def test_targets_relative_to_the_year_before():
    """前年度を上回る: each year against the year before, strictly above to be met; 国の伸び率を
    上回る: last year's figure grown as the nation grew."""
    hokkaido = get_scheme("hokkaido")
    previous = IndicatorSpec(target_kind=TargetKind.ABOVE_PREVIOUS_YEAR)
    years = [YearActual(2020, D(100)), YearActual(2021, D(105)), YearActual(2022, D(103))]
    results = {r.fy: r for r in year_results(previous, years)}
    assert results[2020].reason is NotComputable.NO_PREVIOUS_YEAR
    assert (results[2021].target, results[2021].rate) == (D(100), D(105))
    assert results[2022].target == 105
    graded = assess(previous, years, hokkaido)
    assert (graded.rates[2022], graded.grade, graded.achieved) == (D("98.1"), "A③", False)
    flat = assess(previous, [YearActual(2021, D(5)), YearActual(2022, D(5))], hokkaido)
    assert flat.achieved is False  # equal is not 「上回る」

    growth = IndicatorSpec(target_kind=TargetKind.ABOVE_NATIONAL_GROWTH)
    years = [YearActual(2021, D(100), national=D(1000)), YearActual(2022, D(104), national=D(1030))]
    r = year_results(growth, years)[1]
    assert r.target == D(103) and r.rate.quantize(D("0.1")) == D("101.0")
    assert assess(growth, years, hokkaido).grade == "A①"


def test_relative_targets_are_read_from_their_published_words():
    from chiiki.core.targets import parse_target

    assert parse_target("前年度を上回る").kind is TargetKind.ABOVE_PREVIOUS_YEAR
    assert parse_target("国の伸び率を上回る").kind is TargetKind.ABOVE_NATIONAL_GROWTH


def test_bands_can_ask_about_the_final_target_and_the_direction_of_change():
    """A scheme over yearly targets: ◎ the final target already met, ○ this year's target met,
    △ not met but better than the year before, × otherwise (parse_schemes, as a file would)."""
    from chiiki.core.schemes import parse_schemes

    (scheme,) = parse_schemes({
        "yearly": {
            "label": "年度目標（◎○△×）", "method": "year_target",
            "bands": [
                {"grade": "◎", "when": "final_target_achieved", "favourable": True},
                {"grade": "○", "when": "achieved", "favourable": True},
                {"grade": "△", "when": "improved"},
                {"grade": "×", "when": "always"},
            ],
        }
    }).values()  # fmt: skip
    grade = lambda *years: assess(SPEC, [YearActual(fy, D(v)) for fy, v in years], scheme).grade  # noqa: E731
    assert grade((2025, 126)) == "○"  # R7's 120 met, the final 200 not
    assert grade((2025, 205)) == "◎"
    assert grade((2025, 126), (2026, 133)) == "△"  # R8's 140 missed, but up from 126
    assert grade((2025, 126), (2026, 120)) == "×"
