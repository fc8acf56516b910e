"""WCAG 2.1 AA contrast of the colour pairs the stylesheet uses for text (≥ 4.5:1)."""

import re
from pathlib import Path

import pytest

CSS = (
    Path(__file__).resolve().parents[1] / "chiiki" / "web" / "static" / "web" / "site.css"
).read_text()


def _luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def var(name):
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


def fill(selector):
    return re.search(rf"{re.escape(selector)}\s*{{\s*fill:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


def color(selector):
    return re.search(rf"{re.escape(selector)}\s*{{\s*color:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


WHITE = "#ffffff"

PAIRS = [
    ("body text", lambda: var("ink"), lambda: WHITE),
    ("muted text", lambda: var("muted"), lambda: WHITE),
    ("links", lambda: var("accent"), lambda: WHITE),
    ("links on table headers", lambda: var("accent"), lambda: var("band")),
    ("header links", lambda: WHITE, lambda: var("accent")),
    ("buttons", lambda: WHITE, lambda: var("accent")),
    ("tile: 80%以上", lambda: WHITE, lambda: fill(".tile-high")),
    ("tile: 50〜80%", lambda: WHITE, lambda: fill(".tile-mid")),
    ("tile: 50%未満", lambda: WHITE, lambda: fill(".tile-low")),
    ("tile: no grade", lambda: WHITE, lambda: fill(".tile-none")),
    ("field errors", lambda: "#b3261e", lambda: WHITE),
    ("discrepancy note", lambda: "#8a1c00", lambda: WHITE),
    ("forecast label", lambda: "#6b5b00", lambda: "#fffbe6"),
    ("edition status: draft", lambda: color(".status-draft"), lambda: WHITE),
    ("edition status: superseded", lambda: color(".status-superseded"), lambda: WHITE),
]


@pytest.mark.parametrize(("name", "fg", "bg"), PAIRS, ids=[p[0] for p in PAIRS])
def test_text_contrast_meets_wcag_aa(name, fg, bg):
    assert contrast(fg(), bg()) >= 4.5, name


def test_contrast_formula():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
