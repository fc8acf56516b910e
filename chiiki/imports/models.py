"""An uploaded file kept with what it did, so an import can be previewed, then applied, and
the file is never lost."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("確認待ち")
        APPLIED = "applied", _("取込済")
        REFUSED = "refused", _("誤りあり")

    class Kind(models.TextChoices):
        FIGURES = "figures", _("実績値・予算額")
        STRUCTURE = "structure", _("計画の構成")

    kind = models.CharField("種類", max_length=20, choices=Kind.choices, default=Kind.FIGURES)
    filename = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    content = models.BinaryField("内容")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("アップロード日時", auto_now_add=True)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    applied_at = models.DateTimeField("取込日時", null=True, blank=True)
    summary = models.JSONField("結果", default=dict)
    # What the upload would change, computed once when it arrives (rendered, not recomputed,
    # each time the page is shown): see imports.services.preview_batch.
    preview = models.JSONField("確認内容", default=dict)

    class Meta:
        verbose_name = "取込"
        verbose_name_plural = verbose_name
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
