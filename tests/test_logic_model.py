"""A program's activity and outcome indicators, its declared contribution to a KPI, the logic
model diagram and the cost per result, on the fictional 十勝 scenario (tests/scenario_tokachi)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chiiki.indicators.authoring import delete_contribution, save_contribution, save_indicator
from chiiki.indicators.models import Contribution, Indicator
from chiiki.indicators.selectors import grade_counts
from chiiki.plans.models import Organization, Program
from chiiki.plans.selectors import COST_PREFETCH, cost_years, program_results
from tests import scenario_tokachi as scenario
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(personas):
    return scenario.build(personas["hq_planner"])


def results(program):
    program = Program.objects.prefetch_related(*COST_PREFETCH).select_related(
        "project__plan").get(pk=program.pk)  # fmt: skip
    return program_results(program, cost_years([program])[program.pk])


def test_program_indicators_are_graded_like_any_other(built):
    activity, outcome = built["activity"], built["outcome"]
    assert activity.program_id == built["program"].pk and activity.of_program
    assert activity.actuals.get(fy=2021).rate == Decimal("83.3")  # 5 of 6 回
    assert activity.grade  # graded by the plan's scheme, as the KPIs are
    r = results(built["program"])
    assert [row.indicator.pk for row in r["activity_rows"]] == [activity.pk]
    assert [row.indicator.pk for row in r["outcome_rows"]] == [outcome.pk]


def test_they_are_not_counted_in_the_plans_progress(personas, client):
    org = Organization.objects.get(slug="hokkaido")
    before = sum(row["n"] for row in grade_counts(org))
    built = scenario.build(personas["hq_planner"])
    assert Indicator.objects.filter(program__isnull=False).count() == 2
    # of the three indicators the scenario adds, only the project's KPI is the plan's
    assert sum(row["n"] for row in grade_counts(org)) == before + 1
    # the project page lists that KPI, not the program's own indicators
    project = built["program"].project
    html = client.get(reverse("project", args=[project.plan.slug, project.slug])).content.decode()
    assert scenario.KPI["name"] in html
    assert scenario.ACTIVITY["name"] not in html


def test_cost_per_output_and_per_outcome_change(built):
    r = results(built["program"])
    (cost,) = r["output_costs"][built["activity"].pk]
    # R3: full cost 3,868千円 (1,288 settled + 0.3 × 8,600) for 5 meetings
    assert (cost.fy, cost.units, cost.cost, cost.basis) == (2021, Decimal(5), 3868, "full")
    assert cost.per_unit == Decimal("773.6")
    (link,) = r["links"]
    assert link.sole and link.contribution.assumption == scenario.ASSUMPTION
    (change,) = link.per_change
    # the outflow fell from 1,150 to 1,100 (down is better): 50 people, 77.4千円 each
    assert (change.fy, change.units, change.per_unit) == (2021, Decimal(50), Decimal("77.4"))


def test_a_kpi_claimed_by_two_programs_gets_no_cost_per_change(built, personas):
    other = Program.objects.create(
        organization=built["program"].organization, slug="tokachi-extra", name="架空の事業",
        project=built["program"].project, bureau=built["program"].bureau)  # fmt: skip
    save_contribution(actor=personas["hq_planner"], program_id=other.pk,
                      indicator_id=built["kpi"].pk, assumption="架空の想定",
                      expected_version=None)  # fmt: skip
    (link,) = results(built["program"])["links"]
    assert not link.sole and link.per_change == []


def test_the_rules_of_program_indicators_and_contributions(built, personas):
    hq, program = personas["hq_planner"], built["program"]
    project = program.project
    with pytest.raises(ValidationError) as caught:
        save_indicator(actor=hq, project_id=project.pk, data={**scenario.ACTIVITY, "name": "x"})
    assert "事業を選んで" in caught.value.message_dict["program"][0]
    with pytest.raises(ValidationError) as caught:
        save_indicator(actor=hq, project_id=project.pk,
                       data={**scenario.KPI, "program": str(program.pk)})  # fmt: skip
    assert "プロジェクトの指標" in caught.value.message_dict["program"][0]
    elsewhere = Program.objects.get(slug="tokachi-uchu")  # another project's program
    with pytest.raises(ValidationError):
        save_indicator(actor=hq, project_id=project.pk,
                       data={**scenario.ACTIVITY, "program": str(elsewhere.pk)})  # fmt: skip
    with pytest.raises(ValidationError) as caught:  # a program's own indicator is no KPI
        save_contribution(actor=hq, program_id=program.pk, indicator_id=built["activity"].pk,
                          assumption="x", expected_version=None)  # fmt: skip
    assert "indicator" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        save_contribution(actor=hq, program_id=program.pk, indicator_id=built["kpi"].pk,
                          assumption=" ", expected_version=None)  # fmt: skip
    assert "経路" in caught.value.message_dict["assumption"][0]
    with pytest.raises(PermissionDenied):
        save_contribution(actor=personas["tokachi_editor"], program_id=program.pk,
                          indicator_id=built["kpi"].pk, assumption="x",
                          expected_version=None)  # fmt: skip
    contribution = Contribution.objects.get()
    delete_contribution(actor=hq, contribution_id=contribution.pk,
                        expected_version=contribution.version)  # fmt: skip
    assert not Contribution.objects.exists()


def test_the_program_page_shows_the_chain(client, built, personas):
    url = reverse("program", args=[built["program"].pk])
    html = client.get(url).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="logic-model" role="img"' in html
    for stage in ["投入（予算・決算）", "活動指標", "成果指標", "プロジェクトのKPI"]:
        assert stage in html
    assert "R3 決算額 1,288千円" in html and "フルコスト 3,868千円" in html
    assert "R3 5回" in html and "R3 40%" in html and "R3 1,100人" in html
    assert scenario.ASSUMPTION in html
    assert "773.6" in html and "77.4" in html and "注意: KPIの変化には" in html
    assert "KPIへの寄与の登録" not in html  # the public reads, HQ registers
    client.login(username="hq-planner", password=PASSWORD)
    html = client.get(url).content.decode()
    assert "KPIへの寄与の登録" in html
    post = reverse("program_contribution", args=[built["program"].pk])
    r = client.post(post, {"action": "save", "indicator": built["kpi"].pk, "assumption": ""})
    assert r.status_code == 400 and 'id="assumption-error"' in r.content.decode()
    contribution = Contribution.objects.get()
    r = client.post(post, {"action": "delete", "contribution": contribution.pk, "version": "0"})
    assert r.status_code == 400 and "他の人が" in r.content.decode()  # a stale version
    r = client.post(post, {"action": "delete", "contribution": contribution.pk,
                           "version": contribution.version}, follow=True)  # fmt: skip
    assert "寄与の登録を取り消しました" in r.content.decode()


def test_the_diagram_escapes_what_people_typed(built, personas, client):
    indicator = built["activity"]
    indicator.name = '<script>alert("x")</script>'
    indicator.save()
    html = client.get(reverse("program", args=[built["program"].pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_the_program_page_reads_in_a_fixed_number_of_queries(built, personas, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("program", args=[built["program"].pk])

    def queries():
        with CaptureQueriesContext(connection) as c:
            assert client.get(url).status_code == 200
        return len(c.captured_queries)

    first = queries()
    assert first <= 16
    for n in range(3):  # more indicators and actuals: the same queries
        made = save_indicator(actor=personas["hq_planner"], project_id=built["program"].project_id,
                              data={**scenario.ACTIVITY, "name": f"架空の活動{n}",
                                    "program": str(built["program"].pk)})  # fmt: skip
        from chiiki.indicators.services import record_actual

        record_actual(actor=personas["hq_planner"], indicator_id=made.pk, fy="R3", value="3",
                      expected_version=0)  # fmt: skip
    assert queries() == first


def test_the_api_says_which_program_an_indicator_belongs_to(built, client):
    r = client.get(f"/api/v1/indicators/{built['activity'].pk}")
    assert r.status_code == 200
    body = r.json()
    assert (body["kind"], body["program"]) == ("activity", built["program"].pk)
    kpi = client.get(f"/api/v1/indicators/{built['kpi'].pk}").json()
    assert (kpi["kind"], kpi["program"]) == ("kpi", None)
    listed = client.get("/api/v1/indicators?kind=outcome").json()
    assert [i["id"] for i in listed["items"]] == [built["outcome"].pk]


def test_open_data_names_the_program_of_an_indicator_and_the_contributions(built, tmp_path):
    import csv
    import io

    from django.core.management import call_command

    from chiiki.reports import opendata
    from tests.test_opendata_frictionless import _validate

    org = Organization.objects.get(slug="hokkaido")

    def rows(name):
        text = opendata.csv_bytes(org, name).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    by_key = {r["indicator_key"]: r for r in rows("indicators")}
    assert by_key[built["activity"].key]["program_id"] == scenario.PROGRAM
    assert by_key[built["activity"].key]["indicator_kind"] == "活動指標"
    assert by_key[built["kpi"].key]["program_id"] == ""
    (row,) = rows("contributions")
    assert (row["program_id"], row["indicator_key"], row["assumption"]) == (
        scenario.PROGRAM, built["kpi"].key, scenario.ASSUMPTION)  # fmt: skip
    call_command("report", "opendata", str(tmp_path))
    report = _validate(tmp_path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
