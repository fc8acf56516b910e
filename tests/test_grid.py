"""The bureau-wide entry grid and the all-or-nothing bulk entry behind it."""

import pytest
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.indicators.models import Actual, Indicator
from chiiki.indicators.services import BulkEntryError, record_actuals_bulk
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def ids(*slugs):
    return [Indicator.objects.get(slug=s).pk for s in slugs]


def test_bulk_entry_is_all_or_nothing_and_reports_every_row(personas):
    tokachi, kita, okhotsk = ids(
        "tokachi-kankyo-senshin-main-kpi", "kita-hokkaido-main-kpi", "okhotsk-teichaku-main-kpi"
    )
    with pytest.raises(BulkEntryError) as err:
        record_actuals_bulk(
            actor=personas["hq_planner"],
            fy="R3",
            entries=[(tokachi, "5", 0), (kita, "2,1００万人", 0), (okhotsk, "70人", 0)],
        )
    assert set(err.value.errors) == {kita, okhotsk}
    assert "混在" in err.value.errors[kita] and "単位" in err.value.errors[okhotsk]
    assert (
        not Actual.objects.filter(fy=2021).exists()
        and not AuditEntry.objects.exclude(action="dataset.loaded").exists()
    )
    saved = record_actuals_bulk(
        actor=personas["hq_planner"], fy="R3", entries=[(tokachi, "5", 0), (kita, "2,100万人", 0)]
    )
    assert [a.value for a in saved] == [5, 2100]


def test_a_bureau_editor_cannot_publish_even_its_own_rows_in_a_bulk_entry(personas):
    tokachi, okhotsk = ids("tokachi-kankyo-senshin-main-kpi", "okhotsk-teichaku-main-kpi")
    with pytest.raises(BulkEntryError) as err:
        record_actuals_bulk(
            actor=personas["tokachi_editor"],
            fy="R3",
            entries=[(tokachi, "5", 0), (okhotsk, "70%", 0)],
        )
    assert "収集ラウンド" in err.value.errors[tokachi]
    assert "収集ラウンド" in err.value.errors[okhotsk]
    assert not Actual.objects.filter(fy=2021).exists()


def test_the_grid_page(client, personas):
    url = reverse("bureau_grid", args=["tokachi", 2021])
    assert client.get(url).status_code == 302
    client.login(username="sorachi-editor", password=PASSWORD)
    assert client.get(url).status_code == 403
    client.login(username="tokachi-editor", password=PASSWORD)
    # bureaus enter through collection rounds: sent there, with the reason
    assert "収集ラウンド" in client.get(url, follow=True).content.decode()
    client.login(username="hq-planner", password=PASSWORD)
    html = client.get(url).content.decode()
    assert "ゼロカーボンシティ表明市町村数" in html
    kpi = ids("tokachi-kankyo-senshin-main-kpi")[0]
    r = client.post(url, {f"value-{kpi}": "5人", f"version-{kpi}": "0"})
    assert (
        r.status_code == 400
        and "市町村で書いてください" in r.content.decode()
        and 'value="5人"' in r.content.decode()
    )
    r = client.post(url, {f"value-{kpi}": "5", f"version-{kpi}": "0"}, follow=True)
    assert "R3の実績値を1件保存しました" in r.content.decode()
    assert Indicator.objects.get(pk=kpi).grade == "B"
    assert client.post(url, {}).status_code == 400
