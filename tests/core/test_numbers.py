from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiiki.core import numbers
from chiiki.core.errors import ParseError
from chiiki.core.numbers import (
    Missing,
    Quantity,
    format_quantity,
    parse_amount,
    parse_integer_amount,
    parse_quantity,
    parse_value,
)


@pytest.mark.parametrize(
    ("text", "number", "prefix", "unit", "value"),
    [
        ("7,250千人", "7250", "千", "人", "7250000"),
        ("2,260万人", "2260", "万", "人", "22600000"),
        ("47.4万kW", "47.4", "万", "kW", "474000"),
        ("1,280万円", "1280", "万", "円", "12800000"),
        ("10,705億円", "10705", "億", "円", "1070500000000"),
        ("400万m ³", "400", "万", "m³", "4000000"),
        ("67.7%", "67.7", "", "%", "67.7"),
        ("１２３", "123", "", "", "123"),
        ("▲12", "-12", "", "", "-12"),
        ("1.27", "1.27", "", "", "1.27"),
        ("179市町村", "179", "", "市町村", "179"),
    ],
)
def test_reads_figures_as_the_seeds_write_them(text, number, prefix, unit, value):
    q = parse_quantity(text)
    assert q == Quantity(Decimal(number), prefix, unit)
    assert q.value == Decimal(value)


def test_not_yet_published_and_not_surveyed_stay_distinct():
    assert parse_value("未") is Missing.NOT_PUBLISHED
    for dash in ["—", "－", "-", "―"]:
        assert parse_value(dash) is Missing.NOT_AVAILABLE
    assert Missing.NOT_PUBLISHED != Missing.NOT_AVAILABLE


def test_mixed_width_digits_are_a_typo_located_at_the_odd_digit():
    with pytest.raises(ParseError) as err:
        parse_quantity("1,2３4")
    assert err.value.column == 4
    assert "混在" in err.value.message_ja


@pytest.mark.parametrize(("text", "column"), [("12,34", 3), ("1,2345", 2), ("1234,567", 5)])
def test_misplaced_thousands_separators_are_located(text, column):
    with pytest.raises(ParseError) as err:
        parse_quantity(text)
    assert err.value.column == column


@pytest.mark.parametrize("text", ["", "abc", "全国水準", "未", "1,234,", "12 34"])
def test_non_numbers_raise(text):
    with pytest.raises(ParseError):
        parse_quantity(text)


def test_amounts_convert_only_within_the_same_base_unit():
    assert parse_amount("5,715", unit="千円") == 5715
    assert parse_amount("45.5億円", unit="億円") == Decimal("45.5")
    assert parse_amount("1億円", unit="千円") == 100000
    with pytest.raises(ParseError):
        parse_amount("3人", unit="千円")


def test_budgets_must_be_whole_thousands_of_yen():
    assert parse_integer_amount("5,715", unit="千円") == 5715
    with pytest.raises(ParseError):
        parse_integer_amount("5,715.5", unit="千円")


def test_formatting_writes_back_what_was_read():
    for text in ["7,250千人", "47.4万kW", "67.7%", "75.0%", "10,705億円", "▲12"]:
        assert format_quantity(parse_quantity(text)) == text


quantities = st.builds(
    Quantity,
    number=st.decimals(
        min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False
    ),
    prefix=st.sampled_from(["", "千", "万", "億"]),
    unit=st.sampled_from(["", "人", "%", "kW", "円", "m³", "市町村", "件"]),
)


@given(quantities)
def test_format_then_parse_is_identity(q):
    assert parse_quantity(format_quantity(q)) == q


@given(st.integers(min_value=0, max_value=10**12))
def test_full_width_numbers_read_like_half_width(n):
    full = f"{n:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    assert parse_quantity(full).number == n


@given(st.text(max_size=15))
def test_arbitrary_text_gives_a_value_or_a_located_error(text):
    try:
        parse_value(text)
    except ParseError as exc:
        assert exc.message_ja
        assert exc.column is None or 1 <= exc.column <= len(text)


def _outcome(read, text):
    try:
        q = read(text)
    except ParseError as exc:
        return ("refused", exc.code)
    # the same digits and exponent, not only an equal value: 1.50 stays 1.50
    return (q.number.as_tuple(), q.prefix, q.unit)


plain_figures = st.from_regex(r"\A-?[0-9]{1,16}(\.[0-9]{1,8})?\Z") | st.text(
    alphabet="-0123456789.", max_size=12
)


@given(plain_figures)
def test_bare_ascii_figures_read_exactly_as_the_general_reader_reads_them(text):
    """A national file's bare figures take a short way; it must give what every other way
    of writing the figure gives (digits, exponent, sign, the size limit)."""
    assert _outcome(parse_quantity, text) == _outcome(numbers._parse_quantity_written, text)


@pytest.mark.parametrize("text", ["-0", "007", "0.50", "-12.5", "99999999999999", "1" * 15])
def test_bare_ascii_figures_edge_cases(text):
    assert _outcome(parse_quantity, text) == _outcome(numbers._parse_quantity_written, text)


@pytest.mark.parametrize(
    ("number", "written"),
    [(1244, "1,244"), (-5, "▲5"), (0, "0"), (Decimal("7250"), "7,250"), (Decimal("75.0"), "75.0"),
     (Decimal("-1234.50"), "▲1,234.50")],
)  # fmt: skip
def test_format_number_writes_whole_numbers_without_decimals(number, written):
    # an int (a budget in 千円) must not come out as 1,244.000000 in a message
    assert numbers.format_number(number) == written
