"""One grader: whatever path recomputes rates and grades, from one indicator to a whole
prefecture, the stored results are the same — and the same as the grader produced when it was
reduced to one implementation (the reference fingerprints below were taken with the two
implementations it replaced, which agreed). The published seed rates and grades are checked
one by one in test_kpi_engine.py and test_seed_003.py."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from chiiki.datasets.synth import synthesize
from chiiki.indicators.grading import recompute
from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Organization

pytestmark = pytest.mark.django_db

# sha256 of every (indicator, FY, rate, reason) and (indicator, grade, FY, reason, scheme)
REFERENCE = {
    "hokkaido": "d7dedb0e3272680e65bdefa10ae3b952c93e607fd22554bbda46b128ff94c234",
    "synth-01": "4b61802ebc7340cfcc210b2871c6fba4d18887425ed2c1699bf3fabe89a45f69",
}


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(Decimal(value).quantize(Decimal("0.0001")), "f")


def fingerprint(org: Organization) -> str:
    actuals = Actual.objects.filter(indicator__project__plan__organization=org).order_by(
        "indicator__project__plan__slug", "indicator__project__slug", "indicator__slug", "fy"
    )
    indicators = Indicator.objects.filter(project__plan__organization=org).order_by(
        "project__plan__slug", "project__slug", "slug"
    )
    digest = hashlib.sha256()
    for slug, fy, rate, reason in actuals.values_list(
        "indicator__slug", "fy", "rate", "rate_reason"
    ):
        digest.update(f"{slug}|{fy}|{_text(rate)}|{reason}\n".encode())
    for row in indicators.values_list(
        "slug", "grade", "grade_fy", "grade_reason", "grading_scheme"
    ):
        digest.update(("|".join(str(v) for v in row) + "\n").encode())
    return digest.hexdigest()


def _forget(org: Organization) -> None:
    Actual.objects.filter(indicator__project__plan__organization=org).update(
        rate=None, rate_reason=""
    )
    Indicator.objects.filter(project__plan__organization=org).update(
        grade="", grade_fy=None, grade_reason="", grading_scheme=""
    )


@pytest.mark.parametrize("slug", ["hokkaido", "synth-01"])
def test_every_way_of_grading_gives_the_reference_results(slug):
    if slug.startswith("synth"):
        synthesize("region", seed=11)
    org = Organization.objects.get(slug=slug)
    indicators = list(Indicator.objects.filter(project__plan__organization=org))
    as_loaded = fingerprint(org)
    _forget(org)
    assert recompute(indicators).changed > 0
    all_at_once = fingerprint(org)
    _forget(org)
    for indicator in indicators:  # one at a time, as a form save does
        recompute([indicator])
    one_by_one = fingerprint(org)
    _forget(org)
    recompute([i.pk for i in indicators], chunk=7)  # in small chunks, as a nation is
    in_chunks = fingerprint(org)
    assert as_loaded == all_at_once == one_by_one == in_chunks
    assert all_at_once == REFERENCE[slug]


def test_the_writer_stores_each_value_with_the_rate_recompute_would_give(django_user_model):
    """The writer grades before it stores, so that each row is written once with its value
    and its rate. What it leaves must be exactly what storing first and recomputing gives:
    the rates of the rows written, those of later years that a cumulative target sums, the
    rows added, and every grade."""
    from chiiki.accounts.models import Membership
    from chiiki.evaluations.selectors import locked_years
    from chiiki.indicators.services import ActualWrite, write_actuals

    synthesize("region", seed=11)
    org = Organization.objects.get(slug="synth-01")
    actor = django_user_model.objects.create(username="hq-synth")
    Membership.objects.create(user=actor, organization=org, role="hq_planner")
    locked = locked_years(organization=org)
    chosen = [
        i
        for i in Indicator.objects.filter(project__plan__organization=org)
        .select_related("project")
        .order_by("pk")[::3]
        if not i.has_series
    ]
    assert {i.target_kind for i in chosen} >= {"absolute", "cumulative"}
    rows = [
        a
        for a in Actual.objects.filter(indicator__in=chosen).order_by("indicator_id", "fy")
        if (a.indicator.project_id, a.fy) not in locked
    ]
    removed = rows[::5]  # written back: rows added by the writer
    Actual.objects.filter(pk__in=[a.pk for a in removed]).delete()
    writes = []
    for n, a in enumerate(rows):
        if n % 7 == 3:
            writes.append(ActualWrite(a.indicator_id, a.fy, None, "未", None))
        else:
            base = a.value if a.value is not None else Decimal(10)
            writes.append(ActualWrite(a.indicator_id, a.fy, base * Decimal("1.1") + 1, "", None))
    assert len(writes) > 200 and removed
    assert write_actuals(actor=actor, writes=writes) == {}
    written = fingerprint(org)
    assert recompute(list(Indicator.objects.filter(project__plan__organization=org))).changed == 0
    _forget(org)
    recompute(list(Indicator.objects.filter(project__plan__organization=org)))
    assert fingerprint(org) == written
