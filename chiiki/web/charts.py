"""Server-rendered SVG charts. Plain Python building escaped SVG text: no front-end library.

The KPI chart draws the actuals (solid line with points), the baseline (dotted), the target
and the revised target (dashed), the national series where the target is national (grey), and
the forecast as a shaded band with its point line, labelled 予測 so it is never read as an
actual. The page's table carries the same numbers for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from django.utils.translation import gettext

from chiiki.core.forecast import Forecast
from chiiki.web.templatetags.chiiki_format import fy as fy_label

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 110, 34, 40


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[int, float]]
    css: str


NICE = (1, 2, 2.5, 5)


def _nice_steps(span: float, count: int) -> Iterator[float]:
    """Steps of 1, 2, 2.5 or 5 × 10ⁿ, the smallest giving at most about ``count`` intervals
    over ``span`` first, then larger ones."""
    power = 10 ** math.floor(math.log10(span / count))
    while True:
        for m in NICE:
            if m * power >= span / count * 0.999:
                yield m * power
        power *= 10


def axis(values: list[float], count: int = 4) -> tuple[float, float, list[float]]:
    """The value axis for ``values``: round bounds and ticks (0, 2,500, 5,000 … rather than
    10,278, 11,560 …), at most ``count + 1`` intervals. An axis of figures that are never
    negative (counts, amounts, rates) never goes below 0; it starts at 0 when the figures are
    near enough to it for the comparison to read right, else just below the lowest."""
    low, high = min(values), max(values)
    if low == high:
        low, high = (low - 1, high + 1) if low else (0.0, 1.0)
    non_negative = low >= 0
    if non_negative and low < (high - low) * 0.5:
        low = 0.0
    for step in _nice_steps(high - low, count):
        bottom = math.floor(low / step) * step
        top = math.ceil(high / step) * step
        if top == high:  # leave a little room above the highest point
            top += step
        if bottom == low and bottom != 0:
            bottom -= step
        if non_negative:
            bottom = max(0.0, bottom)
        n = round((top - bottom) / step)
        if n <= count + 1:
            return bottom, top, [bottom + i * step for i in range(n + 1)]
    raise AssertionError("unreachable")


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _tick(value: float, step: float) -> str:
    """A tick label with as many decimals as the step needs (0.25 → 2, 2,500 → 0)."""
    exponent = Decimal(f"{step:.12g}").normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return f"{value:,.{places}f}"


def kpi_chart(
    *,
    title: str,
    unit: str,
    actuals: list[tuple[int, Decimal]],
    baseline: tuple[int, Decimal] | None,
    target: tuple[int, Decimal] | None,
    revised_target: tuple[int, Decimal] | None,
    national: list[tuple[int, Decimal]],
    forecast: Forecast | None,
) -> str:
    """The SVG markup (safe to insert as-is: every text is escaped)."""
    series = [Series(gettext("実績値"), [(fy, float(v)) for fy, v in actuals], "actual")]
    if national:
        series.append(Series(gettext("全国値"), [(fy, float(v)) for fy, v in national], "national"))
    years = [fy for s in series for fy, _ in s.points]
    values = [v for s in series for _, v in s.points]
    for ref in (baseline, target, revised_target):
        if ref is not None:
            years.append(ref[0])
            values.append(float(ref[1]))
    if forecast is not None:
        years.append(forecast.fy)
        low_bound = forecast.selected.low
        if values and min(values) >= 0:
            low_bound = max(0.0, low_bound)  # a count's interval is drawn down to 0, not below
        values += [low_bound, forecast.selected.high]
    if not years:
        return ""
    first, last = min(years), max(years)
    if first == last:
        first, last = first - 1, last + 1
    low, high, ticks = axis(values)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(fy: float) -> float:
        return LEFT + (fy - first) / (last - first) * plot_w

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_h

    heading = gettext("{name}の推移").format(name=title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" '
        f'role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(heading)}</title>',
        f'<desc id="chart-desc">{escape(_chart_description(bool(national), forecast is not None))}</desc>',
    ]
    for value in ticks:
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{escape(_tick(value, step))}</text>'
        )
    for fy in range(first, last + 1):
        parts.append(
            f'<text class="tick" x="{x(fy):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{escape(fy_label(fy))}</text>'
        )
    # the unit above the axis, clear of its top tick
    parts.append(
        f'<text class="unit" x="{LEFT - 6}" y="{TOP - 16}" text-anchor="end">{escape(unit)}</text>'
    )

    def hline(ref: tuple[int, Decimal], css: str, label: str) -> None:
        yy = y(float(ref[1]))
        parts.append(
            f'<line class="{css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
        )
        parts.append(
            f'<text class="label {css}-label" x="{WIDTH - RIGHT + 6}" y="{yy + 4:.1f}">{escape(label)}</text>'
        )

    if baseline is not None:
        baseline_label = gettext("基準値")
        hline(baseline, "baseline", f"{baseline_label} {fy_label(baseline[0])}")
    if target is not None:
        target_label = gettext("目標値")
        hline(target, "target", f"{target_label} {fy_label(target[0])}")
    if revised_target is not None:
        hline(revised_target, "revised", gettext("見直し後の目標"))
    if forecast is not None and actuals:
        last_fy, last_value = actuals[-1][0], float(actuals[-1][1])
        sel = forecast.selected
        band_label = gettext("予測（{level}%区間）").format(level=int(forecast.level * 100))
        band = (
            f"{x(last_fy):.1f},{y(last_value):.1f} {x(forecast.fy):.1f},{y(sel.high):.1f} "
            f"{x(forecast.fy):.1f},{y(sel.low):.1f}"
        )
        parts.append(f'<polygon class="forecast-band" points="{band}"/>')
        parts.append(
            f'<line class="forecast-line" x1="{x(last_fy):.1f}" y1="{y(last_value):.1f}" '
            f'x2="{x(forecast.fy):.1f}" y2="{y(sel.point):.1f}"/>'
        )
        parts.append(
            f'<text class="label forecast-label" x="{x(forecast.fy) - 4:.1f}" y="{y(sel.high) - 6:.1f}" '
            f'text-anchor="end">{escape(band_label)}</text>'
        )
    for s in series:
        if not s.points:
            continue
        path = " ".join(f"{x(fy):.1f},{y(v):.1f}" for fy, v in s.points)
        parts.append(f'<polyline class="{s.css}" points="{path}"/>')
        for fy, v in s.points:
            parts.append(
                f'<circle class="{s.css}-point" cx="{x(fy):.1f}" cy="{y(v):.1f}" r="4">'
                f"<title>{escape(s.label)} {escape(fy_label(fy))}: {escape(_fmt(v))}{escape(unit)}</title></circle>"
            )
    legend = [("actual", gettext("実績値"))] + (
        [("national", gettext("全国値"))] if national else []
    )
    for i, (css, label) in enumerate(legend):
        parts.append(
            f'<line class="{css}" x1="{LEFT + i * 110}" x2="{LEFT + i * 110 + 24}" y1="{HEIGHT - 8}" y2="{HEIGHT - 8}"/>'
        )
        parts.append(
            f'<text class="label" x="{LEFT + i * 110 + 30}" y="{HEIGHT - 4}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _chart_description(national: bool, forecast: bool) -> str:
    """The chart's text alternative: which lines it shows, and where the numbers are."""
    if national and forecast:
        return gettext(
            "実績値、基準値、目標値、全国値、予測（実績ではありません）を示すグラフ。数値は下の表にあります。"
        )
    if national:
        return gettext("実績値、基準値、目標値、全国値を示すグラフ。数値は下の表にあります。")
    if forecast:
        return gettext(
            "実績値、基準値、目標値、予測（実績ではありません）を示すグラフ。数値は下の表にあります。"
        )
    return gettext("実績値、基準値、目標値を示すグラフ。数値は下の表にあります。")


def indicator_chart(context: dict[str, object]) -> str:
    """The KPI chart for the indicator page's context (see indicators.selectors.indicator_page)."""
    indicator: Any = context["indicator"]
    actuals: Any = context["actuals"]
    revised = context.get("revised_value")
    compared: Any = context["compared"]
    return kpi_chart(
        title=indicator.display_name,
        unit=indicator.unit,
        actuals=[(a.fy, compared[a.fy]) for a in actuals if compared.get(a.fy) is not None],
        baseline=(indicator.baseline_fy, indicator.baseline_value)
        if indicator.baseline_value is not None and indicator.baseline_fy
        else None,
        target=(indicator.target_fy, indicator.target_value)
        if indicator.target_value is not None and indicator.target_fy
        else None,
        revised_target=(indicator.target_fy, revised)
        if revised is not None and indicator.target_fy
        else None,
        national=[(a.fy, a.national_value) for a in actuals if a.national_value is not None],
        forecast=context.get("forecast"),  # type: ignore[arg-type]
    )


TILE = 96


@dataclass(frozen=True)
class BureauTile:
    slug: str
    name: str
    url: str
    favourable: int  # indicators whose grade the scheme counts as on track
    assessed: int

    @property
    def share(self) -> float | None:
        return self.favourable / self.assessed if self.assessed else None

    @property
    def css(self) -> str:
        share = self.share
        if share is None:
            return "tile-none"
        return "tile-high" if share >= 0.8 else "tile-mid" if share >= 0.5 else "tile-low"


def tile_map(tiles: list[BureauTile], layout: dict[str, tuple[int, int]]) -> str:
    """An SVG tile map of the bureaus at their (column, row) in ``layout``; each tile links to
    its bureau page."""
    placed = [(t, layout[t.slug]) for t in tiles if t.slug in layout]
    if not placed:
        return ""
    cols = max(c for _, (c, _) in placed) + 1
    rows = max(r for _, (_, r) in placed) + 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {cols * TILE} {rows * TILE}" '
        'class="tilemap" role="group" aria-label="'
        + escape(gettext("振興局別の進捗評価（順調な指標の割合）"))
        + '">'
    ]
    for t, (c, r) in placed:
        x, y = c * TILE + 3, r * TILE + 3
        status = (
            gettext("順調 {a}/{n}（{share}）").format(
                a=t.favourable, n=t.assessed, share=f"{t.share:.0%}"
            )
            if t.share is not None
            else gettext("評価できる指標なし")
        )
        parts.append(
            f'<a href="{escape(t.url)}"><title>{escape(t.name)}: {escape(status)}</title>'
            f'<rect class="tile {t.css}" x="{x}" y="{y}" width="{TILE - 6}" height="{TILE - 6}" rx="6"/>'
            f'<text class="tile-name" x="{x + (TILE - 6) / 2}" y="{y + 38}" text-anchor="middle">{escape(t.name)}</text>'
            f'<text class="tile-value" x="{x + (TILE - 6) / 2}" y="{y + 62}" text-anchor="middle">'
            f"{escape(f'{t.favourable}/{t.assessed}' if t.assessed else '—')}</text></a>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
