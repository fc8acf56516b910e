"""Reads for the dashboard, in a fixed number of queries whatever the number of KPIs."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext

from chiiki.accounts.access import membership_of
from chiiki.accounts.models import Role
from chiiki.audit.selectors import data_version, kept, query_key
from chiiki.collection.selectors import open_shares
from chiiki.core.fiscal import fiscal_year_of
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual, Indicator
from chiiki.indicators.selectors import grade_counts
from chiiki.plans.models import Bureau, Organization, Region
from chiiki.plans.selectors import budget_by_region, schemes_in_use

NOT_ASSESSABLE = "判定不能"


@dataclass
class GradeRow:
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, grade: str) -> float:
        return 100 * self.counts.get(grade, 0) / self.total if self.total else 0.0


def _grade_rows(
    rows: list[dict[str, Any]], key: str, labels: list[tuple[Any, str]], other: str
) -> list[GradeRow]:
    by_key: dict[Any, Counter[str]] = defaultdict(Counter)
    for row in rows:
        by_key[row[key]][row["grade"] or NOT_ASSESSABLE] += row["n"]
    out = [GradeRow(label, dict(by_key[k])) for k, label in labels if by_key.get(k)]
    if by_key.get(None):
        out.append(GradeRow(other, dict(by_key[None])))
    return out


MISSING_SHOWN = 100


def _first(missing: Any, version: int) -> list[Indicator]:
    """The first MISSING_SHOWN indicators in order: their ids sorted on narrow rows (kept per
    data version), then the rows the page shows."""
    first = missing.values_list("pk", flat=True)[:MISSING_SHOWN]
    ids = kept(f"rows:{query_key(first)}", lambda: list(first), version)
    rows = Indicator.objects.select_related(
        "project", "project__plan", "project__lead_bureau", "project__region"
    ).in_bulk(ids)
    return [rows[pk] for pk in ids]


def dashboard(org: Organization, user: Any, reporting_fy: int | None = None) -> dict[str, Any]:
    """Everything the dashboard shows; bureau editors see their own bureau's work lists.

    ``reporting_fy`` is the year whose actuals are being collected (default: last FY).
    """
    membership = membership_of(user)
    own_bureau = membership.bureau if membership and membership.role == Role.BUREAU_EDITOR else None
    if reporting_fy is None:
        # this fiscal year, last year's actuals are being collected
        reporting_fy = fiscal_year_of(timezone.localdate()) - 1
    indicators = Indicator.objects.filter(project__plan__organization=org)
    version = data_version()  # what the kept reads below are kept under
    graded = grade_counts(org, version)
    regions = list(Region.objects.filter(organization=org).order_by("order"))
    bureaus = list(Bureau.objects.filter(organization=org).order_by("order"))
    region_rows = _grade_rows(
        graded,
        "project__region_id",
        [(r.pk, r.name) for r in regions],
        gettext("全道（北海道創生総合戦略など）"),
    )
    bureau_rows = _grade_rows(
        graded,
        "project__lead_bureau_id",
        [(b.pk, b.short_name) for b in bureaus],
        gettext("主担当の振興局なし"),
    )
    # (an anti-join on the year's figures, through the index on (fy, indicator): the
    # ``exclude(actuals__…)`` form made PostgreSQL scan every actual)
    entered = Actual.objects.filter(indicator=OuterRef("pk"), fy=reporting_fy, value__isnull=False)
    missing = (
        indicators.filter(Q(target_fy__gte=reporting_fy) | Q(target_fy__isnull=True))
        .filter(Q(baseline_fy__lte=reporting_fy) | Q(baseline_fy__isnull=True))
        .filter(~Exists(entered))
        .order_by("project__lead_bureau__order", "project__plan__slug", "project__order", "order")
    )
    waiting = Evaluation.objects.filter(project__plan__organization=org).filter(
        status__in=[Evaluation.Status.SUBMITTED, Evaluation.Status.RETURNED]
    )
    if own_bureau is not None:
        missing = missing.filter(project__lead_bureau=own_bureau)
        waiting = waiting.filter(project__lead_bureau=own_bureau)
    budgets = budget_by_region(org)
    fys = sorted({fy for by_fy in budgets.values() for fy in by_fy})
    grades = dict.fromkeys(g for scheme in schemes_in_use(org) for g in scheme.grades())
    return {
        "organization": org,
        "own_bureau": own_bureau,
        "reporting_fy": reporting_fy,
        "grades": [*grades, NOT_ASSESSABLE],
        "region_rows": region_rows,
        "bureau_rows": bureau_rows,
        "budget_rows": [(r, [budgets.get(r.pk, {}).get(fy) for fy in fys]) for r in regions],
        "budget_fys": fys,
        "budget_totals": [sum(budgets.get(r.pk, {}).get(fy, 0) for r in regions) for fy in fys],
        # A large prefecture has thousands: the first ones, and how many in all.
        "missing": _first(missing, version),
        "missing_count": kept(f"count:{query_key(missing)}", missing.count, version),
        "shares": open_shares(org, own_bureau),
        "waiting": list(
            waiting.select_related("project", "project__plan", "submitted_by").order_by(
                "status", "-submitted_at"
            )
        ),
    }
