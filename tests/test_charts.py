from decimal import Decimal as D

import pytest
from django.urls import reverse

from chiiki.core.forecast import forecast
from chiiki.core.progress import IndicatorSpec, YearActual
from chiiki.core.targets import TargetKind
from chiiki.indicators.models import Indicator
from chiiki.web.charts import kpi_chart


def test_the_chart_draws_actuals_references_and_a_labelled_forecast():
    spec = IndicatorSpec(TargetKind.ABSOLUTE, target_value=D(200), target_fy=2020)
    years = [YearActual(2015, D(100)), YearActual(2016, D(110)), YearActual(2017, D(125))]
    svg = kpi_chart(
        title="指標",
        unit="件",
        actuals=[(y.fy, y.value) for y in years],
        baseline=(2014, D(90)),
        target=(2020, D(200)),
        revised_target=(2020, D(220)),
        national=[],
        forecast=forecast(spec, years),
    )
    assert svg.startswith("<svg") and svg.count('class="actual-point"') == 3
    assert "基準値 H26" in svg and "目標値 R2" in svg and "見直し後の目標" in svg
    assert 'class="forecast-band"' in svg and "予測（80%区間）" in svg
    assert "H27" in svg and "R2" in svg


def test_names_are_escaped():
    svg = kpi_chart(
        title='<script>alert("x")</script>',
        unit="<b>",
        actuals=[(2015, D(1)), (2016, D(2))],
        baseline=None,
        target=None,
        revised_target=None,
        national=[],
        forecast=None,
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


def test_no_figures_no_chart():
    assert (
        kpi_chart(
            title="x",
            unit="",
            actuals=[],
            baseline=None,
            target=None,
            revised_target=None,
            national=[],
            forecast=None,
        )
        == ""
    )


@pytest.mark.django_db
def test_the_kpi_page_shows_the_chart_with_the_national_series(client):
    tfr = Indicator.objects.get(slug="total-fertility-rate")
    html = client.get(reverse("indicator", args=[tfr.pk])).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert html.count('class="national-point"') == 4 and "全国値" in html


def test_tile_colours_follow_the_share_of_favourable_grades():
    from chiiki.web.charts import BureauTile, tile_map

    tiles = [
        BureauTile("tokachi", "十勝", "/bureaus/tokachi/", 4, 5),
        BureauTile("kushiro", "釧路", "/bureaus/kushiro/", 1, 2),
        BureauTile("nemuro", "根室", "/bureaus/nemuro/", 0, 3),
        BureauTile("soya", "<宗谷>", "/bureaus/soya/", 0, 0),
    ]
    assert [t.css for t in tiles] == ["tile-high", "tile-mid", "tile-low", "tile-none"]
    svg = tile_map(tiles, {"tokachi": (4, 2), "kushiro": (5, 2), "nemuro": (5, 1), "soya": (3, 0)})
    assert svg.count("<a href=") == 4 and "順調 4/5（80%）" in svg and "&lt;宗谷&gt;" in svg


@pytest.mark.django_db
def test_the_home_page_map_reflects_entered_grades(client, personas):
    from chiiki.indicators.services import record_actual

    html = client.get(reverse("home")).content.decode()
    assert html.count('class="tile ') == 14 and "十勝: 評価できる指標なし" in html
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    record_actual(
        actor=personas["hq_planner"],
        indicator_id=kpi.pk,
        fy="R3",
        value="5",
        expected_version=0,
    )
    html = client.get(reverse("home")).content.decode()
    assert "十勝: 順調 0/1（0%）" in html
