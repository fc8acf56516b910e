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


def ticks_of(svg: str) -> list[str]:
    """The value axis' tick labels (those right-aligned at the axis)."""
    import re

    return re.findall(
        r'<text class="tick" x="64" y="[0-9.]+" text-anchor="end">([^<]+)</text>', svg
    )


def chart(actuals, unit="億円", **kw):
    return kpi_chart(
        title="指標", unit=unit, actuals=[(fy, D(v)) for fy, v in actuals], baseline=None,
        target=None, revised_target=None, national=[], forecast=kw.get("forecast"),
    )  # fmt: skip


def test_the_value_axis_has_round_ticks_and_counts_never_go_below_zero():
    from chiiki.web.charts import axis

    svg = chart([(2015, 10278), (2016, 11560), (2017, 9800)])
    assert ticks_of(svg) == ["9,500", "10,000", "10,500", "11,000", "11,500", "12,000"]
    # a count of municipalities: whole steps, never a −0.8; from 0 when the counts are near it
    counts = ticks_of(chart([(2016, 3), (2017, 5), (2018, 7)], unit="市町村"))
    assert counts == ["2", "4", "6", "8"]  # not 2, 3, 4 … 8: at most five intervals
    assert ticks_of(chart([(2016, 1), (2017, 5), (2018, 7)], unit="市町村"))[0] == "0"
    assert axis([1.42, 1.45, 1.43])[2] == pytest.approx([1.41, 1.42, 1.43, 1.44, 1.45, 1.46])
    low, high, ticks = axis([-7004.0, -214.0, -8000.0])
    assert (low, high) == (-10000, 0) and len(ticks) == 6
    # a forecast interval reaching below 0 does not pull a count's axis below 0
    spec = IndicatorSpec(TargetKind.ABSOLUTE, target_value=D(10), target_fy=2024)
    years = [YearActual(2016, D(1)), YearActual(2017, D(0)), YearActual(2018, D(2))]
    assert not ticks_of(chart([(2016, 1), (2017, 0), (2018, 2)], forecast=forecast(spec, years)))[
        0
    ].startswith("-")


def test_the_unit_sits_above_the_axis_and_years_follow_the_era_choice():
    import re

    from chiiki.web.era import WESTERN, era_style

    svg = chart([(2019, 5), (2020, 6)])
    unit_y = float(re.search(r'<text class="unit" x="64" y="([0-9.]+)"', svg).group(1))
    top_tick_y = min(float(y) for y in re.findall(r'<text class="tick" x="64" y="([0-9.]+)"', svg))
    assert unit_y < top_tick_y - 10  # clear of the top tick's label
    assert ">R1<" in svg and ">2019<" not in svg
    token = era_style.set(WESTERN)
    try:
        western = chart([(2019, 5), (2020, 6)])
    finally:
        era_style.reset(token)
    assert ">2019<" in western and ">R1<" not in western
