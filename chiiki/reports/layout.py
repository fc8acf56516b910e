"""The shape every report has, whatever it is rendered to.

A report builder (``chiiki.reports.builders``) reads the database once and returns a
:class:`Report`: sections holding paragraphs, bullet lists and tables. The renderers — HTML
and PDF (``chiiki.reports.html``), Excel (``chiiki.reports.xlsx``) — only format it, so the
numbers in every edition come from the same rows.

A table cell carries both its printed text (``7,250千人``, ``89.4%``, ``未``) and, for figures,
the typed value and unit, so the Excel edition writes real numbers with a number format
(``#,##0"千人"``) instead of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from chiiki.core.numbers import format_number

CellKind = Literal["text", "figure", "amount", "rate", "grade", "label"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell. ``value`` is the figure for ``figure``/``amount``/``rate`` cells (None
    for a missing figure, whose ``text`` is then the marker); ``places`` and ``unit`` say how
    it is printed. ``total_of`` names the body rows a total adds up (Excel writes SUM)."""

    text: str
    kind: CellKind = "text"
    value: Decimal | int | None = None
    places: int = 0
    unit: str = ""
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    sub: str = ""  # a second, smaller line: the FY under a baseline, "公表 67.4%" …
    total_of: tuple[int, int] | None = None  # body row indexes (first, last) this cell sums

    @property
    def numeric(self) -> bool:
        return self.kind in ("figure", "amount", "rate") and self.value is not None


def text(value: str, **kw: object) -> Cell:
    return Cell(value, "text", **kw)  # type: ignore[arg-type]


def head(value: str, **kw: object) -> Cell:
    return Cell(value, "label", header=True, **kw)  # type: ignore[arg-type]


def amount(value: int, **kw: object) -> Cell:
    """A whole amount (千円) printed with separators."""
    return Cell(format_number(Decimal(value)), "amount", value=value, **kw)  # type: ignore[arg-type]


def figure(value: Decimal | None, places: int, unit: str, missing: str = "", **kw: object) -> Cell:
    """A figure in its unit as the tables print it (``7,250千人``), or the missing marker."""
    if value is None:
        return Cell(missing, "figure", None, places, unit, **kw)  # type: ignore[arg-type]
    q = Decimal(value).quantize(Decimal(1).scaleb(-places))
    return Cell(format_number(q) + unit, "figure", q, places, unit, **kw)  # type: ignore[arg-type]


def rate(value: Decimal | None, **kw: object) -> Cell:
    """A progress rate, one decimal, ``%``."""
    if value is None:
        return Cell("", "rate", **kw)  # type: ignore[arg-type]
    q = Decimal(value).quantize(Decimal("0.1"))
    return Cell(f"{format_number(q)}%", "rate", q, 1, "%", **kw)  # type: ignore[arg-type]


Row = list[Cell]


@dataclass
class Table:
    """A table with (possibly grouped) header rows, body rows and total rows.

    ``widths`` are column widths in full-width characters, used by Excel and by print CSS.
    Spans follow HTML: a cell with ``rowspan=2`` occupies the column in the next row too.
    """

    caption: str
    head: list[Row]
    body: list[Row]
    foot: list[Row] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    unit_note: str = ""  # 「（単位：千円）」
    row_group: int = 1  # body rows that belong together (an indicator's 実績値 and 進捗率)
    block = "table"

    @property
    def body_groups(self) -> list[list[Row]]:
        n = self.row_group
        if n <= 1:  # one row group: row spans may run across the whole body
            return [self.body]
        return [self.body[i : i + n] for i in range(0, len(self.body), n)]

    @property
    def width_percents(self) -> list[str]:
        """The widths as shares of the page, for print CSS."""
        total = sum(self.widths) or 1
        return [f"{100 * w / total:.2f}%" for w in self.widths]


@dataclass
class Bullets:
    title: str
    items: list[str]
    block = "bullets"


@dataclass
class Paragraph:
    text: str
    block = "paragraph"


Block = Table | Bullets | Paragraph


@dataclass
class Section:
    """A part of a report: a project, a region's budget table … Excel gives each its sheet."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    sheet: str = ""  # the Excel sheet name (≤ 31 characters); heading when empty


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    source: str = ""
    filename: str = "report"
    landscape: bool = True

    @property
    def source_line(self) -> str:
        return f"出典: {self.source}" if self.source else ""

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]
