"""Target specifications (目標値) as published tables write them.

Kinds, with the seed wording that selects them:

=====================  ==========================================  =========================
kind                   written as                                  the target is
=====================  ==========================================  =========================
``absolute``           ``600件`` ``7,468千人``                      that value
``national``           ``全国水準`` ``全国平均値``                  that year's national value
``above_baseline``     ``基準値より増加``                           above the baseline
``at_or_above_current`` ``現状値以上``                               at least the baseline
``cumulative``         ``累計10,500人`` with a range ``(H27～R1)``  the sum over the range
``above_previous_year`` ``前年度を上回る`` ``前年度より増加``           above the year before
``above_national_growth`` ``国の伸び率を上回る``                       last year × the nation's growth
``series``             (小学校・中学校・高校 …, each its own target)    set per series
=====================  ==========================================  =========================

How rates and grades follow from a kind is the KPI engine's business (docs/kpi-rules.md);
this module only reads and writes the specification.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from chiiki.core.errors import ParseError
from chiiki.core.numbers import Quantity, format_quantity, parse_quantity


class TargetKind(enum.StrEnum):
    ABSOLUTE = "absolute"
    NATIONAL = "national"
    ABOVE_BASELINE = "above_baseline"
    AT_OR_ABOVE_CURRENT = "at_or_above_current"
    CUMULATIVE = "cumulative"
    ABOVE_PREVIOUS_YEAR = "above_previous_year"
    ABOVE_NATIONAL_GROWTH = "above_national_growth"
    SERIES = "series"  # targets set per series (chiiki.core.series)

    @property
    def label_ja(self) -> str:
        return _LABELS[self]


_LABELS = {
    TargetKind.ABSOLUTE: "目標値",
    TargetKind.NATIONAL: "全国水準",
    TargetKind.ABOVE_BASELINE: "基準値より増加",
    TargetKind.AT_OR_ABOVE_CURRENT: "現状値以上",
    TargetKind.CUMULATIVE: "累計",
    TargetKind.ABOVE_PREVIOUS_YEAR: "前年度を上回る",
    TargetKind.ABOVE_NATIONAL_GROWTH: "国の伸び率を上回る",
    TargetKind.SERIES: "系列ごとに設定",
}

_WORDS = {
    "全国水準": TargetKind.NATIONAL,
    "全国平均値": TargetKind.NATIONAL,
    "全国平均": TargetKind.NATIONAL,
    "基準値より増加": TargetKind.ABOVE_BASELINE,
    "現状値以上": TargetKind.AT_OR_ABOVE_CURRENT,
    "前年度を上回る": TargetKind.ABOVE_PREVIOUS_YEAR,
    "前年度より増加": TargetKind.ABOVE_PREVIOUS_YEAR,
    "前年度以上": TargetKind.ABOVE_PREVIOUS_YEAR,
    "国の伸び率を上回る": TargetKind.ABOVE_NATIONAL_GROWTH,
    "全国の伸び率を上回る": TargetKind.ABOVE_NATIONAL_GROWTH,
}


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target: its kind and, for absolute and cumulative targets, the value."""

    kind: TargetKind
    value: Quantity | None = None

    def __post_init__(self) -> None:
        needs_value = self.kind in (TargetKind.ABSOLUTE, TargetKind.CUMULATIVE)
        if needs_value and self.value is None:
            raise ValueError(f"a {self.kind} target needs a value")
        if not needs_value and self.value is not None:
            raise ValueError(f"a {self.kind} target has no value of its own")


def parse_target(text: str) -> TargetSpec:
    """Read a published target cell: ``600件``, ``全国 平均値``, ``累計10,500人`` …"""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not compact:
        raise ParseError("目標値が空です", "empty target", code="target.empty", text=text)
    if compact in _WORDS:
        return TargetSpec(_WORDS[compact])
    if compact.startswith("累計"):
        return TargetSpec(TargetKind.CUMULATIVE, parse_quantity(text.strip()[2:]))
    try:
        return TargetSpec(TargetKind.ABSOLUTE, parse_quantity(text))
    except ParseError as exc:
        raise ParseError(
            "目標値として読めません（数値、全国水準、全国平均値、基準値より増加、現状値以上、累計…、"
            "前年度を上回る、国の伸び率を上回る）",
            "not a target (a figure, 全国水準, 全国平均値, 基準値より増加, 現状値以上, 累計…, "
            "前年度を上回る, 国の伸び率を上回る)",
            code="target.invalid",
            text=text,
            column=exc.column,
        ) from exc


def format_target(spec: TargetSpec) -> str:
    if spec.kind is TargetKind.CUMULATIVE:
        assert spec.value is not None
        return "累計" + format_quantity(spec.value)
    if spec.value is not None:
        return format_quantity(spec.value)
    return spec.kind.label_ja


@dataclass(frozen=True, slots=True)
class GoalLine:
    """A one-line goal as summary tables print it: ``○名称 7,250千人(R2) → 7,468千人(R7)``."""

    name: str
    baseline: Quantity
    baseline_fy_text: str
    target: TargetSpec
    target_fy_text: str


_GOAL_RE = re.compile(
    r"^[○◯●・]?\s*(?P<name>.+?)\s+"
    r"(?P<base>[^\s(（]+)\s*[(（](?P<bfy>[^)）]+)[)）]\s*[→⇒]\s*"
    r"(?P<target>[^\s(（]+)\s*[(（](?P<tfy>[^)）]+)[)）]\s*$"
)


def parse_goal_line(text: str) -> GoalLine:
    """Split a goal line into name, baseline (with FY) and target (with FY)."""
    match = _GOAL_RE.match(text.strip())
    if match is None:
        raise ParseError(
            "「名称 基準値(年度) → 目標値(年度)」の形で書いてください",
            "expected 'name baseline(FY) → target(FY)'",
            code="goal_line.invalid",
            text=text,
        )
    return GoalLine(
        name=match.group("name").strip(),
        baseline=parse_quantity(match.group("base")),
        baseline_fy_text=match.group("bfy"),
        target=parse_target(match.group("target")),
        target_fy_text=match.group("tfy"),
    )
