"""Recomputing many indicators at once: a whole prefecture, the nation, or every indicator an
import touched.

Same arithmetic as :func:`chiiki.indicators.services.recompute` (the core's ``assess``), but
read as plain rows in chunks (no model instances, no per-row queries) and written back only
where something changed, in a few statements per chunk. On PostgreSQL changed rows go through
``COPY`` into a temporary table and one ``UPDATE … FROM``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from chiiki.accounts.access import require_edit_indicator
from chiiki.audit.models import AuditEntry
from chiiki.core.fiscal import fiscal_year_of
from chiiki.core.numbers import Missing
from chiiki.core.progress import Direction, IndicatorSpec, Method, Revision, YearActual, assess
from chiiki.core.schemes import get_scheme
from chiiki.core.targets import TargetKind
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual, Indicator, TargetRevision
from chiiki.indicators.services import (
    Conflict,
    audit_summary,
    future_fy_message,
    locked_fy_message,
    snapshot,
)

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
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608  # nosec B608  # fixed names
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
            f"UPDATE {table} SET {assignments} FROM chiiki_changes t WHERE {table}.id = t.id"  # noqa: S608  # nosec B608  # fixed names
        )
        cursor.execute("DROP TABLE chiiki_changes")


# --------------------------------------------------------------------------- bulk writes


@dataclass(frozen=True)
class ActualWrite:
    """One actual to record: already parsed in the indicator's unit (value, or a marker)."""

    indicator_id: int
    fy: int
    value: Decimal | None
    marker: str
    expected_version: int | None  # None skips the check (trusted batch paths only)


def write_actuals(*, actor: Any, writes: list[ActualWrite]) -> dict[int, tuple[str, str]]:
    """Record many actuals under the rules of ``record_actual``, in set operations.

    Checks each row as ``record_actual`` does — permission on the indicator's project, a FY
    that has begun, the published-year lock, the version the writer saw — and returns the
    refused rows as {index: (kind, message)} with kind ``forbidden``, ``invalid`` or
    ``precondition_failed``, writing nothing. Otherwise writes every row (version + 1,
    who and when), one audit entry per value with its old and new snapshot, and recomputes
    the indicators touched. Call inside a transaction: the caller rolls back on refusals.
    """
    if not writes:
        return {}
    ids = sorted({w.indicator_id for w in writes})
    indicators: dict[int, Indicator] = {}
    for part in _chunks(ids, CHUNK):
        # Lock the indicators' rows, as record_actual does, so writers queue up.
        query = Indicator.objects.select_for_update(of=("self",)).select_related("project__plan")
        indicators.update((i.pk, i) for i in query.filter(pk__in=part).order_by("pk"))
    project_ids = {i.project_id for i in indicators.values()}
    locked = set(
        Evaluation.objects.filter(
            project_id__in=project_ids, status=Evaluation.Status.PUBLISHED
        ).values_list("project_id", "fy")
    )
    current: dict[tuple[int, int], tuple[Any, ...]] = {}
    for part in _chunks(ids, CHUNK):
        for row in Actual.objects.filter(indicator_id__in=part).values_list(
            "indicator_id", "fy", "pk", "value", "marker", "version"
        ):
            current[(row[0], row[1])] = row
    refusal: dict[int, str | None] = {}
    this_fy = fiscal_year_of(timezone.localdate())
    problems: dict[int, tuple[str, str]] = {}
    for index, w in enumerate(writes):
        indicator = indicators.get(w.indicator_id)
        if indicator is None:
            problems[index] = ("not_found", gettext("指標が見つかりません"))
            continue
        if indicator.project_id not in refusal:
            # The refusal record_actual gives (require_edit_indicator), once per project.
            try:
                require_edit_indicator(actor, indicator)
                refusal[indicator.project_id] = None
            except PermissionDenied as exc:
                refusal[indicator.project_id] = str(exc)
        denied = refusal[indicator.project_id]
        if denied is not None:
            problems[index] = ("forbidden", denied)
        elif w.fy > this_fy:
            problems[index] = ("invalid", future_fy_message(w.fy))
        elif (indicator.project_id, w.fy) in locked:
            problems[index] = ("invalid", locked_fy_message(w.fy))
        else:
            row = current.get((w.indicator_id, w.fy))
            if w.expected_version is not None and w.expected_version != (row[5] if row else 0):
                fresh = Actual.objects.select_related("updated_by").get(pk=row[2]) if row else None
                problems[index] = ("precondition_failed", str(Conflict(fresh)))
    if problems:
        return problems
    _store(actor, writes, indicators, current)
    recompute_many(ids)
    return {}


def _store(
    actor: Any,
    writes: list[ActualWrite],
    indicators: dict[int, Indicator],
    current: dict[tuple[int, int], tuple[Any, ...]],
) -> None:
    """Write the rows and their audit entries: plain tuples, COPY on PostgreSQL."""
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for w in writes:
        indicator = indicators[w.indicator_id]
        row = current.get((w.indicator_id, w.fy))
        version = (row[5] if row else 0) + 1
        if row:
            updates.append((row[2], w.value, w.marker, version, now, actor_id))
        else:
            inserts.append((w.indicator_id, w.fy, w.value, w.marker, "", version, now, actor_id))
        entries.append(
            (
                now,
                actor_id,
                "indicator.actual.corrected" if row else "indicator.actual.recorded",
                "indicator",
                str(indicator.pk),
                audit_summary(indicator, w.fy, w.value, w.marker),
                snapshot(w.fy, row[3], row[4], row[5]) if row else None,
                snapshot(w.fy, w.value, w.marker, version),
            )
        )
    if connection.vendor == "postgresql":
        # COPY: Django's bulk_create sends arrays whose text escaping costs more than the rows.
        _pg_update(
            "indicators_actual",
            (
                "id bigint",
                "value numeric",
                "marker text",
                "version integer",
                "updated_at timestamptz",
                "updated_by_id integer",
            ),
            updates,
            "value = t.value, marker = t.marker, version = t.version, "
            "updated_at = t.updated_at, updated_by_id = t.updated_by_id",
        )
        _pg_copy("indicators_actual", ACTUAL_COLUMNS, inserts)
        _pg_copy(
            "audit_auditentry",
            AUDIT_COLUMNS,
            [(*e[:6], _json(e[6]), _json(e[7])) for e in entries],
        )
        return
    _update_each(
        "indicators_actual", ("value", "marker", "version", "updated_at", "updated_by_id"), updates
    )
    Actual.objects.bulk_create(
        [Actual(**dict(zip(ACTUAL_COLUMNS, row, strict=True))) for row in inserts],
        batch_size=5000,
    )
    AuditEntry.objects.bulk_create(
        [AuditEntry(**dict(zip(AUDIT_COLUMNS, e, strict=True))) for e in entries],
        batch_size=5000,
    )


ACTUAL_COLUMNS = (
    "indicator_id",
    "fy",
    "value",
    "marker",
    "rate_reason",
    "version",
    "updated_at",
    "updated_by_id",
)
AUDIT_COLUMNS = ("at", "actor_id", "action", "object_type", "object_id", "summary", "old", "new")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _pg_copy(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Append rows with COPY (PostgreSQL's bulk path; constraints and indexes still apply)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
