

def test_display_width_counts_wide_characters_twice():
    from chiiki.core.text import display_width

    assert display_width("十勝 R5") == 7  # 2 + 2 + space + R + 5
    assert display_width("①※") == 2  # ambiguous: narrow in a terminal
    assert display_width("①※", ambiguous=2) == 4  # full-width in a Japanese font
