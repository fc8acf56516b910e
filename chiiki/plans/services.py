"""Writes for plans: program budgets."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from chiiki.accounts.access import require_edit_program
from chiiki.audit.services import record as audit
from chiiki.core.errors import ParseError, StaleVersion, check_version
from chiiki.core.fiscal import format_fiscal_year, parse_fiscal_year
from chiiki.core.numbers import format_number, parse_budget
from chiiki.i18n import parse_invalid
from chiiki.plans.models import Program, ProgramBudget


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
    try:
        year = parse_fiscal_year(fy)
    except ParseError as exc:
        raise ValidationError({"fy": parse_invalid(exc)}) from exc
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
