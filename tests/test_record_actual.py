"""Entering actuals: who may, what is accepted, conflicts, audit, and the recomputed grade."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.indicators.models import Actual, Indicator
from chiiki.indicators.services import Conflict, record_actual
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKACHI = "tokachi-kankyo-senshin-main-kpi"  # led by 十勝
OKHOTSK = "okhotsk-teichaku-main-kpi"  # led by オホーツク
STRATEGY = "unknown-days-kpi"  # a prefecture-wide strategy project: no bureau leads it

# role → may edit (十勝's KPI, オホーツク's KPI, the prefecture-wide KPI)
MATRIX = {
    "hq_admin": (True, True, True),
    "hq_planner": (True, True, True),
    "tokachi_editor": (False, False, False),  # bureaus enter through collection rounds
    "sorachi_editor": (False, False, False),
    "department": (False, False, False),
    "viewer": (False, False, False),
    "anonymous": (False, False, False),
}


def enter(user, slug, fy="R3", value="5市町村", version=0):
    indicator = Indicator.objects.get(slug=slug)
    return record_actual(
        actor=user, indicator_id=indicator.pk, fy=fy, value=value, expected_version=version
    )


@pytest.mark.parametrize("role", sorted(MATRIX))
@pytest.mark.parametrize("column, slug", [(0, TOKACHI), (1, OKHOTSK), (2, STRATEGY)])
def test_permission_matrix_for_entering_an_actual(personas, role, column, slug):
    allowed = MATRIX[role][column]
    value = {TOKACHI: "5市町村", OKHOTSK: "70.1%", STRATEGY: "88,000日"}[slug]
    fy = "H29" if slug == STRATEGY else "R3"  # H30 of the strategy is locked (published)
    version = (
        Actual.objects.filter(indicator__slug=slug, fy=2017 if slug == STRATEGY else 2021)
        .values_list("version", flat=True)
        .first()
        or 0
    )
    if allowed:
        actual = enter(personas[role], slug, fy=fy, value=value, version=version)
        assert actual.version == version + 1
    else:
        before = AuditEntry.objects.count()
        with pytest.raises(PermissionDenied):
            enter(personas[role], slug, fy=fy, value=value, version=version)
        assert AuditEntry.objects.count() == before


def test_a_bureau_editor_forging_a_post_for_another_bureau_gets_403(client, personas):
    client.login(username="tokachi-editor", password=PASSWORD)
    okhotsk = Indicator.objects.get(slug=OKHOTSK)
    response = client.post(
        reverse("record_indicator_actual", args=[okhotsk.pk]), {"fy": "R3", "value": "70%"}
    )
    assert response.status_code == 403
    assert not Actual.objects.filter(indicator=okhotsk).exists()


def test_anonymous_posts_are_sent_to_login(client):
    tokachi = Indicator.objects.get(slug=TOKACHI)
    response = client.post(
        reverse("record_indicator_actual", args=[tokachi.pk]), {"fy": "R3", "value": "5"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_entering_an_actual_recomputes_rate_and_grade(personas):
    actual = enter(personas["hq_planner"], TOKACHI, value="５市町村")
    indicator = Indicator.objects.get(slug=TOKACHI)
    assert actual.value == 5 and actual.rate == D("26.3")
    assert (indicator.grade, indicator.grade_fy) == ("B", 2021)
    actual = enter(personas["hq_planner"], TOKACHI, value="19", version=1)
    indicator.refresh_from_db()
    assert indicator.grade == "A①" and actual.version == 2


def test_a_correction_of_a_published_year_needs_an_unlock_and_changes_the_grade(personas):
    from chiiki.evaluations import services as wf
    from chiiki.evaluations.models import Evaluation

    with pytest.raises(ValidationError, match="公表済み"):
        enter(personas["hq_planner"], STRATEGY, fy="H30", value="95,000日", version=0)
    published = Evaluation.objects.get(project__indicators__slug=STRATEGY, fy=2018)
    wf.unlock(
        actor=personas["hq_admin"],
        evaluation_id=published.pk,
        reason="実績値の訂正",
        expected_version=published.version,
    )
    enter(personas["hq_planner"], STRATEGY, fy="H30", value="95,000日", version=0)
    assert Indicator.objects.get(slug=STRATEGY).grade == "A①"


@pytest.mark.parametrize(
    ("fy", "value", "field", "message"),
    [
        ("R0", "5", "fy", "令和は1年（元年）から"),
        ("R9", "5", "fy", "まだ始まっていない年度"),
        ("R3", "5人", "value", "単位「人」はここでは使えません（市町村で書いてください）"),
        ("R3", "1,2３4", "value", "半角と全角の数字が混在"),
        ("R3", "", "value", "実績値を入力してください"),
        ("R3", "たくさん", "value", "数値が見つかりません"),
    ],
)
def test_bad_input_gets_a_japanese_message_and_nothing_is_written(
    personas, fy, value, field, message
):
    with pytest.raises(ValidationError) as err:
        enter(personas["hq_planner"], TOKACHI, fy=fy, value=value)
    assert message in " ".join(err.value.message_dict[field])
    assert not Actual.objects.filter(indicator__slug=TOKACHI).exists()
    assert not AuditEntry.objects.exclude(action="dataset.loaded").exists()


def test_markers_are_accepted_and_kept_distinct(personas):
    assert enter(personas["hq_planner"], TOKACHI, value="未").marker == "未"
    actual = enter(personas["hq_planner"], TOKACHI, value="－", version=1)
    assert actual.marker == "—" and actual.value is None
    assert Indicator.objects.get(slug=TOKACHI).grade_reason == "no_actual"


def test_values_in_another_scale_of_the_same_unit_are_converted(personas):
    main = "doou-tantekko-main-kpi"  # 千人
    actual = enter(personas["hq_planner"], main, value="7,300,000人")
    assert actual.value == 7300


def test_the_second_of_two_concurrent_saves_gets_a_conflict_and_nothing_is_overwritten(personas):
    first = personas["hq_planner"]
    enter(first, TOKACHI, value="5", version=0)
    with pytest.raises(Conflict) as err:
        enter(personas["hq_planner"], TOKACHI, value="7", version=0)  # saw the page before the save
    assert "hq-planner" in str(err.value) and "現在の値: 5" in str(err.value)
    assert Actual.objects.get(indicator__slug=TOKACHI, fy=2021).value == 5


def test_every_write_is_audited_with_old_and_new_values(personas):
    enter(personas["hq_planner"], TOKACHI, value="5")
    enter(personas["hq_planner"], TOKACHI, value="6", version=1)
    recorded, corrected = AuditEntry.objects.exclude(action="dataset.loaded").order_by("pk")
    assert (recorded.action, recorded.old, recorded.new["value"]) == (
        "indicator.actual.recorded",
        None,
        "5",
    )
    assert corrected.action == "indicator.actual.corrected"
    assert corrected.old == {"value": "5", "marker": "", "version": 1, "fy": 2021}
    assert corrected.new == {"value": "6", "marker": "", "version": 2, "fy": 2021}
    assert corrected.actor.username == "hq-planner"
    assert "ゼロカーボンシティ表明市町村数 R3: 6市町村" == corrected.summary


def test_the_form_shows_inline_errors_and_keeps_the_input(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    tokachi = Indicator.objects.get(slug=TOKACHI)
    response = client.post(
        reverse("record_indicator_actual", args=[tokachi.pk]), {"fy": "R3", "value": "5人"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert (
        'aria-invalid="true"' in html
        and "単位「人」はここでは使えません（市町村で書いてください）" in html
        and 'value="5人"' in html
    )


def test_the_form_reports_a_conflict_with_409(client, personas):
    enter(personas["hq_planner"], TOKACHI, value="5")
    client.login(username="hq-planner", password=PASSWORD)
    tokachi = Indicator.objects.get(slug=TOKACHI)
    response = client.post(
        reverse("record_indicator_actual", args=[tokachi.pk]),
        {"fy": "R3", "value": "6", "version-2021": "0"},
    )
    assert response.status_code == 409 and "hq-planner" in response.content.decode()


def test_a_successful_save_redirects_with_the_new_rate_and_grade(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    tokachi = Indicator.objects.get(slug=TOKACHI)
    response = client.post(
        reverse("record_indicator_actual", args=[tokachi.pk]),
        {"fy": "令和3年度", "value": "5"},
        follow=True,
    )
    html = response.content.decode()
    assert "R3の実績値を保存しました（進捗率 26.3%、進捗 B）" in html


def test_the_entry_form_is_shown_only_to_those_who_may_edit(client, personas):
    tokachi = Indicator.objects.get(slug=TOKACHI)
    url = reverse("indicator", args=[tokachi.pk])
    assert "実績値の入力・修正" not in client.get(url).content.decode()
    client.login(username="sorachi-editor", password=PASSWORD)
    assert "実績値の入力・修正" not in client.get(url).content.decode()
    client.login(username="tokachi-editor", password=PASSWORD)  # enters in a collection round
    assert "実績値の入力・修正" not in client.get(url).content.decode()
    client.login(username="hq-planner", password=PASSWORD)
    assert "実績値の入力・修正" in client.get(url).content.decode()


@pytest.mark.parametrize("field", ["version-2021", "fy"])
def test_garbled_form_fields_are_refused_without_a_server_error(client, personas, field):
    client.login(username="hq-planner", password=PASSWORD)
    tokachi = Indicator.objects.get(slug=TOKACHI)
    data = {"fy": "R3", "value": "5", "version-2021": "0"}
    data[field] = "1e9<script>"
    response = client.post(reverse("record_indicator_actual", args=[tokachi.pk]), data)
    assert response.status_code in (302, 400, 409)


def test_garbled_versions_elsewhere_do_not_crash(client, personas):
    client.login(username="tokachi-editor", password=PASSWORD)
    url = reverse("evaluation", args=["regional-policy-r3", "tokachi-kankyo-senshin", 2021])
    assert client.post(url, {"action": "save", "analysis": "x", "version": "abc"}).status_code in (
        302,
        409,
    )
    budget_url = reverse(
        "record_program_budget", args=["regional-policy-r3", "tokachi-tayona-jinzai"]
    )
    assert client.post(budget_url, {"program": "x", "fy": "R4", "amount": "1"}).status_code == 404
    grid_url = reverse("bureau_grid", args=["tokachi", 2021])
    kpi = Indicator.objects.get(slug=TOKACHI).pk
    assert client.post(grid_url, {f"value-{kpi}": "5", f"version-{kpi}": "v"}).status_code in (
        302,
        400,
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="HOT updates are PostgreSQL's (PostgreSQL pass)"
)
def test_a_correction_rewrites_the_row_in_place_without_touching_indexes(personas):
    """Actuals keep free room on each page and no index on a column a correction changes, so
    PostgreSQL updates a corrected row where it is (HOT): a million-value import then writes
    no index entries for its updates."""

    def updates():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
                " WHERE relname = 'indicators_actual'"
            )
            return cursor.fetchone()

    enter(personas["hq_planner"], TOKACHI, value="5")
    before = updates()
    actual = enter(personas["hq_planner"], TOKACHI, value="19", version=1)
    after = updates()
    assert actual.version == 2 and actual.rate == D(100)
    assert after[0] - before[0] >= 1
    assert after[1] - before[1] == after[0] - before[0]  # every one of them in place


def test_one_write_cannot_give_the_same_indicator_and_year_twice(personas):
    """The writer grades what it is about to store; two values for one row in one write would
    leave which one was stored to chance, so the second is refused and nothing is written."""
    from chiiki.indicators.services import ActualWrite, write_actuals

    indicator = Indicator.objects.get(slug=TOKACHI)
    refused = write_actuals(
        actor=personas["hq_planner"],
        writes=[
            ActualWrite(indicator.pk, 2021, D(5), "", None),
            ActualWrite(indicator.pk, 2021, D(7), "", None),
        ],
    )
    assert list(refused) == [1] and refused[1].kind == "invalid"
    assert "2つ" in refused[1].message
    assert not Actual.objects.filter(indicator=indicator, fy=2021).exists()
