"""Reads for indicators: the KPI page, forecasts and the forecast backtest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext

from chiiki.audit.selectors import kept, query_key
from chiiki.core.forecast import Model, backtest_one, forecast, series_for_backtest
from chiiki.core.progress import (
    RELATIVE,
    Assessment,
    Method,
    NotComputable,
    assess,
    year_results,
)
from chiiki.core.schemes import GradingScheme, get_scheme, schemes
from chiiki.core.series import SeriesRule, assess_series
from chiiki.indicators.grading import indicator_spec, year_actual, year_actuals
from chiiki.indicators.history import (
    HISTORY_SHOWN,
    actuals_as_of,
    as_year_actuals,
    history,
    history_count,
)
from chiiki.indicators.models import (
    PLAN_KINDS,
    Actual,
    Indicator,
    IndicatorListing,
    TargetRevision,
)
from chiiki.plans.models import Organization


def _indicators() -> Any:
    return Indicator.objects.select_related(
        "project", "project__plan", "project__region", "project__lead_bureau"
    ).prefetch_related(
        "revisions", "year_targets", Prefetch("actuals", queryset=Actual.objects.order_by("fy"))
    )


def listings_prefetch(indicators: Any) -> Prefetch:
    """Prefetch of a project's ``indicator_listings`` with their indicators loaded like
    ``indicators`` (the queryset given), for :func:`project_indicators`."""
    return Prefetch(
        "indicator_listings",
        # Not select_related("indicator"): that would fill the relation and skip the nested
        # prefetch, leaving the listed indicator's actuals and revisions to one query each.
        queryset=IndicatorListing.objects.prefetch_related(
            Prefetch("indicator", queryset=indicators)
        ),
    )


def project_indicators(project: Any) -> list[Indicator]:
    """The indicators of a project's table in the published order: its own and those of other
    projects listed in it too (decision 0008). Needs ``indicators`` and ``indicator_listings``
    prefetched (see :func:`listings_prefetch`)."""
    # (a program's activity and outcome indicators are on the program's page, not here)
    rows = [(i.order, 0, i) for i in project.indicators.all() if not i.of_program]
    rows += [(li.order, 1, li.indicator) for li in project.indicator_listings.all()]
    ordered = [ind for _order, _listed, ind in sorted(rows, key=lambda r: (r[0], r[1]))]
    return with_series_after(ordered)


def with_series_after(indicators: list[Indicator]) -> list[Indicator]:
    """``indicators`` with each series moved right after the indicator it belongs to."""
    present = {i.pk for i in indicators}
    series: dict[int, list[Indicator]] = {}
    for ind in indicators:
        if ind.parent_id in present:
            series.setdefault(ind.parent_id, []).append(ind)
    out = []
    for ind in indicators:
        if ind.parent_id in present:
            continue
        out.append(ind)
        out += series.get(ind.pk, [])
    return out


@dataclass(frozen=True)
class ProgressCell:
    """One year of a progress table: the actual (a value or a marker) and its rate as the
    plan's grading scheme writes it (``89.4%``, ``100%超``; ``－`` for a marker)."""

    actual: Actual
    rate: Decimal | None
    rate_text: str
    published_rate: Decimal | None
    published_text: str

    @property
    def rate_differs(self) -> bool:
        """The published document printed another rate than the rules give."""
        return (
            self.rate is not None
            and self.published_rate is not None
            and self.published_rate != self.rate
        )


@dataclass(frozen=True)
class ProgressRow:
    """One indicator's row of a progress table, graded on the actuals up to ``as_of``."""

    indicator: Indicator
    revision: TargetRevision | None  # the latest revised target
    cells: dict[int, ProgressCell]
    grade: str  # "" when not assessable
    grade_fy: int | None
    reason: str  # why there is no grade, in the reader's language
    series_rule: str = ""  # the scheme's series rule, for an indicator with series and its series

    @property
    def counted(self) -> bool:
        """Counted in a table's grade totals: one count per graded indicator (a series only
        where each series is graded on its own), as :func:`grade_counts` counts."""
        ind = self.indicator
        if ind.parent_id is not None:
            return self.series_rule == SeriesRule.EACH
        return not (ind.has_series and self.series_rule == SeriesRule.EACH)

    @property
    def series_rule_label(self) -> str:
        """How an indicator with series is graded, in the reader's language."""
        return gettext(SeriesRule(self.series_rule).label_ja) if self.series_rule else ""

    @property
    def grade_differs(self) -> bool:
        """The published document printed another grade for the same year."""
        published = self.indicator.published_grade
        return bool(
            published
            and self.grade
            and published != self.grade
            and self.grade_fy == self.indicator.grade_fy
        )

    @property
    def graded_by_rule(self) -> bool:
        """Graded although the document printed no grade (it was missing there)."""
        return bool(self.grade and not self.indicator.published_grade)


def progress_rows(
    indicators: list[Indicator], scheme: GradingScheme, *, as_of: int | None = None
) -> list[ProgressRow]:
    """The rows of a progress table — the project page's and the official progress report's —
    graded by the core on the actuals up to ``as_of`` (all when None: then the rates and
    grades are the stored ones). Needs ``actuals`` and ``revisions`` prefetched. An indicator
    with several series is graded from those of its series in ``indicators``."""
    rows = []
    assessed: dict[int, Assessment] = {}
    for ind in indicators:
        actuals = [a for a in ind.actuals.all() if as_of is None or a.fy <= as_of]
        years = [year_actual(a.fy, a.value, a.marker, a.national_value) for a in actuals]
        result = assess(indicator_spec(ind), years, scheme)
        assessed[ind.pk] = result
        cells = {}
        for a in actuals:
            rate = result.rates.get(a.fy)
            shown = scheme.format_rate(rate)
            if rate is None and a.value is None and a.marker:
                shown = "－"
            cells[a.fy] = ProgressCell(
                a, rate, shown, a.published_rate, scheme.format_rate(a.published_rate)
            )
        revisions = list(ind.revisions.all())
        rows.append(
            ProgressRow(
                ind,
                revisions[-1] if revisions else None,
                cells,
                result.grade or "",
                result.grade_fy,
                gettext(result.reason.label_ja) if result.reason else "",
                scheme.series_rule.value if ind.parent_id or ind.has_series else "",
            )
        )
    return [_graded_from_series(row, rows, assessed, scheme) for row in rows]


def _graded_from_series(
    row: ProgressRow, rows: list[ProgressRow], assessed: dict[int, Assessment], scheme: Any
) -> ProgressRow:
    if not row.indicator.has_series:
        return row
    parts = [
        (r.indicator.series_name, assessed[r.indicator.pk])
        for r in rows
        if r.indicator.parent_id == row.indicator.pk
    ]
    combined = assess_series(parts, scheme, scheme.series_rule)
    return replace(
        row,
        grade=combined.grade or "",
        grade_fy=combined.grade_fy,
        reason=gettext(combined.reason.label_ja) if combined.reason else "",
    )


def grade_counts(org: Organization, version: int | None = None) -> list[dict[str, Any]]:
    """Indicators counted by computed grade ("" = not assessable), the scheme that graded
    them, project region and lead bureau: rows of ``grade``, ``grading_scheme``,
    ``project__region_id``, ``project__lead_bureau_id``, ``n``."""
    # One count per indicator as graded: a series counts only where the scheme grades each
    # series on its own (then the indicator they belong to has no grade and is not counted).
    each = Q(grade_reason=NotComputable.PER_SERIES)
    counted = (Q(parent__isnull=True) & ~each) | Q(parent__grade_reason=NotComputable.PER_SERIES)
    query = (
        Indicator.objects.filter(counted, project__plan__organization=org, kind__in=PLAN_KINDS)
        .values("grade", "grading_scheme", "project__region_id", "project__lead_bureau_id")
        .annotate(n=Count("pk"))
    )
    # the home page and the dashboard of every visitor: counted once per data version
    return kept(f"rows:{query_key(query)}", lambda: list(query), version)


def is_favourable(row: dict[str, Any]) -> bool:
    """Does a ``grade_counts`` row's grade count as on track? Its scheme says (an unknown
    scheme, e.g. a file since removed, counts nothing as favourable)."""
    scheme = schemes().get(row["grading_scheme"])
    return bool(row["grade"]) and scheme is not None and scheme.favourable(row["grade"])


def indicator_page(org: Organization, pk: int, as_of: dt.datetime | None = None) -> dict[str, Any]:
    indicator = (
        _indicators()
        .select_related("predecessor__project__plan", "parent")
        .filter(project__plan__organization=org, pk=pk)
        .first()
    )
    if indicator is None:
        raise Http404("指標が見つかりません")
    revisions = list(indicator.revisions.all())
    spec = indicator_spec(indicator)
    years = year_actuals(indicator)
    projection = forecast(spec, years)
    scheme = get_scheme(indicator.project.plan.grading_scheme)
    method = spec.method or scheme.method
    results = year_results(spec, years, method)
    past: dict[str, Any] | None = None
    if as_of is not None:
        rows = actuals_as_of(indicator, as_of, list(indicator.actuals.all()))
        assessment = assess(spec, as_year_actuals(rows), scheme)
        past = {
            "moment": as_of,
            "rows": [(r, assessment.rates.get(r.fy)) for r in rows],
            "grade": assessment.grade,
            "grade_fy": assessment.grade_fy,
            "reason": assessment.reason.label_ja if assessment.reason else "",
        }
    changes = history(indicator)
    listed_in = [
        li.project
        for li in indicator.listings.select_related("project__plan").order_by("project__order")
    ]
    return {
        "listed_in": listed_in,
        # an indicator graded from its series: the series, each with its latest figure
        "series": _series_rows(indicator) if indicator.has_series else [],
        "series_rule": gettext(scheme.series_rule.label_ja)
        if indicator.has_series or indicator.parent_id
        else "",
        # the same indicator carried into later editions (drafts stay hidden)
        "successors": list(
            Indicator.objects.filter(predecessor=indicator).select_related("project__plan")
        ),
        # The figure each actual is compared with (running totals for cumulative targets).
        "compared": {r.fy: r.compared for r in results},
        # What each year was judged against, where it changes by year (the trajectory's
        # expected value, the year's own target); empty for the other methods.
        "judged_against": {
            r.fy: r.expected if r.expected is not None else r.target for r in results
        }
        if method in (Method.TRAJECTORY, Method.YEAR_TARGET) or spec.target_kind in RELATIVE
        else {},
        "indicator": indicator,
        "project": indicator.project,
        "actuals": list(indicator.actuals.all()),
        "revisions": revisions,
        "revised_value": revisions[-1].revised_value if revisions else None,
        "scheme": scheme,
        "past": past,
        "history": changes,
        # Counted only when the page is full, so most pages cost no extra query.
        "history_count": history_count(indicator)
        if len(changes) == HISTORY_SHOWN
        else len(changes),
        "forecast": projection,
    }


def _series_rows(indicator: Indicator) -> list[tuple[Indicator, Actual | None]]:
    members = Indicator.objects.filter(parent=indicator).prefetch_related(
        Prefetch("actuals", queryset=Actual.objects.exclude(value=None).order_by("-fy"))
    )
    return [(s, next(iter(s.actuals.all()), None)) for s in members.order_by("order", "pk")]


def _fmt(value: float) -> str:
    """Readable figures: 87,517 / 1.27 / 0.0123."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def backtest_report() -> str:
    """A text table: per series, the hidden year, actual, each model's prediction, errors."""
    rows = []
    for indicator in _indicators():
        points = series_for_backtest(indicator_spec(indicator), year_actuals(indicator))
        row = backtest_one(indicator.display_name or indicator.slug, points)
        if row is not None:
            rows.append(row)
    lines = ["予測の検証（各系列の最終年度を隠し、それ以前の実績から予測）", ""]
    lines.append("指標 | 年度 | 実績 | 線形(80%区間) | 対数線形(80%区間) | 選択")
    totals: dict[str, list[float]] = {"linear": [], "log_linear": [], "selected": []}
    covered: dict[str, int] = {"linear": 0, "log_linear": 0, "selected": 0}
    for r in rows:
        cells = [r.name, str(r.fy), _fmt(r.actual)]
        for model in Model:
            p = r.predictions.get(model)
            cells.append(f"{_fmt(p[0])} ({_fmt(p[1])}〜{_fmt(p[2])})" if p else "—")
            if p:
                totals[model.value].append(abs(p[0] - r.actual) / abs(r.actual))
                covered[model.value] += p[1] <= r.actual <= p[2]
        sel = r.predictions[r.selected]
        totals["selected"].append(abs(sel[0] - r.actual) / abs(r.actual))
        covered["selected"] += sel[1] <= r.actual <= sel[2]
        cells.append(r.selected.value)
        lines.append(" | ".join(cells))
    lines.append("")
    for key, errors in totals.items():
        if errors:
            mape = 100 * sum(errors) / len(errors)
            worst = 100 * max(errors)
            lines.append(
                f"{key}: 系列 {len(errors)}、平均絶対誤差率 {mape:.1f}%、最大 {worst:.1f}%、"
                f"80%区間に実績が入った系列 {covered[key]}/{len(errors)}"
            )
    if not rows:
        lines.append("実績が4年度以上ある系列がありません")
    return "\n".join(lines) + "\n"
