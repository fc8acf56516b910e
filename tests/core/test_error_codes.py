"""Every value the core refuses comes with a stable code and its figures (what programs act on)
and a message in each language; an English message about an input typed in ASCII holds no
Japanese, so an English screen never mixes the two."""

import re
import unicodedata
from pathlib import Path

import pytest

from chiiki.core.codes import parse_local_government_code
from chiiki.core.costs import parse_staff_years
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import parse_fiscal_year, parse_fiscal_year_range
from chiiki.core.numbers import (
    parse_amount,
    parse_budget,
    parse_integer_amount,
    parse_quantity,
    parse_thousand_yen,
)
from chiiki.core.targets import parse_goal_line, parse_target

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    (lambda: parse_quantity("１2"), "number.mixed_widths", {}),
    (lambda: parse_quantity(" "), "number.empty", {}),
    (lambda: parse_quantity("未"), "number.missing_marker", {}),
    (lambda: parse_quantity("abc"), "number.not_found", {}),
    (lambda: parse_quantity("12,"), "number.comma_trailing", {}),
    (lambda: parse_quantity("1,23"), "number.comma_grouping", {}),
    (lambda: parse_quantity("12%3"), "number.digits_in_unit", {}),
    (lambda: parse_amount("12a", unit="%"), "number.wrong_unit", {"expected": "%"}),
    (lambda: parse_amount("12t", unit="%"), "number.wrong_unit", {"given": "t"}),
    (lambda: parse_quantity("1" * 15), "number.too_large", {"max_digits": 14}),
    (lambda: parse_budget("-5"), "budget.negative", {}),
    (lambda: parse_budget("1" * 13), "budget.too_large", {"max": 10**12 - 1}),
    (lambda: parse_thousand_yen("-1"), "money.negative", {}),
    (lambda: parse_thousand_yen("1" * 13), "money.too_large", {"max": 10**12 - 1}),
    (lambda: parse_staff_years("-0.5"), "staff.negative", {}),
    (lambda: parse_staff_years("1000"), "staff.too_large", {"max": 1000}),
    (lambda: parse_staff_years("0.125"), "staff.too_precise", {"places": 2}),
    (lambda: parse_integer_amount("1.5", unit="%"), "number.not_whole", {"unit": "%"}),
    (lambda: parse_fiscal_year("X3"), "fy.invalid", {}),
    (lambda: parse_fiscal_year("R0"), "fy.era_year_zero", {"era": "R", "year": 0}),
    (lambda: parse_fiscal_year("H32"), "fy.era_ended", {"era": "H", "last": 31, "western": 2020}),
    (lambda: parse_fiscal_year("2117"), "fy.out_of_range", {"fy": 2117, "min": 1945}),
    (lambda: parse_fiscal_year(""), "fy.empty", {}),
    (lambda: parse_fiscal_year_range("R1-R2-R3"), "fy_range.invalid", {}),
    (lambda: parse_fiscal_year_range("R3-R1"), "fy_range.reversed", {"first": 2021}),
    (lambda: parse_target(""), "target.empty", {}),
    (lambda: parse_target("xyz"), "target.invalid", {}),
    (lambda: parse_goal_line("xyz"), "goal_line.invalid", {}),
    (lambda: parse_local_government_code("12"), "municipality_code.invalid", {}),
    (lambda: parse_local_government_code("011001"), "municipality_code.check_digit", {}),
]


@pytest.mark.parametrize(("call", "code", "params"), CASES, ids=[c[1] for c in CASES])
def test_each_refusal_has_its_code_and_figures(call, code, params):
    with pytest.raises(ParseError) as caught:
        call()
    exc = caught.value
    assert exc.code == code
    assert params.items() <= exc.params.items()
    # (a target's message lists the phrases a cell may hold, which are Japanese by nature)
    if exc.text.isascii() and code != "target.invalid":
        english = exc.describe_in("en")
        assert not any(unicodedata.east_asian_width(ch) in "WF" for ch in english), english
        assert exc.describe_in("ja") != english


def test_a_typo_after_a_figure_is_not_called_another_unit():
    with pytest.raises(ParseError) as caught:
        parse_amount("12a", unit="億円")
    assert caught.value.code == "number.trailing_text"
    assert caught.value.column == 3  # the “a”
    assert "読めない文字「a」" in caught.value.message_ja


def test_every_code_the_core_raises_is_documented_for_api_clients():
    raised = set()
    for source in (ROOT / "chiiki" / "core").glob("*.py"):
        raised |= set(re.findall(r'code="([a-z_.]+)"', source.read_text()))
    assert len(raised) >= 25
    documented = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", (ROOT / "docs" / "api.md").read_text()))
    assert raised <= documented, sorted(raised - documented)
    tested = {case[1] for case in CASES} | {"number.trailing_text"}
    # the few not reached from outside: a regex guard, and the note forms of a fiscal year
    untested = {"number.invalid", "fy.note_not_month", "fy.no_such_month", "fy.unknown_era"}
    untested |= {"fy_range.years_mismatch"}
    assert raised - tested <= untested
