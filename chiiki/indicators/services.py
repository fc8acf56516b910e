"""Writes for indicators. Computed fields (rates, grades) are only ever set here."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from chiiki.accounts.access import require_edit_indicator
from chiiki.audit.services import record as audit
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import fiscal_year_of, format_fiscal_year, parse_fiscal_year
from chiiki.core.numbers import Missing, Quantity, check_figure, format_value, parse_value
from chiiki.core.progress import (
    Direction,
    IndicatorSpec,
    Method,
    Revision,
    YearActual,
    assess,
)
from chiiki.core.schemes import get_scheme
from chiiki.core.targets import TargetKind
from chiiki.evaluations.services import is_locked
from chiiki.indicators.models import Actual, Indicator


def indicator_spec(indicator: Indicator) -> IndicatorSpec:
    """The core's view of a stored indicator (revisions must be prefetched or are queried)."""
    return IndicatorSpec(
        target_kind=TargetKind(indicator.target_kind),
        target_value=indicator.target_value,
        target_fy=indicator.target_fy,
        target_first_fy=indicator.target_first_fy,
        baseline_value=indicator.baseline_value,
        baseline_fy=indicator.baseline_fy,
        revisions=tuple(
            Revision(r.original_value, r.revised_value) for r in indicator.revisions.all()
        ),
        direction=Direction(indicator.direction),
        method=Method(indicator.method) if indicator.method else None,
        actuals_cumulative=indicator.actuals_cumulative,
    )


def year_actuals(indicator: Indicator) -> list[YearActual]:
    return [
        YearActual(a.fy, a.value, Missing(a.marker) if a.marker else None, a.national_value)
        for a in indicator.actuals.all()
    ]


def scheme_name(indicator: Indicator) -> str:
    return indicator.project.plan.grading_scheme


@transaction.atomic
def recompute(indicators: Iterable[Indicator]) -> int:
    """Recompute and store every rate and grade of ``indicators``; returns rows changed.

    Call after any change to an indicator's definition, revisions or actuals.
    """
    changed = 0
    ids = [i.pk for i in indicators]
    fresh = (
        Indicator.objects.filter(pk__in=ids)
        .select_related("project__plan")
        .prefetch_related("revisions", "actuals")
    )
    for indicator in fresh:
        scheme = get_scheme(scheme_name(indicator))
        result = assess(indicator_spec(indicator), year_actuals(indicator), scheme)
        by_fy = {r.fy: r for r in result.years}
        for actual in indicator.actuals.all():
            rate = result.rates.get(actual.fy)
            reason = by_fy[actual.fy].reason
            new = (rate, reason.value if reason else "")
            if (actual.rate, actual.rate_reason) != new:
                actual.rate, actual.rate_reason = new
                actual.save(update_fields=["rate", "rate_reason"])
                changed += 1
        new_grade = (
            result.grade or "",
            result.grade_fy,
            result.reason.value if result.reason else "",
            scheme.name,
        )
        old_grade = (
            indicator.grade,
            indicator.grade_fy,
            indicator.grade_reason,
            indicator.grading_scheme,
        )
        if old_grade != new_grade:
            (
                indicator.grade,
                indicator.grade_fy,
                indicator.grade_reason,
                indicator.grading_scheme,
            ) = new_grade
            indicator.save(update_fields=["grade", "grade_fy", "grade_reason", "grading_scheme"])
            changed += 1
    return changed


def recompute_all() -> int:
    return recompute(Indicator.objects.all())


class Conflict(Exception):
    """Someone saved the same record after the page was loaded; nothing was overwritten."""

    def __init__(self, current: Actual | None) -> None:
        self.current = current
        if current is None:
            message = gettext("この年度の実績値は、画面を開いた後に削除されています。")
        else:
            who = (
                current.updated_by.get_username()
                if current.updated_by
                else gettext("データ読み込み")
            )
            when = (
                timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")
                if current.updated_at
                else ""
            )
            shown = current.marker or f"{current.value}"
            message = gettext(
                "この年度の実績値は、画面を開いた後に {who} が更新しました（{when}、現在の値: {shown}）。"
                "内容を確認してから、もう一度保存してください。"
            ).format(who=who, when=when, shown=shown)
        super().__init__(message)


def parse_actual_value(indicator: Indicator, text: str) -> tuple[Decimal | None, str]:
    """(value, marker) in the indicator's unit; ValidationError with a Japanese message."""
    try:
        parsed = parse_value(text)
    except ParseError as exc:
        raise ValidationError({"value": exc.describe()}) from exc
    return value_in_unit(indicator, parsed)


def value_in_unit(indicator: Indicator, parsed: Quantity | Missing) -> tuple[Decimal | None, str]:
    """A parsed figure as (value, marker) in the indicator's unit (``1.2万人`` → 12 千人);
    ValidationError when its unit cannot be converted."""
    if not isinstance(parsed, Quantity):
        return None, parsed.value
    if not parsed.display_unit or parsed.display_unit == indicator.unit:
        return _storable(parsed.number), ""
    try:
        return _storable(parsed.in_unit(indicator.unit)), ""
    except ValueError:
        raise ValidationError(
            {
                "value": gettext("単位は「{unit}」で入力してください（入力: {given}）").format(
                    unit=indicator.unit or gettext("単位なし"), given=parsed.display_unit
                )
            }
        ) from None


def _storable(value: Decimal) -> Decimal:
    """The value (after a unit conversion), if the database can hold it."""
    try:
        return check_figure(value)
    except ParseError as exc:
        raise ValidationError({"value": exc.describe()}) from None


def actual_snapshot(actual: Actual | None) -> dict[str, Any] | None:
    if actual is None:
        return None
    return snapshot(actual.fy, actual.value, actual.marker, actual.version)


def snapshot(fy: int, value: Decimal | None, marker: str, version: int) -> dict[str, Any]:
    """An actual as the audit trail keeps it (old and new of every change)."""
    return {
        # Canonical text so a value read back from the database (5.000000) equals the typed 5.
        "value": None if value is None else format(Decimal(value).normalize(), "f"),
        "marker": marker,
        "version": version,
        "fy": fy,
    }


def audit_summary(indicator: Indicator, fy: int, value: Decimal | None, marker: str) -> str:
    """``合計特殊出生率 R1: 1.32``: the audit entry's one-line summary of a recorded actual."""
    shown = format_value(Quantity(value, "", indicator.unit)) if value is not None else marker
    return f"{indicator.display_name} {format_fiscal_year(fy)}: {shown}"[:300]


def future_fy_message(year: int) -> str:
    return gettext("{fy}（{year}年度）はまだ始まっていない年度です").format(
        fy=format_fiscal_year(year), year=year
    )


def locked_fy_message(year: int) -> str:
    return gettext(
        "{fy}の評価は公表済みのため、実績値は変更できません（本部がロックを解除すると変更できます）"
    ).format(fy=format_fiscal_year(year))


@transaction.atomic
def record_actual(
    *,
    actor: Any,
    indicator_id: int,
    fy: str | int,
    value: str,
    expected_version: int | None,
) -> Actual:
    """Enter or correct the actual of one fiscal year, then recompute rates and grade.

    ``value`` is written as people write it (``87,517日``, ``１２３``, ``未``, ``—``).
    ``expected_version`` is the version the person saw (0 when the year had no row);
    a different current version raises :class:`Conflict` and nothing is written. None skips
    the check (only for trusted batch paths). Raises PermissionDenied before anything else,
    and ValidationError with Japanese messages keyed by field.
    """
    indicator = (
        # Lock only the indicator's own row (PostgreSQL refuses FOR UPDATE across outer joins).
        Indicator.objects.select_for_update(of=("self",))
        .select_related("project__plan")
        .get(pk=indicator_id)
    )
    require_edit_indicator(actor, indicator)
    try:
        year = parse_fiscal_year(fy)
    except ParseError as exc:
        raise ValidationError({"fy": exc.describe()}) from exc
    current_fy = fiscal_year_of(timezone.localdate())
    if year > current_fy:
        raise ValidationError({"fy": future_fy_message(year)})
    if is_locked(indicator.project, year):
        raise ValidationError({"fy": locked_fy_message(year)})
    if not str(value).strip():
        raise ValidationError(
            {"value": gettext("実績値を入力してください（未公表は「未」、調査なしは「—」）")}
        )
    amount, marker = parse_actual_value(indicator, str(value))
    # order_by("pk"): the default ordering would join through Project.region (nullable).
    actual = (
        Actual.objects.select_for_update(of=("self",))
        .filter(indicator=indicator, fy=year)
        .order_by("pk")
        .first()
    )
    if expected_version is not None and expected_version != (actual.version if actual else 0):
        raise Conflict(actual)
    old = actual_snapshot(actual)
    if actual is None:
        actual = Actual(indicator=indicator, fy=year)
    actual.value, actual.marker = amount, marker
    actual.version += 1
    actual.updated_at = timezone.now()
    actual.updated_by = actor if getattr(actor, "pk", None) else None
    actual.save()
    audit(
        actor=actor,
        action="indicator.actual.corrected" if old else "indicator.actual.recorded",
        object_type="indicator",
        object_id=indicator.pk,
        summary=audit_summary(indicator, year, amount, marker),
        old=old,
        new=actual_snapshot(actual),
    )
    recompute([indicator])
    actual.refresh_from_db()
    return actual


class BulkEntryError(Exception):
    """Some rows of a bulk entry were refused; nothing was saved. ``errors``: indicator id →
    message; ``kinds``: indicator id → why (invalid, forbidden, precondition_failed)."""

    def __init__(self, errors: dict[int, str], kinds: dict[int, str] | None = None) -> None:
        self.errors = errors
        self.kinds = kinds or dict.fromkeys(errors, "invalid")
        super().__init__(
            gettext("{n}件の誤りがあるため、どの行も保存していません").format(n=len(errors))
        )


@transaction.atomic
def record_actuals_bulk(
    *, actor: Any, fy: str | int, entries: list[tuple[int, str, int | None]]
) -> list[Actual]:
    """Record one fiscal year's actuals for many indicators, all or nothing.

    ``entries``: (indicator id, value as written, expected version). Every row goes through
    :func:`record_actual` (same permissions, parsing, locks, conflicts and audit); if any row
    fails, the whole entry is rolled back and every row's problem is reported.
    """
    saved: list[Actual] = []
    errors: dict[int, str] = {}
    kinds: dict[int, str] = {}
    for indicator_id, value, version in entries:
        try:
            with transaction.atomic():
                saved.append(
                    record_actual(
                        actor=actor,
                        indicator_id=indicator_id,
                        fy=fy,
                        value=value,
                        expected_version=version,
                    )
                )
        except ValidationError as exc:
            errors[indicator_id] = " ".join(m for ms in exc.message_dict.values() for m in ms)
            kinds[indicator_id] = "invalid"
        except Conflict as exc:
            errors[indicator_id] = str(exc)
            kinds[indicator_id] = "precondition_failed"
        except PermissionDenied as exc:
            errors[indicator_id] = str(exc)
            kinds[indicator_id] = "forbidden"
        except Indicator.DoesNotExist:
            errors[indicator_id] = gettext("指標が見つかりません")
            kinds[indicator_id] = "not_found"
    if errors:
        transaction.set_rollback(True)
        raise BulkEntryError(errors, kinds)
    return saved
