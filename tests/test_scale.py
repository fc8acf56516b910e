"""Scale: the synthetic generator, the batch recompute, tenancy between prefectures, and query
counts that do not grow with the data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chiiki.datasets.synth import synthesize
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.grading import recompute
from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Municipality, Organization, Project
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _state():
    rates = dict(Actual.objects.values_list("pk", "rate"))
    reasons = dict(Actual.objects.values_list("pk", "rate_reason"))
    grades = {
        pk: (grade, fy, reason, scheme)
        for pk, grade, fy, reason, scheme in Indicator.objects.values_list(
            "pk", "grade", "grade_fy", "grade_reason", "grading_scheme"
        )
    }
    return rates, reasons, grades


def test_the_batch_recompute_gives_exactly_what_the_per_indicator_one_gives():
    recompute(Indicator.objects.all())
    expected = _state()
    assert any(rate is not None for rate in expected[0].values())
    Actual.objects.update(rate=None, rate_reason="")
    Indicator.objects.update(grade="", grade_fy=None, grade_reason="", grading_scheme="")
    changed_rates, changed_grades = recompute(chunk=7)  # many small chunks
    assert _state() == expected
    assert changed_grades == Indicator.objects.count()
    assert changed_rates > 0
    # Nothing left to change: a second run writes nothing.
    assert recompute() == (0, 0)


def test_the_generator_is_deterministic_and_realistic():
    counts = synthesize("region", seed=7)
    assert counts["organizations"] == 1 and counts["municipalities"] == 12
    org = Organization.objects.get(slug="synth-01")
    indicators = Indicator.objects.filter(project__plan__organization=org)
    assert indicators.count() == counts["indicators"] > 100
    kinds = set(indicators.values_list("target_kind", flat=True))
    assert {"absolute", "cumulative"} <= kinds
    actuals = Actual.objects.filter(indicator__project__plan__organization=org)
    assert actuals.count() == counts["actuals"]
    assert actuals.exclude(marker="").exists()  # some 未 / —
    assert indicators.exclude(grade="").count() > indicators.count() * 0.8
    order = ("indicator__project__plan__slug", "indicator__project__slug", "indicator__slug", "fy")
    first = list(actuals.order_by(*order).values_list("indicator__slug", "fy", "value")[:50])
    # The same seed again (into a second organization) gives the same figures.
    synthesize("region", seed=7)
    again = list(
        Actual.objects.filter(indicator__project__plan__organization__slug="synth-02")
        .order_by(*order)
        .values_list("indicator__slug", "fy", "value")[:50]
    )
    assert first == again
    # Synthetic codes never collide with real ones.
    assert Municipality.objects.filter(code__startswith="9").count() == 24


def test_the_national_scale_is_shaped_like_japan():
    """47 prefectures with their real numbers of municipalities: the largest is Hokkaido-sized,
    so the national benchmarks meet a 20,000-KPI prefecture, as Hokkaido's data would be."""
    from chiiki.datasets.synth import SCALES, Synth

    scale = SCALES["national"]
    counts = Synth(scale, seed=1).municipality_counts()
    assert len(counts) == scale.organizations == 47
    assert sum(counts) == scale.municipalities == 1741
    assert counts[0] == max(counts) == Municipality.objects.filter(code__startswith="01").count()
    # each municipality's plan has 4 projects of 27 KPIs: about 20,000 in the largest
    assert 19_000 < counts[0] * scale.municipal_projects * scale.kpis_per_municipal_project


@pytest.fixture
def two_prefectures(personas):
    synthesize("region", seed=1)
    synth = Organization.objects.get(slug="synth-01")
    user = make_user("synth-hq", "hq_admin")
    user.membership.organization = synth
    user.membership.save()
    Evaluation.objects.filter(project__plan__organization=synth).update(
        status="draft", internal_note="合成県の内部メモ"
    )
    return synth


def test_a_user_of_one_prefecture_sees_only_their_own(client, two_prefectures):
    hokkaido_project = Project.objects.get(slug="tokachi-kankyo-senshin")
    synth_project = Project.objects.filter(plan__organization=two_prefectures).first()
    client.login(username="synth-hq", password=PASSWORD)
    home = client.get("/").content.decode()
    assert "合成県01" in home or "第1地域" in home
    assert "十勝" not in home
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200 and "十勝" not in dashboard.content.decode()
    # Hokkaido's pages are not reachable from the other prefecture's account.
    url = f"/plans/{hokkaido_project.plan.slug}/projects/{hokkaido_project.slug}/"
    assert client.get(url).status_code == 404
    assert client.get("/bureaus/tokachi/").status_code == 404
    own = f"/plans/{synth_project.plan.slug}/projects/{synth_project.slug}/"
    assert client.get(own).status_code == 200
    # The visitor's choice cookie cannot move staff to another prefecture.
    client.cookies["chiiki_org"] = "hokkaido"
    assert client.get(url).status_code == 404
    client.logout()
    # Hokkaido staff never see the synthetic prefecture's drafts.
    client.login(username="hq-admin", password=PASSWORD)
    assert client.get(own).status_code == 404
    assert "合成県の内部メモ" not in client.get("/dashboard/").content.decode()


def test_visitors_choose_the_prefecture_they_read(client, two_prefectures):
    assert "十勝" in client.get("/").content.decode()
    r = client.get("/organization/?slug=synth-01&next=/")
    assert r.status_code == 302
    assert "十勝" not in client.get("/").content.decode()
    assert client.get("/organization/?slug=nowhere").status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow(project, n):
    """Add ``n`` synthetic KPIs with their actuals to ``project``."""
    from chiiki.datasets.synth import SCALES, Synth
    from chiiki.indicators.models import TargetRevision
    from chiiki.indicators.services import PublishedActual, write_published

    synth = Synth(SCALES["region"], seed=11)
    for k in range(n):
        indicator, rows = synth.indicator(project, f"extra-{k}", 100 + k)
        indicator.save()
        revisions = [r for r in rows if isinstance(r, TargetRevision)]
        for r in revisions:
            r.indicator = indicator
        TargetRevision.objects.bulk_create(revisions)
        write_published(
            [
                PublishedActual(indicator.pk, r.fy, r.value, r.marker, None, r.national)
                for r in rows
                if not isinstance(r, TargetRevision)
            ]
        )
    recompute(project.indicators.values_list("pk", flat=True))


def test_page_queries_do_not_grow_with_the_number_of_kpis(client, personas):
    """The home page, a project page of each kind of plan, the KPI list of a bureau, the
    dashboard, a KPI page and an API list run the same number of queries after 30 more KPIs
    (with ten years of actuals each) are added."""
    synthesize("region", seed=3)
    org = Organization.objects.get(slug="synth-01")
    project = Project.objects.filter(plan__organization=org, plan__kind="regional_policy").first()
    user = make_user("synth-staff", "hq_planner")
    user.membership.organization = org
    user.membership.save()
    client.login(username="synth-staff", password=PASSWORD)
    municipal = Project.objects.filter(plan__organization=org, plan__kind="comprehensive")[0]
    pages = [
        "/",
        f"/plans/{project.plan.slug}/projects/{project.slug}/",
        f"/plans/{municipal.plan.slug}/projects/{municipal.slug}/",
        f"/bureaus/{project.lead_bureau.slug}/",
        "/dashboard/",
        f"/indicators/{project.indicators.first().pk}/",
        "/api/v1/indicators?organization=synth-01&limit=500",
    ]
    before = [_queries(client, url) for url in pages]
    _grow(project, 30)
    # (_grow writes behind the audited services, so the data version does not move: what is
    # kept per version is dropped by hand, and every page reads afresh, as it would after a
    # real write)
    cache.clear()
    after = [_queries(client, url) for url in pages]
    assert before == after


def test_the_dashboard_lists_the_first_missing_values_and_counts_them_all(
    client, personas, monkeypatch
):
    from chiiki.web import dashboard

    monkeypatch.setattr(dashboard, "MISSING_SHOWN", 3)
    client.login(username="hq-admin", password=PASSWORD)
    r = client.get("/dashboard/")
    total = r.context["missing_count"]
    assert total > 3 and len(r.context["missing"]) == 3
    assert f"未入力 {total} 件のうち、先頭の 3 件" in r.content.decode()
