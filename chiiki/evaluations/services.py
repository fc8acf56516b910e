"""The yearly evaluation workflow of a project (分析と課題).

    draft ──submit──► submitted ──approve──► approved ──publish──► published
      ▲                   │                                            │
      └──── returned ◄────┘ (return, with a reason)                    │
      └──────────────────────────── unlock (HQ, with a reason, logged) ┘

Bureau editors of the lead bureau (and HQ) write and submit; HQ returns, approves, publishes
and unlocks, and never approves or returns what they submitted themselves. A published
evaluation locks the project's actuals of that fiscal year. Every function checks permission
first, then state and version, writes, and records an audit entry, in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from chiiki.accounts.access import require_edit_project, require_review
from chiiki.audit.services import record as audit
from chiiki.collection.selectors import figures_unpublished
from chiiki.core.errors import StaleVersion, check_version
from chiiki.core.fiscal import fiscal_year_of, format_fiscal_year
from chiiki.core.text import plain_lines, strip_tags
from chiiki.evaluations.models import Evaluation, ProgramReview
from chiiki.evaluations.selectors import locked_years
from chiiki.i18n import too_long
from chiiki.plans.models import Program, Project

Status = Evaluation.Status
EDITABLE = Evaluation.EDITABLE


class WorkflowError(Exception):
    """The action does not fit the evaluation's state or the person; nothing was changed."""


class StaleEvaluation(StaleVersion, WorkflowError):
    """Someone changed the evaluation after the page was loaded."""


def clean_analysis(text: str) -> str:
    """One item per line, markup removed (pasted HTML becomes plain text), blank lines dropped."""
    return plain_lines(text)


def _locked(evaluation_id: int) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("project__plan", "submitted_by")
        .get(pk=evaluation_id)
    )


def _check_version(evaluation: Evaluation | None, expected: int | None) -> None:
    check_version(
        evaluation.version if evaluation else 0,
        expected,
        lambda: StaleEvaluation(
            gettext(
                "この評価は、画面を開いた後に他の人が更新しました。"
                "画面を開き直して内容を確認してください。"
            )
        ),
    )


def _snapshot(evaluation: Evaluation | None) -> dict[str, Any] | None:
    if evaluation is None:
        return None
    return {
        "status": evaluation.status,
        "analysis": evaluation.analysis,
        "internal_note": evaluation.internal_note,
        "return_reason": evaluation.return_reason,
        "program_reviews": _reviews_of(evaluation),
        "version": evaluation.version,
    }


def _reviews_of(evaluation: Evaluation) -> list[dict[str, Any]]:
    if evaluation.pk is None:
        return []
    return [
        {
            "program": r.program_id,
            "self_evaluation": r.self_evaluation,
            "direction": r.direction,
            "reason": r.reason,
        }
        for r in ProgramReview.objects.filter(evaluation=evaluation).order_by("program_id")
    ]


REVIEW_LIMITS = {"self_evaluation": 5000, "reason": 2000}


def _clean_reviews(project: Project, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The program reviews as typed: a row left blank is no review; a review of a program of
    another project, a missing direction or a missing reason is refused where it was typed
    (``program_reviews.N.field``, N counting from 1)."""
    programs = set(Program.with_drafts.filter(project=project).values_list("pk", flat=True))
    errors: dict[str, Any] = {}
    out: dict[int, dict[str, Any]] = {}
    for n, row in enumerate(rows, start=1):
        where = f"program_reviews.{n}"
        fields = {
            "self_evaluation": plain_lines(str(row.get("self_evaluation") or "")),
            "direction": str(row.get("direction") or "").strip(),
            "reason": plain_lines(str(row.get("reason") or "")),
        }
        if not any(fields.values()):
            continue
        raw = str(row.get("program") or "").strip()
        program = int(raw) if raw.isdigit() else None
        if program not in programs:
            errors[f"{where}.program"] = gettext("このプロジェクトの事業を選んでください")
            continue
        if program in out:
            errors[f"{where}.program"] = gettext("同じ事業の評価が2つあります")
            continue
        if fields["direction"] not in ProgramReview.Direction.values:
            errors[f"{where}.direction"] = gettext(
                "今後の方向性（拡充・継続・改善・縮小・廃止）を選んでください"
            )
        if not fields["reason"]:
            errors[f"{where}.reason"] = gettext("方向性の理由を入力してください")
        if not fields["self_evaluation"]:
            errors[f"{where}.self_evaluation"] = gettext("自己評価を入力してください")
        for name, limit in REVIEW_LIMITS.items():
            if refusal := too_long(fields[name], limit):
                errors[f"{where}.{name}"] = refusal
        out[program] = {"program": program, **fields}
    if errors:
        raise ValidationError(errors)
    return [out[k] for k in sorted(out)]


def _label(evaluation: Evaluation) -> str:
    return f"{evaluation.project.name} {format_fiscal_year(evaluation.fy)}"


def _save(
    evaluation: Evaluation, actor: Any, action: str, old: dict[str, Any] | None
) -> Evaluation:
    evaluation.version += 1
    evaluation.save()
    audit(
        actor=actor,
        action=action,
        object_type="evaluation",
        object_id=evaluation.pk,
        summary=_label(evaluation),
        old=old,
        new=_snapshot(evaluation),
    )
    return evaluation


@transaction.atomic
def save_draft(
    *,
    actor: Any,
    project_id: int,
    fy: int,
    analysis: str,
    internal_note: str = "",
    program_reviews: list[dict[str, Any]] | None = None,
    expected_version: int | None,
) -> Evaluation:
    """Create or update the draft of ``project`` for ``fy``. ``program_reviews`` (rows of
    program, self_evaluation, direction, reason), when given, replace the programs' reviews;
    None leaves them as they are."""
    project = Project.objects.select_related("plan").get(pk=project_id)
    require_edit_project(actor, project)
    if fy > fiscal_year_of(timezone.localdate()):
        raise ValidationError(
            {"fy": gettext("{fy}はまだ始まっていない年度です").format(fy=format_fiscal_year(fy))}
        )
    text = clean_analysis(analysis)
    if not text:
        raise ValidationError({"analysis": gettext("分析と課題を入力してください")})
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .filter(project=project, fy=fy)
        .order_by("pk")
        .first()
    )
    _check_version(evaluation, expected_version)
    if evaluation is not None and evaluation.status not in EDITABLE:
        raise WorkflowError(
            gettext("この評価は「{status}」のため編集できません").format(
                status=evaluation.get_status_display()
            )
            + (
                gettext("（本部がロックを解除すると編集できます）")
                if evaluation.status == Status.PUBLISHED
                else ""
            )
        )
    reviews = _clean_reviews(project, program_reviews) if program_reviews is not None else None
    old = _snapshot(evaluation)
    if (
        evaluation is not None
        and old is not None
        and evaluation.analysis == text
        and evaluation.internal_note == internal_note.strip()
        and (reviews is None or reviews == old["program_reviews"])
    ):
        return evaluation  # nothing changed: no new version, no history row
    if evaluation is None:
        evaluation = Evaluation(project=project, fy=fy, status=Status.DRAFT)
    evaluation.analysis = text
    evaluation.internal_note = internal_note.strip()
    if reviews is not None:
        if evaluation.pk is None:
            evaluation.save()
        ProgramReview.objects.filter(evaluation=evaluation).delete()
        ProgramReview.objects.bulk_create(
            ProgramReview(evaluation=evaluation, program_id=r["program"], **{
                k: r[k] for k in ("self_evaluation", "direction", "reason")})
            for r in reviews
        )  # fmt: skip
    return _save(evaluation, actor, "evaluation.draft.saved", old)


@transaction.atomic
def submit(*, actor: Any, evaluation_id: int, expected_version: int | None) -> Evaluation:
    evaluation = _locked(evaluation_id)
    require_edit_project(actor, evaluation.project)
    _check_version(evaluation, expected_version)
    if evaluation.status not in EDITABLE:
        raise WorkflowError(
            gettext("「{status}」の評価は提出できません").format(
                status=evaluation.get_status_display()
            )
        )
    old = _snapshot(evaluation)
    evaluation.status = Status.SUBMITTED
    evaluation.submitted_by = actor
    evaluation.submitted_at = timezone.now()
    return _save(evaluation, actor, "evaluation.submitted", old)


@transaction.atomic
def save_and_submit(
    *,
    actor: Any,
    project_id: int,
    fy: int,
    analysis: str,
    internal_note: str = "",
    program_reviews: list[dict[str, Any]] | None = None,
    expected_version: int | None,
) -> Evaluation:
    """What the 提出する button of the edit form does: keep the edits, then submit."""
    evaluation = save_draft(
        actor=actor,
        project_id=project_id,
        fy=fy,
        analysis=analysis,
        internal_note=internal_note,
        program_reviews=program_reviews,
        expected_version=expected_version,
    )
    return submit(actor=actor, evaluation_id=evaluation.pk, expected_version=evaluation.version)


def _review(evaluation: Evaluation, actor: Any, expected_version: int | None) -> None:
    require_review(actor, evaluation.project)
    _check_version(evaluation, expected_version)
    if evaluation.status != Status.SUBMITTED:
        raise WorkflowError(
            gettext("「{status}」の評価は確認できません（提出済みのものだけ）").format(
                status=evaluation.get_status_display()
            )
        )
    if evaluation.submitted_by_id == actor.pk:
        raise WorkflowError(
            gettext("自分が提出した評価は、差し戻しも承認もできません（別の担当者が確認します）")
        )


@transaction.atomic
def return_evaluation(
    *, actor: Any, evaluation_id: int, reason: str, expected_version: int | None
) -> Evaluation:
    evaluation = _locked(evaluation_id)
    _review(evaluation, actor, expected_version)
    if not reason.strip():
        raise ValidationError({"reason": gettext("差戻しの理由を入力してください")})
    old = _snapshot(evaluation)
    evaluation.status = Status.RETURNED
    evaluation.return_reason = strip_tags(reason)
    evaluation.reviewed_by, evaluation.reviewed_at = actor, timezone.now()
    return _save(evaluation, actor, "evaluation.returned", old)


@transaction.atomic
def approve(*, actor: Any, evaluation_id: int, expected_version: int | None) -> Evaluation:
    evaluation = _locked(evaluation_id)
    _review(evaluation, actor, expected_version)
    old = _snapshot(evaluation)
    evaluation.status = Status.APPROVED
    evaluation.return_reason = ""
    evaluation.reviewed_by, evaluation.reviewed_at = actor, timezone.now()
    return _save(evaluation, actor, "evaluation.approved", old)


@transaction.atomic
def publish(*, actor: Any, evaluation_id: int, expected_version: int | None) -> Evaluation:
    evaluation = _locked(evaluation_id)
    require_review(actor, evaluation.project)
    _check_version(evaluation, expected_version)
    if evaluation.status != Status.APPROVED:
        raise WorkflowError(gettext("承認済みの評価だけを公表できます"))
    if figures_unpublished(evaluation.project, evaluation.fy):
        raise WorkflowError(
            gettext(
                "{fy}の実績値は収集中で、まだ公表されていません。収集ラウンドを公表してから、"
                "評価を公表してください"
            ).format(fy=format_fiscal_year(evaluation.fy))
        )
    old = _snapshot(evaluation)
    evaluation.status = Status.PUBLISHED
    evaluation.published_at = timezone.now()
    return _save(evaluation, actor, "evaluation.published", old)


@transaction.atomic
def unlock(
    *, actor: Any, evaluation_id: int, reason: str, expected_version: int | None
) -> Evaluation:
    """Reopen a published evaluation (and that year's actuals) as a draft; logged with the reason."""
    evaluation = _locked(evaluation_id)
    require_review(actor, evaluation.project)
    _check_version(evaluation, expected_version)
    if evaluation.status != Status.PUBLISHED:
        raise WorkflowError(gettext("ロックを解除できるのは公表済みの評価だけです"))
    if not reason.strip():
        raise ValidationError({"reason": gettext("ロックを解除する理由を入力してください")})
    old = _snapshot(evaluation)
    evaluation.status = Status.DRAFT
    evaluation.return_reason = f"ロック解除: {strip_tags(reason)}"
    evaluation.published_at = None
    return _save(evaluation, actor, "evaluation.unlocked", old)


def is_locked(project: Project, fy: int) -> bool:
    """Is ``fy`` of ``project`` locked by a published evaluation? (evaluations.selectors.locked_years)"""
    return (project.pk, fy) in locked_years(projects=[project.pk])
