import pytest
from django.urls import reverse

from chiiki.evaluations import services as wf
from chiiki.indicators.models import Indicator
from chiiki.indicators.services import record_actual
from chiiki.plans.models import Organization, Project
from chiiki.web.dashboard import dashboard
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def data(user, fy=2025):
    return dashboard(Organization.objects.get(slug="hokkaido"), user, fy)


def test_hq_sees_every_kpi_still_missing_its_actual(personas):
    missing = {i.slug for i in data(personas["hq_planner"])["missing"]}
    # the R3 plan's main KPIs with targets in R7 (オホーツク's ends in R6; the strategy's in R1)
    assert missing == {
        "doou-tantekko-main-kpi",
        "donan-jomon-main-kpi",
        "kita-hokkaido-main-kpi",
        "tokachi-kankyo-senshin-main-kpi",
        "kn-zero-carbon-main-kpi",
    }


def test_the_reporting_year_can_be_chosen(personas, client):
    # R3: every R3 main KPI (targets R6/R7) is still missing its R3 actual, オホーツク's too
    assert len(data(personas["hq_planner"], fy=2021)["missing"]) == 6
    client.login(username="viewer", password=PASSWORD)
    assert (
        "実績値が未入力の指標（R3・2021年度）"
        in client.get(reverse("dashboard") + "?fy=R3").content.decode()
    )


def test_a_bureau_editor_sees_their_own_work_and_it_clears_when_entered(personas):
    editor = personas["tokachi_editor"]
    assert [i.slug for i in data(editor)["missing"]] == ["tokachi-kankyo-senshin-main-kpi"]
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    hq = personas["hq_planner"]  # publishes what the bureau collected
    record_actual(actor=hq, indicator_id=kpi.pk, fy="R7", value="未", expected_version=0)
    assert [i.slug for i in data(editor)["missing"]] == ["tokachi-kankyo-senshin-main-kpi"]
    record_actual(actor=hq, indicator_id=kpi.pk, fy="R7", value="12", expected_version=1)
    assert data(editor)["missing"] == []


def test_grade_distribution_counts_the_seed_grades(personas):
    rows = {r.label: r.counts for r in data(personas["viewer"])["region_rows"]}
    # the 21 indicators of the strategy (道産食品輸出額, shown in two tables, counts once)
    assert rows["全道（北海道創生総合戦略など）"] == {"A①": 5, "A②": 2, "A③": 8, "B": 6}
    assert rows["十勝"] == {"判定不能": 1}
    # 21 strategy indicators and the 6 main KPIs of the R3 plan
    assert sum(r.total for r in data(personas["viewer"])["bureau_rows"]) == 27


def test_evaluations_awaiting_review_are_listed(personas):
    project = Project.objects.get(slug="tokachi-kankyo-senshin")
    ev = wf.save_draft(
        actor=personas["tokachi_editor"],
        project_id=project.pk,
        fy=2021,
        analysis="分析。",
        expected_version=0,
    )
    wf.submit(actor=personas["tokachi_editor"], evaluation_id=ev.pk, expected_version=ev.version)
    assert [e.project.slug for e in data(personas["hq_admin"])["waiting"]] == [
        "tokachi-kankyo-senshin"
    ]
    assert data(personas["sorachi_editor"])["waiting"] == []


def test_the_page_is_for_staff_only(client, personas):
    url = reverse("dashboard")
    assert client.get(url).status_code == 302
    client.login(username="viewer", password=PASSWORD)
    html = client.get(url + "?fy=R7").content.decode()
    assert "実績値が未入力の指標（R7・2025年度）" in html and "48,941" in html
    assert "読めないため" in client.get(url + "?fy=R0", follow=True).content.decode()


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    client.login(username="hq-admin", password=PASSWORD)
    with django_assert_max_num_queries(16):  # + open shares of rounds, + schemes in use
        assert client.get(reverse("dashboard") + "?fy=R7").status_code == 200


def test_grade_counts_are_read_once_until_a_write_changes_them(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer, hq = personas["viewer"], personas["hq_planner"]
    assert {r.label: r.counts for r in data(viewer)["region_rows"]}["十勝"] == {"判定不能": 1}
    with CaptureQueriesContext(connection) as queries:
        data(viewer)
    grading = [q for q in queries.captured_queries if 'AS "project__lead_bureau_id"' in q["sql"]]
    assert not grading  # kept
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    record_actual(actor=hq, indicator_id=kpi.pk, fy="R7", value="12", expected_version=0)
    graded = Indicator.objects.get(pk=kpi.pk).grade
    assert graded  # the write graded the KPI, and the next reader counts it so
    assert {r.label: r.counts for r in data(viewer)["region_rows"]}["十勝"] == {graded: 1}
