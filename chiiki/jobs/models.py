"""A piece of work run in the background (an import, a PDF), with what a person needs to follow
it: how far it got, the result, or why it failed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("実行中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("種類", max_length=40)
    organization = models.ForeignKey(
        "plans.Organization", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    params = models.JSONField("条件", default=dict)
    # What makes two jobs the same work (a PDF: the hash of the document it renders), so a
    # finished one can be served again instead of redone.
    key = models.CharField("同一性のキー", max_length=64, blank=True, db_index=True)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField("段階", max_length=100, blank=True)
    done = models.PositiveIntegerField("処理済み", default=0)
    total = models.PositiveIntegerField("全体", null=True, blank=True)
    # What the finished job produced: counts and where to go next (``url``), or a file.
    result = models.JSONField("結果", default=dict)
    file = models.BinaryField("ファイル", null=True, blank=True)
    # Why it failed: a message, and located problems (file, line, field, message) if any.
    error = models.TextField("失敗の理由", blank=True)
    problems = models.JSONField("問題の一覧", default=list)
    created_at = models.DateTimeField("受付日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最終の応答", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("実行回数", default=0)

    class Meta:
        verbose_name = "バックグラウンド処理"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.kind} {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        """How far, in %, when the total is known."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return None
        return min(99, self.done * 100 // self.total)
