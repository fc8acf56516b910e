"""Policy proposals (政策提案) from bureaus to HQ, and how departments reflected them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiiki.plans.models import Bureau, Municipality, Organization, Program, source_field


class Department(models.Model):
    """A department of the prefectural government (総合政策部, 経済部 …) that answers proposals."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="departments"
    )
    slug = models.SlugField("識別子", max_length=80)
    name = models.CharField("部局名", max_length=100)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "部局"
        verbose_name_plural = verbose_name
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="department_unique"),
            models.UniqueConstraint(fields=["organization", "name"], name="department_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyPillar(models.Model):
    """A policy pillar (政策の柱) proposals are filed under; a pillar may have sub-pillars."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="policy_pillars"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    slug = models.SlugField("識別子", max_length=80)
    short_name = models.CharField("略称", max_length=50, blank=True)
    name = models.CharField("名称", max_length=200)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "政策の柱"
        verbose_name_plural = verbose_name
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="pillar_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.short_name}（{self.name}）" if self.short_name else self.name


class Proposal(models.Model):
    """A bureau's (or several bureaus') policy proposal for one FY."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("作成中")
        SUBMITTED = "submitted", _("提出済")
        ROUTED = "routed", _("部局で検討中")
        ANSWERED = "answered", _("回答済")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="proposals"
    )
    source_key = models.CharField("データセットでの識別子", max_length=80, blank=True)
    fy = models.PositiveSmallIntegerField("年度")
    title = models.CharField("提案（要旨）", max_length=300)
    summary = models.TextField("提案の内容", blank=True)
    background = models.TextField("背景", blank=True)
    pillar = models.ForeignKey(
        PolicyPillar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name="政策の柱",
    )
    pillar_inferred = models.BooleanField("政策の柱は推定", default=False)
    lead_bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name="提出した振興局",
    )
    bureaus = models.ManyToManyField(
        Bureau,
        through="ProposalBureau",
        related_name="proposals",
        verbose_name="提案した振興局（共同提案を含む）",
    )
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="proposals", verbose_name="関係する市町村"
    )
    target_departments = models.ManyToManyField(
        Department, blank=True, related_name="targeted_proposals", verbose_name="提案先の部局"
    )
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.DRAFT)
    published = models.BooleanField("公表", default=False)
    source = source_field()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    version = models.PositiveIntegerField("版", default=0)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "政策提案"
        verbose_name_plural = verbose_name
        ordering = ["organization", "-fy", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source_key"],
                condition=~Q(source_key=""),
                name="proposal_source_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ordered_bureaus(self) -> list[Bureau]:
        """The proposing bureaus in the order the proposal names them (宗谷・留萌・上川共同)."""
        return [link.bureau for link in self.bureau_links.all()]

    def set_bureaus(self, bureaus: list[Bureau]) -> None:
        ProposalBureau.objects.filter(proposal=self).delete()
        ProposalBureau.objects.bulk_create(
            ProposalBureau(proposal=self, bureau=b, order=i) for i, b in enumerate(bureaus)
        )


class ProposalBureau(models.Model):
    """A proposing bureau of a proposal, in the order the proposal names them."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="bureau_links")
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "bureau"], name="proposal_bureau_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} {self.bureau}"


class Response(models.Model):
    """One department's answer to a proposal: how it was reflected, into which measure and
    (where there is one) which program and budget year."""

    class Status(models.TextChoices):
        PENDING = "pending", _("回答待ち")
        REFLECTED = "reflected", _("反映")
        PARTLY = "partly", _("一部反映")
        NOT_REFLECTED = "not_reflected", _("反映せず")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="responses")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="responses", verbose_name="部局"
    )
    status = models.CharField("対応", max_length=20, choices=Status.choices, default=Status.PENDING)
    measure = models.TextField("反映した施策", blank=True)
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal_responses",
        verbose_name="反映した事業",
    )
    budget_fy = models.PositiveSmallIntegerField("予算の年度", null=True, blank=True)
    note = models.TextField("補足", blank=True)
    link_inferred = models.BooleanField(
        "提案との対応は推定",
        default=False,
        help_text="出典は政策の柱ごとに提案と反映を並べており、個々の対応は記載順から推定",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField("回答日時", null=True, blank=True)
    version = models.PositiveIntegerField("版", default=0)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "部局の対応"
        verbose_name_plural = verbose_name
        ordering = ["proposal", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal} → {self.department}"
