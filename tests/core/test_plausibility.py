from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiiki.core.plausibility import Thresholds, check


def codes(*args, **kw):
    return [f.code for f in check(*args, **kw)]


def test_one_oku_yen_typed_for_a_budget_of_787_thousand_is_a_jump():
    # 宇宙産業理解促進事業: R3 787千円; 「1億円」 read as 100,000千円
    found = check(D(100000), previous=D(787), previous_label="R3", unit="千円", budget=True,
                  typed_unit="億円")  # fmt: skip
    assert [f.code for f in found] == ["jump", "unit"]
    assert found[0].message_ja == "100,000千円はR3の787千円から127.1倍に変わっています"


def test_a_budget_may_grow_more_than_an_actual_before_it_is_questioned():
    assert codes(D(30000), previous=D(787), budget=True) == []
    assert codes(D(30), previous=D(2)) == ["jump"]


@pytest.mark.parametrize(("value", "k"), [(D(72500), "10倍"), (D(725), "10分の1"),
                                          (D(7_300_000), "1,000倍")])  # fmt: skip
def test_a_power_of_ten_reads_as_a_mistyped_scale(value, k):
    found = check(value, previous=D(7250), previous_label="R3", unit="千人")
    assert [f.code for f in found] == ["scale"] and k in found[0].message_ja


def test_sign_change_and_far_beyond_the_target():
    assert codes(D(-5), previous=D(3)) == ["sign"]
    assert codes(D(25), previous=D("1.7"), target=D("1.8")) == ["jump", "beyond_target"]


def test_no_history_no_target_nothing_to_say():
    assert codes(D(123), previous=None) == []
    assert codes(D(0), previous=D(5)) == []  # zero is not a ratio


def test_thresholds_are_configuration_and_checked():
    loose = Thresholds.from_mapping({"jump": 50})
    assert codes(D(30), previous=D(2), thresholds=loose) == []
    with pytest.raises(ValueError, match="unknown"):
        Thresholds.from_mapping({"jumps": 5})
    with pytest.raises(ValueError, match="out of range"):
        Thresholds.from_mapping({"jump": "0.5"})


figures = st.decimals(min_value=D("0.01"), max_value=D(10**9), places=2)


@given(figures, st.decimals(min_value=D("0.5"), max_value=D(2), places=3))
def test_a_figure_near_its_previous_value_raises_nothing(previous, factor):
    assert codes((previous * factor).quantize(D("0.01")), previous=previous) == []


@given(figures, figures, st.booleans())
def test_every_finding_says_what_in_both_languages(value, previous, budget):
    for f in check(value, previous=previous, target=previous, budget=budget, unit="人"):
        assert f.code in {"scale", "jump", "sign", "beyond_target", "unit"}
        assert f.message_ja and f.message_en
