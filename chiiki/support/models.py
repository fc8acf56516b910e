"""Municipal support (市町村戦略支援): schemes by category and their yearly figures."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chiiki.core.numbers import MAX_BUDGET_THOUSAND_YEN
from chiiki.indicators.models import FIGURE_DIGITS, FIGURE_PLACES
from chiiki.plans.models import Municipality, Organization, source_field


class SupportScheme(models.Model):
    """A way the prefecture supports municipalities: a grant, a dispatch scheme, an info service."""

    class Category(models.TextChoices):
        FINANCIAL = "financial", _("財政的支援")
        HUMAN = "human", _("人的支援")
        INFORMATION = "information", _("情報支援")
        COOPERATION = "cooperation", _("市町村間の広域連携")
        REGIONAL = "regional", _("地域づくりの推進")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="support_schemes"
    )
    slug = models.SlugField("識別子", max_length=80)
    category = models.CharField("区分", max_length=20, choices=Category.choices)
    name = models.CharField("名称", max_length=200)
    description = models.TextField("内容", blank=True)
    source = source_field()
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "支援制度"
        verbose_name_plural = verbose_name
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="support_scheme_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SupportFigure(models.Model):
    """A yearly figure of a scheme: budget (億円), staff dispatched (人), bodies served …"""

    class Metric(models.TextChoices):
        BUDGET = "budget", _("予算額")
        STAFF = "staff", _("派遣者数")
        MUNICIPALITIES = "municipalities", _("派遣先市町村数")
        BODIES = "bodies", _("派遣先団体数")
        AREAS = "areas", _("圏域数")

    scheme = models.ForeignKey(SupportScheme, on_delete=models.CASCADE, related_name="figures")
    fy = models.PositiveSmallIntegerField("年度")
    metric = models.CharField("項目", max_length=20, choices=Metric.choices)
    value = models.DecimalField("値", max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES)
    unit = models.CharField("単位", max_length=20)
    continuing = models.DecimalField(
        "うち前年度から継続",
        null=True,
        blank=True,
        max_digits=FIGURE_DIGITS,
        decimal_places=FIGURE_PLACES,
    )

    class Meta:
        verbose_name = "支援の実績・予算"
        verbose_name_plural = verbose_name
        ordering = ["scheme", "fy", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "fy", "metric"], name="support_figure_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.fy} {self.get_metric_display()}"


class CooperationArea(models.Model):
    """Municipalities working together: a 市町村連携地域モデル事業 area, a 定住自立圏 or a
    連携中枢都市圏."""

    class Kind(models.TextChoices):
        MODEL_AREA = "model_area", _("市町村連携地域モデル事業")
        SETTLEMENT = "settlement", _("定住自立圏")
        METRO = "metro", _("連携中枢都市圏")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cooperation_areas"
    )
    slug = models.SlugField("識別子", max_length=80)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=200)
    start_fy = models.PositiveSmallIntegerField("開始年度", null=True, blank=True)
    members = models.ManyToManyField(
        Municipality, related_name="cooperation_areas", verbose_name="構成市町村"
    )
    source = source_field()
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "市町村の連携地域"
        verbose_name_plural = verbose_name
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="coop_area_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class GrantAward(models.Model):
    """A grant (地域づくり総合交付金 など) awarded to a municipality's project for one FY."""

    scheme = models.ForeignKey(
        SupportScheme, on_delete=models.PROTECT, related_name="awards", verbose_name="制度"
    )
    fy = models.PositiveSmallIntegerField("年度")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="grant_awards", verbose_name="市町村"
    )
    title = models.CharField("事業名", max_length=200)
    amount_thousand_yen = models.PositiveBigIntegerField(
        "交付額（千円）", validators=[MaxValueValidator(MAX_BUDGET_THOUSAND_YEN)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "交付金の交付"
        verbose_name_plural = verbose_name
        ordering = ["-fy", "municipality__code", "pk"]

    def __str__(self) -> str:
        return f"{self.municipality} {self.title}"


class StaffDispatch(models.Model):
    """Prefectural staff dispatched to a municipality (or another body) for one FY."""

    class Kind(models.TextChoices):
        REGIONAL_PROMOTION = "regional_promotion", _("地域振興派遣")
        WIDE_AREA = "wide_area", _("広域連携派遣")
        TAX_COLLECTION = "tax_collection", _("徴収対策連携派遣")
        REGIONAL_CREATION = "regional_creation", _("地域創生枠")
        VISITING_SUPPORT = "visiting_support", _("地域創生出張サポート")
        LOCAL_AUTONOMY_ACT = "local_autonomy_act", _("自治法派遣")
        EXCHANGE = "exchange", _("相互交流")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="staff_dispatches"
    )
    fy = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("種別", max_length=30, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_dispatches",
        verbose_name="派遣先市町村",
    )
    body = models.CharField("派遣先（市町村以外の団体）", max_length=200, blank=True)
    staff = models.PositiveSmallIntegerField("人数", default=1)
    continuing = models.BooleanField("前年度から継続", default=False)
    duties = models.TextField("主な業務", blank=True)

    class Meta:
        verbose_name = "職員派遣"
        verbose_name_plural = verbose_name
        ordering = ["-fy", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(municipality__isnull=False) | ~models.Q(body=""),
                name="dispatch_has_destination",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fy} {self.get_kind_display()} {self.municipality or self.body}"
