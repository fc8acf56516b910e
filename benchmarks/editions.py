"""Benchmark 5: what hiding draft editions costs the public reads (decision 0011).

Every model of a plan edition reads through a default manager that leaves out rows of draft
editions (a join to the plan and a filter on its status). Each read below is timed through that
manager (chiiki) and through ``with_drafts`` (baseline: the same query without the filter), on
the largest synthetic prefecture, median of 7 runs, with one draft edition present: a copy of
that prefecture's largest plan, made by the authoring service as a planner would, and removed
at the end.
"""

from __future__ import annotations

from benchmarks.common import setup_django, table, timed


def main() -> None:
    setup_django()
    from django.db import transaction
    from django.db.models import Count

    from chiiki.indicators.models import Indicator
    from chiiki.plans import authoring
    from chiiki.plans.models import Organization, Plan, Project

    org = (
        Organization.objects.filter(slug__startswith="synth-")
        .annotate(n=Count("plans__projects__indicators"))
        .order_by("-n")
        .first()
    )
    if org is None:
        raise SystemExit("no synthetic prefecture: run `chiiki data synth` first")
    largest = (
        Plan.objects.filter(organization=org)
        .annotate(n=Count("projects__indicators"))
        .order_by("-n")
        .first()
    )
    assert largest is not None
    actor = _hq(org)
    with transaction.atomic():
        draft = authoring.create_edition(
            actor=actor,
            organization=org,
            data={
                "slug": "bench-draft",
                "edition": "bench",
                "title": largest.title,
                "start_fy": largest.start_fy or 2026,
            },
            copy_from=largest.pk,
        )
        n_draft = Indicator.with_drafts.filter(project__plan=draft).count()
        reads = {
            "count an organization's indicators": lambda m: m.filter(
                project__plan__organization=org
            ).count(),
            "API list: 50 indicators with their project and plan": lambda m: list(
                m.filter(project__plan__organization=org)
                .select_related("project__plan")
                .order_by("pk")[:50]
            ),
            "dashboard: grades by region": lambda m: list(
                m.filter(project__plan__organization=org)
                .values("grade", "project__region_id")
                .annotate(n=Count("pk"))
            ),
            "a project's indicators": lambda m: list(
                m.filter(project=Project.objects.filter(plan=largest).first())
            ),
        }
        rows = []
        for name, read in reads.items():
            read(Indicator.objects), read(Indicator.with_drafts)  # warm the cache
            base, _ = timed(lambda read=read: read(Indicator.with_drafts), repeat=7)
            hidden, _ = timed(lambda read=read: read(Indicator.objects), repeat=7)
            rows.append([name, hidden * 1000, base * 1000, hidden / base])
        transaction.set_rollback(True)
    table(
        f"Hiding drafts ({org.slug}, draft edition of {n_draft:,} indicators present)",
        ["read", "drafts hidden (ms)", "no filter (ms)", "× no filter"],
        rows,
    )


def _hq(org: object) -> object:
    """An HQ user of ``org``: the authoring service checks who copies the edition."""
    from django.contrib.auth import get_user_model

    from chiiki.accounts.models import Membership

    user, _ = get_user_model().objects.get_or_create(username="bench-editions")
    Membership.objects.get_or_create(user=user, defaults={"organization": org, "role": "hq_admin"})
    return user


if __name__ == "__main__":
    main()
