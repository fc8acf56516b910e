"""Recomputing many indicators at once: a whole prefecture, the nation, or every indicator an
import touched.

Same arithmetic as :func:`chiiki.indicators.services.recompute` (the core's ``assess``), but
read as plain rows in chunks (no model instances, no per-row queries) and written back only
where something changed, in a few statements per chunk. On PostgreSQL changed rows go through
``COPY`` into a temporary table and one ``UPDATE … FROM``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from chiiki.core.numbers import Missing
from chiiki.core.progress import Direction, IndicatorSpec, Method, Revision, YearActual, assess
from chiiki.core.schemes import get_scheme
from chiiki.core.targets import TargetKind
from chiiki.indicators.models import Actual, Indicator, TargetRevision

CHUNK = 5000

_INDICATOR_FIELDS = (
    "pk",
    "target_kind",
    "target_value",
    "target_fy",
    "target_first_fy",
    "baseline_value",
    "baseline_fy",
    "direction",
    "method",
    "actuals_cumulative",
    "project__plan__grading_scheme",
    "grade",
    "grade_fy",
    "grade_reason",
    "grading_scheme",
)


def _spec(row: Sequence[Any], revisions: list[Revision]) -> IndicatorSpec:
    return IndicatorSpec(
        target_kind=TargetKind(row[1]),
        target_value=row[2],
        target_fy=row[3],
        target_first_fy=row[4],
        baseline_value=row[5],
        baseline_fy=row[6],
        revisions=tuple(revisions),
        direction=Direction(row[7]),
        method=Method(row[8]) if row[8] else None,
        actuals_cumulative=row[9],
    )


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def recompute_many(
    indicator_ids: Iterable[int] | None = None,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Recompute rates and grades of the given indicators (all when None).

    Returns (actual rows changed, indicators changed). Each chunk is its own transaction, so a
    national recompute holds no lock for long; a crash leaves every chunk either done or not.
    """
    if indicator_ids is None:
        ids = list(Indicator.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(indicator_ids))
    changed_rates = changed_grades = 0
    done = 0
    for part in _chunks(ids, chunk):
        with transaction.atomic():
            rates, grades = _recompute_chunk(part)
            _write_rates(rates)
            _write_grades(grades)
        changed_rates += len(rates)
        changed_grades += len(grades)
        done += len(part)
        if progress:
            progress(done, len(ids))
    return changed_rates, changed_grades


def _by_range(query: Any, field: str, part: list[int]) -> Any:
    """Rows of the chunk: a key range when the ids are contiguous (cheap for the planner),
    else an IN list."""
    lo, hi = part[0], part[-1]
    if hi - lo + 1 == len(part):
        return query.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return query.filter(**{f"{field}__in": part})


def _recompute_chunk(
    part: list[int],
) -> tuple[list[tuple[int, Decimal | None, str]], list[tuple[int, str, int | None, str, str]]]:
    indicators = list(_by_range(Indicator.objects, "pk", part).values_list(*_INDICATOR_FIELDS))
    revisions: dict[int, list[Revision]] = defaultdict(list)
    for indicator_id, original, revised in (
        _by_range(TargetRevision.objects, "indicator_id", part)
        .order_by("indicator_id", "order", "pk")
        .values_list("indicator_id", "original_value", "revised_value")
    ):
        revisions[indicator_id].append(Revision(original, revised))
    actuals: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        _by_range(Actual.objects, "indicator_id", part)
        .order_by("indicator_id", "fy")
        .values_list(
            "pk", "indicator_id", "fy", "value", "marker", "national_value", "rate", "rate_reason"
        )
    ):
        actuals[row[1]].append(row)
    rate_changes: list[tuple[int, Decimal | None, str]] = []
    grade_changes: list[tuple[int, str, int | None, str, str]] = []
    for row in indicators:
        scheme = get_scheme(row[10])
        years = [
            YearActual(a[2], a[3], Missing(a[4]) if a[4] else None, a[5]) for a in actuals[row[0]]
        ]
        result = assess(_spec(row, revisions[row[0]]), years, scheme)
        reasons = {r.fy: r.reason for r in result.years}
        for a in actuals[row[0]]:
            rate = result.rates.get(a[2])
            reason = reasons[a[2]]
            reason_text = reason.value if reason else ""
            if not _same(a[6], rate) or a[7] != reason_text:
                rate_changes.append((a[0], rate, reason_text))
        grade = (
            result.grade or "",
            result.grade_fy,
            result.reason.value if result.reason else "",
            scheme.name,
        )
        if grade != (row[11], row[12], row[13], row[14]):
            grade_changes.append((row[0], *grade))
    return rate_changes, grade_changes


def _write_rates(rows: list[tuple[int, Decimal | None, str]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _pg_update(
            "indicators_actual",
            ("id bigint", "rate numeric", "rate_reason text"),
            rows,
            "rate = t.rate, rate_reason = t.rate_reason",
        )
        return
    _update_each("indicators_actual", ("rate", "rate_reason"), rows)


def _write_grades(rows: list[tuple[int, str, int | None, str, str]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _pg_update(
            "indicators_indicator",
            ("id bigint", "grade text", "grade_fy integer", "grade_reason text", "scheme text"),
            rows,
            "grade = t.grade, grade_fy = t.grade_fy, grade_reason = t.grade_reason, "
            "grading_scheme = t.scheme",
        )
        return
    _update_each(
        "indicators_indicator", ("grade", "grade_fy", "grade_reason", "grading_scheme"), rows
    )


def _update_each(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """One prepared UPDATE run for every row (SQLite runs these at memory speed; Django's
    bulk_update builds CASE expressions that grow with the batch)."""
    assignments = ", ".join(f"{c} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 - fixed names
            [(*row[1:], row[0]) for row in rows],
        )


def _pg_update(
    table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], assignments: str
) -> None:
    """COPY the rows into a temporary table, then one UPDATE … FROM joining on id."""
    names = ", ".join(c.split()[0] for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE chiiki_changes ({', '.join(columns)}) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY chiiki_changes ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM chiiki_changes t WHERE {table}.id = t.id"  # noqa: S608 - fixed names
        )
        cursor.execute("DROP TABLE chiiki_changes")
