"""Entering program budgets: who may, what is accepted, conflicts and the audit trail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.plans.models import Program, ProgramBudget
from chiiki.plans.services import BudgetConflict, record_budget
from tests.conftest import MAY, PASSWORD, make_user

pytestmark = pytest.mark.django_db

TOKACHI = "tokachi-jinzai"  # 十勝's program (R3: 1,395千円)
OKHOTSK = "okhotsk-ai"  # オホーツク's program
RUMOI_IN_KAMIKAWA_PROJECT = "rumoi-ororon"  # run by 留萌 in the 上川-led きた北海道 project

ROLES = ["hq_admin", "hq_planner", "tokachi_editor", "sorachi_editor", "department", "viewer",
         "anonymous"]  # fmt: skip
# role → may edit (十勝's program, オホーツク's program), from the shared role table
MATRIX = {
    role: (role in MAY["write 十勝's budget"], role in MAY["write オホーツク's budget"])
    for role in ROLES
}


def enter(user, slug, fy="R4", amount="1,500", version=0):
    program = Program.objects.get(slug=slug)
    return record_budget(
        actor=user, program_id=program.pk, fy=fy, amount=amount, expected_version=version
    )


@pytest.mark.parametrize("role", sorted(MATRIX))
@pytest.mark.parametrize(("column", "slug"), [(0, TOKACHI), (1, OKHOTSK)])
def test_permission_matrix_for_budgets(personas, role, column, slug):
    if MATRIX[role][column]:
        assert enter(personas[role], slug).amount_thousand_yen == 1500
    else:
        with pytest.raises(PermissionDenied):
            enter(personas[role], slug)
        assert not ProgramBudget.objects.filter(program__slug=slug, fy=2022).exists()


def test_a_bureau_is_told_to_enter_its_budget_in_a_collection_round():
    rumoi = make_user("rumoi-editor", "bureau_editor", "留萌")
    with pytest.raises(PermissionDenied, match="収集ラウンド"):
        enter(rumoi, RUMOI_IN_KAMIKAWA_PROJECT)


def test_correcting_the_seed_budget_keeps_the_old_value_in_the_audit_trail(personas):
    budget = enter(personas["hq_planner"], TOKACHI, fy="R3", amount="１，４００", version=0)
    assert budget.amount_thousand_yen == 1400 and budget.version == 1
    entry = AuditEntry.objects.get(action="program.budget.corrected")
    assert entry.old == {"fy": 2021, "amount": 1395, "version": 0}
    assert entry.new == {"fy": 2021, "amount": 1400, "version": 1}


@pytest.mark.parametrize(
    ("amount", "message"),
    [("1,2３4", "混在"), ("1,234.5", "整数"), ("▲100", "0以上"), ("3人", "単位"), ("", "数値が空")],
)
def test_bad_amounts_are_refused_with_a_reason(personas, amount, message):
    with pytest.raises(ValidationError) as err:
        enter(personas["hq_planner"], TOKACHI, amount=amount)
    assert message in " ".join(err.value.message_dict["amount"])
    assert not ProgramBudget.objects.filter(program__slug=TOKACHI, fy=2022).exists()


def test_other_units_of_yen_are_converted_exactly(personas):
    assert enter(personas["hq_planner"], TOKACHI, amount="1億円").amount_thousand_yen == 100000


def test_a_stale_budget_is_a_conflict(personas):
    enter(personas["hq_planner"], TOKACHI)
    with pytest.raises(BudgetConflict, match="1,500"):
        enter(personas["hq_planner"], TOKACHI, amount="2,000", version=0)
    assert ProgramBudget.objects.get(program__slug=TOKACHI, fy=2022).amount_thousand_yen == 1500


def test_the_form_on_the_project_page(client, personas):
    url = reverse("project", args=["regional-policy-r3", "tokachi-tayona-jinzai"])
    assert "予算額の入力・修正" not in client.get(url).content.decode()
    client.login(username="hq-planner", password=PASSWORD)
    html = client.get(url).content.decode()
    assert "予算額の入力・修正" in html and "多様な人材の活躍による地域づくり事業" in html
    program = Program.objects.get(slug=TOKACHI)
    post = reverse("record_program_budget", args=["regional-policy-r3", "tokachi-tayona-jinzai"])
    r = client.post(post, {"program": program.pk, "fy": "R4", "amount": "1,2３4"})
    assert r.status_code == 400 and "半角と全角の数字が混在" in r.content.decode()
    r = client.post(
        post, {"program": program.pk, "fy": "令和4年度", "amount": "1,600"}, follow=True
    )
    assert "R4予算額を1,600千円にしました" in r.content.decode()
    client.login(username="tokachi-editor", password=PASSWORD)  # enters in a collection round
    assert "予算額の入力・修正" not in client.get(url).content.decode()
    assert client.post(post, {"program": program.pk, "fy": "R4", "amount": "1"}).status_code == 403
