"""The admin never writes behind the rules: plan, indicator, target, actual, budget and
evaluation data are read-only there, with a link to the product's own screen, where every
change passes permission, validation, the published-year lock, audit and grading. What the
admin does write (support records, meetings, departments) is audited and range-checked."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual, Indicator, TargetRevision
from chiiki.plans.models import (
    Plan,
    Program,
    ProgramBudget,
    ProgramSettlement,
    Project,
    StaffUnitCost,
)
from chiiki.support.models import GrantAward, SupportScheme

pytestmark = pytest.mark.django_db

GOVERNED = [Plan, Project, Program, ProgramBudget, ProgramSettlement, StaffUnitCost, Indicator,
            Evaluation]  # fmt: skip


@pytest.fixture
def root(client):
    user = get_user_model().objects.create_superuser("root", password="x-Chiiki-2026")
    client.force_login(user)
    return user


def test_governed_data_is_read_only_in_the_admin_for_a_superuser(rf, root):
    request = rf.get("/admin/")
    request.user = root
    for model in GOVERNED:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
    # Actuals and target revisions are not admin pages of their own at all.
    assert Actual not in admin.site._registry and TargetRevision not in admin.site._registry


def test_an_admin_post_changes_no_actual_and_no_grade(client, root):
    exports = Indicator.objects.get(slug="food-exports")
    actual = exports.actuals.get(fy=2018)
    before = (actual.value, actual.version, exports.grade)
    response = client.post(
        f"/admin/indicators/indicator/{exports.pk}/change/",
        {
            "actuals-TOTAL_FORMS": "1",
            "actuals-INITIAL_FORMS": "1",
            "actuals-0-id": actual.pk,
            "actuals-0-indicator": exports.pk,
            "actuals-0-fy": 2018,
            "actuals-0-value": "1000",
        },
    )
    assert response.status_code == 403
    actual.refresh_from_db()
    exports.refresh_from_db()
    assert (actual.value, actual.version, exports.grade) == before


def test_the_admin_page_links_to_the_screen_where_the_data_is_changed(client, root):
    exports = Indicator.objects.get(slug="food-exports")
    html = client.get(f"/admin/indicators/indicator/{exports.pk}/change/").content.decode()
    assert f'href="/indicators/{exports.pk}/"' in html  # 「サイトで表示」
    assert "774" in html  # the actuals are shown, read-only
    budget = ProgramBudget.objects.first()
    html = client.get(f"/admin/plans/programbudget/{budget.pk}/change/").content.decode()
    assert f'href="/programs/{budget.program_id}/"' in html


def test_what_the_admin_writes_is_audited_and_range_checked(client, root):
    scheme = SupportScheme.objects.get(slug="chiikizukuri-grant")
    hiroo = scheme.organization.municipalities.get(name="広尾町")
    response = client.post(
        "/admin/support/grantaward/add/",
        {
            "scheme": scheme.pk,
            "fy": 2021,
            "municipality": hiroo.pk,
            "title": "範囲外",
            "amount_thousand_yen": 9223372036854775807,
        },
    )
    assert response.status_code == 200  # the form again, with the error at the field
    assert not GrantAward.objects.exists()
