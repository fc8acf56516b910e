"""The Excel edition of a report: native cells, the official layout.

Each section is a sheet. Grouped headers are merged cells, figures are numbers with a number
format that prints their unit (``#,##0"千人"``, ``0.0"%"``), totals are ``SUM`` formulas (with
the computed value cached, so a reader without recalculation sees it), column widths follow
the report's, and each sheet prints on A4 landscape, fitted to the page width, with its
header rows repeated.

The file is deterministic: the same report gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from chiiki.core.text import display_width
from chiiki.reports.layout import Bullets, Cell, Paragraph, Report, Table

# Text cells stay text: a name that starts with "=" (from the seeds, the admin or an import) is
# never turned into a formula, and no string becomes a link. Numbers and SUMs are written with
# write_number / write_formula on purpose.
SAFE_WORKBOOK = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}

FIXED_TIME = dt.datetime(2000, 1, 1)  # document properties: no clock in the bytes
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

# Fitting text to A4 landscape. A column width unit is the width of a digit of the workbook's
# default font (Calibri 11, or its metric twin Carlito in LibreOffice): 7 px, 5.25 pt, about
# 5.7 pt with each column's padding as LibreOffice prints it. The printable width (297 mm less
# the margins) is 784 pt; the 10 pt text prints at 9 pt or more when the fitted page is scaled
# by 0.9 or more, so a sheet's columns add up to at most MAX_UNITS (scale ≈ 0.95), the widest
# shrunk and wrapped (tests/test_libreoffice.py prints every report and checks both).
UNIT_PT = 5.25
MAX_UNITS = 145.0
MIN_UNITS = 12.6  # six full-width characters
BASE_SIZE = 10


def fitted_units(widths: list[float]) -> list[float]:
    """Column widths (full-width characters) → Excel units, the widest shrunk so the sheet
    prints at a scale of 0.9 or more."""
    units = [max(w, 6) * 2.1 for w in widths]
    total = sum(units)
    if total <= MAX_UNITS:
        return units
    shrinkable = sum(u - MIN_UNITS for u in units if u > MIN_UNITS)
    keep = max(0.0, 1 - (total - MAX_UNITS) / shrinkable) if shrinkable else 1.0
    return [MIN_UNITS + (u - MIN_UNITS) * keep if u > MIN_UNITS else u for u in units]


def lines_needed(text: str, units: float, size: float = BASE_SIZE) -> int:
    """Lines ``text`` wraps to in a cell ``units`` wide (a safe estimate: 10 % margin)."""
    per_line = max(1.0, units * UNIT_PT / size * 0.9)
    # in full-width characters (a kanji 1, a Latin letter or digit ½), as the widths are given
    return sum(
        max(1, math.ceil(display_width(part, ambiguous=2) / 2 / per_line))
        for part in text.split("\n")
    )


class RowHeights:
    """The height each row needs for its wrapped text (merged cells: their columns' width)."""

    def __init__(self, units: list[float]) -> None:
        self.units = units
        self.points: dict[int, float] = {}

    def need(self, r: int, first: int, last: int, text: str, size: float = BASE_SIZE) -> None:
        width = sum(self.units[first : last + 1])
        height = lines_needed(text, width, size) * size * 1.45 + 4
        self.points[r] = max(self.points.get(r, 0.0), height)

    def apply(self, ws: Worksheet) -> None:
        for r, height in self.points.items():
            if height > 15:  # Excel's default row height
                ws.set_row(r, round(height, 1))


def sheet_name(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique (case-insensitive)."""
    base = _BAD_SHEET_CHARS.sub("・", name).strip("'") or "Sheet"
    candidate, n = base[:31], 2
    while candidate.lower() in taken:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def figure_format(places: int, unit: str) -> str:
    """``#,##0.0"千人"`` — separators, the published decimals, the unit as literal text, and
    ▲ for negatives."""
    digits = "#,##0" + ("." + "0" * places if places else "")
    unit = unit.replace('"', "")
    positive = f'{digits}"{unit}"' if unit else digits
    return f'{positive};"▲"{positive}'


def number_format(cell: Cell) -> str:
    return '0.0"%"' if cell.kind == "rate" else figure_format(cell.places, cell.unit)


class Formats:
    """Cell formats of one workbook, created once per distinct set of properties."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[Any, ...], Any] = {}

    def get(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            base = {"font_name": "Meiryo UI", "font_size": 10, "valign": "top"}
            self.cache[key] = self.book.add_format({**base, **props})
        return self.cache[key]

    def for_cell(self, cell: Cell, *, foot: bool = False, head: bool = False) -> Any:
        props: dict[str, Any] = {"border": 1, "text_wrap": True}
        if head or cell.header:
            props.update(
                bg_color="#DBE5F1" if head else "#F2F2F2", align="center", valign="vcenter"
            )
        if foot:
            props.update(bold=True, bg_color="#F2F2F2")
        if cell.numeric:
            props.update(num_format=number_format(cell), align="right")
        elif cell.kind in ("figure", "rate", "amount", "grade"):
            props.update(align="right" if cell.kind != "grade" else "center")
        return self.get(**props)


def _placed(rows: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) for rows with HTML row/column spans."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out


def _span(
    ws: Worksheet,
    r: int,
    last: int,
    text: str,
    fmt: Any,
    heights: RowHeights,
    size: float = BASE_SIZE,
) -> None:
    """``text`` across columns 0…``last`` of row ``r`` (a plain cell when there is one column)."""
    heights.need(r, 0, last, text, size)
    if last > 0:
        ws.merge_range(r, 0, r, last, text, fmt)
    else:
        ws.write_string(r, 0, text, fmt)


def _write(ws: Worksheet, r: int, c: int, cell: Cell, fmt: Any, heights: RowHeights) -> None:
    shown: Any = cell.value if cell.numeric else cell.text + (f"\n{cell.sub}" if cell.sub else "")
    if isinstance(shown, str) and cell.rowspan == 1:
        heights.need(r, c, c + cell.colspan - 1, shown)
    if cell.numeric:
        shown = float(shown) if cell.places or cell.kind == "rate" else int(shown)
    if cell.rowspan > 1 or cell.colspan > 1:
        ws.merge_range(r, c, r + cell.rowspan - 1, c + cell.colspan - 1, shown, fmt)
    elif isinstance(shown, str):
        ws.write_string(r, c, shown, fmt)
    else:
        ws.write_number(r, c, shown, fmt)


def _table(
    ws: Worksheet, fmts: Formats, table: Table, top: int, ncols: int, heights: RowHeights
) -> tuple[int, int]:
    """Write ``table`` from row ``top``; returns (first header row, next free row)."""
    r = top
    last = ncols - 1
    if table.unit_note and last > 0:
        # The caption on the left, 「(単位：千円)」 over the last column, as the tables print it.
        _span(ws, r, last - 1, table.caption, fmts.get(bold=True), heights)
        ws.write_string(r, last, table.unit_note, fmts.get(font_size=9, align="right"))
    else:
        _span(ws, r, last, table.caption, fmts.get(bold=True), heights)
    r += 1
    header_top = r
    for dr, dc, cell in _placed(table.head):
        _write(ws, r + dr, dc, cell, fmts.for_cell(cell, head=True), heights)
    r += len(table.head)
    body_top = r
    for dr, dc, cell in _placed(table.body):
        _write(ws, r + dr, dc, cell, fmts.for_cell(cell), heights)
    r += len(table.body)
    for dr, dc, cell in _placed(table.foot):
        fmt = fmts.for_cell(cell, foot=True)
        if cell.total_of is not None and cell.numeric:
            top = xl_rowcol_to_cell(body_top + cell.total_of[0], dc)
            bottom = xl_rowcol_to_cell(body_top + cell.total_of[1], dc)
            ws.write_formula(r + dr, dc, f"=SUM({top}:{bottom})", fmt, cell.value)
        else:
            _write(ws, r + dr, dc, cell, fmt, heights)
    r += len(table.foot)
    return header_top, r + 1


def render_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, SAFE_WORKBOOK)
    book.set_properties(
        {
            "title": report.title,
            "subject": report.subtitle,
            "author": "chiiki",
            "created": FIXED_TIME,
        }
    )
    fmts = Formats(book)
    taken: set[str] = set()
    for i, section in enumerate(report.sections):
        ws = book.add_worksheet(sheet_name(section.sheet or section.heading, taken))
        tables = [b for b in section.blocks if isinstance(b, Table)]
        ncols = max((len(t.widths) for t in tables), default=4) or 4
        widths = [0.0] * ncols
        for t in tables:
            for c, w in enumerate(t.widths):
                widths[c] = max(widths[c], w)
        units = fitted_units(widths)
        for c, u in enumerate(units):
            ws.set_column(c, c, round(u, 2))
        heights = RowHeights(units)
        last = ncols - 1
        _span(ws, 0, last, report.title, fmts.get(bold=True, font_size=14), heights, 14)
        _span(ws, 1, last, report.subtitle, fmts.get(), heights)
        _span(ws, 2, last, section.heading, fmts.get(bold=True, font_size=12), heights, 12)
        r = 4
        if i == 0:
            for note in report.notes:
                _span(ws, r, last, note, fmts.get(text_wrap=True, font_size=9), heights, 9)
                r += 1
            r += bool(report.notes)
        titles_repeated = False
        for block in section.blocks:
            if isinstance(block, Table):
                header_top, r = _table(ws, fmts, block, r, ncols, heights)
                if not titles_repeated:  # the first table's header rows print on every page
                    ws.repeat_rows(header_top, header_top + len(block.head) - 1)
                    titles_repeated = True
            elif isinstance(block, Bullets):
                _span(ws, r, last, block.title, fmts.get(bold=True), heights)
                r += 1
                for item in block.items:
                    _span(ws, r, last, item, fmts.get(text_wrap=True), heights)
                    r += 1
                r += 1
            elif isinstance(block, Paragraph):
                _span(ws, r, last, block.text, fmts.get(text_wrap=True), heights)
                r += 2
        if report.source and i == len(report.sections) - 1:
            _span(
                ws, r, last, report.source_line, fmts.get(text_wrap=True, font_size=9), heights, 9
            )
            r += 1
        heights.apply(ws)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        ws.set_footer("&C&P / &N")
        ws.print_area(0, 0, max(r - 1, 0), ncols - 1)
    book.close()
    return buffer.getvalue()
