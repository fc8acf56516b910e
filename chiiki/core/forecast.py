"""Forecasts of an indicator to its target year, with prediction intervals, and a backtest.

Two trend models are fitted by least squares on (fiscal year, value):

* ``linear``: value = a + b·FY;
* ``log_linear``: ln(value) = a + b·FY (constant growth rate; only for positive values).

The prediction interval at FY x₀ is ŷ ± t(1−α/2; n−2) · s · √(1 + 1/n + (x₀ − x̄)² / Sxx),
back-transformed with exp() for the log-linear model. Of the two, the one with the smaller
leave-one-out squared error (in the indicator's own units) is *selected*. At least 3 actuals
are needed; with 3 or 4 the intervals are wide, which is the honest answer.

Status at the target year, with the interval at ``level`` (80% by default):
``on_track`` the whole interval meets the target; ``off_track`` none of it does;
``at_risk`` otherwise. A forecast is never an actual: it is stored nowhere and always labelled.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chiiki.core.progress import Direction, IndicatorSpec, YearActual, year_results
from chiiki.core.targets import TargetKind

MIN_POINTS = 3
DEFAULT_LEVEL = 0.8


# Shown when a forecast is made but not compared with the target.
NOTE_NATIONAL_TARGET = "目標が将来の全国値のため、達成見込みは判定しません"
# Shown when the actuals lie exactly on the model's line: no spread to estimate an interval.
NOTE_NO_SPREAD = (
    "実績値がちょうど一直線に並んでいるため、予測の幅（不確かさ）を見積もれません。"
    "予測値は参考にとどめ、達成見込みは判定しません"
)


class Model(enum.StrEnum):
    LINEAR = "linear"
    LOG_LINEAR = "log_linear"


class Status(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label_ja(self) -> str:
        return {"on_track": "達成見込み", "at_risk": "要注意", "off_track": "達成困難"}[self.value]


# --------------------------------------------------------------------------- Student's t


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: int) -> float:
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@functools.lru_cache(maxsize=1024)
def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom (bisection on the CDF).

    Cached: pages ask for the same few (level, df) pairs again and again."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        if hi - lo <= 1e-13 * hi:  # as close as a double can tell
            break
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True, slots=True)
class Fit:
    model: Model
    intercept: float
    slope: float
    n: int
    x_mean: float
    sxx: float
    s: float  # residual standard deviation, in model space

    def predict(self, x: float, level: float = DEFAULT_LEVEL) -> tuple[float, float, float]:
        """(point, low, high) at FY ``x`` in the indicator's units."""
        centre = self.intercept + self.slope * x
        half = 0.0
        if self.n > 2:
            q = t_quantile(1.0 - (1.0 - level) / 2.0, self.n - 2)
            half = q * self.s * math.sqrt(1.0 + 1.0 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        low, high = centre - half, centre + half
        if self.model is Model.LOG_LINEAR:
            return math.exp(centre), math.exp(low), math.exp(high)
        return centre, low, high


def fit(model: Model, points: Sequence[tuple[int, float]]) -> Fit | None:
    """Least-squares fit; None when the model does not apply (fewer than 2 points, x constant,
    a non-positive value for log-linear)."""
    if len(points) < 2:
        return None
    xs = [float(x) for x, _ in points]
    if model is Model.LOG_LINEAR:
        if any(y <= 0 for _, y in points):
            return None
        ys = [math.log(y) for _, y in points]
    else:
        ys = [float(y) for _, y in points]
    n = len(xs)
    x_mean, y_mean = sum(xs) / n, sum(ys) / n
    sxx = sum((x - x_mean) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = y_mean - slope * x_mean
    sse = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    s = math.sqrt(sse / (n - 2)) if n > 2 else 0.0
    return Fit(model, intercept, slope, n, x_mean, sxx, s)


def loo_error(model: Model, points: Sequence[tuple[int, float]]) -> float | None:
    """Mean squared leave-one-out prediction error in the indicator's units."""
    errors = []
    for i, (x, y) in enumerate(points):
        rest = [p for j, p in enumerate(points) if j != i]
        f = fit(model, rest)
        if f is None:
            return None
        errors.append((f.predict(x)[0] - y) ** 2)
    return sum(errors) / len(errors)


# --------------------------------------------------------------------------- forecast


@dataclass(frozen=True, slots=True)
class ModelForecast:
    model: Model
    point: float
    low: float
    high: float
    loo_mse: float | None

    @property
    def has_interval(self) -> bool:
        """False for a zero-width interval (actuals exactly on the line): no spread known."""
        return self.high - self.low > 1e-9 * max(1.0, abs(self.point))


@dataclass(frozen=True, slots=True)
class Forecast:
    """A labelled projection to ``fy``; ``selected`` is the model with the smaller LOO error."""

    fy: int
    level: float
    basis_fys: tuple[int, ...]
    models: tuple[ModelForecast, ...]
    selected: ModelForecast
    target: Decimal | None
    status: Status | None  # None: no comparable target (e.g. a national level in the future)
    note: str = ""


def _series(spec: IndicatorSpec, years: Sequence[YearActual]) -> list[tuple[int, float]]:
    """The values compared with the target (running totals for cumulative targets)."""
    return [(r.fy, float(r.compared)) for r in year_results(spec, years) if r.compared is not None]


def _meets(spec: IndicatorSpec, value: float, target: float) -> bool:
    if spec.direction is Direction.DOWN:
        return value <= target
    if spec.target_kind is TargetKind.ABOVE_BASELINE:
        return value > target
    return value >= target


def forecast(
    spec: IndicatorSpec, years: Sequence[YearActual], level: float = DEFAULT_LEVEL
) -> Forecast | None:
    """Project to the target FY. None with fewer than 3 actuals or no target year ahead."""
    points = _series(spec, years)
    if len(points) < MIN_POINTS or spec.target_fy is None or spec.target_fy <= points[-1][0]:
        return None
    results = []
    for model in Model:
        f = fit(model, points)
        if f is None:
            continue
        point, low, high = f.predict(spec.target_fy, level)
        results.append(ModelForecast(model, point, low, high, loo_error(model, points)))
    if not results:
        return None
    selected = min(results, key=lambda m: math.inf if m.loo_mse is None else m.loo_mse)
    target: Decimal | None
    if spec.target_kind is TargetKind.NATIONAL:
        target, note = None, NOTE_NATIONAL_TARGET
    elif spec.target_kind in (TargetKind.ABOVE_BASELINE, TargetKind.AT_OR_ABOVE_CURRENT):
        target, note = spec.baseline_value, ""
    else:
        target, note = spec.current_target, ""
    status = None
    if not selected.has_interval:
        # a perfect fit (3, 6, 9 …) has no residuals: a zero-width interval is no certainty
        target, note = None, NOTE_NO_SPREAD
    if target is not None:
        t = float(target)
        low_meets, high_meets = _meets(spec, selected.low, t), _meets(spec, selected.high, t)
        if low_meets and high_meets:
            status = Status.ON_TRACK
        elif not low_meets and not high_meets:
            status = Status.OFF_TRACK
        else:
            status = Status.AT_RISK
    return Forecast(
        spec.target_fy,
        level,
        tuple(x for x, _ in points),
        tuple(results),
        selected,
        target,
        status,
        note,
    )


@dataclass(frozen=True, slots=True)
class BacktestRow:
    name: str
    fy: int
    actual: float
    predictions: dict[Model, tuple[float, float, float]]  # point, low, high
    selected: Model


def backtest_one(
    name: str, points: Sequence[tuple[int, float]], level: float = DEFAULT_LEVEL
) -> BacktestRow | None:
    """Hide the last point, fit on the rest (≥ 3), predict the hidden year."""
    if len(points) < MIN_POINTS + 1:
        return None
    *history, (fy, actual) = points
    predictions: dict[Model, tuple[float, float, float]] = {}
    errors: dict[Model, float] = {}
    for model in Model:
        f = fit(model, history)
        if f is None:
            continue
        predictions[model] = f.predict(fy, level)
        err = loo_error(model, history)
        errors[model] = math.inf if err is None else err
    if not predictions:
        return None
    selected = min(errors, key=lambda m: errors[m])
    return BacktestRow(name, fy, actual, predictions, selected)


def series_for_backtest(
    spec: IndicatorSpec, years: Sequence[YearActual]
) -> list[tuple[int, float]]:
    return _series(spec, years)
