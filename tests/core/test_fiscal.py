import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiiki.core.errors import ParseError
from chiiki.core.fiscal import (
    FiscalYearRange,
    fiscal_year_of,
    format_fiscal_year,
    format_fiscal_year_range,
    parse_fiscal_year,
    parse_fiscal_year_label,
    parse_fiscal_year_range,
)


@pytest.mark.parametrize(
    ("text", "fy"),
    [
        ("H26", 2014),
        ("R1", 2019),
        ("R元", 2019),
        ("令和元年度", 2019),
        ("平成25年度", 2013),
        ("平成31年度", 2019),
        ("2021年度", 2021),
        ("FY2021", 2021),
        ("(H26)", 2014),
        ("（R7）", 2025),
        ("H 27", 2015),
        ("Ｒ３", 2021),
        ("昭和64年", 1989),
    ],
)
def test_reads_the_ways_documents_write_a_fiscal_year(text, fy):
    assert parse_fiscal_year(text) == fy


def test_keeps_the_month_note_of_a_plan_adopted_mid_year():
    label = parse_fiscal_year_label("R3（令和4年1月）")
    assert label.fy == 2021
    assert label.note_month == dt.date(2022, 1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("H28～R1", (2016, 2019)),
        ("H27-R1", (2015, 2019)),
        ("2016〜2019", (2016, 2019)),
        ("R3", (2021, 2021)),
    ],
)
def test_reads_ranges(text, expected):
    rng = parse_fiscal_year_range(text)
    assert (rng.first, rng.last) == expected


def test_reiwa_zero_is_refused_with_a_message_saying_why():
    with pytest.raises(ParseError) as err:
        parse_fiscal_year("R0")
    assert "令和は1年（元年）から" in err.value.message_ja
    assert "R0" in str(err.value)


def test_heisei_after_its_end_is_refused_with_the_reiwa_equivalent():
    with pytest.raises(ParseError) as err:
        parse_fiscal_year("H32")
    assert "令和2年" in err.value.message_ja


@pytest.mark.parametrize(
    "text", ["X3", "令和", "", "R3（令和4年13月）", "R1～H30", "H27～R1～R2", "1800年度"]
)
def test_malformed_years_raise_parse_errors(text):
    with pytest.raises(ParseError):
        parse_fiscal_year_range(text) if "～" in text else parse_fiscal_year(text)


def test_formats_like_the_published_tables():
    assert format_fiscal_year(2019) == "R1"
    assert format_fiscal_year(2019, "long") == "令和元年度"
    assert format_fiscal_year(2014, "long") == "平成26年度"
    assert format_fiscal_year(2021, "western") == "2021年度"
    assert format_fiscal_year_range(FiscalYearRange(2015, 2019)) == "H27～R1"


def test_fiscal_year_runs_april_to_march():
    assert fiscal_year_of(dt.date(2022, 3, 31)) == 2021
    assert fiscal_year_of(dt.date(2022, 4, 1)) == 2022


@given(st.integers(min_value=1945, max_value=2100), st.sampled_from(["short", "long", "western"]))
def test_every_formatted_year_parses_back(fy, style):
    assert parse_fiscal_year(format_fiscal_year(fy, style)) == fy


@given(st.integers(min_value=1945, max_value=2100), st.integers(min_value=0, max_value=20))
def test_every_formatted_range_parses_back(first, length):
    last = min(first + length, 2100)
    rng = FiscalYearRange(first, last)
    assert parse_fiscal_year_range(format_fiscal_year_range(rng)) == rng


@given(st.text(max_size=12))
def test_arbitrary_text_never_crashes_the_parser(text):
    try:
        parse_fiscal_year(text)
    except ParseError as exc:
        assert exc.message_ja and exc.text == text
