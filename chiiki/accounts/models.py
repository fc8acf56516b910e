"""Who may do what: a user's role in one organization, and for bureau staff, their bureau."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiiki.plans.models import Bureau, Organization


class Role(models.TextChoices):
    HQ_ADMIN = "hq_admin", _("本部管理者")
    HQ_PLANNER = "hq_planner", _("本部企画担当")
    BUREAU_EDITOR = "bureau_editor", _("振興局担当")
    DEPARTMENT_RESPONDER = "department_responder", _("部局回答担当")
    VIEWER = "viewer", _("閲覧者（連携会議委員など）")


HQ_ROLES = frozenset({Role.HQ_ADMIN, Role.HQ_PLANNER})


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("役割", max_length=30, choices=Role.choices)
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    department = models.CharField("部局", max_length=100, blank=True)
    # The language of the email this person receives (their choice on the site is kept here).
    language = models.CharField(
        "メールの言語", max_length=5, choices=[("ja", "日本語"), ("en", "English")], default="ja"
    )

    class Meta:
        verbose_name = "所属と役割"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="bureau_editor") & Q(bureau__isnull=False))
                | (~Q(role="bureau_editor") & Q(bureau__isnull=True)),
                name="membership_bureau_iff_bureau_editor",
            ),
        ]

    def __str__(self) -> str:
        where = f"・{self.bureau.short_name}" if self.bureau is not None else ""
        return f"{self.user} {self.get_role_display()}{where}"


class ApiToken(models.Model):
    """A personal key for the JSON API. Only a SHA-256 digest of the key is stored: the key
    itself is shown once, when it is created. A token acts with its user's role and bureau."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("先頭の文字", max_length=16, help_text="一覧で見分けるための先頭部分")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終利用日時", null=True, blank=True)
    revoked_at = models.DateTimeField("無効化日時", null=True, blank=True)

    class Meta:
        verbose_name = "APIトークン"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
