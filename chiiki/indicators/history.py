"""An indicator's history from the audit trail, and its table "as of" a past moment.

Values entered through the site are audited with old and new values; values loaded from a
dataset are the starting point. The value of a fiscal year at moment T is the ``new`` of the
last audited change at or before T; if every change came after T, the ``old`` of the first
one (None: the year had no row yet); with no change at all, the current value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chiiki.audit.models import AuditEntry
from chiiki.core.progress import YearActual
from chiiki.indicators.grading import year_actual
from chiiki.indicators.models import Actual, Indicator

ACTUAL_ACTIONS = ("indicator.actual.recorded", "indicator.actual.corrected")


HISTORY_SHOWN = 50  # a KPI corrected thousands of times must not make its page grow with it


def _changes(indicator: Indicator) -> Any:
    return AuditEntry.objects.filter(object_type="indicator", object_id=str(indicator.pk))


def history(indicator: Indicator) -> list[AuditEntry]:
    """The newest HISTORY_SHOWN audited changes of the indicator, newest first."""
    entries = _changes(indicator).select_related("actor").order_by("-at", "-pk")
    return list(entries[:HISTORY_SHOWN])


def history_count(indicator: Indicator) -> int:
    return int(_changes(indicator).count())


@dataclass(frozen=True)
class PastActual:
    fy: int
    value: Decimal | None
    marker: str
    national_value: Decimal | None


def _state(snapshot: dict[str, Any] | None) -> tuple[Decimal | None, str] | None:
    if snapshot is None:
        return None
    value = snapshot.get("value")
    return (Decimal(value) if value is not None else None, snapshot.get("marker", ""))


def actuals_as_of(
    indicator: Indicator, moment: dt.datetime, current: list[Actual]
) -> list[PastActual]:
    """The indicator's actuals as they stood at ``moment`` (see the module docstring)."""
    changes: dict[int, list[AuditEntry]] = defaultdict(list)
    entries = AuditEntry.objects.filter(
        object_type="indicator", object_id=str(indicator.pk), action__in=ACTUAL_ACTIONS
    ).order_by("at", "pk")
    for entry in entries:
        fy = (entry.new or entry.old or {}).get("fy")
        if fy is not None:
            changes[int(fy)].append(entry)
    now = {a.fy: a for a in current}
    out = []
    for fy in sorted(set(now) | set(changes)):
        entries_fy = changes.get(fy, [])
        before = [e for e in entries_fy if e.at <= moment]
        if before:
            state = _state(before[-1].new)
        elif entries_fy:
            state = _state(entries_fy[0].old)
        else:
            state = (now[fy].value, now[fy].marker)
        if state is None:
            continue
        national = now[fy].national_value if fy in now else None
        out.append(PastActual(fy, state[0], state[1], national))
    return out


def as_year_actuals(past: list[PastActual]) -> list[YearActual]:
    return [year_actual(p.fy, p.value, p.marker, p.national_value) for p in past]
