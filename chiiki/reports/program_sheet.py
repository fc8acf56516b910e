"""事務事業評価シート: one program's evaluation sheet in the layout Japanese prefectures use, and
the summary sheet of many programs (a bureau's, or the whole organization's).

The sheet of one program, for a fiscal year: the program (purpose, target group, activities),
its money over the years (budget, revised budget, settled amount, unspent, staff time, full
cost) and the sources of that year's settled amount, its activity and outcome indicators with
targets, actuals, rates and grades (the same table the progress report prints), what a unit of
output cost, the KPIs it declares it contributes to, and the published self-evaluation with
the direction it takes next (拡充・継続・改善・縮小・廃止) and why.

Only published reviews are printed: the sheet is a public document, like the other reports.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Prefetch

from chiiki.core.costs import CostYear
from chiiki.core.schemes import get_scheme
from chiiki.evaluations.models import Evaluation, ProgramReview
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Bureau, Organization, Program
from chiiki.plans.selectors import COST_PREFETCH, UnitCost, cost_years, program_results
from chiiki.reports.layout import (
    Bullets,
    Cell,
    Paragraph,
    Report,
    Row,
    Section,
    Table,
    amount,
    head,
    text,
)
from chiiki.reports.layout import figure as figure_cell
from chiiki.reports.tables import FyLabel, ReportNotFound, _indicator_table, cite, wareki

YEARS_SHOWN = 5  # the sheet's money table: the FY and the four before it

CAVEAT = (
    "KPIの変化には、この事業のほか景気・人口の動き・他の施策なども影響します。"
    "改善あたりの費用は、変化のすべてをこの事業の費用で割った参考値です。"
)


def _money(value: int | None) -> Cell:
    return amount(value) if value is not None else text("")


def _programs(org: Organization) -> object:
    return (
        Program.objects.filter(organization=org)
        .select_related("bureau", "project__plan", "source")
        .prefetch_related(*COST_PREFETCH)
    )


def _published_reviews(programs: list[Program], fy: int | None) -> dict[int, ProgramReview]:
    reviews = ProgramReview.objects.filter(
        program__in=programs, evaluation__status=Evaluation.Status.PUBLISHED
    ).select_related("evaluation")
    if fy is not None:
        reviews = reviews.filter(evaluation__fy=fy)
    latest: dict[int, ProgramReview] = {}
    for r in reviews.order_by("evaluation__fy"):
        latest[r.program_id] = r
    return latest


def _source(programs: list[Program]) -> str:
    """The documents the programs were read from, then the figures entered in chiiki (the
    settlements, staff time and reviews have no document of their own)."""
    cited = cite(*{p.source_id: p.source for p in programs if p.source_id}.values())
    entered = "予算・決算・人工・評価は chiiki に登録された数値"
    return f"{cited}。{entered}" if cited else entered


def _latest_fy(years: list[CostYear]) -> int | None:
    settled = [y.fy for y in years if y.settled is not None]
    budgets = [y.fy for y in years if y.initial_budget is not None]
    return max(settled or budgets or [None])  # type: ignore[type-var]


def program_sheet(
    org: Organization,
    *,
    program_slug: str | None = None,
    fy: int | None = None,
    bureau_slug: str | None = None,
    fy_label: FyLabel = wareki,
) -> Report:
    """One program's sheet (``program_slug``), else the summary of the bureau's programs
    (``bureau_slug``) or of all the organization's."""
    if program_slug:
        program = _programs(org).filter(slug=program_slug).first()
        if program is None:
            raise ReportNotFound(f"事業「{program_slug}」が見つかりません")
        return _one(program, fy, fy_label)
    return _summary(org, bureau_slug, fy, fy_label)


def _one(program: Program, fy: int | None, fy_label: FyLabel) -> Report:
    years = cost_years([program])[program.pk]
    results = program_results(program, years)
    own = [r.indicator for r in results["activity_rows"] + results["outcome_rows"]]
    actual_fys = sorted({a.fy for i in own for a in i.actuals.all()})
    fy = fy or max(filter(None, [_latest_fy(years), *actual_fys[-1:]]), default=None)
    if fy is None:
        raise ReportNotFound(f"事業「{program.name}」には予算額も実績値もありません")
    project = program.project
    sections = [
        Section(
            "事業の概要",
            [
                Table(
                    caption="事業の概要",
                    head=[[head("項目"), head("内容")]],
                    body=[
                        [head("事業名"), text(program.name)],
                        [head("種別"), text(str(program.get_kind_display()))],
                        [
                            head("実施する振興局"),
                            text(program.bureau.name if program.bureau else ""),
                        ],
                        [
                            head("計画・プロジェクト"),
                            text(f"{project.plan.title} ／ {project.name}" if project else ""),
                        ],
                        [head("事業の目的"), text(program.purpose)],
                        [head("対象"), text(program.target_group)],
                        [head("事業の内容（活動）"), text(program.description)],
                    ],
                    widths=[16, 64],
                )
            ],
            sheet="概要",
        ),
        _money_section(years, fy, fy_label),
    ]
    notes: list[str] = []
    scheme = get_scheme(project.plan.grading_scheme) if project else None
    blocks: list[Table | Bullets | Paragraph] = []
    shown_fys = [y for y in actual_fys if y <= fy][-3:]
    if scheme is not None:
        for kind, label in [
            (Indicator.Kind.ACTIVITY, "活動指標"),
            (Indicator.Kind.OUTCOME, "成果指標"),
        ]:
            inds = [i for i in own if i.kind == kind]
            if inds:
                blocks.append(
                    _indicator_table(
                        label, inds, shown_fys, fy, scheme, fy_label, notes, Counter(), "設定時"
                    )
                )
    for row in results["activity_rows"]:
        costs = [c for c in results["output_costs"].get(row.indicator.pk, []) if c.fy <= fy]
        if costs:
            ind = row.indicator
            caption = f"{ind.display_name} 1{ind.unit}あたりの費用"
            blocks.append(
                _unit_cost_table(caption, "活動実績", "1単位あたり", ind, costs, fy_label)
            )
    if results["links"]:
        blocks.append(
            Bullets(
                "KPIへの寄与（想定する効果の経路）",
                [
                    f"{link.row.indicator.display_name}: {link.contribution.assumption}"
                    for link in results["links"]
                ],
            )
        )
        for link in results["links"]:
            changes = [c for c in link.per_change if c.fy <= fy]
            if link.sole and changes:
                ind = link.row.indicator
                caption = f"{ind.display_name}の改善1{ind.unit}あたりの費用（参考）"
                blocks.append(
                    _unit_cost_table(
                        caption, "前年度からの改善幅", "改善1単位あたり", ind, changes, fy_label
                    )
                )
                blocks.append(Paragraph("注意: " + CAVEAT))
    if not blocks:
        blocks.append(Paragraph("活動指標・成果指標は設定されていません。"))
    sections.append(Section("活動指標・成果指標と成果あたりの費用", blocks, sheet="指標"))
    review = _published_reviews([program], fy).get(program.pk)
    sections.append(
        Section(
            f"{fy_label(fy)}の評価",
            [
                Table(
                    caption="自己評価と今後の方向性",
                    head=[[head("項目"), head("内容")]],
                    body=[
                        [
                            head("自己評価"),
                            text(review.self_evaluation if review else "（未公表）"),
                        ],
                        [
                            head("今後の方向性"),
                            text(str(review.get_direction_display()) if review else ""),
                        ],
                        [head("方向性の理由"), text(review.reason if review else "")],
                    ],
                    widths=[16, 64],
                )
            ],
            sheet="評価",
        )
    )
    return Report(
        kind="program-sheet",
        title="事務事業評価シート",
        subtitle=f"{program.name}（{fy_label(fy)}）",
        sections=sections,
        notes=notes,
        source=_source([program]),
        filename=f"program-sheet-{program.slug}-{fy}",
    )


def _unit_cost_table(
    caption: str,
    units: str,
    per: str,
    ind: Indicator,
    costs: list[UnitCost],
    fy_label: FyLabel,
) -> Table:
    """What a unit of a result cost, year by year (of output, or of an outcome's change)."""
    return Table(
        caption=caption,
        head=[
            [
                head("年度"),
                head(units),
                head("費用（千円）"),
                head("費用の種類"),
                head(f"{per}（千円）"),
            ]
        ],
        body=[
            [
                head(fy_label(c.fy)),
                figure_cell(c.units, ind.decimal_places, ind.unit),
                _money(c.cost),
                text({"full": "フルコスト", "settled": "決算額"}.get(c.basis, "")),
                figure_cell(c.per_unit, 1, ""),
            ]
            for c in costs
        ],
        widths=[10, 16, 14, 12, 18],
    )


def _money_section(years: list[CostYear], fy: int, fy_label: FyLabel) -> Section:
    shown = [y for y in years if y.fy <= fy][-YEARS_SHOWN:]
    body: list[Row] = [
        [
            head(fy_label(y.fy)),
            _money(y.initial_budget),
            _money(y.revised_budget),
            _money(y.settled),
            _money(y.unspent),
            figure_cell(y.staff_years, 2, "") if y.staff_years is not None else text(""),
            _money(y.staff_cost),
            _money(y.full_cost),
        ]
        for y in shown
    ]
    blocks: list[Table | Bullets | Paragraph] = [
        Table(
            caption="予算・決算とフルコスト",
            head=[
                [
                    head("年度"),
                    head("当初予算額"),
                    head("補正後予算額"),
                    head("決算額"),
                    head("不用額"),
                    head("人工"),
                    head("人件費"),
                    head("フルコスト"),
                ]
            ],
            body=body,
            widths=[9, 11, 11, 11, 10, 7, 10, 11],
            unit_note="（単位：千円、人工は人年）",
        )
    ]
    this = next((y for y in shown if y.fy == fy), None)
    if this is not None and this.funding is not None:
        f = this.funding
        blocks.append(
            Table(
                caption=f"{fy_label(fy)}決算額の財源内訳",
                head=[[head("国庫支出金"), head("地方債"), head("その他"), head("一般財源")]],
                body=[[amount(f.national), amount(f.bonds), amount(f.other), amount(f.general)]],
                widths=[12, 12, 12, 12],
                unit_note="（単位：千円）",
            )
        )
    notes = [f"{fy_label(y.fy)}: {y.note}" for y in shown if y.note]
    if notes:
        blocks.append(Bullets("予算額と決算額の差の理由", notes))
    blocks.append(
        Paragraph(
            "不用額＝予算額（補正後があれば補正後）−決算額。"
            "フルコスト＝決算額＋人件費（人工×その年度の人件費単価）。空欄は未登録。"
        )
    )
    return Section("予算・決算とフルコスト", blocks, sheet="予算・決算")


def _summary(
    org: Organization, bureau_slug: str | None, fy: int | None, fy_label: FyLabel
) -> Report:
    programs = _programs(org).order_by("bureau__order", "order", "pk")
    scope = org.name
    if bureau_slug:
        bureau = Bureau.objects.filter(organization=org, slug=bureau_slug).first()
        if bureau is None:
            raise ReportNotFound(f"振興局「{bureau_slug}」が見つかりません")
        programs = programs.filter(bureau=bureau)
        scope = bureau.name
    programs = list(programs)
    years = cost_years(programs)
    fy = fy or max(filter(None, (_latest_fy(y) for y in years.values())), default=None)
    if fy is None:
        raise ReportNotFound("予算額の登録された事業がありません")
    reviews = _published_reviews(programs, fy)
    activity = {
        i.program_id: i
        for i in Indicator.objects.filter(program__in=programs, kind=Indicator.Kind.ACTIVITY)
        .prefetch_related(Prefetch("actuals"))
        .order_by("-order", "-pk")
    }
    body: list[Row] = []
    for p in programs:
        y = next((c for c in years[p.pk] if c.fy == fy), None)
        act = activity.get(p.pk)
        shown = ""
        if act is not None:
            values = {a.fy: a.value for a in act.actuals.all() if a.value is not None}
            value = values.get(fy)
            shown = act.display_name + (
                f" {figure_cell(value, act.decimal_places, act.unit).text}"
                if value is not None
                else ""
            )
        review = reviews.get(p.pk)
        body.append(
            [
                text(p.name),
                text(p.bureau.short_name if p.bureau else ""),
                _money(y.initial_budget if y else None),
                _money(y.settled if y else None),
                _money(y.full_cost if y else None),
                text(shown),
                text(str(review.get_direction_display()) if review else ""),
            ]
        )
    return Report(
        kind="program-sheet",
        title="事務事業評価シート（総括表）",
        subtitle=f"{scope}（{fy_label(fy)}）",
        sections=[
            Section(
                "総括表",
                [
                    Table(
                        caption=f"{scope}の事業（{fy_label(fy)}）",
                        head=[
                            [
                                head("事業名"),
                                head("振興局"),
                                head("当初予算額"),
                                head("決算額"),
                                head("フルコスト"),
                                head("主な活動指標（実績）"),
                                head("今後の方向性"),
                            ]
                        ],
                        body=body,
                        widths=[34, 8, 10, 10, 10, 26, 10],
                        unit_note="（単位：千円）",
                    )
                ],
                sheet="総括表",
            )
        ],
        notes=["今後の方向性は公表された評価のものです。空欄は未登録・未公表です。"],
        source=_source(programs),
        filename=f"program-sheets-{bureau_slug or org.slug}-{fy}",
    )
