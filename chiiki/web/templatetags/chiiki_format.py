"""Template filters that format figures and fiscal years the way the published tables do."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language, gettext

from chiiki.core.fiscal import format_fiscal_year
from chiiki.core.numbers import format_number
from chiiki.core.schemes import GradingScheme
from chiiki.web.era import WESTERN, era_style

register = template.Library()


@register.filter
def fy(value: int | None, style: str = "short") -> str:
    """2021 → R3 (``|fy``) or 令和3年度 (``|fy:"long"``); ``|fy:"western"`` → 2021年度.

    When the reader chose 西暦 (chiiki.web.era), short → 2021 and long → 2021年度. In the English
    interface long and western read FY2021 (with the era year, FY2021 (R3), unless 西暦 was chosen).
    """
    if value is None or value == "":
        return ""
    year = int(value)
    if get_language() == "en" and style in ("long", "western"):
        if style == "western" or era_style.get() == WESTERN:
            return f"FY{year}"
        return f"FY{year} ({format_fiscal_year(year, 'short')})"
    if era_style.get() == WESTERN and style in ("short", "long"):
        return str(int(value)) if style == "short" else format_fiscal_year(int(value), "western")
    return format_fiscal_year(int(value), style)


@register.filter
def figure(value: Decimal | int | None, places: int | None = None) -> str:
    """Thousands separators, ``places`` decimals (as published), ▲ for negatives.

    Without ``places`` trailing zeros are dropped: 7250.000000 → 7,250.
    """
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(value)
    if places is None:
        number = number.normalize()
    else:
        number = number.quantize(Decimal(1).scaleb(-int(places)))
    return format_number(number)


@register.filter
def ui(label: object) -> str:
    """A label that chiiki.core or a grading scheme gives in Japanese, in the reader's language.

    The catalogue carries these labels through ``chiiki.web.core_labels``. Unlike
    ``{% translate variable %}`` this looks the label up exactly as written (with its ``%``).
    """
    return gettext(str(label)) if label not in (None, "") else ""


@register.filter
def lookup(mapping: dict | None, key: object) -> object:
    """``mapping|lookup:key`` for dicts keyed by FY or id in tables."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def rmse(mse: float | None) -> float | None:
    """Root of a mean squared error, for display in the indicator's units."""
    return None if mse is None else mse**0.5


@register.filter
def scheme_label(scheme: GradingScheme) -> str:
    """A grading scheme's name in the reader's language (the scheme carries both)."""
    return scheme.label_in(get_language() or "ja")


@register.filter
def not_assessable(scheme: GradingScheme) -> str:
    """What the scheme prints when nothing can be assessed, in the reader's language."""
    return scheme.not_assessable_in(get_language() or "ja")
