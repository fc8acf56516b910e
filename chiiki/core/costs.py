"""Money and staff time of a program (事業), and what they bought.

A program's year, as a 事務事業評価シート prints it: the initial budget (当初予算額), the
budget after supplementary budgets (補正後予算額), the settled amount (決算額) and the difference
(不用額: the budget not spent), the sources of the settled amount (財源内訳), and the staff time
(人工, person-years) priced at the organization's unit cost for that year (人件費単価). The full
cost (フルコスト) is the settled amount plus the staff cost. Every amount is a whole number of
千円, as the budget tables print them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from chiiki.core.errors import ParseError
from chiiki.core.numbers import parse_amount

# Staff time is written to 2 places (0.25人工); no program takes 1,000 person-years.
STAFF_YEARS_PLACES = 2
MAX_STAFF_YEARS = Decimal(1000)

# The sources of a settled amount, in the order a 事務事業評価シート prints them.
FUNDING_SOURCES = ("national", "bonds", "other", "general")


class Funding(NamedTuple):
    """財源内訳 (千円): 国庫支出金, 地方債, その他, 一般財源."""

    national: int
    bonds: int
    other: int
    general: int

    @property
    def total(self) -> int:
        return self.national + self.bonds + self.other + self.general


class FundingMismatch(ValueError):
    """The sources do not add up to the settled amount."""

    def __init__(self, total: int, settled: int) -> None:
        self.total = total
        self.settled = settled
        super().__init__(f"funding {total} != settled {settled}")


def check_funding(settled: int, funding: Funding | None) -> None:
    """The four sources, when given, add up to the settled amount exactly."""
    if funding is not None and funding.total != settled:
        raise FundingMismatch(funding.total, settled)


def parse_staff_years(text: str) -> Decimal:
    """Staff time in person-years (人工): ``0.5``, ``０．２５``, ``1.5人工``; from 0 to
    :data:`MAX_STAFF_YEARS`, at most :data:`STAFF_YEARS_PLACES` decimal places."""
    years = parse_amount(text, unit="人工")
    if years < 0:
        raise ParseError(
            "人工は0以上です", "staff time cannot be negative", code="staff.negative", text=text
        )
    if years >= MAX_STAFF_YEARS:
        raise ParseError(
            f"人工が大きすぎます（{MAX_STAFF_YEARS:,}人工未満）",
            f"staff time too large (under {MAX_STAFF_YEARS:,} person-years)",
            code="staff.too_large",
            params={"max": int(MAX_STAFF_YEARS)},
            text=text,
        )
    if years != years.quantize(Decimal(1).scaleb(-STAFF_YEARS_PLACES), rounding=ROUND_HALF_UP):
        raise ParseError(
            f"人工は小数第{STAFF_YEARS_PLACES}位までで書いてください",
            f"write staff time to at most {STAFF_YEARS_PLACES} decimal places",
            code="staff.too_precise",
            params={"places": STAFF_YEARS_PLACES},
            text=text,
        )
    return years.quantize(Decimal(1).scaleb(-STAFF_YEARS_PLACES))


def staff_cost(staff_years: Decimal, unit_cost: int) -> int:
    """The cost of the staff time in 千円: person-years × the unit cost (千円 a person-year),
    rounded half up to a whole 千円 as the sheets print it."""
    return int((staff_years * unit_cost).to_integral_value(rounding=ROUND_HALF_UP))


class CostYear(NamedTuple):
    """One program-year, with what follows from it. ``None`` where a figure is not known:
    nothing is guessed (no settled amount, no full cost; no unit cost, no staff cost)."""

    fy: int
    initial_budget: int | None
    revised_budget: int | None
    settled: int | None
    note: str
    funding: Funding | None
    staff_years: Decimal | None
    unit_cost: int | None

    @property
    def budget(self) -> int | None:
        """The budget the settled amount is held against: the revised one when there is one."""
        return self.revised_budget if self.revised_budget is not None else self.initial_budget

    @property
    def unspent(self) -> int | None:
        """不用額: budget − settled amount (negative when more was spent than budgeted)."""
        if self.settled is None or self.budget is None:
            return None
        return self.budget - self.settled

    @property
    def staff_cost(self) -> int | None:
        if self.staff_years is None or self.unit_cost is None:
            return None
        return staff_cost(self.staff_years, self.unit_cost)

    @property
    def full_cost(self) -> int | None:
        """フルコスト: settled amount + staff cost. Unknown when either is unknown: a full
        cost that left out the staff would understate the program."""
        staff = self.staff_cost
        if self.settled is None or staff is None:
            return None
        return self.settled + staff


class CostTotal(NamedTuple):
    """Many programs' figures for one FY (a project's, a region's). Each sum counts only the
    programs that have that figure: of ``programs``, ``settled_count`` have a settled amount
    and ``complete`` a full cost."""

    fy: int
    programs: int
    initial_budget: int
    settled: int
    staff_cost: int
    full_cost: int
    settled_count: int
    complete: int


def total_by_year(years: Iterable[CostYear]) -> list[CostTotal]:
    """Sum program-years by FY, oldest first."""
    sums: dict[int, list[int]] = {}
    for y in years:
        s = sums.setdefault(y.fy, [0, 0, 0, 0, 0, 0, 0])
        s[0] += 1
        s[1] += y.initial_budget or 0
        s[2] += y.settled or 0
        s[3] += y.staff_cost or 0
        full = y.full_cost
        if full is not None:
            s[4] += full
        s[5] += y.settled is not None
        s[6] += full is not None
    return [CostTotal(fy, *s) for fy, s in sorted(sums.items())]


def cost_per_unit(cost: int | None, units: Decimal | None) -> Decimal | None:
    """千円 per unit of output (or of outcome change): unknown when either is unknown or no
    unit was produced (a cost per nothing is not a figure)."""
    if cost is None or units is None or units <= 0:
        return None
    return (Decimal(cost) / units).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def improvement(before: Decimal | None, after: Decimal | None, direction: str) -> Decimal | None:
    """How far an outcome moved the desired way between two years (``direction`` "up" or
    "down"); None when either year is missing. Negative when it moved the other way."""
    if before is None or after is None:
        return None
    return after - before if direction == "up" else before - after
