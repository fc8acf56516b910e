"""Collection rounds, the reads: HQ's overview (completion by bureau, overdue shares, shares
awaiting review, confirmed warnings), a share's entries next to the published figures, and
the unpublished figures staff see on the project page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from chiiki.collection.models import Entry, Round, Submission
from chiiki.indicators.models import Actual
from chiiki.plans.models import Organization, ProgramBudget, ProgramSettlement


@dataclass
class ShareProgress:
    share: Submission
    total: int
    filled: int
    warned: int
    returned: int
    overdue: bool

    @property
    def percent(self) -> int:
        return round(100 * self.filled / self.total) if self.total else 100


@dataclass
class Overview:
    round: Round
    shares: list[ShareProgress]
    total: int = 0
    filled: int = 0
    awaiting_review: list[ShareProgress] = field(default_factory=list)
    overdue: list[ShareProgress] = field(default_factory=list)
    warnings: list[Entry] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.filled / self.total) if self.total else 100

    @property
    def accepted(self) -> int:
        return sum(1 for s in self.shares if s.share.status == Submission.Status.ACCEPTED)


def rounds_of(org: Organization) -> list[Round]:
    return list(
        Round.objects.filter(organization=org)
        .annotate(
            shares=Count("submissions", distinct=True),
            accepted=Count(
                "submissions",
                filter=Q(submissions__status=Submission.Status.ACCEPTED),
                distinct=True,
            ),
        )
        .order_by("-fy")
    )


def _progress(share: Submission, today: dt.date) -> ShareProgress:
    entries = list(share.entries.all())
    return ShareProgress(
        share=share,
        total=len(entries),
        filled=sum(1 for e in entries if e.filled),
        warned=sum(1 for e in entries if e.warnings),
        returned=sum(1 for e in entries if e.return_reason),
        overdue=share.overdue_on(today),
    )


def overview(org: Organization, pk: int, today: dt.date | None = None) -> Overview:
    """HQ's view of one round; the same numbers as the API's."""
    round_ = Round.objects.filter(organization=org, pk=pk).first()
    if round_ is None:
        raise Http404("収集ラウンドが見つかりません")
    today = today or timezone.localdate()
    shares = list(
        round_.submissions.select_related("bureau", "round").prefetch_related(
            Prefetch(
                "entries",
                queryset=Entry.objects.select_related("indicator", "program", "entered_by"),
            )
        )
    )
    progress = [_progress(s, today) for s in shares]
    out = Overview(round_, progress)
    out.total = sum(p.total for p in progress)
    out.filled = sum(p.filled for p in progress)
    out.awaiting_review = [p for p in progress if p.share.status == Submission.Status.SUBMITTED]
    out.overdue = [p for p in progress if p.overdue]
    out.warnings = [e for s in shares for e in s.entries.all() if e.warnings]
    return out


@dataclass
class EntryRow:
    entry: Entry
    published: Decimal | None  # the public figure of the same year, if any
    published_marker: str
    previous_fy: int | None  # the latest published figure before it
    previous: Decimal | None


def share_page(org: Organization, pk: int) -> dict[str, Any]:
    share = (
        Submission.objects.filter(round__organization=org, pk=pk)
        .select_related("round", "bureau", "submitted_by", "reviewed_by")
        .first()
    )
    if share is None:
        raise Http404("提出が見つかりません")
    entries = list(
        share.entries.select_related(
            "indicator__project", "program__project", "entered_by"
        ).order_by("kind", "indicator__project__order", "indicator__order", "program__order")
    )
    indicator_ids = [e.indicator_id for e in entries if e.indicator_id]
    program_ids = [e.program_id for e in entries if e.program_id]
    actuals: dict[int, list[tuple[int, Decimal | None, str]]] = {}
    for ind, fy, value, marker in (
        Actual.objects.filter(indicator_id__in=indicator_ids)
        .order_by("fy")
        .values_list("indicator_id", "fy", "value", "marker")
    ):
        actuals.setdefault(ind, []).append((fy, value, marker))
    budgets: dict[int, list[tuple[int, Decimal | None, str]]] = {}
    for prog, fy, amount in (
        ProgramBudget.objects.filter(program_id__in=program_ids)
        .order_by("fy")
        .values_list("program_id", "fy", "amount_thousand_yen")
    ):
        budgets.setdefault(prog, []).append((fy, Decimal(amount), ""))
    settled: dict[int, list[tuple[int, Decimal | None, str]]] = {}
    staff: dict[int, list[tuple[int, Decimal | None, str]]] = {}
    for prog, fy, amount, years in (
        ProgramSettlement.objects.filter(program_id__in=program_ids)
        .order_by("fy")
        .values_list("program_id", "fy", "settled_thousand_yen", "staff_years")
    ):
        settled.setdefault(prog, []).append((fy, Decimal(amount), ""))
        staff.setdefault(prog, []).append((fy, years, ""))
    by_kind = {Entry.Kind.BUDGET: budgets, Entry.Kind.SETTLED: settled, Entry.Kind.STAFF: staff}
    rows = []
    for e in entries:
        history = (
            actuals.get(e.indicator_id or 0, [])
            if e.indicator_id
            else by_kind[e.kind].get(e.program_id or 0, [])
        )
        same = next((h for h in history if h[0] == e.fy), None)
        before = [h for h in history if h[0] < e.fy and h[1] is not None]
        rows.append(
            EntryRow(
                e,
                same[1] if same else None,
                same[2] if same else "",
                before[-1][0] if before else None,
                before[-1][1] if before else None,
            )
        )
    today = timezone.localdate()
    return {
        "share": share,
        "round": share.round,
        "rows": rows,
        "progress": _progress(share, today),
        "editable": share.round.status == Round.Status.OPEN and share.status in Submission.EDITABLE,
    }


def share_of(org: Organization, round_pk: int, bureau_id: int | None) -> Submission | None:
    return (
        Submission.objects.filter(round__organization=org, round_id=round_pk, bureau_id=bureau_id)
        .order_by("pk")
        .first()
    )


def unpublished_for_project(project: Any) -> dict[str, dict[int, list[Entry]]]:
    """Figures entered in open rounds for a project's indicators and programs, not yet public
    (staff see them marked 未公表): {"actuals": {indicator id: [entry…]}, "budgets":
    {program id: [entry…]}}."""
    entries = (
        Entry.objects.filter(submission__round__status=Round.Status.OPEN)
        .filter(
            Q(indicator__project=project)
            | Q(indicator__listings__project=project)
            | Q(program__project=project)
        )
        .exclude(value__isnull=True, marker="")
        .select_related("indicator", "program")
        .order_by("fy", "pk")
        .distinct()
    )
    out: dict[str, dict[int, list[Entry]]] = {"actuals": {}, "budgets": {}}
    for e in entries:
        if e.indicator_id:
            out["actuals"].setdefault(e.indicator_id, []).append(e)
        elif e.program_id and e.kind == Entry.Kind.BUDGET:
            out["budgets"].setdefault(e.program_id, []).append(e)
    return out


def figures_unpublished(project: Any, fy: int) -> bool:
    """Are the actuals of ``fy`` for ``project``'s indicators still being collected (in an
    open round)? Its evaluation of that year waits for them."""
    return Entry.objects.filter(
        submission__round__status=Round.Status.OPEN,
        kind=Entry.Kind.ACTUAL,
        fy=fy,
        indicator__project=project,
    ).exists()


def open_shares(
    org: Organization, bureau: Any | None, today: dt.date | None = None
) -> list[tuple[Submission, bool]]:
    """The shares of open rounds a dashboard lists, each with whether it is overdue: a
    bureau's own, or (HQ) every share still to be entered, submitted or reviewed, soonest
    deadline first."""
    today = today or timezone.localdate()
    shares = Submission.objects.filter(
        round__organization=org, round__status=Round.Status.OPEN
    ).exclude(status=Submission.Status.ACCEPTED)
    if bureau is not None:
        shares = shares.filter(bureau=bureau)
    found = list(shares.select_related("round", "bureau"))
    found.sort(key=lambda s: (s.due, s.bureau.order if s.bureau else -1))
    return [(s, s.overdue_on(today)) for s in found]
