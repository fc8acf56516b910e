"""Reads for the plan pages. Each returns everything a page needs in a fixed number of queries."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404

from chiiki.core.costs import (
    CostTotal,
    CostYear,
    cost_per_unit,
    improvement,
    total_by_year,
)
from chiiki.core.schemes import GradingScheme, get_scheme, schemes
from chiiki.indicators.models import PLAN_KINDS, Contribution, Indicator
from chiiki.indicators.selectors import (
    grade_counts,
    is_favourable,
    listings_prefetch,
    progress_rows,
    project_indicators,
    with_series_after,
)
from chiiki.plans.models import (
    Bureau,
    Measure,
    Municipality,
    Organization,
    Plan,
    PlanSection,
    Program,
    ProgramBudget,
    ProgramSettlement,
    Project,
    Region,
    RegionPlan,
    StaffUnitCost,
)


def default_organization() -> Organization:
    org = Organization.objects.order_by("code").first()
    if org is None:
        raise Http404("データがありません")
    return org


def current_regional_plan(org: Organization) -> Plan | None:
    return (
        Plan.objects.filter(organization=org, kind=Plan.Kind.REGIONAL_POLICY)
        .order_by("-start_fy")
        .first()
    )


def _projects() -> QuerySet[Project]:
    return Project.objects.select_related("plan", "region", "lead_bureau").prefetch_related(
        "other_bureaus"
    )


@dataclass
class RegionRow:
    region: Region
    declared: int | None
    held: int
    budget_by_fy: dict[int, int] = field(default_factory=dict)


def home(org: Organization) -> dict[str, Any]:
    plan = current_regional_plan(org)
    regions = list(Region.objects.filter(organization=org).prefetch_related("bureaus"))
    declared = (
        {rp.region_id: rp.declared_project_count for rp in RegionPlan.objects.filter(plan=plan)}
        if plan
        else {}
    )
    held: dict[int, int] = defaultdict(int)
    for region_id in Project.objects.filter(plan=plan).values_list("region_id", flat=True):
        held[region_id] += 1
    budgets = budget_by_region(org)
    rows = [
        RegionRow(r, declared.get(r.pk), held.get(r.pk, 0), budgets.get(r.pk, {})) for r in regions
    ]
    fys = sorted({fy for row in rows for fy in row.budget_by_fy})
    # per lead bureau: assessed indicators, and those whose grade the scheme calls favourable
    # (from the same counts the dashboard uses)
    assessed: Counter[int] = Counter()
    favourable: Counter[int] = Counter()
    for row in grade_counts(org):
        bureau_id = row["project__lead_bureau_id"]
        if row["grade"] and bureau_id is not None:
            assessed[bureau_id] += row["n"]
            if is_favourable(row):
                favourable[bureau_id] += row["n"]
    bureaus = [b for r in regions for b in r.bureaus.all()]
    favourable_grades = [
        g for scheme in schemes_in_use(org) for g in scheme.grades() if scheme.favourable(g)
    ]
    return {
        "organization": org,
        "plan": plan,
        "rows": rows,
        "bureau_grades": [(b, favourable[b.pk], assessed[b.pk]) for b in bureaus],
        "tile_layout": tile_layout(org, regions),
        "favourable_grades": list(dict.fromkeys(favourable_grades)),
        "fys": fys,
        "plans": Plan.objects.filter(organization=org).order_by("kind", "-start_fy"),
        "municipality_count": Municipality.objects.filter(organization=org).count(),
    }


def tile_layout(org: Organization, regions: list[Region]) -> dict[str, tuple[int, int]]:
    """Where each bureau's tile sits on the home page's map: the organization's own layout
    (data, e.g. Hokkaido's geography), else one row per region, its bureaus in order."""
    bureaus = [b for r in regions for b in r.bureaus.all()]
    own = {slug: (int(c), int(r)) for slug, (c, r) in (org.tile_layout or {}).items()}
    if own and all(b.slug in own for b in bureaus):
        return own
    return {
        b.slug: (i, row) for row, r in enumerate(regions) for i, b in enumerate(r.bureaus.all())
    }


def schemes_in_use(org: Organization) -> list[GradingScheme]:
    """The grading schemes of the organization's plans, the default one first."""
    used = Plan.objects.filter(organization=org).order_by("kind", "-start_fy")
    names = dict.fromkeys(used.values_list("grading_scheme", flat=True))
    known = schemes()
    return [known[n] for n in names if n in known] or [get_scheme()]


def budget_by_region(org: Organization) -> dict[int, dict[int, int]]:
    """{region id: {FY: total 千円}} over programs of projects (lead bureau's region)."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        ProgramBudget.objects.filter(
            program__organization=org, program__project__region__isnull=False
        )
        .values("program__project__region_id", "fy")
        .annotate(total=Sum("amount_thousand_yen"))
    )
    for row in rows:
        out[row["program__project__region_id"]][row["fy"]] = row["total"]
    return out


def region_page(org: Organization, slug: str) -> dict[str, Any]:
    region = Region.objects.filter(organization=org, slug=slug).first()
    if region is None:
        raise Http404("連携地域が見つかりません")
    plans = list(
        Plan.objects.filter(organization=org, projects__region=region)
        .distinct()
        .order_by("-start_fy")
    )
    projects = list(_projects().filter(region=region).order_by("-plan__start_fy", "order"))
    by_plan: dict[int, list[Project]] = defaultdict(list)
    for p in projects:
        by_plan[p.plan_id].append(p)
    region_plans = {
        rp.plan_id: rp for rp in RegionPlan.objects.filter(region=region, plan__in=plans)
    }
    return {
        "region": region,
        "bureaus": list(region.bureaus.all()),
        "plan_groups": [(plan, region_plans.get(plan.pk), by_plan[plan.pk]) for plan in plans],
        "budgets": budget_by_region(org).get(region.pk, {}),
        "cost_totals": settled_totals(
            Program.objects.filter(project__region=region).prefetch_related(*COST_PREFETCH)
        ),
    }


def bureau_page(org: Organization, slug: str) -> dict[str, Any]:
    bureau = Bureau.objects.filter(organization=org, slug=slug).select_related("region").first()
    if bureau is None:
        raise Http404("振興局が見つかりません")
    led = list(_projects().filter(lead_bureau=bureau))
    joined = list(_projects().filter(other_bureaus=bureau))
    programs = list(
        Program.objects.filter(bureau=bureau)
        .select_related("project", "project__plan")
        .prefetch_related(Prefetch("budgets", queryset=ProgramBudget.objects.order_by("fy")))
    )
    return {
        "bureau": bureau,
        "led": led,
        "joined": joined,
        "programs": [p for p in programs if p.kind == Program.Kind.PROJECT],
        # one column per fiscal year; each program's amount by year (None: no budget that year)
        "budget_fys": sorted({b.fy for p in programs for b in p.budgets.all()}),
        "budget_by_program": {
            p.pk: {b.fy: b.amount_thousand_yen for b in p.budgets.all()} for p in programs
        },
        "original_programs": [p for p in programs if p.kind == Program.Kind.BUREAU_ORIGINAL],
        "municipalities": list(bureau.municipalities.order_by("code")),
        "initiatives": list(bureau.initiatives.order_by("-fy", "order")),
    }


def plan_page(org: Organization, slug: str) -> dict[str, Any]:
    plan = Plan.objects.filter(organization=org, slug=slug).select_related("source").first()
    if plan is None:
        raise Http404("計画が見つかりません")
    projects = list(_projects().filter(plan=plan).order_by("region__order", "order"))
    groups: dict[str, list[Project]] = defaultdict(list)
    for p in projects:
        key = p.region.name if p.region else (p.theme or "")
        groups[key].append(p)
    return {
        "plan": plan,
        "sections": list(plan.sections.all()),
        "region_plans": list(plan.region_plans.select_related("region")),
        "groups": dict(groups),
        "project_count": len(projects),
    }


def project_page(org: Organization, plan_slug: str, slug: str) -> dict[str, Any]:
    table_indicators = Indicator.objects.select_related("project").prefetch_related(
        "actuals", "revisions", "year_targets"
    )
    project = (
        _projects()
        .filter(plan__organization=org, plan__slug=plan_slug, slug=slug)
        .prefetch_related(
            "measures",
            Prefetch(
                "programs",
                queryset=Program.objects.select_related("bureau").prefetch_related(*COST_PREFETCH),
            ),
            Prefetch("indicators", queryset=table_indicators),
            listings_prefetch(table_indicators),
        )
        .first()
    )
    if project is None:
        raise Http404("プロジェクトが見つかりません")
    indicators = project_indicators(project)
    fys = sorted({a.fy for i in indicators for a in i.actuals.all()})
    rows = progress_rows(indicators, get_scheme(project.plan.grading_scheme))
    programs = list(project.programs.all())
    budget_fys = sorted({b.fy for p in programs for b in p.budgets.all()})
    return {
        "project": project,
        "measures": list(project.measures.all()),
        "programs": programs,
        "budget_fys": budget_fys,
        "budget_totals": {
            fy: sum(b.amount_thousand_yen for p in programs for b in p.budgets.all() if b.fy == fy)
            for fy in budget_fys
        },
        "cost_totals": settled_totals(programs),
        "numeric_goals": [r for r in rows if r.indicator.kind == Indicator.Kind.NUMERIC_GOAL],
        "kpis": [r for r in rows if r.indicator.kind == Indicator.Kind.KPI],
        "fys": fys,
    }


def municipality_list(org: Organization) -> dict[str, Any]:
    bureaus = list(
        Bureau.objects.filter(organization=org)
        .select_related("region")
        .prefetch_related(
            Prefetch("municipalities", queryset=Municipality.objects.order_by("code"))
        )
    )
    return {"bureaus": bureaus, "count": sum(len(b.municipalities.all()) for b in bureaus)}


def organization_by_slug(slug: str | None) -> Organization | None:
    """The organization named by ``slug``, or the first one (by code) when no slug is given."""
    orgs = Organization.objects.order_by("code")
    return orgs.filter(slug=slug).first() if slug else orgs.first()


# --------------------------------------------------------------------------- authoring


def editions(org: Organization) -> list[Plan]:
    """Every edition of every plan, drafts included (staff pages only)."""
    return list(
        Plan.with_drafts.filter(organization=org)
        .select_related("predecessor")
        .annotate(n_projects=Count("projects"))
        .order_by("kind", "-start_fy", "slug")
    )


def edition(org: Organization, slug: str) -> Plan:
    plan = (
        Plan.with_drafts.filter(organization=org, slug=slug).select_related("predecessor").first()
    )
    if plan is None:
        raise Http404("計画が見つかりません")
    return plan


def edition_page(org: Organization, slug: str) -> dict[str, Any]:
    """An edition's workspace: its projects by region, and its history of changes."""
    plan = edition(org, slug)
    projects = list(
        Project.with_drafts.filter(plan=plan)
        .select_related("region", "lead_bureau")
        .annotate(n_indicators=Count("indicators", distinct=True))
        .order_by("region__order", "order", "pk")
    )
    texts = {rp.region_id: rp for rp in RegionPlan.with_drafts.filter(plan=plan)}
    regions = list(Region.objects.filter(organization=org))
    return {
        "plan": plan,
        "projects": projects,
        "sections": list(PlanSection.with_drafts.filter(plan=plan).order_by("order", "pk")),
        "region_texts": [(r, texts.get(r.pk)) for r in regions],
        "regions": regions,
        "bureaus": list(Bureau.objects.filter(organization=org).select_related("region")),
        "history": edition_history(plan, projects),
    }


def edition_history(plan: Plan, projects: list[Project], limit: int = 50) -> list[Any]:
    """The latest audit entries about an edition and everything in it."""
    from chiiki.audit.models import AuditEntry

    ids = {
        "plan": [plan.pk],
        "project": [p.pk for p in projects],
        "program": list(
            Program.with_drafts.filter(project__plan=plan).values_list("pk", flat=True)
        ),
        "indicator": list(
            Indicator.with_drafts.filter(project__plan=plan).values_list("pk", flat=True)
        ),
    }
    where = Q()
    for kind, pks in ids.items():
        where |= Q(object_type=kind, object_id__in=[str(pk) for pk in pks])
    return list(
        AuditEntry.objects.filter(where).select_related("actor").order_by("-at", "-pk")[:limit]
    )


def authoring_project(org: Organization, plan_slug: str, slug: str) -> dict[str, Any]:
    """A project's workspace: the project, its measures, programs and indicators."""
    plan = edition(org, plan_slug)
    project = (
        Project.with_drafts.filter(plan=plan, slug=slug)
        .select_related("region", "lead_bureau")
        .prefetch_related("other_bureaus")
        .first()
    )
    if project is None:
        raise Http404("プロジェクトが見つかりません")
    return {
        "plan": plan,
        "project": project,
        "measures": list(Measure.with_drafts.filter(project=project).order_by("order", "pk")),
        "programs": list(
            Program.with_drafts.filter(project=project).select_related("bureau").order_by("order")
        ),
        "indicators": with_series_after(
            list(
                Indicator.with_drafts.filter(project=project)
                .prefetch_related("year_targets", "revisions")
                .order_by("order", "pk")
            )
        ),
        "regions": list(Region.objects.filter(organization=org)),
        "bureaus": list(Bureau.objects.filter(organization=org).select_related("region")),
    }


def authoring_indicator(org: Organization, plan_slug: str, slug: str, pk: int) -> Indicator:
    indicator = (
        Indicator.with_drafts.filter(
            project__plan__organization=org,
            project__plan__slug=plan_slug,
            project__slug=slug,
            pk=pk,
        )
        .select_related("project__plan", "predecessor__project__plan")
        .prefetch_related("year_targets", "revisions")
        .first()
    )
    if indicator is None:
        raise Http404("指標が見つかりません")
    return indicator


# What :func:`cost_years` reads of each program: prefetch these on the programs' queryset.
COST_PREFETCH = [
    Prefetch("budgets", queryset=ProgramBudget.objects.order_by("fy")),
    Prefetch("settlements", queryset=ProgramSettlement.objects.order_by("fy")),
]


def cost_years(programs: Iterable[Program]) -> dict[int, list[CostYear]]:
    """Each program's years, oldest first: every FY with a budget or a settlement, with the
    staff time priced at its organization's unit cost for that FY. The programs come with
    :data:`COST_PREFETCH`; the unit costs are one more query."""
    programs = list(programs)
    unit_costs = {
        (u.organization_id, u.fy): u.thousand_yen
        for u in StaffUnitCost.objects.filter(
            organization_id__in={p.organization_id for p in programs}
        )
    }
    out: dict[int, list[CostYear]] = {}
    for p in programs:
        budgets = {b.fy: b.amount_thousand_yen for b in p.budgets.all()}
        settled = {s.fy: s for s in p.settlements.all()}
        out[p.pk] = [
            _cost_year(
                fy, budgets.get(fy), settled.get(fy), unit_costs.get((p.organization_id, fy))
            )
            for fy in sorted(budgets.keys() | settled.keys())
        ]
    return out


def _cost_year(
    fy: int, budget: int | None, s: ProgramSettlement | None, unit_cost: int | None
) -> CostYear:
    return CostYear(
        fy=fy,
        initial_budget=budget,
        revised_budget=s.revised_budget_thousand_yen if s else None,
        settled=s.settled_thousand_yen if s else None,
        note=s.note if s else "",
        funding=s.funding if s else None,
        staff_years=s.staff_years if s else None,
        unit_cost=unit_cost,
    )


def with_costs(settlements: QuerySet[ProgramSettlement]) -> QuerySet[ProgramSettlement]:
    """Settlements with what :func:`settlement_year` needs beside them: the program's initial
    budget and the organization's staff unit cost for the same FY (one query for a page)."""
    return settlements.annotate(
        initial_budget=Subquery(
            ProgramBudget.objects.filter(program_id=OuterRef("program_id"), fy=OuterRef("fy"))
            .order_by()
            .values("amount_thousand_yen")[:1]
        ),
        unit_cost=Subquery(
            StaffUnitCost.objects.filter(
                organization_id=OuterRef("program__organization_id"), fy=OuterRef("fy")
            )
            .order_by()
            .values("thousand_yen")[:1]
        ),
    )


def settlement_year(s: ProgramSettlement) -> CostYear:
    """A settlement read through :func:`with_costs` as a program-year."""
    return _cost_year(s.fy, getattr(s, "initial_budget", None), s, getattr(s, "unit_cost", None))


def cost_totals(programs: Iterable[Program]) -> list[CostTotal]:
    """Many programs' money and full cost by FY (a project's, a region's)."""
    return total_by_year(y for years in cost_years(programs).values() for y in years)


def settled_totals(programs: Iterable[Program]) -> list[CostTotal]:
    """:func:`cost_totals` of the FYs for which some program has a settled amount (the years a
    project or region page shows full cost for); empty when none has."""
    return [t for t in cost_totals(programs) if t.settled_count]


def staff_unit_costs(org: Organization) -> list[StaffUnitCost]:
    return list(StaffUnitCost.objects.filter(organization=org).order_by("fy"))


@dataclass(frozen=True)
class UnitCost:
    """One FY of a program's cost per unit of a result: the full cost where it is known, else
    the settled amount (``basis`` says which), divided by what the year produced — units of
    output, or the change in an outcome. ``per_unit`` is None where it cannot be divided."""

    fy: int
    units: Decimal | None
    cost: int | None
    basis: str  # "full" or "settled" ("" when neither is known)
    per_unit: Decimal | None


@dataclass(frozen=True)
class KpiLink:
    """A KPI the program contributes to, on its stated assumption. ``sole`` when no other
    program claims it: only then is a cost per unit of its change shown, and with caveats."""

    contribution: Any
    row: Any  # the KPI's ProgressRow
    sole: bool
    per_change: list[UnitCost]


def _year_cost(year: CostYear | None) -> tuple[int | None, str]:
    if year is None:
        return None, ""
    if year.full_cost is not None:
        return year.full_cost, "full"
    return year.settled, "settled" if year.settled is not None else ""


def _values(indicator: Indicator) -> dict[int, Decimal]:
    return {a.fy: a.value for a in indicator.actuals.all() if a.value is not None}


def program_results(program: Program, years: list[CostYear]) -> dict[str, Any]:
    """A program's logic model with its figures: its activity and outcome indicators graded
    like any other, the KPIs it declares it contributes to, and what each result cost."""
    indicators_qs = Indicator.objects.prefetch_related("actuals", "revisions", "year_targets")
    own = list(
        indicators_qs.filter(program=program).select_related("project").order_by("order", "pk")
    )
    contributions = list(
        Contribution.objects.filter(program=program)
        .select_related("indicator__project__plan")
        .prefetch_related("indicator__actuals", "indicator__revisions", "indicator__year_targets")
        .order_by("indicator__order", "pk")
    )
    claimed = Counter(
        Contribution.objects.filter(
            indicator__in=[c.indicator_id for c in contributions]
        ).values_list("indicator_id", flat=True)
    )
    scheme = get_scheme(program.project.plan.grading_scheme) if program.project else None
    if scheme is None:
        return {"activity_rows": [], "outcome_rows": [], "links": [], "output_costs": {}}
    rows = progress_rows(with_series_after(own), scheme)
    by_fy = {y.fy: y for y in years}
    output_costs: dict[int, list[UnitCost]] = {}
    for ind in own:
        if ind.kind != Indicator.Kind.ACTIVITY:
            continue
        values = _values(ind)
        out = []
        for fy in sorted(values.keys() | by_fy.keys()):
            cost, basis = _year_cost(by_fy.get(fy))
            out.append(
                UnitCost(fy, values.get(fy), cost, basis, cost_per_unit(cost, values.get(fy)))
            )
        output_costs[ind.pk] = out
    kpi_rows = progress_rows([c.indicator for c in contributions], scheme)
    links = []
    for c, row in zip(contributions, kpi_rows, strict=True):
        sole = claimed[c.indicator_id] == 1
        per_change = []
        if sole:
            values = _values(c.indicator)
            for fy in sorted(values):
                change = improvement(values.get(fy - 1), values[fy], c.indicator.direction)
                if change is None:
                    continue
                cost, basis = _year_cost(by_fy.get(fy))
                per_change.append(UnitCost(fy, change, cost, basis, cost_per_unit(cost, change)))
        links.append(KpiLink(c, row, sole, per_change))
    return {
        "activity_rows": [r for r in rows if r.indicator.kind == Indicator.Kind.ACTIVITY],
        "outcome_rows": [r for r in rows if r.indicator.kind == Indicator.Kind.OUTCOME],
        "indicator_fys": sorted({a.fy for i in own for a in i.actuals.all()}),
        "links": links,
        "output_costs": output_costs,
    }


def contributable(project: Project) -> list[Indicator]:
    """The indicators a program of ``project`` may declare it contributes to: the project's
    数値目標・KPI, its own and those listed in its table."""
    return list(
        Indicator.objects.filter(kind__in=PLAN_KINDS, parent__isnull=True)
        .filter(Q(project=project) | Q(listings__project=project))
        .distinct()
        .order_by("kind", "order", "pk")
    )
