"""A program's settled amount (決算額), staff time (人工) and full cost: who may enter them, what
is accepted, conflicts, the audit trail, and the pages that show them.

The R3 settlement of 十勝's 「多様な人材の活躍による地域づくり事業」 used here is fictional (the seed
holds only its R3 budget, 1,395千円): docs/reports.md, "the fictional 十勝 scenario".
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.plans.models import Organization, Program, ProgramSettlement, StaffUnitCost
from chiiki.plans.selectors import COST_PREFETCH, cost_totals, cost_years
from chiiki.plans.services import (
    SettlementConflict,
    StaffCostConflict,
    record_settlement,
    record_staff_unit_cost,
)
from tests.conftest import MAY, PASSWORD

pytestmark = pytest.mark.django_db

TOKACHI = "tokachi-jinzai"  # R3 budget 1,395千円 in the seed
TOKACHI_SPACE = "tokachi-uchu"  # R3 budget 787千円, the same region
PROJECT = ("regional-policy-r3", "tokachi-tayona-jinzai")
FUNDING = {"national_funds": "644", "bond_funds": "0", "other_funds": "0", "general_funds": "644"}


def settle(user, slug=TOKACHI, version=0, **fields):
    values = {
        "fy": "R3",
        "settled": "1,288",
        "revised_budget": "1,395",
        "note": "ワーキンググループの1回をオンライン開催とし、会場費が不要となった",
        "funding": FUNDING,
        "staff_years": "0.3",
    }
    values.update(fields)
    return record_settlement(
        actor=user,
        program_id=Program.objects.get(slug=slug).pk,
        expected_version=version,
        **values,
    )


def unit_cost(user, fy="R3", amount="8,600", version=0):
    return record_staff_unit_cost(
        actor=user,
        organization=Organization.objects.get(slug="hokkaido"),
        fy=fy,
        amount=amount,
        expected_version=version,
    )


def years_of(slug=TOKACHI):
    program = Program.objects.prefetch_related(*COST_PREFETCH).get(slug=slug)
    return cost_years([program])[program.pk]


def test_the_full_cost_of_the_tokachi_program(personas):
    hq = personas["hq_planner"]
    settle(hq)
    unit_cost(hq)
    (r3,) = years_of()
    assert (r3.fy, r3.initial_budget, r3.revised_budget, r3.settled) == (2021, 1395, 1395, 1288)
    assert r3.unspent == 107
    assert r3.staff_years == Decimal("0.30")
    assert r3.staff_cost == 2580  # 0.3 × 8,600
    assert r3.full_cost == 3868
    assert r3.funding.total == 1288


def test_without_a_unit_cost_there_is_no_full_cost(personas):
    settle(personas["hq_planner"])
    (r3,) = years_of()
    assert r3.settled == 1288 and r3.staff_cost is None and r3.full_cost is None


def test_a_projects_totals_count_only_what_each_program_has(personas):
    hq = personas["hq_planner"]
    settle(hq)
    settle(hq, slug=TOKACHI_SPACE, settled="700", revised_budget="", funding={}, staff_years="")
    unit_cost(hq)
    programs = Program.objects.filter(slug__in=[TOKACHI, TOKACHI_SPACE]).prefetch_related(
        *COST_PREFETCH
    )
    (r3,) = cost_totals(programs)
    assert (r3.programs, r3.initial_budget, r3.settled) == (2, 1395 + 787, 1288 + 700)
    assert (r3.staff_cost, r3.full_cost, r3.complete) == (2580, 3868, 1)


@pytest.mark.parametrize("role", ["hq_admin", "hq_planner", "tokachi_editor", "department",
                                  "viewer", "anonymous"])  # fmt: skip
def test_only_hq_records_settlements(personas, role):
    if role in MAY["write 十勝's budget"]:
        assert settle(personas[role]).settled_thousand_yen == 1288
    else:
        with pytest.raises(PermissionDenied):
            settle(personas[role])
        assert not ProgramSettlement.objects.exists()


def test_only_hq_sets_the_unit_cost(personas):
    with pytest.raises(PermissionDenied, match="本部"):
        unit_cost(personas["tokachi_editor"])
    assert unit_cost(personas["hq_planner"]).thousand_yen == 8600


def test_every_bad_field_is_reported_at_once_and_nothing_is_stored(personas):
    with pytest.raises(ValidationError) as caught:
        settle(
            personas["hq_planner"],
            settled="1,2８8",
            revised_budget="▲5",
            staff_years="0.333",
            funding={**FUNDING, "bond_funds": "x"},
        )
    errors = caught.value.message_dict
    assert "混在" in errors["settled"][0]
    assert "0以上" in errors["revised_budget"][0] and "補正後予算額" in errors["revised_budget"][0]
    assert "小数第2位まで" in errors["staff_years"][0]
    assert "bond_funds" in errors
    assert not ProgramSettlement.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="program.settlement").exists()


def test_the_settled_amount_is_required(personas):
    with pytest.raises(ValidationError) as caught:
        settle(personas["hq_planner"], settled=" ")
    assert caught.value.message_dict["settled"] == ["決算額を入力してください"]


def test_the_sources_are_all_given_and_add_up(personas):
    hq = personas["hq_planner"]
    with pytest.raises(ValidationError) as caught:
        settle(hq, funding={"national_funds": "644"})
    assert "未入力: 地方債、その他、一般財源" in caught.value.message_dict["funding"][0]
    with pytest.raises(ValidationError) as caught:
        settle(hq, funding={**FUNDING, "general_funds": "600"})
    assert caught.value.message_dict["funding"] == [
        "財源内訳の合計（1,244千円）が決算額（1,288千円）と一致しません"
    ]
    assert settle(hq, funding={}).national_funds_thousand_yen is None


def test_a_correction_keeps_the_old_figures_in_the_audit_trail(personas):
    hq = personas["hq_planner"]
    settle(hq)
    corrected = settle(hq, version=1, settled="１，３００", funding={}, staff_years="0.25")
    assert (corrected.settled_thousand_yen, corrected.version) == (1300, 2)
    entry = AuditEntry.objects.get(action="program.settlement.corrected")
    assert entry.old["settled"] == 1288 and entry.old["funding"] == [644, 0, 0, 644]
    assert entry.new["settled"] == 1300 and entry.new["staff_years"] == "0.25"
    assert entry.new["funding"] == [None, None, None, None]
    assert "1,300千円、0.25人工" in entry.summary


def test_stale_figures_are_a_conflict_not_an_overwrite(personas):
    hq = personas["hq_planner"]
    settle(hq)
    with pytest.raises(SettlementConflict, match="1,288千円"):
        settle(hq, version=0, settled="2,000", funding={})
    unit_cost(hq)
    with pytest.raises(StaffCostConflict):
        unit_cost(hq, amount="9,000", version=0)
    assert StaffUnitCost.objects.get().thousand_yen == 8600
    assert ProgramSettlement.objects.get().settled_thousand_yen == 1288


def test_the_program_page_shows_and_takes_the_settlement(client, personas):
    program = Program.objects.get(slug=TOKACHI)
    url = reverse("program", args=[program.pk])
    html = client.get(url).content.decode()
    assert "1,395" in html and "決算額・人工の入力・修正" not in html
    client.login(username="hq-planner", password=PASSWORD)
    r = client.post(url, {"fy": "R3", "settled": "1,2８8", "staff_years": "x"})
    page = r.content.decode()
    assert r.status_code == 400
    assert "半角と全角の数字が混在" in page and 'id="settled-error"' in page
    assert 'aria-describedby="staff_years-error"' in page
    assert 'value="1,2８8"' in page  # what was typed is kept
    fields = {"fy": "令和3年度", "settled": "1,288", "revised_budget": "1,395",
              "note": "会場費が不要となった", "staff_years": "0.3", **FUNDING}  # fmt: skip
    r = client.post(url, fields, follow=True)
    assert "R3の決算額を1,288千円として保存しました" in r.content.decode()
    client.post(reverse("staff_costs"), {"fy": "R3", "amount": "8,600"})
    html = client.get(url).content.decode()
    for shown in ["1,288", "107", "0.30", "2,580", "3,868", "会場費が不要となった", "644"]:
        assert shown in html
    r = client.post(url, {**fields, "note": "再入力"})  # the form's version is stale
    assert r.status_code == 400 and "他の人が更新しました" in r.content.decode()
    client.login(username="tokachi-editor", password=PASSWORD)
    assert client.post(url, fields).status_code == 403
    assert client.get(reverse("staff_costs")).status_code == 403


def test_the_project_and_region_pages_total_the_settlements(client, personas):
    project = reverse("project", args=PROJECT)
    region = reverse("region", args=["tokachi"])
    assert "決算とフルコスト" not in client.get(project).content.decode()  # nothing settled yet
    hq = personas["hq_planner"]
    settle(hq)
    settle(hq, slug=TOKACHI_SPACE, settled="700", revised_budget="", funding={}, staff_years="")
    unit_cost(hq)
    html = client.get(project).content.decode()
    # the project runs one of the two programs (宇宙 belongs to 次世代先進産業)
    assert (
        "決算とフルコスト" in html and "3,868" in html and "1事業中、決算額 1・フルコスト 1" in html
    )
    html = client.get(region).content.decode()
    assert "1,988" in html  # settled: 1,288 + 700
    assert "決算額 2・フルコスト 1" in html  # the full cost is the complete program's, 3,868
    assert "3,868" in html and "4,568" not in html


def test_the_open_data_table_holds_the_same_figures(personas, tmp_path):
    import csv
    import io
    import json

    from django.core.management import call_command

    from chiiki.reports import opendata
    from tests.test_opendata_frictionless import _validate

    hq = personas["hq_planner"]
    settle(hq)
    settle(hq, slug=TOKACHI_SPACE, settled="700", revised_budget="", funding={}, staff_years="")
    unit_cost(hq)
    org = Organization.objects.get(slug="hokkaido")
    text = opendata.csv_bytes(org, "settlements").decode("utf-8-sig")
    rows = {r["program_id"]: r for r in csv.DictReader(io.StringIO(text))}
    jinzai = rows[TOKACHI]
    assert (jinzai["fy"], jinzai["fy_wareki"]) == ("2021", "令和3年度")
    assert [jinzai[k] for k in ["initial_budget", "revised_budget", "settled", "unspent"]] == [
        "1395", "1395", "1288", "107"]  # fmt: skip
    assert [jinzai[k] for k in ["national_funds", "general_funds", "staff_years"]] == [
        "644", "644", "0.3"]  # fmt: skip
    assert [jinzai[k] for k in ["staff_unit_cost", "staff_cost", "full_cost"]] == [
        "8600", "2580", "3868"]  # fmt: skip
    space = rows[TOKACHI_SPACE]
    assert space["settled"] == "700" and space["unspent"] == "87" and space["full_cost"] == ""
    assert space["national_funds"] == "" and space["revised_budget"] == ""
    doc = json.loads(opendata.json_bytes(org, "settlements"))
    assert {r["program_id"]: r["full_cost"] for r in doc["rows"]} == {
        TOKACHI: 3868, TOKACHI_SPACE: None}  # fmt: skip
    call_command("report", "opendata", str(tmp_path))
    report = _validate(tmp_path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert {t.name: t.stats.get("rows", 0) for t in report.tasks}["settlements"] == 2


def test_correcting_a_year_starts_from_its_stored_figures(client, personas):
    """A save replaces the whole year: the form of a year opens filled with what is stored,
    so correcting the staff time does not erase the sources and the reason."""
    settle(personas["hq_planner"])
    program = Program.objects.get(slug=TOKACHI)
    client.login(username="hq-planner", password=PASSWORD)
    url = reverse("program", args=[program.pk])
    html = client.get(url).content.decode()
    assert 'href="?fy=2021#settle-h"' in html
    html = client.get(url + "?fy=2021").content.decode()
    for field, value in [("fy", "R3"), ("settled", "1,288"), ("revised_budget", "1,395"),
                         ("national_funds", "644"), ("general_funds", "644"),
                         ("staff_years", "0.30")]:  # fmt: skip
        assert f'name="{field}" id="id_{field}" value="{value}"' in html, field
    assert "会場費が不要となった" in html


def test_long_texts_are_refused_with_their_length(personas):
    from chiiki.evaluations import services as wf

    with pytest.raises(ValidationError) as caught:
        settle(personas["hq_planner"], note="あ" * 2001)
    assert caught.value.message_dict["note"] == ["2000文字以内で入力してください（2001文字）"]
    project = Program.objects.get(slug=TOKACHI).project
    with pytest.raises(ValidationError) as caught:
        wf.save_draft(actor=personas["tokachi_editor"], project_id=project.pk, fy=2021,
                      analysis="課題", expected_version=0, program_reviews=[
                          {"program": Program.objects.get(slug=TOKACHI).pk, "direction": "continue",
                           "self_evaluation": "い" * 5001, "reason": "理由"}])  # fmt: skip
    assert "5000文字以内" in caught.value.message_dict["program_reviews.1.self_evaluation"][0]


def test_hq_finds_the_unit_cost_and_the_summary_sheet_on_the_dashboard(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("staff_costs") in html and "/reports/program-sheet/" in html
    client.login(username="tokachi-editor", password=PASSWORD)
    assert reverse("staff_costs") not in client.get(reverse("dashboard")).content.decode()
