"""Regional councils (地域づくり連携会議) and round-table meetings, per bureau."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chiiki.evaluations.models import Evaluation
from chiiki.plans.models import Bureau, Municipality, Organization


class Meeting(models.Model):
    """One meeting held by a bureau: its regional council or a round-table of the bureau
    director with mayors and key persons."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("地域づくり連携会議")
        ROUND_TABLE = "round_table", _("ラウンドテーブルミーティング")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="meetings", verbose_name="振興局"
    )
    kind = models.CharField("種別", max_length=20, choices=Kind.choices, default=Kind.COUNCIL)
    title = models.CharField("会議名", max_length=200)
    held_on = models.DateField("開催日")
    place = models.CharField("場所", max_length=200, blank=True)
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="meetings", verbose_name="参加市町村"
    )
    other_participants = models.TextField(
        "その他の参加者", blank=True, help_text="関係団体、開発建設部など（1行に1つ）"
    )
    agenda = models.TextField("議題", blank=True)
    minutes = models.TextField("議事の概要", blank=True)
    reviewed_evaluations = models.ManyToManyField(
        Evaluation, blank=True, related_name="meetings", verbose_name="点検・評価したプロジェクト"
    )
    published = models.BooleanField("公表", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField("版", default=0)

    class Meta:
        verbose_name = "会議"
        verbose_name_plural = verbose_name
        ordering = ["-held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.held_on:%Y-%m-%d}）"

    @property
    def other_participant_items(self) -> list[str]:
        return [line.strip() for line in self.other_participants.splitlines() if line.strip()]
