from decimal import Decimal

import pytest

from chiiki.core.codes import check_digit, parse_local_government_code
from chiiki.core.errors import ParseError
from chiiki.core.targets import TargetKind, format_target, parse_goal_line, parse_target
from chiiki.core.text import fragment_to_items, strip_tags


@pytest.mark.parametrize(
    ("five", "digit"),
    [("01000", 6), ("01100", 2), ("01101", 1), ("01202", 5), ("01204", 1), ("13000", 1)],
)
def test_check_digit_follows_the_mic_rule(five, digit):
    assert check_digit(five) == digit


def test_a_wrong_check_digit_says_which_digit_was_expected():
    with pytest.raises(ParseError) as err:
        parse_local_government_code("011003")
    assert "01100の検査数字は2" in err.value.message_ja
    assert err.value.column == 6


@pytest.mark.parametrize("text", ["11002", "0110022", "01100a", ""])
def test_codes_must_be_six_digits(text):
    with pytest.raises(ParseError):
        parse_local_government_code(text)


def test_full_width_codes_are_accepted_as_text():
    assert parse_local_government_code("０１１００２") == "011002"


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("600件", TargetKind.ABSOLUTE, Decimal(600)),
        ("全国水準", TargetKind.NATIONAL, None),
        ("全国 平均値", TargetKind.NATIONAL, None),
        ("基準値より増加", TargetKind.ABOVE_BASELINE, None),
        ("現状値以上", TargetKind.AT_OR_ABOVE_CURRENT, None),
        ("累計10,500人", TargetKind.CUMULATIVE, Decimal(10500)),
    ],
)
def test_reads_every_target_kind_in_the_seeds(text, kind, value):
    spec = parse_target(text)
    assert spec.kind is kind
    assert (spec.value.number if spec.value else None) == value
    assert parse_target(format_target(spec)) == spec


def test_an_unknown_target_wording_is_refused():
    with pytest.raises(ParseError):
        parse_target("がんばる")


def test_goal_lines_split_name_baseline_and_target_with_years():
    goal = parse_goal_line(
        "○多言語化など、縄文文化の理解促進に向けて新たな取組を行った施設数(渡島地域) 1施設(R2) → 11施設(R7)"
    )
    assert goal.name == "多言語化など、縄文文化の理解促進に向けて新たな取組を行った施設数(渡島地域)"
    assert goal.baseline.number == 1 and goal.baseline_fy_text == "R2"
    assert goal.target.value is not None and goal.target.value.number == 11
    assert goal.target_fy_text == "R7"


def test_seed_fragments_become_list_items():
    items = fragment_to_items(
        '<ul style="list-style-type: none"> ■次代に「繋ぐ」炭鉄港 ■地域で「稼ぐ」炭鉄港 '
    )
    assert items == ["次代に「繋ぐ」炭鉄港", "地域で「稼ぐ」炭鉄港"]


def test_a_middle_dot_inside_an_item_is_not_a_bullet():
    items = fragment_to_items(
        '<ul style="list-style-type: none"> ■空港運営の一括民間委託を契機とした航空ネットワークの充実・強化 '
    )
    assert items == ["空港運営の一括民間委託を契機とした航空ネットワークの充実・強化"]


def test_unbulleted_fragments_split_at_sentence_ends():
    items = fragment_to_items("<ul> 第一の文である。 第二の文である。")
    assert items == ["第一の文である。", "第二の文である。"]


def test_hostile_markup_is_reduced_to_text():
    text = strip_tags(
        '<script>alert("x")</script><b onclick="x()">太字</b> &amp; <img src=x onerror=y>'
    )
    assert "<" not in text and "script" not in text and "onclick" not in text
    assert text.endswith("太字 &")


def test_display_width_counts_wide_characters_twice():
    from chiiki.core.text import display_width

    assert display_width("十勝 R5") == 7  # 2 + 2 + space + R + 5
    assert display_width("①※") == 2  # ambiguous: narrow in a terminal
    assert display_width("①※", ambiguous=2) == 4  # full-width in a Japanese font
