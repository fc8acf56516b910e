"""The fields every reviewed piece of work shares (an evaluation, a bureau's share of a
collection round): who submitted it and when, who reviewed it and when, why it was returned,
and the version that optimistic concurrency checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Reviewed(models.Model):
    return_reason = models.TextField("差戻しの理由", blank=True)
    version = models.PositiveIntegerField("版", default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提出者",
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="確認者",
    )
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        abstract = True
