"""Reads over loaded data used by the CLI summary and the tests."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from chiiki.plans.models import (
    Bureau,
    Municipality,
    Organization,
    Plan,
    ProgramBudget,
    Region,
    RegionPlan,
)


def _organization(slug: str | None) -> Organization:
    orgs = Organization.objects.all()
    if slug:
        org = orgs.filter(slug=slug).first()
        if org is None:
            raise LookupError(f"団体「{slug}」は登録されていません")
        return org
    org = orgs.order_by("code").first()
    if org is None:
        raise LookupError("データがありません。先に `chiiki data load hokkaido` を実行してください")
    return org


def dataset_summary(organization_slug: str | None = None) -> dict[str, Any]:
    """Counts, declared projects per region (current regional plan) and budgets per FY/region.

    Budgets are summed per region of the program's project (a cross-bureau project counts in
    its lead bureau's region), keyed by Western FY as a string, then region name.
    """
    org = _organization(organization_slug)
    plan = (
        Plan.objects.filter(organization=org, kind=Plan.Kind.REGIONAL_POLICY)
        .order_by("-start_fy")
        .first()
    )
    declared: dict[str, int] = {}
    if plan is not None:
        for rp in (
            RegionPlan.objects.filter(plan=plan).select_related("region").order_by("region__order")
        ):
            if rp.declared_project_count is not None:
                declared[rp.region.name] = rp.declared_project_count
    budgets: dict[str, dict[str, int]] = {}
    rows = (
        ProgramBudget.objects.filter(
            program__organization=org, program__project__region__isnull=False
        )
        .values("fy", "program__project__region__name", "program__project__region__order")
        .annotate(total=Sum("amount_thousand_yen"))
        .order_by("fy", "program__project__region__order")
    )
    for row in rows:
        budgets.setdefault(str(row["fy"]), {})[row["program__project__region__name"]] = row["total"]
    return {
        "organization": org.name,
        "regions": Region.objects.filter(organization=org).count(),
        "bureaus": Bureau.objects.filter(organization=org).count(),
        "municipalities": Municipality.objects.filter(organization=org).count(),
        "plan": str(plan) if plan else None,
        "declared_projects_by_region": declared,
        "declared_projects_total": sum(declared.values()),
        "budget_thousand_yen_by_region": budgets,
    }
