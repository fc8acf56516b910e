"""Numbers with units as Japanese statistical tables write them.

``7,250千人`` ``2,260万人`` ``47.4万kW`` ``1,280万円`` ``10,705億円`` ``400万m³`` ``67.7%``
``１２３`` (full-width) ``▲12`` (negative), and the missing markers:

* ``未`` — not yet published (the figure will come later);
* ``—`` ``－`` ``-`` ``―`` — not applicable / not surveyed that year.

The two markers are kept distinct (:class:`Missing`). A number keeps the figure *as written*
(``7250``) with an explicit scale prefix (``千`` = ×1,000) and its unit (``人``): nothing is
silently multiplied, and :func:`format_quantity` writes back what was read.

Figures are :class:`decimal.Decimal`; nothing here rounds.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from chiiki.core.errors import ParseError


class Missing(enum.Enum):
    """Why a figure is absent."""

    NOT_PUBLISHED = "未"  # not yet published
    NOT_AVAILABLE = "—"  # not applicable / not surveyed that year

    @property
    def label_ja(self) -> str:
        return {"未": "未公表", "—": "該当なし・調査なし"}[self.value]


SCALE_PREFIXES: dict[str, Decimal] = {
    "千": Decimal(1_000),
    "万": Decimal(10_000),
    "億": Decimal(100_000_000),
    "兆": Decimal(1_000_000_000_000),
}

_DASH_MARKERS = frozenset("-‐‑‒–—―−－ｰ")
_NEGATIVE_SIGNS = frozenset("▲△-−－")
_FULLWIDTH_DIGITS = "０１２３４５６７８９"
_NUMBER_CHARS = str.maketrans(
    {**{fw: str(i) for i, fw in enumerate(_FULLWIDTH_DIGITS)}, "，": ",", "．": ".", "％": "%"}
)
_NUMBER_RE = re.compile(r"(?P<int>[0-9][0-9,]*)(?:\.(?P<frac>[0-9]+))?")
_GROUPED_RE = re.compile(r"^[0-9]{1,3}(,[0-9]{3})*$")
# A bare ASCII figure (``-12.5``): what machines write, and what a national file holds by the
# million. Read directly; the general reader gives the same Quantity (tests/core/test_numbers.py).
_PLAIN_RE = re.compile(r"(-?)([0-9]+(?:\.[0-9]+)?)\Z")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure as written: ``number`` × the ``prefix`` scale, in ``unit``.

    ``Quantity(Decimal("7250"), "千", "人")`` is 7,250,000 people, written 7,250千人.
    """

    number: Decimal
    prefix: str = ""
    unit: str = ""

    @property
    def multiplier(self) -> Decimal:
        return SCALE_PREFIXES.get(self.prefix, Decimal(1))

    @property
    def value(self) -> Decimal:
        """The figure in base units (7,250千人 → 7250000)."""
        return self.number * self.multiplier

    @property
    def display_unit(self) -> str:
        """Prefix and unit as printed in tables: ``千人``, ``万kW``, ``%``."""
        return self.prefix + self.unit

    def in_unit(self, display_unit: str) -> Decimal:
        """This figure expressed in another display unit with the same base unit.

        ``Quantity(47.4, "万", "kW").in_unit("千kW")`` → 474. Raises ValueError when the
        base units differ.
        """
        prefix, unit = split_unit(display_unit)
        if unit != self.unit:
            raise ValueError(f"cannot express {self.display_unit} in {display_unit}")
        return self.value / SCALE_PREFIXES.get(prefix, Decimal(1))


def split_unit(display_unit: str) -> tuple[str, str]:
    """``千人`` → (``千``, ``人``); ``%`` → (``""``, ``%``); a lone ``万`` is a scale: (``万``, ``""``)."""
    if display_unit[:1] in SCALE_PREFIXES:
        return display_unit[0], display_unit[1:]
    return "", display_unit


def _normalize_unit(unit: str) -> str:
    # NFKC would turn ³ into 3 (m³ → m3); protect super-scripts, then fold full-width letters.
    # CP932 has no ³: people write ㎥ or m3 there, which mean the same unit.
    protected = unit.replace("㎥", "m³").replace("㎡", "m²")
    protected = protected.replace("³", "\x01").replace("²", "\x02")
    folded = unicodedata.normalize("NFKC", protected)
    folded = folded.replace("\x01", "³").replace("\x02", "²")
    folded = re.sub(r"\s+", "", folded)
    return re.sub(r"(?<=m)([23])$", lambda m: "³" if m.group(1) == "3" else "²", folded)


def _check_digit_widths(text: str) -> None:
    """Refuse a number mixing half- and full-width digits: ``1,2３4`` is a typo, not 1234."""
    half = [i for i, ch in enumerate(text) if "0" <= ch <= "9"]
    full = [i for i, ch in enumerate(text) if ch in _FULLWIDTH_DIGITS]
    if half and full:
        minority = full if len(full) <= len(half) else half
        raise ParseError(
            "半角と全角の数字が混在しています",
            "half-width and full-width digits are mixed",
            code="number.mixed_widths",
            text=text,
            column=minority[0] + 1,
        )


def parse_value(text: str) -> Quantity | Missing:
    """Parse a figure or a missing marker. Raises :class:`ParseError` on anything else."""
    plain = _plain(text)
    if plain is not None:
        return plain
    stripped = text.strip()
    if stripped == "未":
        return Missing.NOT_PUBLISHED
    if stripped and all(ch in _DASH_MARKERS for ch in stripped):
        return Missing.NOT_AVAILABLE
    return _parse_quantity_written(text)


def parse_quantity(text: str) -> Quantity:
    """Parse a figure with an optional scale prefix and unit. Markers are errors here."""
    plain = _plain(text)
    return plain if plain is not None else _parse_quantity_written(text)


def _plain(text: str) -> Quantity | None:
    """A bare ASCII figure read directly, or None for anything else."""
    match = _PLAIN_RE.match(text)
    if match is None:
        return None
    number = Decimal(match.group(2))
    return Quantity(check_figure(-number if match.group(1) else number, text=text), "", "")


def _parse_quantity_written(text: str) -> Quantity:
    """:func:`parse_quantity` for every way a person writes a figure."""
    raw = text
    if not text.strip():
        raise ParseError("数値が空です", "empty number", code="number.empty", text=raw)
    _check_digit_widths(raw)
    lead = len(text) - len(text.lstrip())
    body = text.strip().translate(_NUMBER_CHARS)
    negative = False
    if body[0] in _NEGATIVE_SIGNS:
        negative = True
        body = body[1:].lstrip()
    match = _NUMBER_RE.match(body)
    offset = lead + (len(text.strip()) - len(body))
    if match is None:
        if body in {"未"} or (body and all(ch in _DASH_MARKERS for ch in body)):
            raise ParseError(
                "ここには数値が必要です（「未」「—」は使えません）",
                "a number is required here (missing markers are not allowed)",
                code="number.missing_marker",
                text=raw,
            )
        raise ParseError(
            "数値が見つかりません",
            "no number found",
            code="number.not_found",
            text=raw,
            column=offset + 1,
        )
    int_part = match.group("int")
    if int_part.endswith(","):
        raise ParseError(
            "カンマの後に数字がありません",
            "a comma is not followed by digits",
            code="number.comma_trailing",
            text=raw,
            column=offset + len(int_part),
        )
    if "," in int_part and not _GROUPED_RE.match(int_part):
        bad = _bad_comma_column(int_part)
        raise ParseError(
            "桁区切りのカンマの位置が正しくありません（3桁ごと）",
            "thousands separators must group three digits",
            code="number.comma_grouping",
            text=raw,
            column=offset + bad,
        )
    digits = int_part.replace(",", "")
    frac = match.group("frac")
    try:
        number = Decimal(digits + ("." + frac if frac else ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ParseError(
            "数値として読めません", "not a number", code="number.invalid", text=raw
        ) from exc
    rest = body[match.end() :]
    prefix = ""
    if rest[:1] in SCALE_PREFIXES:
        prefix, rest = rest[0], rest[1:]
    unit = _normalize_unit(rest)
    bad_unit = next((i for i, ch in enumerate(unit) if ch in "0123456789,."), None)
    if bad_unit is not None:
        raise ParseError(
            "単位の中に数字があります（数値が2つ書かれていませんか）",
            "digits inside the unit (two numbers written?)",
            code="number.digits_in_unit",
            text=raw,
            column=offset + match.end() + len(prefix) + bad_unit + 1,
        )
    if negative:
        number = -number
    check_figure(number, text=raw)
    return Quantity(number=number, prefix=prefix, unit=unit)


def _bad_comma_column(int_part: str) -> int:
    """1-based position of the first misplaced comma in ``int_part``."""
    groups = int_part.split(",")
    pos = len(groups[0]) + 1
    if not 1 <= len(groups[0]) <= 3:
        return pos
    for group in groups[1:]:
        if len(group) != 3:
            return pos
        pos += len(group) + 1
    return pos


def parse_amount(text: str, *, unit: str) -> Decimal:
    """Parse a figure that must be in ``unit`` (a bare number is taken to be in it).

    ``parse_amount("5,715", unit="千円")`` → 5715; ``parse_amount("45.5億円", unit="億円")``
    → 45.5. A figure written in another unit of the same base is converted exactly; a
    different base unit is an error.
    """
    return amount_in_unit(parse_quantity(text), unit, text=text)


def amount_in_unit(q: Quantity, unit: str, *, text: str) -> Decimal:
    """A parsed figure expressed in ``unit`` (``1.2万人`` in 千人 → 12); ParseError, located in
    ``text`` (what was typed), when its unit is another one or no unit at all."""
    if not q.display_unit or q.display_unit == unit:
        return q.number
    try:
        return q.in_unit(unit)
    except ValueError as exc:
        given = q.display_unit
        column = text.rfind(given) + 1 or None
        ja_want = f"{unit}で" if unit else "単位を付けずに"
        en_want = f"in {unit}" if unit else "without a unit"
        if given.isascii() and given.isalpha() and not any(ch.isascii() for ch in unit):
            # letters after a figure whose unit has none: a typo (「12a」), not another unit
            code = "number.trailing_text"
            ja = f"数値の後に読めない文字「{given}」があります（数値だけを{ja_want}書いてください）"
            en = f"unexpected text “{given}” after the number (write the figure {en_want})"
        else:
            code = "number.wrong_unit"
            ja = f"単位「{given}」はここでは使えません（{ja_want}書いてください）"
            en = f"wrong unit “{given}” (write the figure {en_want})"
        raise ParseError(
            ja,
            en,
            code=code,
            params={"expected": unit, "given": given},
            text=text,
            column=column,
        ) from exc


# The documented ranges (docs/datasets.md, docs/api.md). Every figure stored is below
# MAX_FIGURE in absolute value (the columns hold 20 digits, 6 after the point); every budget is
# a whole number of 千円 from 0 to MAX_BUDGET_THOUSAND_YEN (about 1,000兆円), so a sum over even
# nine million budgets stays within a 64-bit integer: no total on any page can overflow.
MAX_FIGURE_DIGITS = 14
MAX_FIGURE = Decimal(10) ** MAX_FIGURE_DIGITS
MAX_BUDGET_THOUSAND_YEN = 10**12 - 1


def check_figure(number: Decimal, *, text: str = "") -> Decimal:
    """``number`` if it can be stored as a figure, else a ParseError naming the limit."""
    if not number.is_finite() or abs(number) >= MAX_FIGURE:
        raise ParseError(
            f"値が大きすぎます（整数部は{MAX_FIGURE_DIGITS}桁まで）",
            f"too large (at most {MAX_FIGURE_DIGITS} digits before the point)",
            code="number.too_large",
            params={"max_digits": MAX_FIGURE_DIGITS},
            text=text,
        )
    return number


def figure_in_unit(
    parsed: Quantity | Missing, unit: str, *, text: str
) -> tuple[Decimal | None, str]:
    """A cell as stored: (value in ``unit``, "") for a figure, (None, marker) for 未/—.
    ParseError when the unit is another one or the figure is too large to hold."""
    if isinstance(parsed, Missing):
        return None, parsed.value
    return check_figure(amount_in_unit(parsed, unit, text=text), text=text), ""


def parse_budget(text: str) -> int:
    """A budget in 千円 (``5,715``, ``５７１５``, ``1億円`` → 100,000): a whole number from 0 to
    :data:`MAX_BUDGET_THOUSAND_YEN`."""
    return parse_thousand_yen(text, what=("予算額", "budget"), code_prefix="budget")


def parse_thousand_yen(
    text: str, *, what: tuple[str, str] = ("金額", "amount"), code_prefix: str = "money"
) -> int:
    """Any amount of money a program reports (予算額, 決算額, 財源): whole 千円 from 0 to
    :data:`MAX_BUDGET_THOUSAND_YEN`. ``what`` names it in the messages (Japanese, English),
    ``code_prefix`` begins the error codes (``budget.negative`` …)."""
    ja, en = what
    amount = parse_integer_amount(text, unit="千円")
    if amount < 0:
        raise ParseError(
            f"{ja}は0以上です",
            f"the {en} cannot be negative",
            code=f"{code_prefix}.negative",
            text=text,
        )
    if amount > MAX_BUDGET_THOUSAND_YEN:
        raise ParseError(
            f"{ja}が大きすぎます（{MAX_BUDGET_THOUSAND_YEN:,}千円まで）",
            f"the {en} is too large (at most {MAX_BUDGET_THOUSAND_YEN:,} thousand yen)",
            code=f"{code_prefix}.too_large",
            params={"max": MAX_BUDGET_THOUSAND_YEN},
            text=text,
        )
    return amount


def parse_integer_amount(text: str, *, unit: str) -> int:
    """Like :func:`parse_amount` but the result must be a whole number (budgets in 千円)."""
    amount = parse_amount(text, unit=unit)
    if amount != amount.to_integral_value():
        raise ParseError(
            f"整数で書いてください（単位: {unit}）",
            f"must be a whole number of {unit}",
            code="number.not_whole",
            params={"unit": unit},
            text=text,
        )
    return int(amount)


def format_number(number: Decimal | int) -> str:
    """Group thousands and keep the written precision: 7250 → ``7,250``, 75.0 → ``75.0``.

    Negative figures use ``▲`` as Japanese public documents do.
    """
    sign = "▲" if number < 0 else ""
    # (format(int, "f") writes six decimals, as for a float: an int is written as it is)
    text = str(abs(number)) if isinstance(number, int) else format(abs(number), "f")
    int_part, _, frac = text.partition(".")
    grouped = f"{int(int_part):,}"
    return sign + grouped + ("." + frac if frac else "")


def format_quantity(q: Quantity) -> str:
    """Write a quantity back as tables print it: ``7,250千人``."""
    return format_number(q.number) + q.display_unit


def format_value(v: Quantity | Missing) -> str:
    return v.value if isinstance(v, Missing) else format_quantity(v)
