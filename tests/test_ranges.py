"""Every amount and figure has a documented range (chiiki.core.numbers), checked with a located
message on every write path — the site, the API, imports, the dataset — and no total over
stored values can overflow."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from chiiki.accounts.tokens import issue
from chiiki.core.numbers import MAX_BUDGET_THOUSAND_YEN
from chiiki.datasets.loader import DATASETS_DIR, load_dataset
from chiiki.datasets.reading import DatasetError
from chiiki.imports.reading import ImportError_, read_changes
from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Organization, Program, ProgramBudget
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HUGE_BUDGETS = ["9223372036854775808", "9223372036854775807", "1,000,000,000,000", "1京円"]
HUGE_FIGURES = ["1000000000000000", "99999999999999999999", "1e400"]
TOKACHI_PROGRAM = "tokachi-jinzai"  # 十勝 runs it, in the project tokachi-tayona-jinzai


@pytest.fixture
def tokachi_kpi():
    return Indicator.objects.get(project__lead_bureau__slug="tokachi", is_main=True)


@pytest.mark.parametrize("amount", HUGE_BUDGETS)
def test_the_site_form_refuses_a_budget_beyond_the_range(client, personas, amount):
    client.login(username="hq-planner", password=PASSWORD)
    program = Program.objects.get(slug=TOKACHI_PROGRAM)
    url = reverse("record_program_budget", args=["regional-policy-r3", "tokachi-tayona-jinzai"])
    response = client.post(url, {"program": program.pk, "fy": "R4", "amount": amount})
    assert response.status_code == 400
    # the message stands at the amount field
    (message,) = re.findall(r'id="budget-amount-error">([^<]+)<', response.content.decode())
    assert "大きすぎます" in message or "単位" in message, message
    assert not ProgramBudget.objects.filter(program=program, fy=2022).exists()


@pytest.mark.parametrize("amount", HUGE_BUDGETS)
def test_the_api_refuses_a_budget_beyond_the_range(client, personas, amount):
    token = issue(actor=personas["hq_planner"], name="t")[1]
    program = Program.objects.get(slug=TOKACHI_PROGRAM)
    response = client.put(
        f"/api/v1/programs/{program.pk}/budgets/2025",
        {"amount": amount},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IF_NONE_MATCH="*",
    )
    assert response.status_code in (400, 422), response.content
    body = response.json()
    assert body["errors"] and body["errors"][0]["loc"][-1] == "amount"
    assert not ProgramBudget.objects.filter(program=program, fy=2025).exists()


@pytest.mark.parametrize("value", HUGE_FIGURES)
def test_the_site_and_api_refuse_a_figure_beyond_the_range(client, personas, tokachi_kpi, value):
    client.login(username="hq-planner", password=PASSWORD)
    response = client.post(
        reverse("record_indicator_actual", args=[tokachi_kpi.pk]), {"fy": "R3", "value": value}
    )
    assert response.status_code == 400
    token = issue(actor=personas["hq_planner"], name="t")[1]
    response = client.put(
        f"/api/v1/indicators/{tokachi_kpi.pk}/actuals/2021",
        {"value": value},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IF_NONE_MATCH="*",
    )
    assert response.status_code in (400, 422)
    assert not Actual.objects.filter(indicator=tokachi_kpi, fy=2021).exists()


@pytest.mark.parametrize("amount", HUGE_BUDGETS)
def test_an_import_refuses_a_budget_beyond_the_range_at_its_cell(personas, amount):
    org = Organization.objects.get(slug="hokkaido")
    data = f'record,key,fy,value\nbudget,{TOKACHI_PROGRAM},2025,"{amount}"\n'.encode()
    with pytest.raises(ImportError_) as caught:
        read_changes(data, "b.csv", organization=org, actor=personas["hq_planner"])
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "value")


def test_the_dataset_refuses_figures_beyond_the_range(tmp_path):
    folder = Path(tmp_path) / "hokkaido"
    shutil.copytree(DATASETS_DIR / "hokkaido", folder)
    plan = folder / "plan-regional-r3.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            'budget: "5,715"', 'budget: "9223372036854775808"', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset("hokkaido", directory=folder)
    problem = next(p for p in caught.value.problems if "大きすぎます" in p.message)
    assert problem.file == "plan-regional-r3.yaml" and problem.line


def test_totals_of_budgets_at_the_limit_do_not_overflow(client):
    """Every budget at the largest allowed amount: the public pages still add them up."""
    ProgramBudget.objects.update(amount_thousand_yen=MAX_BUDGET_THOUSAND_YEN)
    for url in ("/", "/regions/doou/", "/bureaus/tokachi/", "/reports/budgets/"):
        assert client.get(url).status_code == 200, url
    count = ProgramBudget.objects.count()
    assert (
        f"{MAX_BUDGET_THOUSAND_YEN * count:,}" in client.get("/reports/budgets/").content.decode()
    )


def test_the_largest_allowed_budget_is_accepted(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    program = Program.objects.get(slug=TOKACHI_PROGRAM)
    url = reverse("record_program_budget", args=["regional-policy-r3", "tokachi-tayona-jinzai"])
    client.post(url, {"program": program.pk, "fy": "R4", "amount": f"{MAX_BUDGET_THOUSAND_YEN:,}"})
    assert ProgramBudget.objects.get(program=program, fy=2022).amount_thousand_yen == (
        MAX_BUDGET_THOUSAND_YEN
    )
