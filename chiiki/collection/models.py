"""Collection rounds (収集): HQ asks for one FY's figures, each bureau enters and submits its
share by a deadline, HQ accepts or returns it, then publishes the round. Until then the
figures live here, as entries; the public tables (actuals, budgets) hold published figures
only, written at publication through their one writer."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiiki.audit.review import Reviewed
from chiiki.indicators.models import FIGURE_DIGITS, FIGURE_PLACES, MARKER_CHOICES, Indicator
from chiiki.plans.models import Bureau, Organization, Program


class Round(models.Model):
    """One collection round: the actuals of ``fy`` for the KPIs in force and the budgets of
    ``budget_fy`` (normally ``fy + 1``) for the running programs, due by ``deadline``."""

    class Status(models.TextChoices):
        OPEN = "open", _("収集中")
        PUBLISHED = "published", _("公表済")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    fy = models.PositiveSmallIntegerField("実績値の年度")
    budget_fy = models.PositiveSmallIntegerField("予算額の年度")
    title = models.CharField("名称", max_length=200)
    deadline = models.DateField("提出期限")
    note = models.TextField("依頼事項", blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField("版", default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="開始者"
    )
    opened_at = models.DateTimeField("開始日時")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="公表者",
    )
    published_at = models.DateTimeField("公表日時", null=True, blank=True)

    class Meta:
        verbose_name = "収集ラウンド"
        verbose_name_plural = verbose_name
        ordering = ["organization", "-fy"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "fy"], name="round_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class Submission(Reviewed):
    """One bureau's share of a round (HQ's own share when ``bureau`` is None): its entries,
    entered, submitted, then accepted or returned by HQ."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("入力中")
        SUBMITTED = "submitted", _("提出済")
        RETURNED = "returned", _("差戻し")
        ACCEPTED = "accepted", _("受理済")

    # The states in which the bureau may still enter figures.
    EDITABLE = (Status.IN_PROGRESS, Status.RETURNED)

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="submissions")
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField("提出期限（振興局別）", null=True, blank=True)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )

    class Meta:
        verbose_name = "提出"
        verbose_name_plural = verbose_name
        ordering = ["round", "bureau__order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "bureau"], name="submission_unique_bureau"),
            models.UniqueConstraint(
                fields=["round"], condition=Q(bureau__isnull=True), name="submission_unique_hq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.bureau or '本部'}"

    @property
    def owner_name(self) -> str:
        """Whose share it is: the bureau's name, or HQ's."""
        return self.bureau.name if self.bureau else str(_("本部"))

    def overdue_on(self, day: dt.date) -> bool:
        """Still to be entered or re-entered after its deadline."""
        return self.status in self.EDITABLE and self.due < day

    @property
    def due(self) -> dt.date:
        """The deadline that applies: the bureau's own, else the round's."""
        return self.deadline or self.round.deadline


class Entry(models.Model):
    """One figure asked for in a round: an indicator's actual, a program's budget, or the
    settled amount and staff time of a program's year just ended, as typed, read in its unit,
    with the plausibility warnings the person entering confirmed."""

    class Kind(models.TextChoices):
        ACTUAL = "actual", _("実績値")
        BUDGET = "budget", _("予算額")
        SETTLED = "settled", _("決算額")
        STAFF = "staff", _("人工")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    fy = models.PositiveSmallIntegerField("年度")
    typed = models.CharField("入力された値", max_length=100, blank=True)
    value = models.DecimalField(
        "値", null=True, blank=True, max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES
    )
    marker = models.CharField("欠測の理由", max_length=2, choices=MARKER_CHOICES, blank=True)
    warnings = models.JSONField("確認した警告", default=list, blank=True)
    reason = models.CharField("警告を確認した理由", max_length=300, blank=True)
    return_reason = models.CharField("差戻しの理由", max_length=300, blank=True)
    version = models.PositiveIntegerField("版", default=0)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="入力者",
    )
    entered_at = models.DateTimeField("入力日時", null=True, blank=True)

    class Meta:
        verbose_name = "収集項目"
        verbose_name_plural = verbose_name
        ordering = ["submission", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "indicator"],
                condition=Q(indicator__isnull=False),
                name="entry_unique_indicator",
            ),
            models.UniqueConstraint(
                fields=["submission", "program", "kind"],
                condition=Q(program__isnull=False),
                name="entry_unique_program_kind",
            ),
            models.CheckConstraint(
                condition=(Q(kind="actual") & Q(indicator__isnull=False) & Q(program__isnull=True))
                | (
                    Q(kind__in=["budget", "settled", "staff"])
                    & Q(program__isnull=False)
                    & Q(indicator__isnull=True)
                ),
                name="entry_kind_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.fy}"

    @property
    def subject(self) -> object:
        return self.indicator if self.kind == self.Kind.ACTUAL else self.program

    @property
    def unit(self) -> str:
        """The unit the figure is read in."""
        if self.kind == self.Kind.ACTUAL:
            return self.indicator.unit if self.indicator else ""
        return "人工" if self.kind == self.Kind.STAFF else "千円"

    @property
    def places(self) -> int:
        if self.kind == self.Kind.ACTUAL:
            return self.indicator.decimal_places if self.indicator else 0
        return 2 if self.kind == self.Kind.STAFF else 0

    @property
    def filled(self) -> bool:
        return self.value is not None or bool(self.marker)


class Notice(models.Model):
    """An email sent about a round, recorded so that the same notice is never sent twice:
    ``key`` names the round, the share, the kind and the day it is for."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="notices")
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    kind = models.CharField("種類", max_length=20)
    key = models.CharField("識別", max_length=100, unique=True)
    recipients = models.JSONField("宛先", default=list)
    sent_at = models.DateTimeField("送信日時")

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = verbose_name
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
