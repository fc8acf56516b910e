"""The four official reports, each read from the database once into a :class:`Report`.

1. :func:`region_summary` — 連携地域別政策展開方針の概要 (seed 000): per region the number of
   projects, an example project, its main measures and main KPI (baseline → target).
2. :func:`budget_report` — 地域プロジェクトの推進 (seed 002): per region, bureau → project →
   program with its description and budget (千円), region totals and a summary by region.
3. :func:`progress_report` — 重点戦略プロジェクト 推進状況 (seed 003): per project the measures,
   the 数値目標 and KPI tables (baseline, target, revised target, actuals and rates per FY,
   grade) and 分析と課題, with a count of grades.
4. :func:`support_report` — 市町村戦略支援 (seed 004): schemes by kind of support, the grant
   budget and dispatched staff by FY, cooperation areas.

Figures are printed as the published tables print them; rates and grades are the engine's
(``chiiki.core.progress``), computed on the actuals up to the report's FY. Where a published
rate or grade differs, a note says so. The report text is the official Japanese document.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import F, Prefetch
from django.utils.translation import gettext_noop

from chiiki.core.schemes import get_scheme
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual, Indicator
from chiiki.indicators.selectors import listings_prefetch, project_indicators
from chiiki.plans.models import (
    Bureau,
    EditionStatus,
    Organization,
    Plan,
    Program,
    ProgramBudget,
    Project,
    Region,
    RegionPlan,
)
from chiiki.reports.layout import (
    Bullets,
    Paragraph,
    Report,
    Row,
    Section,
    Table,
    amount,
    figure,
    head,
    text,
)
from chiiki.reports.program_sheet import program_sheet
from chiiki.reports.tables import (
    FyLabel,
    ReportNotFound,
    _figure_cell,
    _fy_sub,
    _indicator_table,
    _target_cell,
    cite,
    wareki,
)
from chiiki.support.models import CooperationArea, SupportFigure, SupportScheme

__all__ = ["FILTERS", "REPORTS", "ReportNotFound", "program_sheet", "wareki"]


def _plan(org: Organization, slug: str | None, kind: str) -> Plan:
    plans = Plan.objects.filter(organization=org)
    if slug:
        plan = plans.filter(slug=slug).first()
        if plan is None:
            raise ReportNotFound(f"計画「{slug}」が見つかりません")
        return plan
    plan = plans.filter(kind=kind).order_by("-start_fy").first()
    if plan is None:
        raise ReportNotFound("対象の計画がありません")
    return plan


def _measured_plan(org: Organization) -> Plan:
    """The plan a progress report is about by default: the latest edition in force that has
    actuals (else the latest that has any), of whatever kind."""
    measured = (
        Plan.objects.filter(organization=org, projects__indicators__actuals__isnull=False)
        .distinct()
        .order_by(F("start_fy").asc(nulls_first=True), "pk")
    )
    in_force = [p for p in measured if p.status == EditionStatus.ADOPTED]
    plan = (in_force or list(measured) or [None])[-1]
    if plan is None:
        raise ReportNotFound("実績値のある計画がありません")
    return plan


def region_summary(
    org: Organization, *, plan_slug: str | None = None, fy_label: FyLabel = wareki
) -> Report:
    """Seed 000's table: 連携地域【Nプロジェクト】 | プロジェクト(例) | 主な施策 | 主なKPI."""
    plan = _plan(org, plan_slug, Plan.Kind.REGIONAL_POLICY)
    region_plans = {
        rp.region_id: rp for rp in RegionPlan.objects.filter(plan=plan).select_related("region")
    }
    regions = list(Region.objects.filter(organization=org).order_by("order"))
    examples = list(
        Project.objects.filter(plan=plan, is_example=True)
        .order_by("region__order", "order")
        .prefetch_related(
            "measures", Prefetch("indicators", queryset=Indicator.objects.filter(is_main=True))
        )
    )
    by_region: dict[int, list[Project]] = defaultdict(list)
    held: Counter[int] = Counter(
        Project.objects.filter(plan=plan).values_list("region_id", flat=True)
    )
    for p in examples:
        if p.region_id is not None:
            by_region[p.region_id].append(p)
    body: list[Row] = []
    for region in regions:
        rp = region_plans.get(region.pk)
        declared = rp.declared_project_count if rp else None
        count = declared if declared is not None else held.get(region.pk, 0)
        projects = by_region.get(region.pk) or [None]
        for i, project in enumerate(projects):
            row: Row = []
            if i == 0:
                row.append(text(region.name, sub=f"【{count}プロジェクト】", rowspan=len(projects)))
            if project is None:
                row += [text(""), text(""), text("")]
            else:
                measures = "\n".join(f"■{m.title}" for m in project.measures.all())
                kpis = "\n".join(
                    f"○{ind.display_name} {_goal(ind, fy_label)}"
                    for ind in project.indicators.all()
                )
                row += [text(project.name), text(measures), text(kpis)]
            body.append(row)
    total_declared = plan.declared_project_total
    table = Table(
        caption="主なプロジェクト",
        head=[[head("連携地域(※)"), head("プロジェクト(例)"), head("主な施策"), head("主なKPI")]],
        body=body,
        widths=[14, 30, 34, 40],
    )
    period = plan.period_note or (
        f"{fy_label(plan.start_fy)}～{fy_label(plan.end_fy)}" if plan.start_fy else ""
    )
    blocks: list[Bullets | Paragraph | Table] = []
    if plan.summary:
        blocks.append(Paragraph(plan.summary))
    sections = list(plan.sections.all())
    if sections:
        blocks.append(
            Bullets(
                "構成",
                [f"{s.title}: {s.description}" if s.description else s.title for s in sections],
            )
        )
    blocks.append(
        Paragraph(
            "各連携地域は、それぞれの地域のめざす姿の実現に向け、多様な主体と連携・協働して、"
            "地域の特性や資源などを活かしたプロジェクトを推進"
            + (f"【全{total_declared}プロジェクト】" if total_declared else "")
        )
    )
    blocks.append(table)
    return Report(
        kind="regions",
        title=f"「{plan.title}」について",
        subtitle=f"{plan.edition}　推進期間: {period}" if period else plan.edition,
        sections=[Section("方針の概要と主なプロジェクト", blocks, sheet="主なプロジェクト")],
        notes=[
            "(※)連携地域を越えた振興局間で取り組むプロジェクトは、主となる振興局が属する連携地域のプロジェクトとしてカウント"
        ],
        source=cite(plan.source),
        filename=f"regions-{plan.slug}",
    )


def _goal(ind: Indicator, fy_label: FyLabel) -> str:
    """``7,250千人(R2) → 7,468千人(R7)`` as seed 000 prints a main KPI."""
    base = (
        f"{_figure_cell(ind, ind.baseline_value).text}{_fy_sub(ind.baseline_fy, fy_label)}"
        if ind.baseline_value is not None
        else "—"
    )
    return f"{base} → {_target_text(ind)}{_fy_sub(ind.target_fy, fy_label)}"


def _target_text(ind: Indicator) -> str:
    return _target_cell(ind).text


# --------------------------------------------------------------------------- 2. budgets


def budget_report(
    org: Organization,
    *,
    plan_slug: str | None = None,
    fy: int | None = None,
    region_slug: str | None = None,
    bureau_slug: str | None = None,
    fy_label: FyLabel = wareki,
) -> Report:
    """Seed 002's tables: for each region, 地域区分 | 主なプロジェクト | 主な施策 | 予算額.

    ``fy`` defaults to the latest FY with a budget in the plan. Programs are grouped by the
    bureau that runs them (a project two bureaus share appears under each), in bureau order.
    Every region ends with its total; a last table adds the regions up.
    """
    plan = _plan(org, plan_slug, Plan.Kind.REGIONAL_POLICY)
    budgets = ProgramBudget.objects.filter(
        program__project__plan=plan, program__kind=Program.Kind.PROJECT
    )
    if fy is None:
        fy = max(budgets.values_list("fy", flat=True), default=None)
        if fy is None:
            raise ReportNotFound(f"「{plan}」に予算額がありません")
    regions = list(Region.objects.filter(organization=org).order_by("order"))
    if region_slug:
        regions = [r for r in regions if r.slug == region_slug]
        if not regions:
            raise ReportNotFound(f"連携地域「{region_slug}」が見つかりません")
    bureau: Bureau | None = None
    if bureau_slug:
        bureau = Bureau.objects.filter(organization=org, slug=bureau_slug).first()
        if bureau is None:
            raise ReportNotFound(f"振興局「{bureau_slug}」が見つかりません")
        regions = [r for r in regions if r.pk == bureau.region_id]
    rows = list(
        budgets.filter(fy=fy)
        .select_related("program__bureau__region", "program__project")
        .order_by("program__bureau__order", "program__order", "program__pk")
    )
    if bureau is not None:
        rows = [b for b in rows if b.program.bureau_id == bureau.pk]
    if not rows:
        years = "・".join(fy_label(y) for y in sorted(set(budgets.values_list("fy", flat=True))))
        raise ReportNotFound(
            f"{fy_label(fy)}の予算額はありません（予算額のある年度: {years or 'なし'}）"
        )
    fy_head = f"{fy_label(fy)} 予算額"
    sections: list[Section] = []
    totals: list[tuple[Region, int, int]] = []
    for region in regions:
        lines = [
            b
            for b in rows
            if b.program.bureau is not None and b.program.bureau.region_id == region.pk
        ]
        body: list[Row] = []
        # Row spans: a bureau covers its programs, a project its consecutive programs.
        by_bureau: dict[int, list[ProgramBudget]] = defaultdict(list)
        for b in lines:
            assert b.program.bureau is not None
            by_bureau[b.program.bureau.pk].append(b)
        for group in by_bureau.values():
            bureau_name = group[0].program.bureau.short_name  # type: ignore[union-attr]
            runs: list[list[ProgramBudget]] = []
            for b in group:
                if runs and runs[-1][0].program.project_id == b.program.project_id:
                    runs[-1].append(b)
                else:
                    runs.append([b])
            first_in_bureau = True
            for run in runs:
                for k, b in enumerate(run):
                    row: Row = []
                    if first_in_bureau:
                        row.append(text(bureau_name, rowspan=len(group)))
                        first_in_bureau = False
                    if k == 0:
                        project = b.program.project
                        row.append(text(project.name if project else "", rowspan=len(run)))
                    row.append(text(f"【{b.program.name}】 {b.program.description}".strip()))
                    row.append(amount(b.amount_thousand_yen))
                    body.append(row)
        total = sum(b.amount_thousand_yen for b in lines)
        foot = [
            [
                head("合計", colspan=3),
                amount(total, total_of=(0, len(body) - 1) if body else None),
            ]
        ]
        if not body:
            body = [[text("（この年度の予算額はありません）", colspan=4)]]
        sections.append(
            Section(
                f"{region.name}連携地域",
                [
                    Table(
                        caption=f"{region.name}連携地域",
                        head=[
                            [
                                head("地域区分"),
                                head("主なプロジェクト"),
                                head("主な施策"),
                                head(fy_head),
                            ]
                        ],
                        body=body,
                        foot=foot,
                        widths=[10, 34, 64, 14],
                        unit_note="(単位：千円)",
                    )
                ],
                sheet=region.name,
            )
        )
        totals.append((region, len(lines), total))
    grand = sum(t for _, _, t in totals)
    assert grand == sum(
        b.amount_thousand_yen
        for b in rows
        if b.program.bureau is not None
        and b.program.bureau.region_id in {r.pk for r, _, _ in totals}
    ), "region totals must add up to the programs listed"
    summary_body = [[text(r.name), amount(n), amount(t)] for r, n, t in totals]
    summary = Table(
        caption="連携地域別の予算額",
        head=[[head("連携地域"), head("事業数"), head(fy_head)]],
        body=summary_body,
        foot=[
            [
                head("合計"),
                amount(sum(n for _, n, _ in totals), total_of=(0, len(summary_body) - 1)),
                amount(grand, total_of=(0, len(summary_body) - 1)),
            ]
        ],
        widths=[16, 10, 16],
        unit_note="(単位：千円)",
    )
    scope = bureau.name if bureau else (regions[0].name + "連携地域" if region_slug else "")
    sections.append(Section("連携地域別の集計", [summary], sheet="集計"))
    return Report(
        kind="budgets",
        title="連携地域別政策展開方針に基づく地域プロジェクトの推進",
        subtitle=f"{fy_label(fy)} 予算額" + (f"（{scope}）" if scope else ""),
        sections=sections,
        notes=[
            f"地域に根ざした政策を推進するため、「{plan.title}」に基づき、振興局が中心となって"
            "市町村や地域の関係者と連携・協働しながら、地域プロジェクトを展開する。"
        ],
        source=cite(plan.source),
        filename=f"budgets-{plan.slug}-{fy}"
        + (f"-{bureau.slug}" if bureau else "")
        + (f"-{region_slug}" if region_slug and not bureau else ""),
    )


# --------------------------------------------------------------------------- 3. progress


def progress_report(
    org: Organization,
    *,
    plan_slug: str | None = None,
    fy: int | None = None,
    region_slug: str | None = None,
    bureau_slug: str | None = None,
    fy_label: FyLabel = wareki,
) -> Report:
    """Seed 003: per project its measures, 数値目標 and KPI tables and 分析と課題.

    ``fy`` is the evaluation year (default: the latest FY with an actual in the plan);
    actuals after it are left out and grades are computed on the actuals up to it. Only
    published evaluations (分析と課題) appear. ``region_slug``/``bureau_slug`` keep the
    projects of that region / led by that bureau.
    """
    plan = _plan(org, plan_slug, Plan.Kind.CREATION_STRATEGY) if plan_slug else _measured_plan(org)
    scheme = get_scheme(plan.grading_scheme)
    projects_qs = Project.objects.filter(plan=plan)
    if region_slug:
        projects_qs = projects_qs.filter(region__slug=region_slug)
    if bureau_slug:
        projects_qs = projects_qs.filter(lead_bureau__slug=bureau_slug)
    table_indicators = Indicator.objects.select_related("project__plan").prefetch_related(
        "revisions", "year_targets", Prefetch("actuals", queryset=Actual.objects.order_by("fy"))
    )
    projects = list(
        projects_qs.order_by("region__order", "order")
        .select_related("plan")
        .prefetch_related(
            "measures",
            Prefetch("indicators", queryset=table_indicators),
            listings_prefetch(table_indicators),
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.filter(status=Evaluation.Status.PUBLISHED).order_by(
                    "-fy"
                ),
            ),
        )
    )
    if not projects:
        raise ReportNotFound(f"「{plan}」に該当するプロジェクトがありません")
    tables = {p.pk: project_indicators(p) for p in projects}
    all_fys = sorted({a.fy for p in projects for i in tables[p.pk] for a in i.actuals.all()})
    if fy is None:
        if not all_fys:
            raise ReportNotFound(f"「{plan}」に実績値がありません")
        fy = all_fys[-1]
    fys = [y for y in all_fys if y <= fy]
    notes: list[str] = []
    count: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    sections: list[Section] = []
    omitted: list[str] = []
    for n, project in enumerate(projects, start=1):
        blocks: list[Bullets | Paragraph | Table] = []
        groups: dict[str, list[str]] = {}
        for m in project.measures.all():
            line = f"◆{m.title}" + (f"\n{m.description}" if m.description else "")
            groups.setdefault(m.group, []).append(line)
        for group, items in groups.items():
            blocks.append(Bullets(group, items))
        for kind, label in Indicator.Kind.choices:
            inds = [i for i in tables[project.pk] if i.kind == kind]
            if not inds:
                continue
            blocks.append(
                _indicator_table(
                    str(label), inds, fys, fy, scheme, fy_label, notes,
                    count[(project.pk, kind)], adopted=_adopted_heading(plan),
                )
            )  # fmt: skip
        evaluation = next((e for e in project.evaluations.all() if e.fy <= fy), None)
        if not tables[project.pk] and evaluation is None:
            omitted.append(project.name)  # nothing of its progress to report
            continue
        if evaluation is not None:
            title = "分析と課題" + (
                f"（{fy_label(evaluation.fy)}の評価）" if evaluation.fy != fy else ""
            )
            blocks.append(Bullets(title, [f"・{item}" for item in evaluation.analysis_items]))
        number = project.number or n
        sections.append(
            Section(f"{number}. {project.name}", blocks, sheet=f"{number} {project.name}")
        )
    if omitted:
        notes.append(
            f"数値目標・KPIと評価のないプロジェクト（{len(omitted)}件）は省略しています: "
            + "、".join(omitted)
        )
    shown_in: dict[int, list[Project]] = defaultdict(list)
    for project in projects:
        for ind in tables[project.pk]:
            shown_in[ind.pk].append(project)
    for ind_pk, where in shown_in.items():
        if len(where) > 1:
            ind = next(i for i in tables[where[0].pk] if i.pk == ind_pk)
            notes.append(
                f"「{ind.display_name}」は"
                + "・".join(f"{p.number or ''}. {p.name}" for p in where)
                + "の表に掲載しています（一つの指標。進捗の集計では掲載ごとに数えます）"
            )
    grades = scheme.grades()
    summary_body: list[Row] = []
    totals: Counter[str] = Counter()
    for project in projects:
        for kind, label in Indicator.Kind.choices:
            c = count.get((project.pk, kind))
            if c is None:
                continue
            totals.update(c)
            summary_body.append(
                [text(project.name), text(str(label))]
                + [amount(c.get(g, 0)) for g in grades]
                + [amount(c.get("", 0)), amount(sum(c.values()))]
            )
    last = len(summary_body) - 1
    summary = Table(
        caption=f"数値目標及びKPIの進捗（{fy_label(fy)}）",
        head=[
            [head("プロジェクト"), head("区分")]
            + [head(g) for g in grades]
            + [head("判定不能"), head("計")]
        ],
        body=summary_body,
        foot=[
            [head("合計", colspan=2)]
            + [amount(totals.get(g, 0), total_of=(0, last)) for g in grades]
            + [
                amount(totals.get("", 0), total_of=(0, last)),
                amount(sum(totals.values()), total_of=(0, last)),
            ]
        ],
        widths=[44, 10] + [7] * (len(grades) + 2),
    )
    legend = Bullets("【数値目標及びKPIの進捗】", [f"{b.grade}：{b.meaning}" for b in scheme.bands])
    sections.insert(0, Section("進捗の概要", [legend, summary], sheet="概要"))
    return Report(
        kind="progress",
        title=f"{plan.title} {_plan_label(plan)}推進状況",
        subtitle=f"{fy_label(fy)}までの実績による",
        sections=sections,
        notes=notes,
        source=cite(plan.source),
        filename=f"progress-{plan.slug}-{fy}",
    )


def _adopted_heading(plan: Plan) -> str:
    """The column heading for the values set when the plan was adopted."""
    return "戦略策定時" if plan.kind == Plan.Kind.CREATION_STRATEGY else "計画策定時"


def _plan_label(plan: Plan) -> str:
    return "重点戦略プロジェクト " if plan.kind == Plan.Kind.CREATION_STRATEGY else "プロジェクト "


def support_report(org: Organization, *, fy_label: FyLabel = wareki) -> Report:
    """Seed 004: schemes by kind of support; grant budget (億円) and staff dispatched by FY."""
    schemes = list(
        SupportScheme.objects.filter(organization=org)
        .order_by("order")
        .select_related("source")
        .prefetch_related(Prefetch("figures", queryset=SupportFigure.objects.order_by("fy")))
    )
    if not schemes:
        raise ReportNotFound("市町村支援のデータがありません")
    blocks: list[Bullets | Paragraph | Table] = []
    for value, label in SupportScheme.Category.choices:
        items = [
            f"・{s.name}" + (f"\n{s.description}" if s.description else "")
            for s in schemes
            if s.category == value
        ]
        if items:
            blocks.append(Bullets(f"【{label}】", items))
    sections = [Section("市町村戦略支援", blocks, sheet="支援の内容")]
    figure_tables: list[Bullets | Paragraph | Table] = []
    for metric, caption in (
        (SupportFigure.Metric.BUDGET, "予算額の推移"),
        (SupportFigure.Metric.STAFF, "派遣者数"),
        (SupportFigure.Metric.AREAS, "市町村間の広域連携（圏域数）"),
    ):
        figs = [(s, f) for s in schemes for f in s.figures.all() if f.metric == metric]
        if not figs:
            continue
        fys = sorted({f.fy for _, f in figs})
        names = list(dict.fromkeys(s.name for s, _ in figs))
        rows: list[Row] = []
        for name in names:
            by_fy = {f.fy: f for s, f in figs if s.name == name}
            row: Row = [text(name)]
            for y in fys:
                f = by_fy.get(y)
                if f is None:
                    row.append(text("—"))
                else:
                    places = max(0, -Decimal(f.value).normalize().as_tuple().exponent)  # type: ignore[operator]
                    row.append(figure(f.value, places, f.unit))
            rows.append(row)
        figure_tables.append(
            Table(
                caption=caption,
                head=[[head("制度")] + [head(f"{fy_label(y)}年度") for y in fys]],
                body=rows,
                widths=[30] + [12] * len(fys),
            )
        )
    areas = list(
        CooperationArea.objects.filter(organization=org, kind=CooperationArea.Kind.MODEL_AREA)
        .order_by("order")
        .select_related("source")
        .prefetch_related("members")
    )
    if areas:
        rows = [
            [
                text(f"{fy_label(a.start_fy)} 開始" if a.start_fy else ""),
                text(a.name),
                text("・".join(m.name for m in a.members.all())),
                amount(len(a.members.all())),
            ]
            for a in areas
        ]
        figure_tables.append(
            Table(
                caption="市町村連携地域モデル事業 実施地域",
                head=[[head("開始"), head("連携地域"), head("構成市町村"), head("市町村数")]],
                body=rows,
                foot=[
                    [
                        head("合計", colspan=3),
                        amount(
                            sum(len(a.members.all()) for a in areas), total_of=(0, len(rows) - 1)
                        ),
                    ]
                ],
                widths=[10, 30, 50, 10],
            )
        )
    sections.append(Section("予算額と派遣者数の推移", figure_tables, sheet="推移"))
    return Report(
        kind="support",
        title="市町村戦略支援",
        subtitle="道と市町村の強固なスクラムのもと効果的な総合戦略の推進",
        sections=sections,
        notes=[
            "「財政的支援」・「情報支援」・「人的支援」の３つの支援の方向性により、市町村の創意工夫を活かした取組を支援"
        ],
        source=cite(*(s.source for s in schemes), *(a.source for a in areas)),
        filename="support",
    )


REPORTS = {
    "regions": (gettext_noop("連携地域別政策展開方針の概要"), region_summary),
    "budgets": (gettext_noop("地域プロジェクトの予算額（連携地域別）"), budget_report),
    "progress": (gettext_noop("プロジェクトの推進状況（数値目標・KPI）"), progress_report),
    "support": (gettext_noop("市町村戦略支援（交付金の予算額・派遣者数）"), support_report),
    "program-sheet": (gettext_noop("事務事業評価シート"), program_sheet),
}
# Which filters each report takes (the site offers only these; the command refuses others).
FILTERS = {
    "regions": ("plan",),
    "budgets": ("plan", "fy", "region", "bureau"),
    "progress": ("plan", "fy", "region", "bureau"),
    "support": (),
    "program-sheet": ("program", "fy", "bureau"),
}
