"""Read an edited data workbook (.xlsx) or a long CSV into the changes it asks for.

Nothing here writes. :func:`read_changes` returns a :class:`Changeset` — every cell that
differs from the database, with the old and new value and where it is in the file — or
raises :class:`ImportError_` listing every problem with its sheet (or file), row, column and
the reason in Japanese and English. Applying is ``chiiki.imports.services.apply``.

The long CSV has one row per value: ``record,key,fy,value[,version]`` where ``record`` is
``actual`` (key ``plan/project/indicator``), ``budget``, ``settled`` (the settled amount,
千円) or ``staff`` (the staff time, person-years) — for these three the key is the program's
slug.
UTF-8 (BOM or not) and CP932 are told apart from the bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from chiiki.accounts.access import can_edit_indicator, can_edit_program
from chiiki.core.costs import parse_staff_years
from chiiki.core.encoding import UndecodableError, decode_text
from chiiki.core.errors import ParseError, Problem, ProblemsError
from chiiki.core.fiscal import MAX_FY, MIN_FY, format_fiscal_year, parse_fiscal_year
from chiiki.core.numbers import figure_in_unit, parse_budget, parse_thousand_yen, parse_value
from chiiki.evaluations.selectors import locked_years
from chiiki.imports.workbook import (
    ACTUAL_HEAD,
    ACTUALS_SHEET,
    BUDGET_HEAD,
    BUDGETS_SHEET,
    SETTLED_SHEET,
    STAFF_SHEET,
    VERSIONS_SHEET,
)
from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Organization, Program, ProgramBudget, ProgramSettlement
from chiiki.reports.layout import figure
from chiiki.storage import CHUNK, by_range, chunks, without_cycle_collection

MAX_BYTES = 20 * 1024 * 1024  # an upload; the national CSV goes through the CLI in parts
MAX_UNZIPPED = 200 * 1024 * 1024  # a workbook whose parts inflate beyond this is a zip bomb
MAX_RATIO = 200  # no honest spreadsheet part compresses 200:1
# Rows an upload through the site may hold (per CSV, or per sheet of a workbook). Reading and
# checking a row costs ~60 µs, so a file at the limit is previewed in a few seconds, well inside
# the server's request timeout; larger files go through `chiiki workbook import`, which has no
# limit (docs/reliability.md).
MAX_SITE_ROWS = 50_000
CSV_COLUMNS = ["record", "key", "fy", "value"]
# The workbook's sheets of figures and what each holds (a long CSV names it in ``record``).
SHEET_KINDS = {
    ACTUALS_SHEET: "actual",
    BUDGETS_SHEET: "budget",
    SETTLED_SHEET: "settled",
    STAFF_SHEET: "staff",
}
RECORDS = frozenset(SHEET_KINDS.values())
# counts of the changes read, by kind (settled amounts and staff time count as settlements)
COUNTED = {
    "actual": "actuals",
    "budget": "budgets",
    "settled": "settlements",
    "staff": "settlements",
}


class Progress(Protocol):
    """Hears how far a long step got: ``progress(done, total or None, step)``."""

    def __call__(self, done: int, total: int | None = None, step: str | None = None) -> None: ...


class ImportError_(ProblemsError):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            problems,
            f"{len(problems)}件の誤りがあるため、何も取り込んでいません / "
            f"{len(problems)} problem(s); nothing was imported",
        )


class Change(NamedTuple):
    """One value to write: an actual or a budget, old → new, and where the file says it.

    ``before`` and ``after`` are the values themselves — an actual's ``(value, marker)`` in
    its indicator's unit, a budget's amount in 千円 — ``before`` None when there was none. Their
    display texts (:attr:`old`, :attr:`new`) are made when someone reads them: a national file
    holds a million changes and a preview shows a few hundred."""

    kind: str  # "actual" | "budget" | "settled" | "staff"
    target: Indicator | Program
    fy: int
    before: Any
    after: Any
    expected_version: int | None
    where: Problem  # sheet/file, row, column (message empty)
    # Changed by someone else since the workbook was written out: who and when (ISO time),
    # as far as known. Applying it would overwrite their value, so it is refused.
    conflict: dict[str, str] | None = None

    @property
    def target_id(self) -> int:
        return self.target.pk

    @property
    def label(self) -> str:
        target = self.target
        return target.display_name if isinstance(target, Indicator) else target.name

    @property
    def fy_label(self) -> str:
        return format_fiscal_year(self.fy)

    @property
    def old(self) -> str:
        """As displayed; "" when there was none."""
        return "" if self.before is None else self._shown(self.before)

    @property
    def new(self) -> str:
        return self._shown(self.after)

    def _shown(self, value: Any) -> str:
        target = self.target
        if isinstance(target, Indicator):
            figure_, marker = value
            return figure(figure_, target.decimal_places, target.unit, missing=marker).text
        if self.kind == "staff":
            return f"{value:.2f}人工"
        return f"{value:,}千円"


@dataclass
class Changeset:
    filename: str
    changes: list[Change] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # as ChangeReader.counts

    @property
    def unchanged(self) -> int:
        return self.counts.get("unchanged", 0)

    def summary(self) -> dict[str, int]:
        return dict(self.counts)


def _problem(file: str, row: int | None, column: str, ja: str, en: str) -> Problem:
    return Problem(file, row, column, f"{ja} / {en}")


def located(where: Problem, ja: str, en: str) -> Problem:
    """A problem at ``where`` (a place in the file, with no message yet)."""
    return _problem(where.file, where.line, where.field, ja, en)


def _fatal(file: str, field: str, ja: str, en: str, row: int | None = None) -> ImportError_:
    """The file cannot be read at all: one problem, nothing else is looked at."""
    return ImportError_([_problem(file, row, field, ja, en)])


class _Entry(NamedTuple):
    """A value found in the file, before it is compared with the database."""

    kind: str
    key: str
    fy: int
    raw: Any  # str, int, float or Decimal as the file holds it
    version: int | None
    where: Problem


# --------------------------------------------------------------------------- xlsx


def _check_zip(data: bytes, file: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _fatal(
            file,
            "file",
            "Excel ファイル（.xlsx）として読めません（壊れているか、別の形式のファイルです）",
            "not an Excel .xlsx file (damaged or another format)",
        ) from None
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    ratio = max((i.file_size / max(i.compress_size, 1) for i in infos), default=0)
    if len(infos) > 10_000 or total > MAX_UNZIPPED or ratio > MAX_RATIO:
        raise _fatal(
            file,
            "file",
            f"展開すると大きくなりすぎるファイルです（{total:,}バイト、圧縮率{ratio:.0f}倍）。"
            "取り込みを中止しました",
            f"the file would inflate too much ({total:,} bytes, ratio {ratio:.0f}); refused",
        )
    if "xl/workbook.xml" not in archive.namelist():
        raise _fatal(
            file,
            "file",
            "Excel ブックではありません（xl/workbook.xml がありません）",
            "not an Excel workbook (no xl/workbook.xml)",
        )


def _too_many_rows(file: str, limit: int) -> ImportError_:
    return _fatal(
        file,
        "file",
        f"行が多すぎます。画面からの取込は{limit:,}行までです（シートごと）。"
        "ファイルを分けるか、コマンド chiiki workbook import で取り込んでください",
        f"too many rows: an upload through the site holds at most {limit:,} rows (per sheet); "
        "split the file or use `chiiki workbook import`",
    )


def _limited(rows: Iterable[Any], file: str, limit: int | None) -> Iterator[Any]:
    """``rows``, refusing the file once it has more than ``limit`` data rows."""
    for n, row in enumerate(rows):
        if limit is not None and n > limit:  # n counts the header row too
            raise _too_many_rows(file, limit)
        yield row


def _xlsx_entries(
    data: bytes, file: str, problems: list[Problem], max_rows: int | None = None
) -> Iterator[_Entry]:
    _check_zip(data, file)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged part
        raise _fatal(
            file,
            "file",
            f"Excel ファイルの中身が壊れています（{type(exc).__name__}）",
            f"the workbook is damaged ({type(exc).__name__}: {exc})",
        ) from None
    try:
        sheets = [s for s in SHEET_KINDS if s in book.sheetnames]
        if not sheets:
            raise _fatal(
                file,
                "sheet",
                f"シート「{ACTUALS_SHEET}」も「{BUDGETS_SHEET}」もありません"
                f"（あるシート: {'、'.join(book.sheetnames)}）",
                f"no sheet named {ACTUALS_SHEET} or {BUDGETS_SHEET} "
                f"(found: {', '.join(book.sheetnames)})",
            )
        versions = (
            _versions(book, file, problems, max_rows) if VERSIONS_SHEET in book.sheetnames else {}
        )
        for name in sheets:
            expected_head = ACTUAL_HEAD if name == ACTUALS_SHEET else BUDGET_HEAD
            kind = SHEET_KINDS[name]
            yield from _sheet_entries(
                _limited(book[name].iter_rows(), file, max_rows),
                f"{file}「{name}」",
                name,
                kind,
                expected_head,
                versions,
                problems,
            )
    finally:
        book.close()


def _versions(
    book: Any, file: str, problems: list[Problem], max_rows: int | None = None
) -> dict[tuple[str, str, int], int]:
    out: dict[tuple[str, str, int], int] = {}
    # one version row per value: at most as many as the value rows times the FY columns
    limit = max_rows * 20 if max_rows is not None else None
    rows = _limited(book[VERSIONS_SHEET].iter_rows(min_row=2, values_only=True), file, limit)
    for r, row in enumerate(rows, start=2):
        if not row or row[0] is None:
            continue
        try:
            sheet, key, fy, version = row[:4]
            out[(str(sheet), str(key), int(fy))] = int(version)
        except (TypeError, ValueError):
            problems.append(
                _problem(
                    f"{file}「{VERSIONS_SHEET}」",
                    r,
                    "A",
                    "版の行が読めません",
                    "unreadable version row",
                )
            )
    return out


def _sheet_entries(
    rows: Iterable[Any],
    where: str,
    sheet: str,
    kind: str,
    expected_head: list[str],
    versions: dict[tuple[str, str, int], int],
    problems: list[Problem],
) -> Iterator[_Entry]:
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        problems.append(_problem(where, 1, "A", "見出しの行がありません", "no header row"))
        return
    titles = [_cell_value(c) for c in header]
    fixed = len(expected_head)
    if [str(t or "").strip() for t in titles[:fixed]] != expected_head:
        problems.append(
            _problem(
                where,
                1,
                "A",
                f"見出しは「{'・'.join(expected_head)}」で始まる必要があります",
                f"the header must start with {', '.join(expected_head)}",
            )
        )
        return
    fys: dict[int, int] = {}
    for c, title in enumerate(titles[fixed:], start=fixed):
        if title is None or str(title).strip() == "":
            continue
        column = get_column_letter(c + 1)
        try:
            fy = parse_fiscal_year(str(title).strip())
        except ParseError as exc:
            problems.append(
                _problem(
                    where,
                    1,
                    column,
                    f"見出しが年度として読めません: {exc.message_ja}「{title}」",
                    exc.message_en,
                )
            )
            continue
        if fy in fys.values():
            problems.append(
                _problem(
                    where,
                    1,
                    column,
                    f"年度{format_fiscal_year(fy)}の列が2つあります",
                    "duplicate FY column",
                )
            )
            continue
        fys[c] = fy
    for r, row in enumerate(rows, start=2):
        cells = list(row)
        key = _cell_value(cells[0]) if cells else None
        if key is None or str(key).strip() == "":
            if any(_cell_value(c) not in (None, "") for c in cells[fixed:]):
                problems.append(
                    _problem(
                        where, r, "A", "キーが空の行に値があります", "a row with values has no key"
                    )
                )
            continue
        for c, fy in fys.items():
            if c >= len(cells):
                continue
            cell = cells[c]
            value = _cell_value(cell)
            if value is None or (isinstance(value, str) and value.strip() == ""):
                continue
            column = get_column_letter(c + 1)
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(value, str) and value.startswith("=")
            ):
                problems.append(
                    _problem(
                        where,
                        r,
                        column,
                        f"数式は取り込めません（{str(value)[:40]}）。値を入力してください",
                        "formulas are not imported; type the value",
                    )
                )
                continue
            key_text = str(key).strip()
            yield _Entry(
                kind,
                key_text,
                fy,
                value,
                versions.get((sheet, key_text, fy), 0) if versions else None,
                Problem(where, r, column, ""),
            )


def _cell_value(cell: Any) -> Any:
    return getattr(cell, "value", cell)


# --------------------------------------------------------------------------- long CSV


# The longest value a CSV cell may hold: the csv module's own default field limit, checked
# here as well so that no other code raising that process-wide limit can lift it.
FIELD_LIMIT = 131_072


def _checked_rows(reader: Any, file: str) -> Iterator[list[str]]:
    """The rows of ``reader``; a row the csv module cannot read (a cell longer than the field
    limit, a stray quote in strict mode) stops the file with that row's number."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            row = None
        if row is None or (row and max(map(len, row)) > FIELD_LIMIT):
            raise _fatal(
                file,
                "row",
                f"この行は読めません（一つの値が長すぎます。{FIELD_LIMIT:,}文字まで）",
                f"this row cannot be read (a value longer than {FIELD_LIMIT:,} characters)",
                row=reader.line_num,
            )
        yield row


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings (CR LF, LF or CR), as ``io.StringIO(text,
    newline="")`` gives them to the csv module, one at a time: no second copy of the file."""
    for match in _LINE.finditer(text):
        yield match.group()


def _csv_entries(data: bytes, file: str, problems: list[Problem]) -> Iterator[_Entry]:
    try:
        text = decode_text(data)
    except UndecodableError as exc:
        raise ImportError_([Problem(file, None, "encoding", str(exc))]) from None
    if "\x00" in text:
        raise _fatal(
            file,
            "file",
            "テキストの CSV ではありません（NUL 文字を含みます）",
            "not a text CSV (contains NUL)",
        )
    reader = _checked_rows(csv.reader(_lines(text)), file)
    header = [h.strip() for h in next(reader, [])]
    if header[:4] != CSV_COLUMNS or header[4:] not in ([], ["version"]):
        raise _fatal(
            file,
            "header",
            f"見出しは「{','.join(CSV_COLUMNS)}」（任意で「,version」）にしてください（読んだ見出し: {','.join(header)[:80]}）",
            f"the header must be {','.join(CSV_COLUMNS)}[,version]",
            row=1,
        )
    years: dict[str, int] = {}  # a file names a few years a million times
    for r, row in enumerate(reader, start=2):
        if not "".join(row).strip():
            continue
        if len(row) != len(header):
            problems.append(
                _problem(
                    file,
                    r,
                    "row",
                    f"列の数が{len(row)}です（{len(header)}列のはず）",
                    f"{len(row)} columns, expected {len(header)}",
                )
            )
            continue
        record, key, fy_text, value = map(str.strip, row[:4])
        if record not in RECORDS:
            problems.append(
                _problem(
                    file,
                    r,
                    "record",
                    f"record は actual・budget・settled・staff のどれかです（「{record}」）",
                    "record must be actual, budget, settled or staff",
                )
            )
            continue
        fy = years.get(fy_text)
        if fy is None:
            try:
                fy = years[fy_text] = parse_fiscal_year(fy_text)
            except ParseError as exc:
                problems.append(
                    _problem(file, r, "fy", f"{exc.message_ja}「{fy_text}」", exc.message_en)
                )
                continue
        version: int | None = None
        if len(row) > 4 and row[4].strip():
            try:
                version = int(row[4])
            except ValueError:
                problems.append(
                    _problem(
                        file,
                        r,
                        "version",
                        f"版は整数です（「{row[4]}」）",
                        "version must be an integer",
                    )
                )
                continue
        if value == "":
            continue
        yield _Entry(record, key, fy, value, version, Problem(file, r, "value", ""))


# --------------------------------------------------------------------------- compare

# Values of the file compared with the database at a time (one query for their KPIs' figures).
READ_BATCH = 5000

# What the check reads of an indicator: its key, unit and name, and what the permission rule
# reads (the plan's organization). Only these: a national file names a hundred thousand.
READS = ("slug", "name", "name_status", "series_name", "unit", "decimal_places", "project_id",
         "project__slug", "project__plan_id", "project__plan__slug",
         "project__plan__organization_id")  # fmt: skip


@without_cycle_collection()
def read_changes(
    data: bytes,
    filename: str,
    *,
    organization: Organization,
    actor: Any = None,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> Changeset:
    """What importing ``data`` would change, all at once (a preview). With ``actor``, rows
    that person may not change (another bureau's KPI, a published FY) are reported now rather
    than at apply time. With ``max_rows``, a file holding more rows (per CSV or per sheet) is
    refused before its rows are checked. ``progress(done, total, step)`` hears how far the
    check got (rows of a CSV; values of a workbook, whose total is not known in advance).
    A file of any size is imported without holding its changes by
    ``chiiki.imports.services.import_file``, which reads with :class:`ChangeReader` too."""
    reader = ChangeReader(
        data,
        filename,
        organization=organization,
        actor=actor,
        max_rows=max_rows,
        progress=progress,
    )
    return Changeset(filename, list(reader.checked()), reader.counts)


class ChangeReader:
    """The changes a file asks for, one at a time: iterate it, then look at ``problems``
    (every refused row, located) and ``counts`` (the changes read of each kind, the conflicts
    among them, and the values that are unchanged). Holds the organization's indicators, for
    each KPI where in the file each FY was given, and the stored figures of one batch of
    values at a time; never the file's rows, so a national file is read in bounded memory."""

    def __init__(
        self,
        data: bytes,
        filename: str,
        *,
        organization: Organization,
        actor: Any = None,
        max_rows: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        if len(data) > MAX_BYTES:
            raise _fatal(
                filename,
                "file",
                f"ファイルが大きすぎます（{len(data):,}バイト、上限 {MAX_BYTES // 1024 // 1024}MB）",
                f"the file is too large ({len(data):,} bytes; limit {MAX_BYTES // 1024 // 1024} MB)",
            )
        self.problems: list[Problem] = []
        self.counts = {
            "actuals": 0, "budgets": 0, "settlements": 0, "unchanged": 0, "conflicts": 0
        }  # fmt: skip
        self.filename = filename
        self._data = data
        self._actor = actor
        self._max_rows = max_rows
        self._progress = progress
        self._xlsx = data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm"))
        if max_rows is not None and not self._xlsx and data.count(b"\n") > max_rows + 1:
            raise _too_many_rows(filename, max_rows)
        self._organization = organization

    def __iter__(self) -> Iterator[Change]:
        data, filename, problems = self._data, self.filename, self.problems
        organization = self._organization
        entries = (
            _xlsx_entries(data, filename, problems, self._max_rows)
            if self._xlsx
            else _csv_entries(data, filename, problems)
        )
        self._indicators = {
            i.key: i
            for i in Indicator.objects.filter(project__plan__organization=organization)
            .select_related("project__plan")
            .only(*READS)
            .order_by()
        }
        self._programs = {p.slug: p for p in Program.objects.filter(organization=organization)}
        self._budgets = {
            (b.program_id, b.fy): b
            for b in ProgramBudget.objects.filter(program__organization=organization).order_by()
        }
        self._settlements = {
            (t.program_id, t.fy): t
            for t in ProgramSettlement.objects.filter(program__organization=organization).order_by()
        }
        self._locked = locked_years(organization=organization)
        self._allowed: dict[int, bool] = {}  # project id → may the actor change its KPIs
        self._seen = _Seen()
        self._rows = None if self._xlsx else max(data.count(b"\n") - 1, 1)
        self._done = 0
        self._settled: set[tuple[int, int]] = set()  # program-years given a settled amount
        self._staffed: dict[tuple[int, int], Problem] = {}  # and given staff time: where
        batch: list[_Entry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) == READ_BATCH:
                yield from self._batch_changes(batch)
                batch = []
        yield from self._batch_changes(batch)
        for (program_id, fy), where in self._staffed.items():
            if (program_id, fy) not in self._settled and (program_id, fy) not in self._settlements:
                self.problems.append(
                    located(
                        where,
                        "人工は決算額と一緒に記録します（この年度の決算額がありません。"
                        "「決算額」にも入力してください）",
                        "staff time is recorded with a settled amount (enter that year's "
                        "settled amount too)",
                    )
                )

    def checked(self) -> Iterator[Change]:
        """The changes, then :class:`ImportError_` with every problem if there was one."""
        yield from self
        if self.problems:
            raise ImportError_(self.problems)

    def _batch_changes(self, batch: list[_Entry]) -> Iterator[Change]:
        """The changes of a batch of the file's values, compared with the figures stored for
        its KPIs (read per batch: the organization's figures are never all held)."""
        indicators, problems, counts = self._indicators, self.problems, self.counts
        progress, rows = self._progress, self._rows
        ids = sorted({i.pk for e in batch if (i := indicators.get(e.key)) and e.kind == "actual"})
        actuals: dict[tuple[int, int], _Current] = {}
        for part in chunks(ids, CHUNK):
            for row in (
                by_range(Actual.objects, "indicator_id", part)
                .order_by()
                .values_list("indicator_id", "fy", "value", "marker", "version")
            ):
                actuals[(row[0], row[1])] = _Current(*row[2:])
        for entry in batch:
            where = entry.where
            self._done += 1
            if progress is not None:
                n = self._done
                progress(min(where.line or n, rows) if rows else n, rows, "check")
            try:
                if entry.kind == "actual":
                    ind = indicators.get(entry.key)
                    if ind is None:
                        raise _Refused(
                            f"指標キー「{entry.key}」の指標はありません",
                            f"no indicator with key {entry.key}",
                        )
                    self._seen.check(entry, ind.pk)
                    change = _actual_change(
                        entry, ind, actuals, self._actor, self._locked, self._allowed
                    )
                else:
                    program = self._programs.get(entry.key)
                    if program is None:
                        raise _Refused(
                            f"事業キー「{entry.key}」の事業はありません",
                            f"no program with key {entry.key}",
                        )
                    self._seen.check(entry, program.pk)
                    if entry.kind == "settled":
                        self._settled.add((program.pk, entry.fy))
                    elif entry.kind == "staff":
                        self._staffed.setdefault((program.pk, entry.fy), where)
                    change = (
                        _budget_change(entry, program, self._budgets, self._actor)
                        if entry.kind == "budget"
                        else _settled_change(entry, program, self._settlements, self._actor)
                    )
            except _Refused as exc:
                problems.append(located(where, exc.ja, exc.en))
                continue
            if change is None:
                counts["unchanged"] += 1
                continue
            counts[COUNTED[change.kind]] += 1
            counts["conflicts"] += change.conflict is not None
            yield change


class _Seen:
    """Where in the file each value (record, target, FY) was first given, to refuse a second
    one. Per target an array over the FY range: a national file gives a million values, and
    a dict entry per value would cost more than the rest of the reading."""

    SLOTS = MAX_FY - MIN_FY + 1

    def __init__(self) -> None:
        self._lines: dict[tuple[str, int], array[int]] = {}

    def check(self, entry: _Entry, target: int) -> None:
        lines = self._lines.get((entry.kind, target))
        if lines is None:
            lines = self._lines[(entry.kind, target)] = array("I", bytes(4 * self.SLOTS))
        slot = entry.fy - MIN_FY
        first = lines[slot]
        if first:
            raise _Refused(f"同じ値が{first}行目にもあります", f"also given on row {first}")
        lines[slot] = entry.where.line or 1


class _Current(NamedTuple):
    """An actual as stored (plain values: a national file holds millions)."""

    value: Decimal | None
    marker: str
    version: int


class _Refused(Exception):
    def __init__(self, ja: str, en: str) -> None:
        self.ja, self.en = ja, en
        super().__init__(ja)


def _number_text(raw: Any) -> str:
    """A spreadsheet number as exact decimal text: 386.8 (a float) → "386.8"."""
    if isinstance(raw, bool):
        raise _Refused("真偽値は取り込めません", "booleans are not values")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return format(Decimal(repr(raw)).normalize(), "f")
    if isinstance(raw, Decimal):
        return format(raw.normalize(), "f")
    if isinstance(raw, str):
        return raw.strip()
    raise _Refused(
        f"この種類の値は取り込めません（{type(raw).__name__}）",
        f"unsupported cell type {type(raw).__name__}",
    )


def _actual_change(
    entry: _Entry,
    ind: Indicator,
    actuals: dict[tuple[int, int], _Current],
    actor: Any,
    locked: set[tuple[int, int]],
    allowed: dict[int, bool],
) -> Change | None:
    text = _number_text(entry.raw)
    try:
        # the figure, then its unit; each error names the position in both languages
        value, marker = figure_in_unit(parse_value(text), ind.unit, text=text)
    except ParseError as exc:
        raise _Refused(exc.describe_ja(), exc.message_en) from None
    current = actuals.get((ind.pk, entry.fy))
    if current is not None and (current.value, current.marker) == (value, marker):
        return None  # Decimal equality: 1.270000 stored == 1.27 typed
    if actor is not None:
        may = allowed.get(ind.project_id)
        if may is None:  # one answer per project: the rule reads the project's lead bureau
            may = allowed[ind.project_id] = can_edit_indicator(actor, ind)
        if not may:
            raise _Refused(
                f"「{ind.display_name}」を変更する権限がありません",
                "you may not change this indicator",
            )
        if (ind.project_id, entry.fy) in locked:
            raise _Refused(
                f"{format_fiscal_year(entry.fy)}の評価は公表済みのため変更できません",
                "the evaluation of this FY is published (locked)",
            )
    expected = entry.version if entry.version is not None else (current.version if current else 0)
    conflict = None
    if expected != (current.version if current else 0):
        stored = (
            Actual.objects.select_related("updated_by")
            .filter(indicator_id=ind.pk, fy=entry.fy)
            .first()
        )
        conflict = {
            "who": stored.updated_by.get_username() if stored and stored.updated_by else "",
            "when": stored.updated_at.isoformat() if stored and stored.updated_at else "",
        }
    return Change(
        "actual",
        ind,
        entry.fy,
        (current.value, current.marker) if current else None,
        (value, marker),
        expected,
        entry.where,
        conflict,
    )


def _budget_change(
    entry: _Entry,
    program: Program,
    budgets: dict[tuple[int, int], ProgramBudget],
    actor: Any,
) -> Change | None:
    text = _number_text(entry.raw)
    try:
        amount = parse_budget(text)
    except ParseError as exc:
        raise _Refused(exc.describe_ja(), exc.message_en) from None
    current = budgets.get((program.pk, entry.fy))
    return _program_change(
        entry,
        program,
        amount,
        current.amount_thousand_yen if current else None,
        current.version if current else 0,
        actor,
        ("予算額", "budget"),
    )


def _settled_change(
    entry: _Entry,
    program: Program,
    settlements: dict[tuple[int, int], ProgramSettlement],
    actor: Any,
) -> Change | None:
    """A settled amount (千円) or staff time (person-years) of a program-year."""
    text = _number_text(entry.raw)
    try:
        value: int | Decimal = (
            parse_thousand_yen(text, what=("決算額", "settled amount"))
            if entry.kind == "settled"
            else parse_staff_years(text)
        )
    except ParseError as exc:
        raise _Refused(exc.describe_ja(), exc.message_en) from None
    current = settlements.get((program.pk, entry.fy))
    stored = None
    if current is not None:
        stored = current.settled_thousand_yen if entry.kind == "settled" else current.staff_years
    return _program_change(
        entry,
        program,
        value,
        stored,
        current.version if current else 0,
        actor,
        ("決算額・人工", "settlement"),
    )


def _program_change(
    entry: _Entry,
    program: Program,
    value: int | Decimal,
    stored: int | Decimal | None,
    version: int,
    actor: Any,
    what: tuple[str, str],
) -> Change | None:
    """A program's figure as the file gives it, against the stored one (``version`` 0 when
    there is none): nothing when they are equal, else the change, refused to whom may not
    make it and marked a conflict when the file was written out from another version."""
    if stored is not None and stored == value:
        return None
    if actor is not None and not can_edit_program(actor, program):
        raise _Refused(
            f"「{program.name}」の{what[0]}を変更する権限がありません",
            f"you may not change this program's {what[1]}",
        )
    expected = entry.version if entry.version is not None else version
    return Change(
        entry.kind,
        program,
        entry.fy,
        stored,
        value,
        expected,
        entry.where,
        {"who": "", "when": ""} if expected != version else None,
    )
