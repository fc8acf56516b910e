"""The audit trail: who did what, when, with the old and new values. Entries are never edited."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Every action code, registered once with the label people read.
ACTIONS = {
    "indicator.actual.recorded": _("実績値を記録"),
    "indicator.actual.corrected": _("実績値を修正"),
    "program.budget.recorded": _("予算額を記録"),
    "program.budget.corrected": _("予算額を修正"),
    "program.settlement.recorded": _("決算額・人工を記録"),
    "program.settlement.corrected": _("決算額・人工を修正"),
    "organization.staff_cost.saved": _("人件費単価を保存"),
    "evaluation.draft.saved": _("評価の下書きを保存"),
    "evaluation.submitted": _("評価を提出"),
    "evaluation.returned": _("評価を差戻し"),
    "evaluation.approved": _("評価を承認"),
    "evaluation.published": _("評価を公表"),
    "evaluation.unlocked": _("公表済みの評価のロックを解除"),
    "collection.round.opened": _("収集ラウンドを開始"),
    "collection.round.published": _("収集ラウンドを公表"),
    "collection.entry.saved": _("収集項目を入力"),
    "collection.submission.submitted": _("収集の入力を提出"),
    "collection.submission.accepted": _("収集の提出を受理"),
    "collection.submission.returned": _("収集の提出を差戻し"),
    "collection.submission.deadline": _("振興局の提出期限を変更"),
    "proposal.saved": _("政策提案を保存"),
    "proposal.submitted": _("政策提案を提出"),
    "proposal.routed": _("政策提案を部局に回付"),
    "proposal.answered": _("部局が対応を回答"),
    "proposal.published": _("政策提案の対応状況を公表"),
    "meeting.saved": _("会議の記録を保存"),
    "plan.organization.created": _("団体を登録"),
    "plan.edition.created": _("計画の版を作成"),
    "plan.edition.saved": _("計画の版を編集"),
    "plan.edition.adopted": _("計画の版を策定（公開）"),
    "plan.project.created": _("プロジェクトを追加"),
    "plan.project.saved": _("プロジェクトを編集"),
    "plan.project.deleted": _("プロジェクトを削除"),
    "plan.measures.saved": _("施策を編集"),
    "plan.program.created": _("事業を追加"),
    "plan.program.saved": _("事業を編集"),
    "plan.program.deleted": _("事業を削除"),
    "indicator.created": _("指標を追加"),
    "indicator.saved": _("指標を編集"),
    "indicator.deleted": _("指標を削除"),
    "indicator.contribution.saved": _("事業の寄与を記録"),
    "indicator.contribution.deleted": _("事業の寄与を削除"),
    "indicator.target.revised": _("目標値を見直し"),
    "indicators.recomputed": _("進捗率・評価を再計算"),
    "admin.saved": _("管理画面で保存"),
    "admin.deleted": _("管理画面で削除"),
    "import.applied": _("ファイルから取込"),
    "dataset.loaded": _("データセットを読み込み"),
    "dataset.synthesized": _("合成データを作成"),
    "token.issued": _("APIトークンを発行"),
    "token.revoked": _("APIトークンを無効化"),
}


class AuditEntry(models.Model):
    at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField("操作", max_length=60, choices=list(ACTIONS.items()))
    object_type = models.CharField("対象の種類", max_length=60)
    object_id = models.CharField("対象", max_length=60)
    summary = models.CharField("内容", max_length=300)
    old = models.JSONField("変更前", null=True)
    new = models.JSONField("変更後", null=True)

    class Meta:
        verbose_name = "操作履歴"
        verbose_name_plural = verbose_name
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.summary}"
