"""Collection rounds, the writes (収集):

    HQ opens a round ─► each bureau enters its figures ─► submits ─► HQ accepts
                              ▲                                        │ or returns (reason,
                              └──────────── returned ◄─────────────────┘  per entry if need be)
    every share accepted ─► HQ publishes: the figures go to the public tables through their
                            one writer (actuals: indicators.services.write_actuals; budgets:
                            plans.services.record_budget; the settled amounts and staff time
                            of the year just ended: plans.services.record_settlement),
                            graded, audited.

Until publication nothing entered here is public. Every function checks permission first,
then state and version, writes, and records an audit entry, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from chiiki.accounts.access import require_enter_submission, require_manage_rounds
from chiiki.audit.services import record as audit
from chiiki.collection.models import Entry, Round, Submission
from chiiki.collection.notify import notify
from chiiki.core.costs import parse_staff_years
from chiiki.core.errors import ParseError, StaleVersion, check_version
from chiiki.core.fiscal import fiscal_year_of, format_fiscal_year
from chiiki.core.numbers import Missing, Quantity, parse_budget, parse_thousand_yen, parse_value
from chiiki.core.plausibility import Finding, Thresholds, check
from chiiki.core.text import plain_lines
from chiiki.evaluations.selectors import locked_years
from chiiki.i18n import parse_invalid
from chiiki.indicators.models import HOLDS_FIGURES, Actual, Indicator
from chiiki.indicators.services import (
    ActualWrite,
    future_fy_message,
    value_in_unit,
    write_actuals,
)
from chiiki.plans.models import Organization, Program, ProgramBudget, ProgramSettlement
from chiiki.plans.services import record_budget, record_settled_figures


class RoundError(Exception):
    """The action does not fit the round's or the share's state; nothing was changed."""


class StaleRound(StaleVersion, RoundError):
    """Someone changed the round, the share or the entry after the page was loaded."""


class NeedsConfirmation(Exception):
    """The figure looks implausible: nothing was stored. ``findings`` say why; enter it again
    with a reason to keep it."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(" / ".join(f.message_ja for f in findings))


def thresholds() -> Thresholds:
    return Thresholds.from_mapping(getattr(settings, "CHIIKI_PLAUSIBILITY", None))


def _stale(kind: str) -> StaleRound:
    return StaleRound(
        gettext(
            "この{kind}は、画面を開いた後に他の人が更新しました。確認してから、もう一度操作してください。"
        ).format(kind=kind)
    )


# --------------------------------------------------------------------------- opening


def in_force(organization: Organization, fy: int) -> Any:
    """The indicators of plans whose period covers ``fy`` (an open end counts); a round asks
    for those whose year a published evaluation has not locked."""
    plans = (
        Q(project__plan__organization=organization)
        & (Q(project__plan__start_fy__isnull=True) | Q(project__plan__start_fy__lte=fy))
        & (Q(project__plan__end_fy__isnull=True) | Q(project__plan__end_fy__gte=fy))
    )
    return Indicator.objects.filter(plans, HOLDS_FIGURES).select_related("project")


def running_programs(organization: Organization, budget_fy: int) -> Any:
    """The programs asked for a budget of ``budget_fy``: those with a budget in one of the two
    years before it (programs still running)."""
    return Program.objects.filter(
        organization=organization, budgets__fy__in=(budget_fy - 1, budget_fy - 2)
    ).distinct()


def settling_programs(organization: Organization, fy: int) -> Any:
    """The programs asked for the settled amount and staff time of ``fy`` (the year whose
    actuals the round collects): those with a budget that year."""
    return Program.objects.filter(organization=organization, budgets__fy=fy).distinct()


@transaction.atomic
def open_round(
    *,
    actor: Any,
    organization: Organization,
    fy: int,
    deadline: dt.date,
    budget_fy: int | None = None,
    title: str = "",
    note: str = "",
    bureau_deadlines: dict[int, dt.date] | None = None,
) -> Round:
    """Open the round of ``fy``: one share per bureau responsible for something (the lead
    bureau of an indicator's project, the bureau running a program; HQ's own share for the
    rest), one entry per figure asked for."""
    require_manage_rounds(actor, organization.pk)
    today = timezone.localdate()
    budget_fy = fy + 1 if budget_fy is None else budget_fy
    errors: dict[str, str] = {}
    if fy > fiscal_year_of(today):
        errors["fy"] = future_fy_message(fy)
    if not fy <= budget_fy <= fy + 1:
        errors["budget_fy"] = gettext("予算額の年度は実績値の年度か、その翌年度です")
    if deadline < today:
        errors["deadline"] = gettext("提出期限が過ぎた日付です")
    for bureau_id, day in (bureau_deadlines or {}).items():
        if day < today:
            errors[f"deadline-{bureau_id}"] = gettext("提出期限が過ぎた日付です")
    if Round.objects.filter(organization=organization, fy=fy).exists():
        errors["fy"] = gettext("{fy}の収集ラウンドはすでにあります").format(
            fy=format_fiscal_year(fy)
        )
    if errors:
        raise ValidationError(errors)
    locked = locked_years(organization=organization)
    indicators = [i for i in in_force(organization, fy) if (i.project_id, fy) not in locked]
    programs = list(running_programs(organization, budget_fy).select_related("project"))
    settling = list(settling_programs(organization, fy).select_related("project"))
    if not indicators and not programs and not settling:
        raise ValidationError(
            {
                "fy": gettext("{fy}に収集する指標・事業がありません").format(
                    fy=format_fiscal_year(fy)
                )
            }
        )
    now = timezone.now()
    round_ = Round.objects.create(
        organization=organization,
        fy=fy,
        budget_fy=budget_fy,
        deadline=deadline,
        title=title.strip() or gettext("{fy}の収集").format(fy=format_fiscal_year(budget_fy)),
        note=plain_lines(note),
        opened_by=actor,
        opened_at=now,
        version=1,
    )
    by_bureau: dict[int | None, list[Entry]] = defaultdict(list)
    for ind in indicators:
        by_bureau[ind.project.lead_bureau_id].append(
            Entry(kind=Entry.Kind.ACTUAL, indicator=ind, fy=fy)
        )

    def responsible(program: Program) -> int | None:
        return program.bureau_id or (program.project.lead_bureau_id if program.project else None)

    for program in programs:
        by_bureau[responsible(program)].append(
            Entry(kind=Entry.Kind.BUDGET, program=program, fy=budget_fy)
        )
    for program in settling:  # the year just ended: what was spent, and the staff time
        for kind in (Entry.Kind.SETTLED, Entry.Kind.STAFF):
            by_bureau[responsible(program)].append(Entry(kind=kind, program=program, fy=fy))
    for owner, entries in by_bureau.items():
        share = Submission.objects.create(
            round=round_,
            bureau_id=owner,
            deadline=(bureau_deadlines or {}).get(owner) if owner else None,
            version=1,
        )
        for e in entries:
            e.submission = share
        Entry.objects.bulk_create(entries)
    audit(
        actor=actor,
        action="collection.round.opened",
        object_type="round",
        object_id=round_.pk,
        summary=gettext("{title}（期限 {deadline}、{n}項目）").format(
            title=round_.title,
            deadline=deadline.isoformat(),
            n=len(indicators) + len(programs) + 2 * len(settling),
        ),
        old=None,
        new={"fy": fy, "budget_fy": budget_fy, "deadline": deadline.isoformat()},
    )
    return round_


@transaction.atomic
def set_deadline(
    *, actor: Any, submission_id: int, deadline: dt.date | None, expected_version: int | None
) -> Submission:
    """Give one bureau its own deadline (None: the round's again). HQ only, while the round
    is open; reminders follow the new date."""
    share = _share(submission_id)
    require_manage_rounds(actor, share.round.organization_id)
    check_version(share.version, expected_version, lambda: _stale(gettext("提出")))
    if share.round.status != Round.Status.OPEN:
        raise RoundError(gettext("この収集ラウンドは公表済みです"))
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationError({"deadline": gettext("提出期限が過ぎた日付です")})
    old = _share_snapshot(share)
    share.deadline = deadline
    return _save_share(
        share,
        actor,
        "collection.submission.deadline",
        old,
        summary=gettext("{round} {bureau}: 提出期限 {due}").format(
            round=share.round.title, bureau=share.owner_name, due=share.due.isoformat()
        ),
    )


# --------------------------------------------------------------------------- entering


def _share(submission_id: int) -> Submission:
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("round", "bureau")
        .get(pk=submission_id)
    )


def _editable(share: Submission) -> None:
    if share.round.status != Round.Status.OPEN:
        raise RoundError(gettext("この収集ラウンドは公表済みのため、入力できません"))
    if share.status not in Submission.EDITABLE:
        raise RoundError(
            gettext("この提出は「{status}」のため、入力できません").format(
                status=share.get_status_display()
            )
        )


@dataclass(frozen=True)
class Previous:
    """The latest published figure before the entry's year (what the entry is compared with)."""

    fy: int
    value: Decimal


def previous_figure(entry: Entry) -> Previous | None:
    row: tuple[int, Decimal | int | None] | None
    if entry.kind == Entry.Kind.ACTUAL:
        assert entry.indicator_id is not None
        row = (
            Actual.objects.filter(
                indicator_id=entry.indicator_id, fy__lt=entry.fy, value__isnull=False
            )
            .order_by("-fy")
            .values_list("fy", "value")
            .first()
        )
    elif entry.kind == Entry.Kind.BUDGET:
        assert entry.program_id is not None
        row = (
            ProgramBudget.objects.filter(program_id=entry.program_id, fy__lt=entry.fy)
            .order_by("-fy")
            .values_list("fy", "amount_thousand_yen")
            .first()
        )
    else:
        assert entry.program_id is not None
        column = "settled_thousand_yen" if entry.kind == Entry.Kind.SETTLED else "staff_years"
        row = (
            ProgramSettlement.objects.filter(
                program_id=entry.program_id, fy__lt=entry.fy, **{f"{column}__isnull": False}
            )
            .order_by("-fy")
            .values_list("fy", column)
            .first()
        )
    if row is None or row[1] is None:
        return None
    return Previous(row[0], Decimal(row[1]))


def _read(entry: Entry, text: str) -> tuple[Decimal | None, str, str]:
    """(value, marker, the unit it was typed in) — ValidationError on what cannot be read.
    Actuals are read as the KPI form reads them (``value_in_unit``), budgets as budgets;
    a settled amount as an amount and staff time as staff time, each of which may be 未
    (not settled yet) or — (not known)."""
    try:
        parsed: Quantity | Missing | None = parse_value(text)
    except ParseError as exc:
        if entry.kind == Entry.Kind.ACTUAL:
            raise ValidationError({"value": parse_invalid(exc)}) from exc
        parsed = None  # 「1,2３4」 and the like: parse_budget says why below
    typed_unit = parsed.display_unit if isinstance(parsed, Quantity) else ""
    if entry.kind == Entry.Kind.ACTUAL:
        assert entry.indicator is not None and parsed is not None
        value, marker = value_in_unit(entry.indicator.unit, parsed, text=text)
        return value, marker, typed_unit
    if entry.kind in (Entry.Kind.SETTLED, Entry.Kind.STAFF) and isinstance(parsed, Missing):
        return None, parsed.value, ""
    try:
        if entry.kind == Entry.Kind.SETTLED:
            return (
                Decimal(parse_thousand_yen(text, what=(gettext("決算額"), "settled amount"))),
                "",
                typed_unit,
            )
        if entry.kind == Entry.Kind.STAFF:
            return parse_staff_years(text), "", typed_unit
        return Decimal(parse_budget(text)), "", typed_unit
    except ParseError as exc:
        raise ValidationError({"value": parse_invalid(exc)}) from exc


def findings_for(entry: Entry, value: Decimal, typed_unit: str) -> list[Finding]:
    if entry.kind == Entry.Kind.STAFF:
        return []  # a few person-years: no scale to mistype
    previous = previous_figure(entry)
    if entry.kind == Entry.Kind.ACTUAL:
        assert entry.indicator is not None
        unit, target = entry.indicator.unit, entry.indicator.target_value
    else:
        unit, target = "千円", None
    return check(
        value,
        previous=previous.value if previous else None,
        previous_label=format_fiscal_year(previous.fy) if previous else "",
        target=target,
        unit=unit,
        typed_unit=typed_unit,
        budget=entry.kind in (Entry.Kind.BUDGET, Entry.Kind.SETTLED),
        thresholds=thresholds(),
    )


def _entry_snapshot(entry: Entry) -> dict[str, Any]:
    return {
        "fy": entry.fy,
        "typed": entry.typed,
        "value": None if entry.value is None else str(entry.value),
        "marker": entry.marker,
        "warnings": [w["code"] for w in entry.warnings],
        "reason": entry.reason,
        "version": entry.version,
    }


@transaction.atomic
def enter(
    *,
    actor: Any,
    entry_id: int,
    text: str,
    expected_version: int | None,
    reason: str = "",
) -> Entry:
    """Enter (or correct) one figure of a share. A figure that looks implausible is stored
    only with a ``reason`` (the warnings and the reason are kept and shown to HQ); without
    one, :class:`NeedsConfirmation` says why and nothing is stored."""
    share = _share(Entry.objects.values_list("submission_id", flat=True).get(pk=entry_id))
    require_enter_submission(actor, share.round.organization_id, share.bureau_id)
    _editable(share)
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("indicator__project__plan", "program")
        .get(pk=entry_id)
    )
    check_version(entry.version, expected_version, lambda: _stale(gettext("項目")))
    text = text.strip()
    if not text:
        raise ValidationError(
            {"value": gettext("値を入力してください（ないときは「未」「—」など）")}
        )
    value, marker, typed_unit = _read(entry, text)
    found = findings_for(entry, value, typed_unit) if value is not None else []
    reason = " ".join(reason.split())[:300]
    if found and not reason:
        raise NeedsConfirmation(found)
    old = _entry_snapshot(entry)
    entry.typed = text[:100]
    entry.value, entry.marker = value, marker
    entry.warnings = [{"code": f.code, "ja": f.message_ja, "en": f.message_en} for f in found]
    entry.reason = reason if found else ""
    entry.return_reason = ""
    entry.entered_by = actor
    entry.entered_at = timezone.now()
    entry.version += 1
    entry.save()
    audit(
        actor=actor,
        action="collection.entry.saved",
        object_type="round",
        object_id=share.round_id,
        summary=f"{entry.subject} {format_fiscal_year(entry.fy)}: {text}"
        + (f"（{gettext('確認済みの警告')}: {reason}）" if found else ""),
        old=old,
        new=_entry_snapshot(entry),
    )
    return entry


# --------------------------------------------------------------------------- the workflow


def _share_snapshot(share: Submission) -> dict[str, Any]:
    return {
        "status": share.status,
        "version": share.version,
        "reason": share.return_reason,
        "deadline": share.deadline.isoformat() if share.deadline else None,
    }


def _save_share(
    share: Submission, actor: Any, action: str, old: dict[str, Any], summary: str = ""
) -> Submission:
    share.version += 1
    share.save()
    audit(
        actor=actor,
        action=action,
        object_type="round",
        object_id=share.round_id,
        summary=summary or f"{share.round.title} {share.owner_name}: {share.get_status_display()}",
        old=old,
        new=_share_snapshot(share),
    )
    return share


@transaction.atomic
def submit(*, actor: Any, submission_id: int, expected_version: int | None) -> Submission:
    """Hand a share to HQ. Every figure must be entered (a marker such as 「未」 counts)."""
    share = _share(submission_id)
    require_enter_submission(actor, share.round.organization_id, share.bureau_id)
    check_version(share.version, expected_version, lambda: _stale(gettext("提出")))
    _editable(share)
    missing = [e for e in share.entries.select_related("indicator", "program") if not e.filled]
    if missing:
        raise RoundError(
            gettext("未入力の項目が{n}件あります: {names}").format(
                n=len(missing), names="、".join(str(e.subject) for e in missing[:5])
            )
        )
    orphans = _staff_without_settlement(share)
    if orphans:
        raise RoundError(
            gettext(
                "人工は決算額と一緒に記録します。決算額が「未」の事業は、人工も「未」にしてください: "
                "{names}"
            ).format(names="、".join(orphans[:5]))
        )
    old = _share_snapshot(share)
    share.status = Submission.Status.SUBMITTED
    share.submitted_by, share.submitted_at = actor, timezone.now()
    share.return_reason = ""
    saved = _save_share(share, actor, "collection.submission.submitted", old)
    transaction.on_commit(lambda: notify("submitted", saved.pk))
    return saved


def _staff_without_settlement(share: Submission) -> list[str]:
    """The programs whose staff time was entered while their settled amount is still 未 and
    none is stored: a settlement is recorded with its settled amount."""
    entries = list(share.entries.filter(kind__in=[Entry.Kind.SETTLED, Entry.Kind.STAFF]))
    settled = {
        e.program_id for e in entries if e.kind == Entry.Kind.SETTLED and e.value is not None
    }
    staffed: dict[int, Entry] = {
        e.program_id: e
        for e in entries
        if e.kind == Entry.Kind.STAFF and e.value is not None and e.program_id is not None
    }
    stored = set(
        ProgramSettlement.objects.filter(
            program_id__in=staffed, fy__in={e.fy for e in staffed.values()}
        ).values_list("program_id", flat=True)
    )
    missing = [pk for pk in staffed if pk not in settled and pk not in stored]
    return [str(p) for p in Program.objects.filter(pk__in=missing).order_by("order")]


def _reviewable(share: Submission, actor: Any, expected_version: int | None) -> None:
    require_manage_rounds(actor, share.round.organization_id)
    check_version(share.version, expected_version, lambda: _stale(gettext("提出")))
    if share.status != Submission.Status.SUBMITTED:
        raise RoundError(
            gettext("この提出は「{status}」のため、確認できません").format(
                status=share.get_status_display()
            )
        )


@transaction.atomic
def accept(*, actor: Any, submission_id: int, expected_version: int | None) -> Submission:
    share = _share(submission_id)
    _reviewable(share, actor, expected_version)
    old = _share_snapshot(share)
    share.status = Submission.Status.ACCEPTED
    share.reviewed_by, share.reviewed_at = actor, timezone.now()
    return _save_share(share, actor, "collection.submission.accepted", old)


@transaction.atomic
def return_submission(
    *,
    actor: Any,
    submission_id: int,
    reason: str,
    expected_version: int | None,
    entry_reasons: dict[int, str] | None = None,
) -> Submission:
    """Send a share back to its bureau with a reason, and a reason on each entry to redo."""
    share = _share(submission_id)
    _reviewable(share, actor, expected_version)
    reason = " ".join(reason.split())
    per_entry = {
        k: " ".join(v.split())[:300] for k, v in (entry_reasons or {}).items() if v.strip()
    }
    if not reason and not per_entry:
        raise ValidationError({"reason": gettext("差戻しの理由を入力してください")})
    entries = {e.pk: e for e in share.entries.all()}
    unknown = set(per_entry) - set(entries)
    if unknown:
        raise ValidationError({"entries": gettext("この提出にない項目です")})
    for pk, text in per_entry.items():
        entries[pk].return_reason = text
        entries[pk].version += 1
        entries[pk].save(update_fields=["return_reason", "version"])
    old = _share_snapshot(share)
    share.status = Submission.Status.RETURNED
    share.return_reason = reason
    share.reviewed_by, share.reviewed_at = actor, timezone.now()
    saved = _save_share(share, actor, "collection.submission.returned", old)
    transaction.on_commit(lambda: notify("returned", saved.pk))
    return saved


@transaction.atomic
def publish(*, actor: Any, round_id: int, expected_version: int | None) -> Round:
    """Publish every figure of the round at once, through the one writer of each kind; then
    they are public. Every share must have been accepted."""
    round_ = Round.objects.select_for_update(of=("self",)).get(pk=round_id)
    require_manage_rounds(actor, round_.organization_id)
    check_version(round_.version, expected_version, lambda: _stale(gettext("収集ラウンド")))
    if round_.status != Round.Status.OPEN:
        raise RoundError(gettext("この収集ラウンドは公表済みです"))
    waiting = [
        s
        for s in round_.submissions.select_related("bureau")
        if s.status != Submission.Status.ACCEPTED
    ]
    if waiting:
        raise RoundError(
            gettext("受理していない提出があります: {names}").format(
                names="、".join(f"{s.owner_name}（{s.get_status_display()}）" for s in waiting)
            )
        )
    entries = list(
        Entry.objects.filter(submission__round=round_).select_related("program").order_by("pk")
    )
    writes = [
        ActualWrite(e.indicator_id, e.fy, e.value, e.marker, None)
        for e in entries
        if e.kind == Entry.Kind.ACTUAL and e.indicator_id is not None
    ]
    refused = write_actuals(actor=actor, writes=writes)
    if refused:
        raise RoundError(
            gettext("公表できません: {problems}").format(
                problems="、".join(r.message for r in list(refused.values())[:5])
            )
        )
    budgets = [
        e
        for e in entries
        if e.kind == Entry.Kind.BUDGET and e.value is not None and e.program_id is not None
    ]
    for e in budgets:
        assert e.value is not None and e.program_id is not None
        record_budget(
            actor=actor,
            program_id=e.program_id,
            fy=e.fy,
            amount=str(int(e.value)),
            expected_version=None,
        )
    settlements = _publish_settlements(actor, entries)
    old = {"status": round_.status, "version": round_.version}
    round_.status = Round.Status.PUBLISHED
    round_.published_by, round_.published_at = actor, timezone.now()
    round_.version += 1
    round_.save()
    audit(
        actor=actor,
        action="collection.round.published",
        object_type="round",
        object_id=round_.pk,
        summary=gettext(
            "{title}: {actuals}件の実績値、{budgets}件の予算額と{settlements}件の決算額・人工を公表"
        ).format(
            title=round_.title,
            actuals=len(writes),
            budgets=len(budgets),
            settlements=settlements,
        ),
        old=old,
        new={"status": round_.status, "version": round_.version},
    )
    return round_


def _publish_settlements(actor: Any, entries: list[Entry]) -> int:
    """Write the settled amounts and staff time of the round (``record_settled_figures``:
    what the round does not ask for is kept). A figure left 未 or — leaves the stored one."""
    figures: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(dict)
    for e in entries:
        if e.kind in (Entry.Kind.SETTLED, Entry.Kind.STAFF) and e.value is not None:
            assert e.program_id is not None
            figures[(e.program_id, e.fy)][e.kind] = e.value
    written = 0
    for (program_id, fy), got in figures.items():
        settled = got.get(Entry.Kind.SETTLED)
        if (
            settled is None
            and not ProgramSettlement.objects.filter(program_id=program_id, fy=fy).exists()
        ):
            continue  # refused at submission: no settled amount to attach the staff time to
        record_settled_figures(
            actor=actor,
            program_id=program_id,
            fy=fy,
            settled=int(settled) if settled is not None else None,
            staff_years=got.get(Entry.Kind.STAFF),
            expected_version=None,
        )
        written += 1
    return written
