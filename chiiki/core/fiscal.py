"""Japanese fiscal years (年度) and era names (和暦).

A Japanese fiscal year runs April to March and is named after the calendar year in which it
starts: FY2021 = 令和3年度 = 2021-04-01 … 2022-03-31. We store Western FY integers and parse
or format the many ways documents write them:

``H26`` ``R1`` ``R元`` ``令和元年度`` ``平成25年度`` ``R3（令和4年1月）`` ``2021年度`` ``FY2021``
and ranges ``H28～R1`` ``H27-R1`` ``2016〜2019``.

Edge cases:
* 令和 starts at 1 (元年); ``R0`` is an error.
* 平成31年度 and 令和元年度 are the same fiscal year (2019): the era changed on 2019-05-01,
  inside the fiscal year. We accept H31 and format FY2019 as R1. Heisei years past 31 are
  refused with a hint, because they only appear as typos or in pre-2019 forecasts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from chiiki.core.errors import ParseError

# (letter, kanji name, first Western year, last era year or None for the current era)
ERAS: tuple[tuple[str, str, int, int | None], ...] = (
    ("M", "明治", 1868, 45),
    ("T", "大正", 1912, 15),
    ("S", "昭和", 1926, 64),
    ("H", "平成", 1989, 31),
    ("R", "令和", 2019, None),
)
_BY_LETTER = {letter: (name, start, last) for letter, name, start, last in ERAS}
_BY_NAME = {name: letter for letter, name, _start, _last in ERAS}
# The eras' names in English messages (an English screen shows no Japanese).
ROMAN = {"M": "Meiji", "T": "Taishō", "S": "Shōwa", "H": "Heisei", "R": "Reiwa"}

# Fiscal years this system accepts at all: earlier or later values are typos.
MIN_FY = 1945
MAX_FY = 2100

_DASHES = "-‐‑‒–—―−－〜～~"


def _normalize(text: str) -> str:
    """NFKC (full-width letters and digits to half-width), strip, upper-case era letters."""
    return unicodedata.normalize("NFKC", text).strip()


@dataclass(frozen=True, slots=True)
class FiscalYearLabel:
    """A parsed fiscal year with the optional month note some documents add.

    ``R3（令和4年1月）`` is FY2021 with ``note_month = date(2022, 1, 1)``.
    """

    fy: int
    note_month: dt.date | None = None


def era_year_to_western(letter: str, era_year: int, *, text: str = "") -> int:
    """``("R", 3)`` → 2021. Raises ParseError for years outside the era."""
    letter = letter.upper()
    if letter not in _BY_LETTER:
        raise ParseError(
            f"元号「{letter}」は使えません（M・T・S・H・R）",
            f"unknown era letter {letter!r} (use M, T, S, H or R)",
            code="fy.unknown_era",
            params={"letter": letter},
            text=text or letter,
        )
    name, start, last = _BY_LETTER[letter]
    if era_year < 1:
        raise ParseError(
            f"{name}は1年（元年）から始まります。{name}{era_year}年はありません",
            f"{ROMAN[letter]} starts at year 1; year {era_year} does not exist",
            code="fy.era_year_zero",
            params={"era": letter, "year": era_year},
            text=text or f"{letter}{era_year}",
        )
    if last is not None and era_year > last:
        nxt = ERAS[[e[0] for e in ERAS].index(letter) + 1]
        western = start + era_year - 1
        next_year = western - nxt[2] + 1
        hint = f"{nxt[1]}{next_year}年" if western >= nxt[2] else ""
        raise ParseError(
            f"{name}は{last}年までです（{name}{era_year}年は西暦{western}年"
            + (f"＝{hint}" if hint else "")
            + "）",
            f"{ROMAN[letter]} ended in year {last}; {ROMAN[letter]} {era_year} would be {western}"
            + (f" ({ROMAN[nxt[0]]} {next_year})" if hint else ""),
            code="fy.era_ended",
            params={"era": letter, "year": era_year, "last": last, "western": western},
            text=text or f"{letter}{era_year}",
        )
    return start + era_year - 1


def western_to_era(year: int) -> tuple[str, int]:
    """Western fiscal year → (era letter, era year), using the era in force on 1 May.

    FY2019 → ("R", 1): the fiscal year that began in April 2019 is called 令和元年度.
    """
    for letter, _name, start, _last in reversed(ERAS):
        if year >= start:
            return letter, year - start + 1
    raise ValueError(f"year {year} is before 明治")


_ERA_YEAR = r"(?P<era>[MTSHR]|明治|大正|昭和|平成|令和)\s*(?P<year>元|\d{1,2})"
_SINGLE_RE = re.compile(
    r"^(?:FY\s*)?"
    r"(?:" + _ERA_YEAR + r"|(?P<west>\d{4}))"
    r"\s*(?:年度|年)?"
    r"(?:\s*[（(]\s*(?P<note>[^）)]*)[）)])?$",
    re.IGNORECASE,
)
_NOTE_RE = re.compile(
    r"^"
    + _ERA_YEAR
    + r"\s*年\s*(?P<month>\d{1,2})\s*月$|^(?P<wy>\d{4})\s*年\s*(?P<wm>\d{1,2})\s*月$"
)


def _unwrap(norm: str) -> str:
    """``(H26)`` → ``H26``: tables put the baseline year in parentheses."""
    if norm.startswith("(") and norm.endswith(")") and norm.count("(") == 1:
        return norm[1:-1].strip()
    return norm


def _era_letter(token: str) -> str:
    return _BY_NAME.get(token, token.upper())


def _era_number(token: str) -> int:
    return 1 if token == "元" else int(token)  # noqa: S105  # nosec B105  # 元 is the era's first year


def _check_range(fy: int, text: str) -> int:
    if not MIN_FY <= fy <= MAX_FY:
        raise ParseError(
            f"年度{fy}は範囲外です（{MIN_FY}〜{MAX_FY}）",
            f"fiscal year {fy} is outside {MIN_FY}-{MAX_FY}",
            code="fy.out_of_range",
            params={"fy": fy, "min": MIN_FY, "max": MAX_FY},
            text=text,
        )
    return fy


def parse_fiscal_year_label(text: str) -> FiscalYearLabel:
    """Parse one fiscal year, keeping a trailing month note such as ``（令和4年1月）``."""
    raw = text
    norm = _normalize(text)
    if not norm:
        raise ParseError("年度が空です", "empty fiscal year", code="fy.empty", text=raw)
    norm = _unwrap(norm)
    match = _SINGLE_RE.match(norm)
    if match is None:
        raise ParseError(
            "年度として読めません（例: R3, 令和3年度, H26, 2021年度）",
            "not a fiscal year (e.g. R3, H26, 2021, or written out in Japanese)",
            code="fy.invalid",
            text=raw,
            column=_first_bad_column(norm),
        )
    if match.group("west"):
        fy = int(match.group("west"))
    else:
        fy = era_year_to_western(
            _era_letter(match.group("era")), _era_number(match.group("year")), text=raw
        )
    note_month = None
    if match.group("note"):
        note = match.group("note").strip()
        nm = _NOTE_RE.match(note)
        if nm is None:
            raise ParseError(
                "年度の後の括弧書きは「令和4年1月」のような年月にしてください",
                "the note after a fiscal year must be a year and month, e.g. 令和4年1月",
                code="fy.note_not_month",
                text=raw,
            )
        if nm.group("wy"):
            year, month = int(nm.group("wy")), int(nm.group("wm"))
        else:
            year = era_year_to_western(
                _era_letter(nm.group("era")), _era_number(nm.group("year")), text=raw
            )
            month = int(nm.group("month"))
        if not 1 <= month <= 12:
            raise ParseError(
                f"{month}月はありません",
                f"month {month} does not exist",
                code="fy.no_such_month",
                params={"month": month},
                text=raw,
            )
        note_month = dt.date(year, month, 1)
    return FiscalYearLabel(_check_range(fy, raw), note_month)


def parse_fiscal_year(text: str | int) -> int:
    """Parse one fiscal year to a Western FY integer: ``令和元年度`` → 2019."""
    if isinstance(text, int):
        return _check_range(text, str(text))
    return parse_fiscal_year_label(text).fy


def _first_bad_column(norm: str) -> int | None:
    """Best guess at where a malformed label goes wrong, for the error message."""
    for i, ch in enumerate(norm, start=1):
        if not (ch.isalnum() or ch in "年度元()（） " or ch in _DASHES):
            return i
    return None


@dataclass(frozen=True, slots=True)
class FiscalYearRange:
    """An inclusive range of fiscal years, e.g. H27～R1 = 2015..2019."""

    first: int
    last: int

    def __contains__(self, fy: object) -> bool:
        return isinstance(fy, int) and self.first <= fy <= self.last

    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))


_SPAN_NOTE = re.compile(r"(?:の)?(?:(\d+)(?:年|年度|か年|ヵ年|カ年)(?:間)?)?(?:の)?累計$")
_SHORT_END = re.compile(r"^(\d{1,2})(?:年度|年)?$")


def parse_fiscal_year_range(text: str) -> FiscalYearRange:
    """Parse ``H28～R1``, ``H27-R1``, ``2016〜2019`` (inclusive). A single FY is a 1-year range.

    As tables also write them: the end year shortened to its last digits (``2023～27年``,
    ``R5～9``, read in the first year's century or era) and a note of the span
    (``2023～27年の5年累計``), which must agree with the range."""
    raw = text
    norm = _unwrap(_normalize(text))
    stated = None
    note = _SPAN_NOTE.search(norm)
    if note is not None and note.start() > 0:
        stated = int(note.group(1)) if note.group(1) else None
        norm = norm[: note.start()].strip()
    parts = [p for p in re.split("[" + re.escape(_DASHES) + "]", norm) if p.strip()]
    if len(parts) == 2 and (short := _SHORT_END.match(parts[1].strip())):
        head = parts[0].strip()
        digits = short.group(1)
        if re.fullmatch(r"\d{4}(?:年度|年)?", head):
            parts[1] = head[: 4 - len(digits)] + digits
        elif re.fullmatch(r"[A-Za-z]+\d{1,2}(?:年度|年)?", head):
            parts[1] = re.match(r"[A-Za-z]+", head).group(0) + digits  # type: ignore[union-attr]
    if len(parts) == 1:
        fy = parse_fiscal_year(parts[0])
        return FiscalYearRange(fy, fy)
    if len(parts) != 2:
        raise ParseError(
            "年度の範囲は「H27～R1」のように2つの年度で書いてください",
            "a fiscal year range needs exactly two years, e.g. H27-R1",
            code="fy_range.invalid",
            text=raw,
        )
    first, last = parse_fiscal_year(parts[0]), parse_fiscal_year(parts[1])
    if stated is not None and stated != last - first + 1:
        raise ParseError(
            f"{stated}年の累計と書かれていますが、範囲は{last - first + 1}年です",
            f"the note says {stated} years but the range spans {last - first + 1}",
            code="fy_range.years_mismatch",
            params={"stated": stated, "span": last - first + 1},
            text=raw,
        )
    if first > last:
        raise ParseError(
            f"範囲の始まり（{format_fiscal_year(first)}）が終わり（{format_fiscal_year(last)}）より後です",
            f"range starts ({first}) after it ends ({last})",
            code="fy_range.reversed",
            params={"first": first, "last": last},
            text=raw,
        )
    return FiscalYearRange(first, last)


def format_fiscal_year(fy: int, style: str = "short") -> str:
    """Format a Western FY.

    ``short`` → ``R3`` / ``H26``; ``long`` → ``令和3年度`` / ``令和元年度``;
    ``western`` → ``2021年度``.
    """
    if style == "western":
        return f"{fy}年度"
    letter, year = western_to_era(fy)
    if style == "short":
        return f"{letter}{year}"
    if style == "long":
        name = _BY_LETTER[letter][0]
        return f"{name}{'元' if year == 1 else year}年度"
    raise ValueError(f"unknown style {style!r}")


def format_fiscal_year_range(rng: FiscalYearRange, style: str = "short") -> str:
    if rng.first == rng.last:
        return format_fiscal_year(rng.first, style)
    return f"{format_fiscal_year(rng.first, style)}～{format_fiscal_year(rng.last, style)}"


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a date falls in: April–March."""
    return day.year if day.month >= 4 else day.year - 1
