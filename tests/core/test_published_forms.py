"""Forms other governments' tables print: shortened year ranges with a note of the span,
baselines shown as a dash, figures with a footnote mark."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from chiiki.core.batch import noted_quantity, read_batch
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import parse_fiscal_year_range


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2023～27年の5年累計", 2023, 2027),
        ("2023～27年", 2023, 2027),
        ("R5～9", 2023, 2027),
        ("R5～R9の5年間の累計", 2023, 2027),
        ("H27～R1", 2015, 2019),
        ("（H27～R1）", 2015, 2019),
    ],
)
def test_year_ranges_as_tables_write_them(text, first, last):
    r = parse_fiscal_year_range(text)
    assert (r.first, r.last) == (first, last)


def test_a_span_note_that_disagrees_with_the_range_is_refused():
    with pytest.raises(ParseError, match="4年の累計と書かれていますが、範囲は5年です"):
        parse_fiscal_year_range("2023～27年の4年累計")


def test_dashes_and_footnote_marks():
    assert noted_quantity("—") is None and noted_quantity("－") is None
    assert noted_quantity("1,200※").number == D(1200)
    assert noted_quantity("1,200※2").number == D(1200)
    assert noted_quantity("45.5億円 ※").number == D("45.5")


def test_a_cumulative_target_over_a_shortened_range_with_a_dash_baseline():
    csv = (
        "indicator_id,name,unit,direction,method,baseline_value,baseline_fy,target_kind,"
        "target_value,target_fy,revised_target_value,fy,actual,national_value\n"
        "jobs,新規雇用者数,人,up,,—,—,cumulative,500※1,2023～27年の5年累計,,2023,90,\n"
        "jobs,新規雇用者数,人,up,,—,—,cumulative,500※1,2023～27年の5年累計,,2024,110,\n"
    )
    (indicator,) = read_batch(csv.encode(), "jobs.csv")
    spec = indicator.spec
    assert (spec.target_first_fy, spec.target_fy, spec.target_value) == (2023, 2027, D(500))
    assert spec.baseline_value is None and spec.baseline_fy is None
