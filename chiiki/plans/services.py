"""Writes for plans: program budgets, settlements (決算額・人工) and the staff unit cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from chiiki.accounts.access import require_edit_program, require_set_staff_costs
from chiiki.audit.services import record as audit
from chiiki.core.costs import Funding, FundingMismatch, check_funding, parse_staff_years
from chiiki.core.errors import ParseError, StaleVersion, check_version
from chiiki.core.fiscal import format_fiscal_year, parse_fiscal_year
from chiiki.core.numbers import format_number, parse_budget, parse_thousand_yen
from chiiki.i18n import parse_invalid, too_long
from chiiki.plans.models import (
    Organization,
    Program,
    ProgramBudget,
    ProgramSettlement,
    StaffUnitCost,
)


class BudgetConflict(StaleVersion):
    """The budget was changed after the page was loaded; nothing was overwritten."""


@transaction.atomic
def record_budget(
    *, actor: Any, program_id: int, fy: str | int, amount: str, expected_version: int | None
) -> ProgramBudget:
    """Enter or correct a program's budget (千円) for one fiscal year.

    ``amount`` as written in budget tables (``5,715``, ``５７１５``, ``1億円`` → 100,000千円);
    it must be a whole, non-negative number of 千円.
    """
    program = Program.objects.select_for_update(of=("self",)).get(pk=program_id)
    require_edit_program(actor, program)
    year = _fy(fy)
    try:
        value = parse_budget(str(amount))
    except ParseError as exc:
        raise ValidationError({"amount": parse_invalid(exc)}) from exc
    budget = (
        ProgramBudget.objects.select_for_update(of=("self",))
        .filter(program=program, fy=year)
        .order_by("pk")
        .first()
    )
    check_version(
        budget.version if budget else 0,
        expected_version,
        lambda: BudgetConflict(
            gettext(
                "この予算額は、画面を開いた後に他の人が更新しました（現在: {amount}）。"
                "確認してから、もう一度保存してください。"
            ).format(
                amount=gettext("{amount}千円").format(
                    amount=format_number(budget.amount_thousand_yen)
                )
                if budget
                else gettext("なし")
            )
        ),
    )
    old = (
        {"fy": year, "amount": budget.amount_thousand_yen, "version": budget.version}
        if budget
        else None
    )
    if budget is None:
        budget = ProgramBudget(program=program, fy=year, amount_thousand_yen=value)
    budget.amount_thousand_yen = value
    budget.version += 1
    budget.save()
    audit(
        actor=actor,
        action="program.budget.corrected" if old else "program.budget.recorded",
        object_type="program",
        object_id=program.pk,
        summary=f"{program.name} {format_fiscal_year(year)}: {format_number(value)}千円",
        old=old,
        new={"fy": year, "amount": value, "version": budget.version},
    )
    return budget


class SettlementConflict(StaleVersion):
    """The settlement was changed after the page was loaded; nothing was overwritten."""


NOTE_LIMIT = 2000  # the reason for the difference (差額の理由), as the API takes it

# The four sources of a settled amount: (form field, model field, label, English name)
FUNDING_INPUTS = (
    ("national_funds", "national_funds_thousand_yen", "国庫支出金", "national funds"),
    ("bond_funds", "bond_funds_thousand_yen", "地方債", "local bonds"),
    ("other_funds", "other_funds_thousand_yen", "その他", "other funds"),
    ("general_funds", "general_funds_thousand_yen", "一般財源", "general revenue"),
)


def _fy(fy: str | int) -> int:
    try:
        return parse_fiscal_year(fy)
    except ParseError as exc:
        raise ValidationError({"fy": parse_invalid(exc)}) from exc


def _money(text: str, field: str, what: tuple[str, str], errors: dict[str, Any]) -> int | None:
    """An optional amount in 千円 (empty: not known); a refusal is kept under ``field``."""
    if not str(text or "").strip():
        return None
    try:
        return parse_thousand_yen(str(text), what=what)
    except ParseError as exc:
        errors[field] = parse_invalid(exc)
        return None


def _funding(inputs: dict[str, str], settled: int | None, errors: dict[str, Any]) -> Funding | None:
    """The four sources: all blank (not known) or all given, adding up to the settled amount."""
    amounts = {
        field: _money(inputs.get(field, ""), field, (gettext(label), english), errors)
        for field, _column, label, english in FUNDING_INPUTS
    }
    given = [f for f, *_rest in FUNDING_INPUTS if str(inputs.get(f) or "").strip()]
    if not given or any(f in errors for f in given):
        return None
    if len(given) < len(FUNDING_INPUTS):
        missing = [gettext(label) for f, _c, label, _e in FUNDING_INPUTS if f not in given]
        errors["funding"] = ValidationError(
            gettext(
                "財源内訳は4つとも入力してください（0のものは0）。未入力: {missing}。"
                "内訳が分からない場合は、4つとも空欄にしてください。"
            ).format(missing="、".join(missing)),
            code="funding.incomplete",
        )
        return None
    funding = Funding(*(amounts[f] or 0 for f, *_rest in FUNDING_INPUTS))
    if settled is not None:
        try:
            check_funding(settled, funding)
        except FundingMismatch as exc:
            errors["funding"] = ValidationError(
                gettext(
                    "財源内訳の合計（{total}千円）が決算額（{settled}千円）と一致しません"
                ).format(total=format_number(exc.total), settled=format_number(exc.settled)),
                code="funding.mismatch",
            )
            return None
    return funding


def _settlement_facts(s: ProgramSettlement) -> dict[str, Any]:
    """What the audit trail keeps of a settlement (amounts as integers, staff time as text)."""
    return {
        "fy": s.fy,
        "revised_budget": s.revised_budget_thousand_yen,
        "settled": s.settled_thousand_yen,
        "note": s.note,
        "funding": [getattr(s, column) for column in s.FUNDING_FIELDS],
        "staff_years": None if s.staff_years is None else str(s.staff_years),
        "version": s.version,
    }


@transaction.atomic
def record_settlement(
    *,
    actor: Any,
    program_id: int,
    fy: str | int,
    settled: str,
    revised_budget: str = "",
    note: str = "",
    funding: dict[str, str] | None = None,
    staff_years: str = "",
    expected_version: int | None,
) -> ProgramSettlement:
    """Enter or correct a program's year-end figures for one FY: the settled amount (決算額,
    required), the budget after supplementary budgets (補正後予算額), the reason for the
    difference, the sources (財源内訳: all four or none) and the staff time (人工).

    Amounts are written as budgets are (``1,288``, ``１２８８``); every field's refusal is
    reported at once, under its own name.
    """
    program = Program.objects.select_for_update(of=("self",)).get(pk=program_id)
    require_edit_program(actor, program)
    year = _fy(fy)
    errors: dict[str, Any] = {}
    if not str(settled or "").strip():
        errors["settled"] = ValidationError(gettext("決算額を入力してください"), code="required")
        amount = None
    else:
        amount = _money(settled, "settled", (gettext("決算額"), "settled amount"), errors)
    revised = _money(
        revised_budget, "revised_budget", (gettext("補正後予算額"), "revised budget"), errors
    )
    split = _funding(funding or {}, amount, errors)
    years: Decimal | None = None
    if str(staff_years or "").strip():
        try:
            years = parse_staff_years(str(staff_years))
        except ParseError as exc:
            errors["staff_years"] = parse_invalid(exc)
    note = str(note or "").strip()
    if refusal := too_long(note, NOTE_LIMIT):
        errors["note"] = ValidationError(refusal)
    if errors:
        raise ValidationError(errors)
    assert amount is not None
    current = (
        ProgramSettlement.objects.select_for_update(of=("self",))
        .filter(program=program, fy=year)
        .first()
    )
    check_version(
        current.version if current else 0,
        expected_version,
        lambda: SettlementConflict(
            gettext(
                "この決算額は、画面を開いた後に他の人が更新しました（現在: {amount}）。"
                "確認してから、もう一度保存してください。"
            ).format(
                amount=gettext("{amount}千円").format(
                    amount=format_number(current.settled_thousand_yen)
                )
                if current
                else gettext("なし")
            )
        ),
    )
    old = _settlement_facts(current) if current else None
    record = current or ProgramSettlement(program=program, fy=year, settled_thousand_yen=amount)
    record.settled_thousand_yen = amount
    record.revised_budget_thousand_yen = revised
    record.note = note
    record.funding = split
    record.staff_years = years
    record.version += 1
    record.save()
    staff = "" if years is None else f"、{format_number(years)}人工"
    audit(
        actor=actor,
        action="program.settlement.corrected" if old else "program.settlement.recorded",
        object_type="program",
        object_id=program.pk,
        summary=f"{program.name} {format_fiscal_year(year)}: 決算額 {format_number(amount)}千円{staff}",
        old=old,
        new=_settlement_facts(record),
    )
    return record


def _kept(value: object) -> str:
    """A stored figure passed back to :func:`record_settlement` as text ("" for none)."""
    return "" if value is None else str(value)


def record_settled_figures(
    *,
    actor: Any,
    program_id: int,
    fy: int,
    settled: int | None,
    staff_years: Decimal | None,
    expected_version: int | None,
) -> ProgramSettlement:
    """Change only the settled amount and/or the staff time of a program-year (what collection
    rounds and the data workbook carry), through :func:`record_settlement`, keeping the rest as
    stored: the revised budget, the reason, and the sources while they still add up to the
    settled amount (sources that described another amount are dropped; the audit entry keeps
    them). ValidationError when there is no settled amount to attach staff time to."""
    current = ProgramSettlement.objects.filter(program_id=program_id, fy=fy).first()
    amount = settled if settled is not None else (current.settled_thousand_yen if current else None)
    sources = current.funding if current else None
    if sources is not None and sources.total != amount:
        sources = None
    return record_settlement(
        actor=actor,
        program_id=program_id,
        fy=fy,
        settled=_kept(amount),
        revised_budget=_kept(current.revised_budget_thousand_yen if current else None),
        note=current.note if current else "",
        funding={
            field: _kept(value)
            for (field, *_rest), value in zip(FUNDING_INPUTS, sources or (None,) * 4, strict=True)
        },
        staff_years=_kept(
            staff_years if staff_years is not None else current and current.staff_years
        ),
        expected_version=expected_version,
    )


class StaffCostConflict(StaleVersion):
    """The unit cost was changed after the page was loaded; nothing was overwritten."""


@transaction.atomic
def record_staff_unit_cost(
    *,
    actor: Any,
    organization: Organization,
    fy: str | int,
    amount: str,
    expected_version: int | None,
) -> StaffUnitCost:
    """Set what one person-year of staff time costs in a FY (人件費単価, 千円): the price of
    every program's 人工 in its full cost. HQ sets it."""
    require_set_staff_costs(actor, organization)
    year = _fy(fy)
    try:
        value = parse_thousand_yen(str(amount), what=(gettext("人件費単価"), "unit cost"))
    except ParseError as exc:
        raise ValidationError({"amount": parse_invalid(exc)}) from exc
    current = (
        StaffUnitCost.objects.select_for_update(of=("self",))
        .filter(organization=organization, fy=year)
        .first()
    )
    check_version(
        current.version if current else 0,
        expected_version,
        lambda: StaffCostConflict(
            gettext(
                "この人件費単価は、画面を開いた後に他の人が更新しました。"
                "確認してから、もう一度保存してください。"
            )
        ),
    )
    old = (
        {"fy": year, "amount": current.thousand_yen, "version": current.version}
        if current
        else None
    )
    record = current or StaffUnitCost(organization=organization, fy=year, thousand_yen=value)
    record.thousand_yen = value
    record.version += 1
    record.save()
    audit(
        actor=actor,
        action="organization.staff_cost.saved",
        object_type="organization",
        object_id=organization.pk,
        summary=f"人件費単価 {format_fiscal_year(year)}: {format_number(value)}千円／人年",
        old=old,
        new={"fy": year, "amount": value, "version": record.version},
    )
    return record
