"""Indicators with several series (複数系列): one KPI written over named parts — 小学校・中学校・
高校, 実質・名目, 道内・道外・外国人 — each with its own baseline, targets and actuals.

Each series is assessed on its own by :func:`chiiki.core.progress.assess`. The indicator's
grade then follows the scheme's series rule (:class:`SeriesRule`):

``worst``
    the worst series grade (the later band of the scheme); the default, since a table that
    prints one grade for several series is read as "every part at least this good".
``all``
    graded once as if one indicator: a target counts as achieved only when every series
    achieves its own, improved only when every series improved, on the lowest series rate.
``mean_rate``
    graded once on the mean of the series' rates (achievement as for ``all``).
``each``
    every series keeps its own grade; the indicator has none (counted per series).

A series with no assessable year makes the indicator not assessable under every rule but
``each``: a grade that silently leaves out a part would overstate it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from chiiki.core.progress import Assessment, GradeFacts, Grades, NotComputable, round_rate


class SeriesRule(enum.StrEnum):
    WORST = "worst"
    ALL = "all"
    MEAN_RATE = "mean_rate"
    EACH = "each"

    @property
    def label_ja(self) -> str:
        return _LABELS[self]


_LABELS = {
    SeriesRule.WORST: "最も低い系列の評価",
    SeriesRule.ALL: "すべての系列が達成して達成",
    SeriesRule.MEAN_RATE: "系列の進捗率の平均で評価",
    SeriesRule.EACH: "系列ごとに評価",
}


class RankedGrades(Grades, Protocol):
    """A scheme that can also list its grades best first (for ``worst``)."""

    def grades(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class SeriesAssessment:
    """The outcome for an indicator with several series: each series' own assessment and the
    indicator's grade by the rule (None, with the reason, when there is none)."""

    rule: SeriesRule
    parts: tuple[tuple[str, Assessment], ...]
    grade: str | None
    grade_fy: int | None
    reason: NotComputable | None
    rate: Decimal | None = None  # the rate the indicator was graded on (all, mean_rate)


def _combined_facts(facts: Sequence[GradeFacts], rate: Decimal) -> GradeFacts:
    improved = [f.improved for f in facts]
    return GradeFacts(
        achieved=all(f.achieved for f in facts),
        original_target_achieved=(
            all(f.achieved or f.original_target_achieved for f in facts)
            and any(f.original_target_achieved for f in facts)
        ),
        rate=rate,
        final_target_achieved=all(f.final_target_achieved for f in facts),
        improved=(False if False in improved else None if None in improved else True),
    )


def assess_series(
    parts: Sequence[tuple[str, Assessment]], scheme: RankedGrades, rule: SeriesRule
) -> SeriesAssessment:
    """Combine the series' assessments (each made under ``scheme``) into the indicator's."""
    parts = tuple(parts)
    if not parts:
        return SeriesAssessment(rule, parts, None, None, NotComputable.NO_SERIES)
    if rule is SeriesRule.EACH:
        return SeriesAssessment(rule, parts, None, None, NotComputable.PER_SERIES)
    graded = [a for _name, a in parts if a.grade is not None and a.facts is not None]
    if len(graded) < len(parts):
        return SeriesAssessment(rule, parts, None, None, NotComputable.SERIES_NOT_ASSESSABLE)
    grade_fy = max(a.grade_fy for a in graded if a.grade_fy is not None)
    if rule is SeriesRule.WORST:
        order = {g: i for i, g in reversed(list(enumerate(scheme.grades())))}
        worst = max(graded, key=lambda a: order.get(a.grade or "", len(order)))
        return SeriesAssessment(rule, parts, worst.grade, grade_fy, None)
    facts = [a.facts for a in graded if a.facts is not None]
    if rule is SeriesRule.ALL:
        rate = min(f.rate for f in facts)
    else:
        rate = round_rate(sum((f.rate for f in facts), Decimal(0)) / len(facts), scheme.places)
    combined = _combined_facts(facts, rate)
    return SeriesAssessment(rule, parts, scheme.grade(combined), grade_fy, None, rate)
