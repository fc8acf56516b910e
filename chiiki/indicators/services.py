"""The one writer of KPI actuals. Every way an actual is entered — the form, the bureau grid,
the API (one value or many), an import, the dataset — ends in :func:`write_actuals`:

    refusals (permission, FY begun, published-year lock, version) → store → audit → grade

Single-value writes are a list of one. Storage is set-based (COPY on PostgreSQL), an
implementation detail of this path. Rates and grades are never set here: the one grader
(:mod:`chiiki.indicators.grading`) computes them from what was stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from chiiki.accounts.access import require_edit_indicator, require_recompute
from chiiki.audit.services import Entry, record, record_many
from chiiki.core.errors import ParseError, StaleVersion, version_holds
from chiiki.core.fiscal import fiscal_year_of, format_fiscal_year, parse_fiscal_year
from chiiki.core.numbers import (
    Missing,
    Quantity,
    figure_in_unit,
    format_number,
    format_value,
    parse_value,
)
from chiiki.evaluations.selectors import locked_years
from chiiki.i18n import error_code, parse_invalid
from chiiki.indicators.grading import PendingRates, Regraded, recompute, regrade_before_store
from chiiki.indicators.models import Actual, Indicator
from chiiki.storage import CHUNK, by_range, chunks, copy_rows, update_rows


class Conflict(StaleVersion):
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
            # as the site writes it: the indicator's decimals and unit (1.28, not 1.280000)
            indicator = current.indicator
            shown = current.marker or (
                format_number(current.value.quantize(Decimal(1).scaleb(-indicator.decimal_places)))
                + indicator.unit
                if current.value is not None
                else ""
            )
            message = gettext(
                "この年度の実績値は、画面を開いた後に {who} が更新しました（{when}、現在の値: {shown}）。"
                "内容を確認してから、もう一度保存してください。"
            ).format(who=who, when=when, shown=shown)
        super().__init__(message)


def parse_actual_value(indicator: Indicator, text: str) -> tuple[Decimal | None, str]:
    """(value, marker) in the indicator's unit; ValidationError, located, in the reader's
    language and with the core's code."""
    try:
        parsed = parse_value(text)
    except ParseError as exc:
        raise ValidationError({"value": parse_invalid(exc)}) from exc
    return value_in_unit(indicator.unit, parsed, text=text)


def value_in_unit(
    unit: str, parsed: Quantity | Missing, *, text: str
) -> tuple[Decimal | None, str]:
    """A parsed figure as (value, marker) in an indicator's ``unit`` (``1.2万人`` → 12 千人);
    ValidationError when its unit cannot be converted (``text``: what was typed)."""
    try:
        return figure_in_unit(parsed, unit, text=text)
    except ParseError as exc:
        raise ValidationError({"value": parse_invalid(exc)}) from None


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


SERIES_TAKE_FIGURES = gettext_lazy(
    "この指標は系列（小学校・中学校など）ごとに実績値を入力します。系列の指標に入力してください"
)


class ActualWrite(NamedTuple):
    """One actual to record: already parsed in the indicator's unit (value, or a marker). A
    tuple: an import makes a million of them."""

    indicator_id: int
    fy: int
    value: Decimal | None
    marker: str
    expected_version: int | None  # None skips the check (trusted batch paths only)


@dataclass(frozen=True)
class Refusal:
    """Why one write was refused: ``kind`` is ``not_found``, ``forbidden``, ``invalid`` or
    ``precondition_failed`` (then ``current`` is the row as it stands, or None)."""

    kind: str
    message: str
    current: Actual | None = None


# What the writer reads of an indicator: the permission (its plan's organization), the
# checks, the audit summary. Only these: a national import loads a hundred thousand.
WRITER_READS = ("name", "name_status", "series_name", "unit", "target_kind", "project_id",
                "project__plan_id", "project__plan__organization_id")  # fmt: skip


def write_actuals(*, actor: Any, writes: list[ActualWrite]) -> dict[int, Refusal]:
    """Record many actuals: every rule, one store, one audit entry per value, one grading.

    Checks each row — permission on the indicator's project, a FY that has begun, the
    published-year lock, the version the writer saw — and returns the refused rows as
    {index: Refusal}, writing nothing. Otherwise writes every row (version + 1, who and when),
    one audit entry per value with its old and new snapshot, and recomputes the indicators
    touched. Call inside a transaction: the caller rolls back on refusals.
    """
    if not writes:
        return {}
    ids = sorted({w.indicator_id for w in writes})
    indicators: dict[int, Indicator] = {}
    for part in chunks(ids, CHUNK):
        # Lock the indicators' rows so that writers queue up.
        query = (
            Indicator.objects.select_for_update(of=("self",))
            .select_related("project__plan")
            .only(*WRITER_READS)
        )
        indicators.update((i.pk, i) for i in by_range(query, "pk", part).order_by("pk"))
    current: dict[tuple[int, int], tuple[Any, ...]] = {}
    for part in chunks(ids, CHUNK):
        for row in (
            by_range(Actual.objects, "indicator_id", part)
            .order_by()
            .values_list("indicator_id", "fy", "pk", "value", "marker", "version")
        ):
            current[(row[0], row[1])] = row
    problems = _refusals(actor, writes, indicators, current)
    if problems:
        return problems
    # graded first, so that each row is written once, with its value and its rate
    rates = regrade_before_store({(w.indicator_id, w.fy): (w.value, w.marker) for w in writes})
    _store(actor, writes, indicators, current, rates)
    return {}


def _refusals(
    actor: Any,
    writes: list[ActualWrite],
    indicators: dict[int, Indicator],
    current: dict[tuple[int, int], tuple[Any, ...]],
) -> dict[int, Refusal]:
    locked = locked_years(projects={i.project_id for i in indicators.values()})
    refusal: dict[int, str | None] = {}
    this_fy = fiscal_year_of(timezone.localdate())
    problems: dict[int, Refusal] = {}
    given: set[tuple[int, int]] = set()
    for index, w in enumerate(writes):
        indicator = indicators.get(w.indicator_id)
        if indicator is None:
            problems[index] = Refusal("not_found", gettext("指標が見つかりません"))
            continue
        if (w.indicator_id, w.fy) in given:  # one value per indicator and FY in one write
            problems[index] = Refusal("invalid", gettext("同じ指標・年度の値が2つあります"))
            continue
        given.add((w.indicator_id, w.fy))
        if indicator.project_id not in refusal:
            try:
                require_edit_indicator(actor, indicator)
                refusal[indicator.project_id] = None
            except PermissionDenied as exc:
                refusal[indicator.project_id] = str(exc)
        denied = refusal[indicator.project_id]
        row = current.get((w.indicator_id, w.fy))
        if denied is not None:
            problems[index] = Refusal("forbidden", denied)
        elif indicator.has_series:
            problems[index] = Refusal("invalid", str(SERIES_TAKE_FIGURES))
        elif w.fy > this_fy:
            problems[index] = Refusal("invalid", future_fy_message(w.fy))
        elif (indicator.project_id, w.fy) in locked:
            problems[index] = Refusal("invalid", locked_fy_message(w.fy))
        elif not version_holds(row[5] if row else 0, w.expected_version):
            conflict = _conflict(row)
            problems[index] = Refusal("precondition_failed", str(conflict), conflict.current)
    return problems


def _conflict(row: tuple[Any, ...] | None) -> Conflict:
    """The conflict over a stored row, naming who changed it and what it holds now."""
    return Conflict(
        Actual.objects.select_related("updated_by", "indicator").get(pk=row[2]) if row else None
    )


ACTUAL_COLUMNS = ("indicator_id", "fy", "value", "marker", "rate", "rate_reason", "version",
                  "updated_at", "updated_by_id")  # fmt: skip


def _store(
    actor: Any,
    writes: list[ActualWrite],
    indicators: dict[int, Indicator],
    current: dict[tuple[int, int], tuple[Any, ...]],
    rates: PendingRates,
) -> None:
    """Write the rows, each with its rate, and their audit entries: plain tuples, COPY on
    PostgreSQL. The audit entries are made while they are streamed to the database, not held
    all at once."""
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    for w in writes:
        key = (w.indicator_id, w.fy)
        row = current.get(key)
        rate, reason = rates[key]
        if row:
            updates.append((row[2], w.value, w.marker, rate, reason, row[5] + 1, now, actor_id))
        else:
            inserts.append((*key, w.value, w.marker, rate, reason, 1, now, actor_id))
    update_rows(
        "indicators_actual",
        ("value numeric", "marker text", "rate numeric", "rate_reason text", "version integer",
         "updated_at timestamptz", "updated_by_id integer"),
        updates,
    )  # fmt: skip
    _insert(inserts, ACTUAL_COLUMNS)
    record_many((_entry(actor, indicators[w.indicator_id], w, current) for w in writes), at=now)


def _entry(
    actor: Any,
    indicator: Indicator,
    w: ActualWrite,
    current: dict[tuple[int, int], tuple[Any, ...]],
) -> Entry:
    row = current.get((w.indicator_id, w.fy))
    return Entry(
        actor=actor,
        action="indicator.actual.corrected" if row else "indicator.actual.recorded",
        object_type="indicator",
        object_id=indicator.pk,
        summary=audit_summary(indicator, w.fy, w.value, w.marker),
        old=snapshot(w.fy, row[3], row[4], row[5]) if row else None,
        new=snapshot(w.fy, w.value, w.marker, (row[5] if row else 0) + 1),
    )


@dataclass(frozen=True)
class PublishedActual:
    """An actual as a published document prints it (the dataset): with the printed rate and,
    for national targets, the national value."""

    indicator_id: int
    fy: int
    value: Decimal | None
    marker: str
    published_rate: Decimal | None
    national_value: Decimal | None


def write_published(rows: list[PublishedActual]) -> tuple[int, int, int]:
    """The dataset's figures, under the same store and audit as every other write. A new row
    is the published record (version 0, no author, no audit entry: the document is the
    source). A figure that differs from the stored one is a correction like any other: version
    + 1 (open forms then conflict) and an audit entry, so history and "as of" stay true. The
    printed rate and national value are kept as printed. Returns (created, updated, unchanged);
    the caller grades afterwards (the loader grades the whole organization, as definitions
    change too)."""
    ids = sorted({r.indicator_id for r in rows})
    stored: dict[tuple[int, int], Actual] = {}
    for part in chunks(ids, CHUNK):
        stored.update(
            ((a.indicator_id, a.fy), a)
            for a in by_range(Actual.objects, "indicator_id", part).order_by()
        )
    names = (
        {
            pk: Indicator.name_for(name, status)
            for pk, name, status in Indicator.objects.filter(
                pk__in={k[0] for k in stored}
            ).values_list("pk", "name", "name_status")
        }
        if stored
        else {}
    )
    inserts: list[tuple[Any, ...]] = []
    updated = 0
    entries: list[Entry] = []
    for r in rows:
        actual = stored.get((r.indicator_id, r.fy))
        if actual is None:
            inserts.append((r.indicator_id, r.fy, r.value, r.marker, None, "", 0, None, None,
                            r.published_rate, r.national_value))  # fmt: skip
            continue
        fields = [
            f for f in ("published_rate", "national_value") if getattr(actual, f) != getattr(r, f)
        ]
        if (actual.value, actual.marker) != (r.value, r.marker):
            old = actual_snapshot(actual)
            actual.value, actual.marker = r.value, r.marker
            actual.version += 1
            fields += ["value", "marker", "version"]
            entries.append(
                Entry(
                    actor=None,
                    action="indicator.actual.corrected",
                    object_type="indicator",
                    object_id=r.indicator_id,
                    summary=f"{names[r.indicator_id]} {format_fiscal_year(r.fy)}（データセット読込）",
                    old=old,
                    new=actual_snapshot(actual),
                )
            )
        for f in ("published_rate", "national_value"):
            setattr(actual, f, getattr(r, f))
        if fields:
            actual.save(update_fields=fields)
            updated += 1
    _insert(inserts, PUBLISHED_COLUMNS)
    record_many(entries)
    return len(inserts), updated, len(rows) - len(inserts) - updated


PUBLISHED_COLUMNS = (*ACTUAL_COLUMNS, "published_rate", "national_value")


def _insert(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        # COPY: Django's bulk_create sends arrays whose text escaping costs more than the rows.
        copy_rows("indicators_actual", columns, rows)
        return
    Actual.objects.bulk_create(
        [Actual(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=5000
    )


def _year(fy: str | int) -> int:
    try:
        return parse_fiscal_year(fy)
    except ParseError as exc:
        raise ValidationError({"fy": parse_invalid(exc)}) from exc


def _parsed(indicator: Indicator, value: str) -> tuple[Decimal | None, str]:
    if not str(value).strip():
        raise ValidationError(
            {"value": gettext("実績値を入力してください（未公表は「未」、調査なしは「—」）")}
        )
    return parse_actual_value(indicator, str(value))


def _raise(refused: Refusal) -> None:
    if refused.kind == "forbidden":
        raise PermissionDenied(refused.message)
    if refused.kind == "precondition_failed":
        raise Conflict(refused.current)
    if refused.kind == "not_found":
        raise Indicator.DoesNotExist(refused.message)
    raise ValidationError({"fy": refused.message})


@transaction.atomic
def record_actual(
    *,
    actor: Any,
    indicator_id: int,
    fy: str | int,
    value: str,
    expected_version: int | None,
) -> Actual:
    """Enter or correct the actual of one fiscal year: a list of one for :func:`write_actuals`.

    ``value`` is written as people write it (``87,517日``, ``１２３``, ``未``, ``—``).
    ``expected_version`` is the version the person saw (0 when the year had no row);
    a different current version raises :class:`Conflict` and nothing is written. None skips
    the check (only for trusted batch paths). Raises PermissionDenied before anything else,
    and ValidationError with Japanese messages keyed by field.
    """
    indicator = Indicator.objects.select_related("project__plan").get(pk=indicator_id)
    require_edit_indicator(actor, indicator)
    year = _year(fy)
    amount, marker = _parsed(indicator, value)
    refused = write_actuals(
        actor=actor, writes=[ActualWrite(indicator.pk, year, amount, marker, expected_version)]
    )
    if refused:
        _raise(refused[0])
    return Actual.objects.get(indicator=indicator, fy=year)


class BulkEntryError(Exception):
    """Some rows of a bulk entry were refused; nothing was saved. ``errors``: indicator id →
    message; ``kinds``: indicator id → why (invalid, forbidden, precondition_failed, not_found);
    ``codes``: indicator id → the core's code of a value it could not read, where there is one."""

    def __init__(
        self,
        errors: dict[int, str],
        kinds: dict[int, str] | None = None,
        codes: dict[int, str] | None = None,
    ) -> None:
        self.errors = errors
        self.kinds = kinds or dict.fromkeys(errors, "invalid")
        self.codes = codes or {}
        super().__init__(
            gettext("{n}件の誤りがあるため、どの行も保存していません").format(n=len(errors))
        )


@transaction.atomic
def record_actuals_bulk(
    *, actor: Any, fy: str | int, entries: list[tuple[int, str, int | None]]
) -> list[Actual]:
    """Record one fiscal year's actuals for many indicators, all or nothing.

    ``entries``: (indicator id, value as written, expected version). Values are read per row,
    then every row goes through :func:`write_actuals` together; if any row fails, nothing is
    saved and every row's problem is reported.
    """
    year = _year(fy)
    indicators = Indicator.objects.select_related("project__plan").in_bulk([e[0] for e in entries])
    errors: dict[int, str] = {}
    kinds: dict[int, str] = {}
    codes: dict[int, str] = {}
    writes: list[ActualWrite] = []
    for indicator_id, value, version in entries:
        indicator = indicators.get(indicator_id)
        if indicator is None:
            errors[indicator_id], kinds[indicator_id] = gettext("指標が見つかりません"), "not_found"
            continue
        try:
            require_edit_indicator(actor, indicator)
            amount, marker = _parsed(indicator, value)
        except PermissionDenied as exc:
            errors[indicator_id], kinds[indicator_id] = str(exc), "forbidden"
            continue
        except ValidationError as exc:
            errors[indicator_id] = " ".join(m for ms in exc.message_dict.values() for m in ms)
            kinds[indicator_id] = "invalid"
            codes[indicator_id] = error_code(next(e for es in exc.error_dict.values() for e in es))
            continue
        writes.append(ActualWrite(indicator_id, year, amount, marker, version))
    for index, refused in write_actuals(actor=actor, writes=writes).items():
        errors[writes[index].indicator_id] = refused.message
        kinds[writes[index].indicator_id] = refused.kind
    if errors:
        transaction.set_rollback(True)
        raise BulkEntryError(errors, kinds, codes)
    saved = Actual.objects.filter(fy=year, indicator_id__in=[w.indicator_id for w in writes])
    by_indicator = {a.indicator_id: a for a in saved}
    return [by_indicator[w.indicator_id] for w in writes]


def recompute_grades(
    *,
    actor: Any,
    organization: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> Regraded:
    """Compute again, from the rules in force, every stored rate and grade of
    ``organization``'s indicators (of every organization when None: the command line, with
    no actor) — after a grading scheme's settings changed, say. A person must be HQ staff.
    The audit trail records how many changed (and so the data version moves: cached files
    and pages follow)."""
    indicators = Indicator.with_drafts.order_by("pk")
    if organization is not None:
        if actor is not None:
            require_recompute(actor, organization)
        indicators = indicators.filter(project__plan__organization=organization)
    done = recompute(list(indicators.values_list("pk", flat=True)), progress=progress)
    record(
        actor=actor,
        action="indicators.recomputed",
        object_type="organization",
        object_id=organization.pk if organization is not None else "",
        summary=gettext(
            "進捗率・評価を計算し直しました（進捗率 {rates} 件、評価 {grades} 件が変化）"
        ).format(rates=done.rates, grades=done.grades),
        old=None,
        new={"rates": done.rates, "grades": done.grades},
    )
    return done
