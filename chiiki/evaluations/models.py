"""Project evaluations (評価): a bureau's or HQ's 分析と課題 for one project and fiscal year."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chiiki.audit.review import Reviewed
from chiiki.plans.models import Program, Project


class Evaluation(Reviewed):
    """分析と課題 for a project, on the actuals up to ``fy`` (評価対象年度)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("作成中")
        SUBMITTED = "submitted", _("提出済")
        RETURNED = "returned", _("差戻し")
        APPROVED = "approved", _("承認済")
        PUBLISHED = "published", _("公表済")

    # The states in which the bureau may still edit the text.
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    fy = models.PositiveSmallIntegerField("評価対象年度")
    analysis = models.TextField("分析と課題", help_text="1行に1項目")
    internal_note = models.TextField(
        "内部メモ", blank=True, help_text="公開されません（振興局と本部の間の連絡用）"
    )
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("公表日時", null=True, blank=True)

    class Meta:
        verbose_name = "評価"
        verbose_name_plural = verbose_name
        ordering = ["project", "-fy"]
        constraints = [
            models.UniqueConstraint(fields=["project", "fy"], name="evaluation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.fy}年度"

    @property
    def analysis_items(self) -> list[str]:
        return [line for line in self.analysis.splitlines() if line.strip()]


class ProgramReview(models.Model):
    """The 事務事業評価 of one program of the evaluated project, for the same FY: its
    self-evaluation and the direction it takes next (拡充・継続・改善・縮小・廃止) with the reason.
    It is part of the project's evaluation: drafted, submitted, approved and published with it."""

    class Direction(models.TextChoices):
        EXPAND = "expand", _("拡充")
        CONTINUE = "continue", _("継続")
        IMPROVE = "improve", _("改善")
        REDUCE = "reduce", _("縮小")
        ABOLISH = "abolish", _("廃止")

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="program_reviews"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reviews")
    self_evaluation = models.TextField("自己評価")
    direction = models.CharField("今後の方向性", max_length=10, choices=Direction.choices)
    reason = models.TextField("方向性の理由")

    class Meta:
        verbose_name = "事務事業評価"
        verbose_name_plural = verbose_name
        ordering = ["evaluation", "program__order"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "program"], name="program_review_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.evaluation.fy}: {self.get_direction_display()}"
