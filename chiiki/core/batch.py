"""The batch evaluation file of ``chiiki indicators evaluate FILE.csv`` (a stable contract).

One row per indicator-year with the columns of :data:`COLUMNS`; the definition columns
repeat on every row of an indicator and must agree. UTF-8 (with or without BOM) or CP932.

An optional ``year_target`` column gives a year's own target (年度別目標値, for the
``year_target`` and ``trajectory`` methods). Two more optional columns ask "does my table
reproduce?": ``published_rate`` (per year, as the
table prints it: ``89.4``, ``89.4%``, ``100%超``, ``0%未満``, or a dash where none is printed)
and ``published_grade`` (per indicator). The results then say, per year and for the grade,
whether the computed value matches, with a summary (``n of m reproduced``).

An optional ``series`` column names the series of an indicator with several (小学校, 中学校 …):
the rows of one ``indicator_id`` and ``series`` are one series with its own definition and
actuals, and the indicator is graded from its series by the scheme's series rule
(:mod:`chiiki.core.series`); its ``published_grade`` is the indicator's (per series under the
``each`` rule).
Every problem is collected with file, row (as a spreadsheet numbers it: the header is row 1)
and column; if there is any, nothing is evaluated.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypeVar

from chiiki.core.encoding import UndecodableError, decode_text
from chiiki.core.errors import ParseError, Problem, ProblemsError
from chiiki.core.fiscal import format_fiscal_year, parse_fiscal_year, parse_fiscal_year_range
from chiiki.core.numbers import Missing, Quantity, parse_quantity, parse_value
from chiiki.core.progress import (
    Assessment,
    Direction,
    IndicatorSpec,
    Method,
    Revision,
    YearActual,
    YearResult,
    assess,
)
from chiiki.core.schemes import GradingScheme
from chiiki.core.series import SeriesRule, assess_series
from chiiki.core.targets import TargetKind
from chiiki.core.text import display_width, neutralise

T = TypeVar("T")

COLUMNS = [
    "indicator_id", "name", "unit", "direction", "method", "baseline_value", "baseline_fy",
    "target_kind", "target_value", "target_fy", "revised_target_value", "fy", "actual",
    "national_value",
]  # fmt: skip
OPTIONAL_COLUMNS = [
    "actuals_cumulative", "published_rate", "published_grade", "year_target", "series",
]  # fmt: skip
DEFINITION_COLUMNS = [c for c in COLUMNS if c not in ("fy", "actual", "national_value")]
DEFINITION_COLUMNS += ["actuals_cumulative", "published_grade"]
_DASHES = {"-", "－", "—", "―", "ー", "‐"}
MAX_BYTES = 50 * 1024 * 1024


class BatchError(ProblemsError):
    """The file has problems; nothing was evaluated."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, f"{len(problems)}件の誤りがあるため評価していません")


@dataclass
class BatchIndicator:
    id: str
    name: str
    unit: str
    spec: IndicatorSpec
    years: list[YearActual] = field(default_factory=list)
    published_rates: dict[int, str] = field(default_factory=dict)  # FY → as printed
    published_grade: str = ""
    series: str = ""  # the series' name, for an indicator with several
    series_names: tuple[str, ...] = ()  # the indicator's series, on its combined entry


_FOOTNOTE = re.compile(r"\s*[※＊*]\s*\d*\s*$")


def _dash(text: str) -> bool:
    return unicodedata.normalize("NFKC", text).strip() in _DASHES


def noted_quantity(text: str) -> Quantity | None:
    """A baseline or target as tables print it: a dash where there is none (—, －), and a
    footnote mark after the figure (``1,200※``, ``1,200※2``) left out."""
    if _dash(text):
        return None
    return parse_quantity(_FOOTNOTE.sub("", text))


def published_rate_text(text: str) -> str:
    """A published rate as printed, normalised (``８９．４％`` → ``89.4%``); "" for a dash.
    ValueError when it is not a rate at all."""
    norm = unicodedata.normalize("NFKC", text).replace(" ", "")
    if not norm or norm in _DASHES:
        return ""
    number = norm[:-1] if norm.endswith("%") else norm
    try:
        Decimal(number)
    except ArithmeticError:
        if norm.endswith(("超", "未満")):
            return norm
        raise ValueError(
            f"公表された進捗率として読めません: 「{text}」（例: 89.4、89.4%、100%超、—）"
        ) from None
    return number + "%"


def reproduces(published: str, rate: Decimal | None, scheme: GradingScheme) -> bool:
    """Does the computed (published-form) ``rate`` match the ``published`` one?"""
    if published == "":
        return rate is None
    if rate is None:
        return False
    if published.endswith("%") and published[:-1].lstrip("-").replace(".", "", 1).isdigit():
        return Decimal(published[:-1]) == rate or scheme.format_rate(rate) == published
    return scheme.format_rate(rate) == published


def decode(data: bytes, file: str) -> str:
    """UTF-8 (BOM optional) or CP932, decided from the bytes; anything else is refused."""
    if len(data) > MAX_BYTES:
        raise BatchError(
            [
                Problem(
                    file,
                    None,
                    "file",
                    f"ファイルが大きすぎます（上限 {MAX_BYTES // 1024 // 1024}MB）",
                )
            ]
        )
    try:
        return decode_text(data)
    except UndecodableError as exc:
        raise BatchError([Problem(file, None, "encoding", str(exc))]) from exc


def read_batch(data: bytes, file: str) -> list[BatchIndicator]:
    """Parse and check a batch file. Raises :class:`BatchError` listing every problem."""
    text = decode(data, file)
    if "\x00" in text:
        raise BatchError([Problem(file, None, "file", "CSV ではありません（NUL 文字を含みます）")])
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BatchError([Problem(file, None, "header", "空のファイルです")]) from None
    except csv.Error as exc:
        raise BatchError([Problem(file, 1, "header", f"CSV として読めません: {exc}")]) from exc
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS and c not in OPTIONAL_COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"必要な列がありません: {', '.join(missing)}")
        if unknown:
            parts.append(f"知らない列があります: {', '.join(unknown)}")
        raise BatchError([Problem(file, 1, "header", "。".join(parts))])
    groups: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    try:
        for row in reader:
            rownum = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(file, rownum, "row", f"列の数が{len(row)}です（{len(header)}列必要）")
                )
                continue
            record = {h: c.strip() for h, c in zip(header, row, strict=True)}
            if not record["indicator_id"]:
                problems.append(Problem(file, rownum, "indicator_id", "指標IDが空です"))
                continue
            key = (record["indicator_id"], record.get("series", ""))
            groups.setdefault(key, []).append((rownum, record))
    except csv.Error as exc:
        problems.append(Problem(file, reader.line_num, "row", f"CSV として読めません: {exc}"))
    named = {i for i, series in groups if series}
    for (indicator_id, series), rows in groups.items():
        if not series and indicator_id in named:
            problems.append(
                Problem(
                    file,
                    rows[0][0],
                    "series",
                    f"指標「{indicator_id}」には系列名のある行があります。この行にも系列名を書いてください",
                )
            )
    indicators = [_indicator(file, rows, problems) for rows in groups.values()]
    if not groups and not problems:
        problems.append(Problem(file, None, "file", "データ行がありません"))
    if problems:
        raise BatchError(problems)
    return [i for i in indicators if i is not None]


def _indicator(
    file: str, rows: list[tuple[int, dict[str, str]]], problems: list[Problem]
) -> BatchIndicator | None:
    first_row, first = rows[0]
    before = len(problems)
    for rownum, record in rows[1:]:
        for column in DEFINITION_COLUMNS:
            if record.get(column, "") != first.get(column, ""):
                problems.append(
                    Problem(
                        file,
                        rownum,
                        column,
                        f"同じ指標の{first_row}行目と値が違います（「{record.get(column, '')}」と「{first.get(column, '')}」）",
                    )
                )

    def cell(
        rownum: int, record: dict[str, str], column: str, parser: Callable[[str], T]
    ) -> T | None:
        try:
            return parser(record[column])
        except ParseError as exc:
            problems.append(Problem(file, rownum, column, exc.describe()))
        except ValueError as exc:
            problems.append(Problem(file, rownum, column, str(exc)))
        return None

    def optional(column: str, parser: Callable[[str], T]) -> T | None:
        return cell(first_row, first, column, parser) if first[column] else None

    kind = cell(first_row, first, "target_kind", _target_kind)
    direction = cell(first_row, first, "direction", lambda t: Direction(t or "up"))
    method = cell(first_row, first, "method", lambda t: Method(t) if t else None)
    baseline = optional("baseline_value", noted_quantity)
    baseline_fy = optional("baseline_fy", lambda t: None if _dash(t) else parse_fiscal_year(t))
    target = optional("target_value", noted_quantity)
    revised = optional("revised_target_value", noted_quantity)
    target_first = target_last = None
    if first["target_fy"]:
        rng = cell(first_row, first, "target_fy", parse_fiscal_year_range)
        if rng is not None:
            target_first, target_last = rng.first, rng.last
    cumulated = (
        cell(first_row, first, "actuals_cumulative", _boolean)
        if first.get("actuals_cumulative")
        else False
    )
    unit = first["unit"]
    quantities: list[tuple[int, str, Quantity | None]] = [
        (first_row, "baseline_value", baseline), (first_row, "target_value", target),
        (first_row, "revised_target_value", revised),
    ]  # fmt: skip
    years: list[YearActual] = []
    published_rates: dict[int, str] = {}
    year_targets: list[tuple[int, Decimal]] = []
    seen: dict[int, int] = {}
    for rownum, record in rows:
        fy = cell(rownum, record, "fy", parse_fiscal_year)
        if not record["actual"]:
            problems.append(
                Problem(file, rownum, "actual", "実績値が空です（無い年度は「未」か「—」）")
            )
            continue
        value = cell(rownum, record, "actual", parse_value)
        national = (
            cell(rownum, record, "national_value", parse_quantity)
            if record["national_value"]
            else None
        )
        if fy is None or value is None:
            continue
        if fy in seen:
            problems.append(
                Problem(file, rownum, "fy", f"{format_fiscal_year(fy)}は{seen[fy]}行目にもあります")
            )
            continue
        seen[fy] = rownum
        if record.get("year_target"):
            own = cell(rownum, record, "year_target", parse_quantity)
            if own is not None:
                quantities.append((rownum, "year_target", own))
                year_targets.append((fy, own.number))
        if record.get("published_rate"):
            text = cell(rownum, record, "published_rate", published_rate_text)
            if text is not None:
                published_rates[fy] = text
        if isinstance(value, Quantity):
            quantities.append((rownum, "actual", value))
        quantities.append((rownum, "national_value", national))
        years.append(
            YearActual(
                fy,
                value.number if isinstance(value, Quantity) else None,
                value if isinstance(value, Missing) else None,
                national.number if national else None,
            )
        )
    for rownum, column, q in quantities:
        if q is not None and q.display_unit and unit and q.display_unit != unit:
            problems.append(
                Problem(
                    file,
                    rownum,
                    column,
                    f"単位「{q.display_unit}」が unit 列の「{unit}」と違います",
                )
            )
    if kind in (TargetKind.ABSOLUTE, TargetKind.CUMULATIVE) and target is None:
        problems.append(
            Problem(file, first_row, "target_value", f"目標の種類 {kind} には目標値が必要です")
        )
    if kind is TargetKind.CUMULATIVE and target_first == target_last and first["target_fy"]:
        problems.append(
            Problem(file, first_row, "target_fy", "累計目標は期間で書いてください（例: H27～R1）")
        )
    if revised is not None and target is None:
        problems.append(
            Problem(
                file,
                first_row,
                "revised_target_value",
                "見直し前の目標値（target_value）がありません",
            )
        )
    if len(problems) > before or kind is None or direction is None:
        return None
    spec = IndicatorSpec(
        target_kind=kind,
        target_value=target.number if target else None,
        target_fy=target_last,
        target_first_fy=target_first if kind is TargetKind.CUMULATIVE else None,
        baseline_value=baseline.number if baseline else None,
        baseline_fy=baseline_fy,
        revisions=(Revision(target.number, revised.number),) if target and revised else (),
        direction=direction,
        method=method,
        actuals_cumulative=bool(cumulated),
        year_targets=tuple(year_targets),
    )
    return BatchIndicator(
        first["indicator_id"],
        first["name"],
        unit or _unit_of(quantities),
        spec,
        years,
        published_rates,
        first.get("published_grade", "").strip(),  # as printed (NFKC would turn ③ into 3)
        first.get("series", ""),
    )


def _target_kind(text: str) -> TargetKind:
    try:
        return TargetKind(text)
    except ValueError:
        raise ValueError(
            f"目標の種類「{text}」は使えません（{', '.join(k.value for k in TargetKind)}）"
        ) from None


def _boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes", "累計"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise ValueError(f"true か false です（「{text}」）")


def _unit_of(quantities: list[tuple[int, str, Quantity | None]]) -> str:
    return next((q.display_unit for _, _, q in quantities if q is not None and q.display_unit), "")


# --------------------------------------------------------------------------- output


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def results(
    indicators: list[BatchIndicator], scheme: GradingScheme
) -> list[tuple[BatchIndicator, Assessment]]:
    """Each indicator assessed; an indicator with several series as one entry graded by the
    scheme's series rule (no years of its own) followed by its series, each assessed alone."""
    out: list[tuple[BatchIndicator, Assessment]] = []
    by_id: dict[str, list[BatchIndicator]] = {}
    for ind in indicators:
        by_id.setdefault(ind.id, []).append(ind)
    for group in by_id.values():
        assessed = [(ind, assess(ind.spec, ind.years, scheme)) for ind in group]
        if not group[0].series:
            out += assessed
            continue
        combined = assess_series([(i.series, a) for i, a in assessed], scheme, scheme.series_rule)
        each = combined.rule is SeriesRule.EACH
        grades = {i.published_grade for i in group}
        published = "" if each or len(grades) != 1 else grades.pop()
        whole = BatchIndicator(
            group[0].id,
            group[0].name,
            group[0].unit,
            IndicatorSpec(TargetKind.SERIES),
            published_grade=published,
            series_names=tuple(i.series for i in group),
        )
        if not each:  # the grade published is the indicator's: the series are not compared
            assessed = [(replace(i, published_grade=""), a) for i, a in assessed]
        whole_assessed = Assessment(
            scheme.name, grade=combined.grade, grade_fy=combined.grade_fy, reason=combined.reason
        )
        out += [(whole, whole_assessed), *assessed]
    return out


@dataclass(frozen=True)
class Reproduction:
    """How many published rates and grades the computation reproduces."""

    rates: int
    rates_published: int
    grades: int
    grades_published: int

    def line(self) -> str:
        """``公表値の再現: 進捗率 70/71、進捗評価 19/19`` (a part the file did not publish is left
        out)."""
        parts = [
            f"{label} {n}/{m}"
            for label, n, m in (
                ("進捗率", self.rates, self.rates_published),
                ("進捗評価", self.grades, self.grades_published),
            )
            if m
        ]
        return "公表値の再現: " + "、".join(parts)


def reproduction(
    evaluated: list[tuple[BatchIndicator, Assessment]], scheme: GradingScheme
) -> Reproduction | None:
    """None when the file gave no published values."""
    rates = [
        reproduces(text, a.rates.get(fy), scheme)
        for ind, a in evaluated
        for fy, text in ind.published_rates.items()
    ]
    grades = [(a.grade or "") == ind.published_grade for ind, a in evaluated if ind.published_grade]
    if not rates and not grades:
        return None
    return Reproduction(sum(rates), len(rates), sum(grades), len(grades))


def _grade_reproduced(ind: BatchIndicator, a: Assessment) -> bool | None:
    return (a.grade or "") == ind.published_grade if ind.published_grade else None


def _rate_reproduced(
    ind: BatchIndicator, a: Assessment, fy: int, scheme: GradingScheme
) -> bool | None:
    text = ind.published_rates.get(fy)
    return None if text is None else reproduces(text, a.rates.get(fy), scheme)


def to_json(evaluated: list[tuple[BatchIndicator, Assessment]], scheme: GradingScheme) -> str:
    out: dict[str, Any] = {"scheme": scheme.name, "indicators": []}
    summary = reproduction(evaluated, scheme)
    if summary is not None:
        out["reproduced"] = {
            "rates": summary.rates,
            "rates_published": summary.rates_published,
            "grades": summary.grades,
            "grades_published": summary.grades_published,
        }
    for ind, a in evaluated:
        out["indicators"].append({
            "id": ind.id,
            **({"series": ind.series} if ind.series else {}),
            **(
                {"series_names": list(ind.series_names), "series_rule": scheme.series_rule.value}
                if ind.series_names
                else {}
            ),
            "name": ind.name,
            "unit": ind.unit,
            "target_kind": ind.spec.target_kind.value,
            "rates": {str(fy): _number(rate) for fy, rate in a.rates.items()},
            "grade": a.grade,
            "grade_fy": a.grade_fy,
            "achieved": a.achieved,
            "not_assessable_reason": a.reason.value if a.reason else None,
            "not_assessable_reason_ja": a.reason.label_ja if a.reason else None,
            "published_grade": ind.published_grade or None,
            "grade_reproduced": _grade_reproduced(ind, a),
            "years": [
                {
                    "fy": r.fy,
                    "compared": _number(r.compared),
                    "target": _number(r.target),
                    "expected": _number(r.expected),
                    "rate_exact": str(r.rate) if r.rate is not None else None,
                    "reason": r.reason.value if r.reason else None,
                    "published_rate": ind.published_rates.get(r.fy),
                    "rate_reproduced": _rate_reproduced(ind, a, r.fy, scheme),
                }
                for r in a.years
            ],
        })  # fmt: skip
    return json.dumps(out, ensure_ascii=False, indent=2)


def to_csv(evaluated: list[tuple[BatchIndicator, Assessment]], scheme: GradingScheme) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    published = reproduction(evaluated, scheme) is not None
    with_series = any(ind.series for ind, _a in evaluated)
    head = ["indicator_id", "name", "fy", "rate", "reason", "grade", "grade_fy"]
    if with_series:
        head.insert(1, "series")
    if published:
        head += ["published_rate", "rate_reproduced", "published_grade", "grade_reproduced"]
    writer.writerow(head)
    for ind, a in evaluated:
        # an indicator graded from its series has one row, with no year, for its grade
        years: list[YearResult | None] = list(a.years) if a.years else [None]
        for r in years:
            rate = a.rates.get(r.fy) if r else None
            row: list[Any] = [
                neutralise(ind.id), neutralise(ind.name), r.fy if r else "",
                "" if rate is None else f"{rate}",
                (r.reason.value if r.reason else "") if r else (a.reason.value if a.reason else ""),
                a.grade or "", a.grade_fy or "",
            ]  # fmt: skip
            if with_series:
                row.insert(1, neutralise(ind.series))
            if published:
                row += [
                    neutralise(ind.published_rates.get(r.fy, "") if r else ""),
                    _yes_no(_rate_reproduced(ind, a, r.fy, scheme) if r else None),
                    neutralise(ind.published_grade),
                    _yes_no(_grade_reproduced(ind, a)),
                ]
            writer.writerow(row)
    return buffer.getvalue()


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def to_table(evaluated: list[tuple[BatchIndicator, Assessment]], scheme: GradingScheme) -> str:
    fys = sorted({r.fy for _, a in evaluated for r in a.years})
    lines = [f"評価区分: {scheme.label}"]
    head = ["指標", *(format_fiscal_year(fy) for fy in fys), "進捗"]
    rows = [head]
    for ind, a in evaluated:
        cells = [_label(ind)]
        cells += [scheme.format_rate(a.rates.get(fy)) if fy in a.rates else "" for fy in fys]
        cells.append(
            a.grade or f"{scheme.not_assessable}（{a.reason.label_ja if a.reason else ''}）"
        )
        rows.append(cells)
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        lines.append(
            "  ".join(
                _pad(c, w, right=0 < i < len(head) - 1)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    summary = reproduction(evaluated, scheme)
    if summary is not None:
        lines.append(summary.line())
        for ind, a in evaluated:
            for fy, text in sorted(ind.published_rates.items()):
                if not reproduces(text, a.rates.get(fy), scheme):
                    shown = scheme.format_rate(a.rates.get(fy)) or "—"
                    lines.append(
                        f"  {_full_name(ind)} {format_fiscal_year(fy)}: 計算 {shown}、公表 {text or '—'}"
                    )
            if ind.published_grade and (a.grade or "") != ind.published_grade:
                lines.append(
                    f"  {_full_name(ind)} 進捗: 計算 {a.grade or scheme.not_assessable}、"
                    f"公表 {ind.published_grade}"
                )
    return "\n".join(lines) + "\n"


def _full_name(ind: BatchIndicator) -> str:
    name = ind.name or ind.id
    return f"{name}（{ind.series}）" if ind.series else name


def _label(ind: BatchIndicator) -> str:
    name = ind.name or ind.id
    if ind.series:
        return f"  {ind.series}"
    if ind.series_names:
        return f"{name}（{'・'.join(ind.series_names)}）"
    return name


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


FORMATS: dict[str, Callable[[list[tuple[BatchIndicator, Assessment]], GradingScheme], str]] = {
    "json": to_json,
    "csv": to_csv,
    "table": to_table,
}
