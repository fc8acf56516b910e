"""The pieces every report shares: the error for what does not exist, the 和暦 label, and the
indicator progress table (baseline, targets, actuals and rates by FY, grade) that the progress
report prints per project and the 事務事業評価シート per program."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from chiiki.core.fiscal import format_fiscal_year
from chiiki.core.numbers import format_number
from chiiki.core.schemes import GradingScheme
from chiiki.core.targets import TargetKind
from chiiki.indicators.models import Indicator
from chiiki.indicators.selectors import progress_rows
from chiiki.plans.models import Source
from chiiki.reports.layout import Cell, Row, Table, figure, head, rate, text

FyLabel = Callable[[int], str]


class ReportNotFound(LookupError):
    """The plan, region, bureau or FY asked for does not exist (message in Japanese)."""


def wareki(fy: int) -> str:
    return format_fiscal_year(fy, "short")


def _figure_cell(ind: Indicator, value: Decimal | None, missing: str = "—", **kw: object) -> Cell:
    return figure(value, ind.decimal_places, ind.unit, missing=missing, **kw)


def _fy_sub(fy: int | None, label: FyLabel) -> str:
    return f"({label(fy)})" if fy else ""


def _indicator_table(
    label: str,
    inds: list[Indicator],
    fys: list[int],
    fy: int,
    scheme: GradingScheme,
    fy_label: FyLabel,
    notes: list[str],
    count: Counter[str],
    adopted: str = "戦略策定時",
) -> Table:
    width = len(fys) or 1
    table_head = [
        [
            head(label, rowspan=2),
            head("基準値"),
            head("目標値", colspan=2),
            head("実績値", colspan=width + 1),
            head("進捗", rowspan=2),
        ],
        [head(adopted), head(adopted), head("見直し後"), head("")]
        + ([head(fy_label(y)) for y in fys] or [head("")]),
    ]
    body: list[Row] = []
    for row in progress_rows(inds, scheme, as_of=fy):
        ind, revised, grade = row.indicator, row.revision, row.grade
        if row.counted:
            count[grade] += 1
        if row.grade_differs:
            notes.append(
                f"「{ind.display_name}」の進捗は計算で{grade}（公表資料は{ind.published_grade}）"
            )
        notes.extend(_revision_notes(ind, fy_label))
        cumulative = ind.target_kind == TargetKind.CUMULATIVE
        target_sub = (
            f"({fy_label(ind.target_first_fy)}～{fy_label(ind.target_fy)})"
            if cumulative and ind.target_first_fy and ind.target_fy
            else _fy_sub(ind.target_fy, fy_label)
        )
        top: Row = [
            text(
                ind.display_name
                + ("（名称は推定）" if ind.name_status == Indicator.NameStatus.INFERRED else ""),
                rowspan=2,
            ),
            _figure_cell(
                ind, ind.baseline_value, rowspan=2, sub=_fy_sub(ind.baseline_fy, fy_label)
            ),
            _target_cell(ind, rowspan=2, sub=target_sub),
            _figure_cell(
                ind,
                revised.revised_value if revised else None,
                rowspan=2,
                sub=_fy_sub(revised.target_fy, fy_label) if revised else "",
            ),
            head("実績値"),
        ]
        bottom: Row = [head("進捗率")]
        for y in fys or [None]:
            c = row.cells.get(y) if y is not None else None
            if c is None:
                top.append(text(""))
                bottom.append(text(""))
                continue
            top.append(_figure_cell(ind, c.actual.value, missing=c.actual.marker))
            cell = rate(c.rate)
            if c.rate_text != cell.text:  # a bound label such as 100%超, or － for a marker
                cell = Cell(c.rate_text, "rate") if c.rate is None else text(c.rate_text)
            if c.rate_differs:
                notes.append(
                    f"「{ind.display_name}」{fy_label(y)}の進捗率は計算で{cell.text}"
                    f"（公表資料は{c.published_text}）"
                )
            bottom.append(cell)
        top.append(text(grade or scheme.not_assessable, rowspan=2))
        body += [top, bottom]
    return Table(
        caption=label,
        head=table_head,
        body=body,
        widths=[30, 12, 12, 12, 7] + [11] * width + [7],
        row_group=2,
    )


def _revision_notes(ind: Indicator, fy_label: FyLabel) -> list[str]:
    """The history of an indicator's target, for revisions recorded with their year, decision
    or reason (the published tables' revisions carry none and print only 見直し後)."""
    out = []
    for r in ind.revisions.all():
        if not (r.revised_fy or r.decided_on or r.decided_by or r.reason):
            continue
        unit = ind.unit
        line = (
            f"「{ind.display_name}」の目標値の見直し: {format_number(r.original_value.normalize())}"
            f"{unit} → {format_number(r.revised_value.normalize())}{unit}"
        )
        facts = [f"{fy_label(r.revised_fy)}の実績から適用"] if r.revised_fy else []
        if r.decided_on or r.decided_by:
            facts.append(
                " ".join(
                    x for x in (r.decided_on.isoformat() if r.decided_on else "", r.decided_by) if x
                )
                + " 決定"
            )
        out.append(
            line
            + (f"（{'、'.join(facts)}）" if facts else "")
            + (f" 理由: {r.reason}" if r.reason else "")
        )
    return out


def _target_cell(ind: Indicator, **kw: object) -> Cell:
    kind = TargetKind(ind.target_kind)
    if ind.target_value is None:
        return text(kind.label_ja, **kw)
    cell = _figure_cell(ind, ind.target_value, **kw)
    return replace(cell, text="累計" + cell.text) if kind is TargetKind.CUMULATIVE else cell


# --------------------------------------------------------------------------- 4. support


def cite(*sources: Source | None) -> str:
    """The documents a report was read from, by title, issuer and FY (each once, in order)."""
    return "／".join(dict.fromkeys(s.citation for s in sources if s is not None))
