"""The data workbook: actuals and budgets laid out for editing in Excel and importing back.

Sheets:

* 「実績値」 one row per indicator (数値目標・KPI), one column per FY (H27, H28 …): the actual
  as a number in the indicator's unit, or the marker 未 / — as text;
* 「予算額」 one row per program, one column per FY: the budget in 千円;
* 「決算額」 and 「人工」 the same rows: the settled amount in 千円 and the staff time in
  person-years of each FY (the rest of a settlement — revised budget, sources, reason — is
  entered on the program page);
* 「説明」 how to edit; 「_版」 (hidden) the version of every cell exported, so that importing
  a workbook someone else changed the database behind reports a conflict instead of
  overwriting their change.

The first column holds each row's key (``plan/project/indicator`` or the program's slug); the
importer finds rows by key, never by position, so rows may be sorted or deleted. A new FY is
a new column headed with its year (``R4`` or ``2022``). The same database gives the same bytes.
"""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter
from django.db.models import Prefetch
from django.utils import timezone

from chiiki.core.fiscal import fiscal_year_of, format_fiscal_year
from chiiki.indicators.models import HOLDS_FIGURES, Actual, Indicator
from chiiki.plans.models import Organization, Plan, Program, ProgramBudget, ProgramSettlement
from chiiki.reports.xlsx import FIXED_TIME, SAFE_WORKBOOK, Formats, figure_format

ACTUALS_SHEET = "実績値"
BUDGETS_SHEET = "予算額"
SETTLED_SHEET = "決算額"
STAFF_SHEET = "人工"
VERSIONS_SHEET = "_版"
HELP_SHEET = "説明"
ACTUAL_HEAD = ["指標キー", "プロジェクト", "区分", "指標名", "単位"]
BUDGET_HEAD = ["事業キー", "振興局", "プロジェクト", "事業名", "単位"]
HELP = [
    "このブックは chiiki から書き出した入力用のブックです。編集して「データの取込」で取り込めます。",
    "「実績値」: 年度の列に実績値を入力します。単位は「単位」列のとおり（数値だけを入力）。未公表は「未」、調査なし・該当なしは「—」。",
    "「予算額」: 年度の列に予算額を千円単位の整数で入力します。",
    "「決算額」「人工」: 年度の列に、その年度の決算額（千円単位の整数）と人工（人年、小数第2位まで）を入力します。補正後予算額・財源内訳・差額の理由は事業のページで入力します。",
    "空欄のセルは取り込みません（既存の値を消すことはありません）。",
    "新しい年度は、見出しに年度（R4、令和4年度、2022 など）を書いた列を右に追加します。",
    "1列目のキー、見出しの行、シート名は変更しないでください。行の並べ替え・削除はかまいません。",
    "数式は取り込めません（値を入力してください）。",
    "取り込む前に、変更点の一覧（ドライラン）で内容を確認できます。誤りが1件でもあれば何も書き込みません。",
]


def _plans(org: Organization, plan_slug: str | None) -> list[Plan]:
    plans = Plan.objects.filter(organization=org).order_by("kind", "-start_fy")
    if plan_slug:
        plans = plans.filter(slug=plan_slug)
        if not plans:
            raise LookupError(f"計画「{plan_slug}」が見つかりません")
    return list(plans)


def export_workbook(
    org: Organization, *, plan_slug: str | None = None, bureau_slug: str | None = None
) -> bytes:
    """The workbook for ``org`` (optionally one plan, or one bureau's projects and programs)."""
    plans = _plans(org, plan_slug)
    last_fy = fiscal_year_of(timezone.localdate()) - 1
    indicators = list(
        Indicator.objects.filter(HOLDS_FIGURES, project__plan__in=plans)
        .filter(**({"project__lead_bureau__slug": bureau_slug} if bureau_slug else {}))
        .select_related("project__plan")
        .prefetch_related(Prefetch("actuals", queryset=Actual.objects.order_by("fy")))
        .order_by("project__plan__kind", "-project__plan__start_fy", "project__order", "order")
    )
    programs = list(
        Program.objects.filter(organization=org)
        .filter(**({"project__plan__in": plans} if plan_slug else {}))
        .filter(**({"bureau__slug": bureau_slug} if bureau_slug else {}))
        .select_related("bureau", "project")
        .prefetch_related(
            Prefetch("budgets", queryset=ProgramBudget.objects.order_by("fy")),
            Prefetch("settlements", queryset=ProgramSettlement.objects.order_by("fy")),
        )
        .order_by("order", "pk")
    )
    actual_fys = {a.fy for i in indicators for a in i.actuals.all()}
    for plan in {i.project.plan for i in indicators}:
        # Open years of a running plan get a column to type into.
        if plan.start_fy and plan.end_fy:
            actual_fys |= set(range(plan.start_fy, min(plan.end_fy, last_fy) + 1))
    budget_years = {b.fy for p in programs for b in p.budgets.all()}
    budget_fys = list(range(min(budget_years), max(budget_years) + 1)) if budget_years else []
    versions: list[tuple[str, str, int, int]] = []

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, SAFE_WORKBOOK)
    book.set_properties({"title": "chiiki 入力用ブック", "author": "chiiki", "created": FIXED_TIME})
    fmts = Formats(book)
    head = fmts.get(bold=True, bg_color="#DBE5F1", border=1)
    plain = fmts.get(border=1)
    marker = fmts.get(border=1, align="right")

    ws = book.add_worksheet(ACTUALS_SHEET)
    # one column per year from the first to the last, none skipped (a gap reads as a lost year)
    fys = list(range(min(actual_fys), max(actual_fys) + 1)) if actual_fys else []
    ws.write_row(0, 0, ACTUAL_HEAD + [format_fiscal_year(y) for y in fys], head)
    for r, ind in enumerate(indicators, start=1):
        key = ind.key
        ws.write_row(
            r, 0, [key, ind.project.name, ind.get_kind_display(), ind.display_name, ind.unit], plain
        )
        by_fy = {a.fy: a for a in ind.actuals.all()}
        for c, y in enumerate(fys, start=len(ACTUAL_HEAD)):
            a = by_fy.get(y)
            if a is None:
                ws.write_blank(r, c, None, plain)
                continue
            versions.append((ACTUALS_SHEET, key, y, a.version))
            if a.value is None:
                ws.write_string(r, c, a.marker, marker)
            else:
                ws.write_number(
                    r,
                    c,
                    _float(a.value),
                    fmts.get(border=1, num_format=figure_format(ind.decimal_places, "")),
                )
    ws.set_column(0, 0, 48)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 9)
    ws.set_column(3, 3, 44)
    ws.set_column(4, 4, 8)
    ws.set_column(len(ACTUAL_HEAD), len(ACTUAL_HEAD) + max(len(fys), 1), 12)
    ws.freeze_panes(1, len(ACTUAL_HEAD))
    ws.autofilter(0, 0, max(len(indicators), 1), len(ACTUAL_HEAD) + len(fys) - 1)

    ws = book.add_worksheet(BUDGETS_SHEET)
    ws.write_row(0, 0, BUDGET_HEAD + [format_fiscal_year(y) for y in budget_fys], head)
    amount_fmt = fmts.get(border=1, num_format=figure_format(0, ""))
    for r, program in enumerate(programs, start=1):
        ws.write_row(
            r,
            0,
            [program.slug, *_program_cells(program), "千円"],
            plain,
        )
        by_fy = {b.fy: b for b in program.budgets.all()}
        for c, y in enumerate(budget_fys, start=len(BUDGET_HEAD)):
            b = by_fy.get(y)
            if b is None:
                ws.write_blank(r, c, None, plain)
            else:
                versions.append((BUDGETS_SHEET, program.slug, y, b.version))
                ws.write_number(r, c, b.amount_thousand_yen, amount_fmt)
    _program_columns(ws, budget_fys)

    # the settled amount and staff time of each year with a budget (or a settlement)
    settled_years = budget_years | {t.fy for p in programs for t in p.settlements.all()}
    settled_fys = list(range(min(settled_years), max(settled_years) + 1)) if settled_years else []
    staff_fmt = fmts.get(border=1, num_format=figure_format(2, ""))
    for sheet, unit, column, number_fmt in [
        (SETTLED_SHEET, "千円", "settled_thousand_yen", amount_fmt),
        (STAFF_SHEET, "人年", "staff_years", staff_fmt),
    ]:
        ws = book.add_worksheet(sheet)
        ws.write_row(0, 0, BUDGET_HEAD + [format_fiscal_year(y) for y in settled_fys], head)
        for r, program in enumerate(programs, start=1):
            ws.write_row(r, 0, [program.slug, *_program_cells(program), unit], plain)
            by_fy = {t.fy: t for t in program.settlements.all()}
            for c, y in enumerate(settled_fys, start=len(BUDGET_HEAD)):
                t = by_fy.get(y)
                value = getattr(t, column) if t is not None else None
                if value is None:
                    ws.write_blank(r, c, None, plain)
                    continue
                versions.append((sheet, program.slug, y, t.version))  # type: ignore[union-attr]
                ws.write_number(r, c, _float(Decimal(value)), number_fmt)
        _program_columns(ws, settled_fys)

    ws = book.add_worksheet(HELP_SHEET)
    ws.set_column(0, 0, 120)
    for r, line in enumerate(HELP):
        ws.write_string(r, 0, line, fmts.get(text_wrap=True))

    ws = book.add_worksheet(VERSIONS_SHEET)
    ws.write_row(0, 0, ["シート", "キー", "年度", "版"])
    for r, (sheet, key, y, version) in enumerate(versions, start=1):
        ws.write_row(r, 0, [sheet, key, y, version])
    ws.hide()
    book.close()
    return buffer.getvalue()


def _program_cells(program: Program) -> list[str]:
    """A program row's bureau, project and name (the program sheets share them)."""
    return [
        program.bureau.short_name if program.bureau else "",
        program.project.name if program.project else "",
        program.name,
    ]


def _program_columns(ws: xlsxwriter.worksheet.Worksheet, fys: list[int]) -> None:
    """The column widths and frozen head of a sheet of program-year figures (予算額, 決算額, 人工)."""
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 8)
    ws.set_column(2, 3, 40)
    ws.set_column(4, 4, 6)
    ws.set_column(len(BUDGET_HEAD), len(BUDGET_HEAD) + max(len(fys), 1), 12)
    ws.freeze_panes(1, len(BUDGET_HEAD))


def _float(value: Decimal) -> float:
    return float(Decimal(value).normalize())
