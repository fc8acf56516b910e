"""A program's money and staff time: the figures a 事務事業評価シート prints.

The program-years here are fictional (docs/reports.md, "the fictional 十勝 scenario"): the seed
holds the R3 budget of 十勝's 「多様な人材の活躍による地域づくり事業」 (1,395千円) and nothing after.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiiki.core.costs import (
    CostYear,
    Funding,
    FundingMismatch,
    check_funding,
    cost_per_unit,
    improvement,
    parse_staff_years,
    staff_cost,
    total_by_year,
)
from chiiki.core.errors import ParseError

R3 = CostYear(
    fy=2021,
    initial_budget=1395,
    revised_budget=1395,
    settled=1288,
    note="ワーキンググループの1回をオンライン開催とし、会場費が不要となった",
    funding=Funding(national=644, bonds=0, other=0, general=644),
    staff_years=Decimal("0.30"),
    unit_cost=8_600,
)


def test_the_full_cost_is_the_settled_amount_plus_the_staff_time_at_the_unit_cost():
    assert R3.staff_cost == 2_580  # 0.3人工 × 8,600千円
    assert R3.full_cost == 1_288 + 2_580
    assert R3.unspent == 107  # 1,395 − 1,288


def test_the_difference_is_held_against_the_revised_budget_when_there_is_one():
    year = R3._replace(revised_budget=1_500)
    assert year.budget == 1_500
    assert year.unspent == 212
    overspent = R3._replace(revised_budget=None, settled=1_400)
    assert overspent.unspent == -5


def test_nothing_is_guessed_where_a_figure_is_missing():
    assert R3._replace(unit_cost=None).full_cost is None
    assert R3._replace(staff_years=None).staff_cost is None
    assert R3._replace(settled=None).full_cost is None
    assert R3._replace(settled=None).unspent is None
    assert R3._replace(initial_budget=None, revised_budget=None).unspent is None


def test_staff_cost_rounds_half_up_to_a_whole_thousand_yen():
    assert staff_cost(Decimal("0.25"), 8_602) == 2_151  # 2,150.5
    assert staff_cost(Decimal("0.01"), 49) == 0  # 0.49
    assert staff_cost(Decimal("0"), 8_600) == 0


def test_funding_must_add_up_to_the_settled_amount():
    check_funding(1_288, R3.funding)
    check_funding(1_288, None)
    with pytest.raises(FundingMismatch) as caught:
        check_funding(1_288, Funding(644, 0, 0, 600))
    assert (caught.value.total, caught.value.settled) == (1_244, 1_288)


def test_totals_by_year_count_only_the_figures_each_program_has():
    other = CostYear(2021, 787, None, 700, "", None, Decimal("0.1"), None)
    later = R3._replace(fy=2022, settled=None)
    totals = total_by_year([later, R3, other])
    assert [t.fy for t in totals] == [2021, 2022]
    r3 = totals[0]
    assert (r3.programs, r3.initial_budget, r3.settled) == (2, 1_395 + 787, 1_288 + 700)
    assert (r3.staff_cost, r3.full_cost, r3.settled_count, r3.complete) == (2_580, 3_868, 2, 1)
    assert totals[1].settled_count == totals[1].complete == totals[1].full_cost == 0


def test_cost_per_unit():
    assert cost_per_unit(3_868, Decimal(5)) == Decimal("773.6")
    assert cost_per_unit(3_868, Decimal(0)) is None
    assert cost_per_unit(None, Decimal(5)) is None
    assert cost_per_unit(3_868, None) is None


@pytest.mark.parametrize(
    ("text", "years"),
    [("0.3", "0.30"), ("０．２５", "0.25"), ("1.5人工", "1.50"), ("2", "2.00"), ("0", "0.00")],
)
def test_staff_years_are_read_as_written(text, years):
    assert parse_staff_years(text) == Decimal(years)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-1", "staff.negative"),
        ("1,000", "staff.too_large"),
        ("0.333", "staff.too_precise"),
        ("0.5人", "number.wrong_unit"),
        ("１.5", "number.mixed_widths"),
        ("", "number.empty"),
    ],
)
def test_staff_years_refusals_say_what_is_wrong(text, code):
    with pytest.raises(ParseError) as caught:
        parse_staff_years(text)
    assert caught.value.code == code


@given(st.integers(min_value=0, max_value=99_999))
def test_any_staff_time_written_in_full_width_digits_reads_back(hundredths):
    years = Decimal(hundredths).scaleb(-2)
    written = f"{years:.2f}".translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    assert parse_staff_years(written) == years


def test_improvement_follows_the_desired_direction():
    assert improvement(Decimal(10), Decimal(12), "up") == 2
    assert improvement(Decimal(10), Decimal(12), "down") == -2
    assert improvement(None, Decimal(12), "up") is None
