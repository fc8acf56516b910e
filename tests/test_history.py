"""The KPI history and the table as it stood at a past moment."""

import datetime as dt
from decimal import Decimal as D
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from chiiki.audit.models import AuditEntry
from chiiki.indicators.history import actuals_as_of
from chiiki.indicators.models import Indicator
from chiiki.indicators.services import record_actual

pytestmark = pytest.mark.django_db

KPI = "tokachi-kankyo-senshin-main-kpi"


def written_at(moment):
    """Writes made inside happen at ``moment`` (the audit trail takes no later changes)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_the_table_as_of_a_past_moment(personas):
    kpi = Indicator.objects.get(slug=KPI)
    editor = personas["hq_planner"]
    base = timezone.make_aware(dt.datetime(2026, 5, 1, 12))
    with written_at(base):
        record_actual(actor=editor, indicator_id=kpi.pk, fy="R3", value="5", expected_version=0)
    with written_at(base + dt.timedelta(days=10)):
        record_actual(actor=editor, indicator_id=kpi.pk, fy="R3", value="8", expected_version=1)
    with written_at(base + dt.timedelta(days=20)):
        record_actual(actor=editor, indicator_id=kpi.pk, fy="R4", value="19", expected_version=0)
    current = list(kpi.actuals.all())

    def table(moment):
        return {p.fy: p.value for p in actuals_as_of(kpi, moment, current)}

    assert table(base - dt.timedelta(days=1)) == {}
    assert table(base + dt.timedelta(days=1)) == {2021: D(5)}
    assert table(base + dt.timedelta(days=11)) == {2021: D(8)}
    assert table(base + dt.timedelta(days=21)) == {2021: D(8), 2022: D(19)}


def test_dataset_values_without_changes_stand_as_they_are():
    exports = Indicator.objects.get(slug="food-exports")
    past = actuals_as_of(
        exports, timezone.now() - dt.timedelta(days=3650), list(exports.actuals.all())
    )
    assert [p.value for p in past] == [D(773), D(702), D(674), D(774)]


def test_the_page_shows_the_past_table_with_its_grade_and_the_history(client, personas):
    kpi = Indicator.objects.get(slug=KPI)
    with written_at(timezone.make_aware(dt.datetime(2026, 5, 1, 12))):
        record_actual(
            actor=personas["hq_planner"],
            indicator_id=kpi.pk,
            fy="R3",
            value="5",
            expected_version=0,
        )
    with written_at(timezone.make_aware(dt.datetime(2026, 6, 1, 12))):
        record_actual(
            actor=personas["hq_planner"],
            indicator_id=kpi.pk,
            fy="R3",
            value="19",
            expected_version=1,
        )
    url = reverse("indicator", args=[kpi.pk])
    html = client.get(url + "?as_of=2026-05-15").content.decode()
    assert "2026年5月15日時点の表示" in html and "26.3%" in html and "<strong>B</strong>" in html
    assert "変更の履歴" in html and "hq-planner" in html
    now_html = client.get(url).content.decode()
    assert "A①" in now_html
    assert "読めません" in client.get(url + "?as_of=2026-13-01", follow=True).content.decode()


def test_the_history_is_shown_once_and_the_title_stays_plain_text(client, personas):
    kpi = Indicator.objects.get(slug=KPI)
    record_actual(
        actor=personas["hq_planner"],
        indicator_id=kpi.pk,
        fy="R3",
        value="5",
        expected_version=0,
    )
    html = client.get(reverse("indicator", args=[kpi.pk])).content.decode()
    assert html.count("変更の履歴") == 1
    title = html[html.index("<title>") : html.index("</title>")]
    assert "<section" not in title and "ゼロカーボンシティ表明市町村数" in title


def test_the_page_shows_the_newest_changes_of_a_much_corrected_kpi(client, personas):
    """A soak run found the page growing with every correction: it shows the newest 50."""
    from chiiki.indicators.history import HISTORY_SHOWN
    from chiiki.indicators.models import Indicator

    kpi = Indicator.objects.order_by("pk").first()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action="indicator.actual.corrected",
            object_type="indicator",
            object_id=str(kpi.pk),
            summary=f"訂正 {n}",
        )
        for n in range(HISTORY_SHOWN + 25)
    )
    html = client.get(f"/indicators/{kpi.pk}/").content.decode()
    total = AuditEntry.objects.filter(object_type="indicator", object_id=str(kpi.pk)).count()
    assert f"全 {total} 件のうち、新しい {HISTORY_SHOWN} 件を表示しています。" in html
    assert html.count("訂正 ") == HISTORY_SHOWN
