"""Reads for the evaluation page: the evaluation, what may be done with it, the carried-forward
text with a line diff, and the history."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from chiiki.accounts.access import can_edit_project, can_read_internal, can_review
from chiiki.audit.models import AuditEntry
from chiiki.evaluations.models import Evaluation, ProgramReview
from chiiki.plans.models import Organization, Program, Project

Status = Evaluation.Status


def previous_analysis(project: Project, fy: int) -> tuple[int, str] | None:
    """The latest earlier evaluation's analysis (published first), to carry forward."""
    earlier = Evaluation.objects.filter(project=project, fy__lt=fy).order_by("-fy")
    chosen = earlier.filter(status=Status.PUBLISHED).first() or earlier.first()
    return (chosen.fy, chosen.analysis) if chosen else None


def locked_years(
    *, projects: Iterable[int] | None = None, organization: Organization | None = None
) -> set[tuple[int, int]]:
    """The one lock rule: (project id, FY) pairs whose evaluation is published. Actuals of
    those years are not changed until HQ unlocks the evaluation."""
    published = Evaluation.objects.filter(status=Status.PUBLISHED)
    if projects is not None:
        published = published.filter(project_id__in=list(projects))
    if organization is not None:
        published = published.filter(project__plan__organization=organization)
    return set(published.values_list("project_id", "fy"))


def line_diff(before: str, after: str) -> list[tuple[str, str]]:
    """[(op, line)] with op ' ' kept, '+' added, '-' removed: last year's text → this year's."""
    out = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        op, text = line[:1], line[2:]
        if op in (" ", "+", "-"):
            out.append((op, text))
    return out


@dataclass(frozen=True)
class HistoryRow:
    """One step of an evaluation's history: the audit entry, the reason it carried (a return
    or an unlock), and what it changed in the text (a line diff; empty when it did not)."""

    entry: AuditEntry
    reason: str
    diff: list[tuple[str, str]]

    @property
    def added(self) -> int:
        return sum(op == "+" for op, _line in self.diff)

    @property
    def removed(self) -> int:
        return sum(op == "-" for op, _line in self.diff)


def history_rows(entries: list[AuditEntry]) -> list[HistoryRow]:
    rows = []
    for entry in entries:
        old, new = entry.old or {}, entry.new or {}
        reason = ""
        if entry.action in ("evaluation.returned", "evaluation.unlocked"):
            reason = str(new.get("return_reason") or "")
        before, after = str(old.get("analysis") or ""), str(new.get("analysis") or "")
        diff = line_diff(before, after) if before != after else []
        rows.append(HistoryRow(entry, reason, [d for d in diff if d[0] != " "]))
    return rows


def evaluation_page(
    org: Organization, user: Any, plan_slug: str, slug: str, fy: int
) -> dict[str, Any]:
    project = (
        Project.objects.select_related("plan", "region", "lead_bureau")
        .filter(plan__organization=org, plan__slug=plan_slug, slug=slug)
        .first()
    )
    if project is None or not can_read_internal(user, project):
        raise Http404("評価が見つかりません")
    evaluation = (
        Evaluation.objects.select_related("submitted_by", "reviewed_by")
        .filter(project=project, fy=fy)
        .first()
    )
    previous = previous_analysis(project, fy)
    editable = evaluation is None or evaluation.status in Evaluation.EDITABLE
    may_edit = can_edit_project(user, project)
    may_review = can_review(user, project)
    submitted_by_me = evaluation is not None and evaluation.submitted_by_id == user.pk
    status = evaluation.status if evaluation else None
    actions = {
        "save": may_edit and editable,
        "submit": may_edit and evaluation is not None and status in Evaluation.EDITABLE,
        "return": may_review and status == Status.SUBMITTED and not submitted_by_me,
        "approve": may_review and status == Status.SUBMITTED and not submitted_by_me,
        "publish": may_review and status == Status.APPROVED,
        "unlock": may_review and status == Status.PUBLISHED,
    }
    draft_text = evaluation.analysis if evaluation else (previous[1] if previous else "")
    history = (
        AuditEntry.objects.filter(object_type="evaluation", object_id=str(evaluation.pk))
        .select_related("actor")
        .order_by("-at", "-pk")
        if evaluation
        else AuditEntry.objects.none()
    )
    reviews = (
        {r.program_id: r for r in ProgramReview.objects.filter(evaluation=evaluation)}
        if evaluation
        else {}
    )
    return {
        "project": project,
        "fy": fy,
        "evaluation": evaluation,
        # one row per program of the project: its 事務事業評価 for this FY (None: not yet)
        "program_reviews": [
            {
                "n": n,
                "program": p,
                "review": reviews.get(p.pk),
                "self_evaluation": reviews[p.pk].self_evaluation if p.pk in reviews else "",
                "direction": reviews[p.pk].direction if p.pk in reviews else "",
                "reason": reviews[p.pk].reason if p.pk in reviews else "",
            }
            for n, p in enumerate(
                Program.objects.filter(project=project).order_by("order", "pk"), start=1
            )
        ],
        "directions": ProgramReview.Direction.choices,
        "previous": previous,
        "diff": line_diff(previous[1], draft_text) if previous else [],
        "draft_text": draft_text,
        "actions": actions,
        "submitted_by_me": submitted_by_me,
        "history": history_rows(list(history)),
    }


def project_evaluations(project: Project, user: Any) -> list[Evaluation]:
    """Published evaluations for everyone; all states for members of the organization."""
    evaluations = Evaluation.objects.filter(project=project).order_by("-fy")
    if not can_read_internal(user, project):
        evaluations = evaluations.filter(status=Status.PUBLISHED)
    return list(evaluations)
