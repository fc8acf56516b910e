"""Municipal support (市町村戦略支援): schemes by category and their yearly figures."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chiiki.indicators.models import FIGURE
from chiiki.plans.models import Organization


class SupportScheme(models.Model):
    """A way the prefecture supports municipalities: a grant, a dispatch scheme, an info service."""

    class Category(models.TextChoices):
        FINANCIAL = "financial", _("財政的支援")
        HUMAN = "human", _("人的支援")
        INFORMATION = "information", _("情報支援")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="support_schemes"
    )
    slug = models.SlugField("識別子", max_length=80)
    category = models.CharField("区分", max_length=20, choices=Category.choices)
    name = models.CharField("名称", max_length=200)
    description = models.TextField("内容", blank=True)
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

    scheme = models.ForeignKey(SupportScheme, on_delete=models.CASCADE, related_name="figures")
    fy = models.PositiveSmallIntegerField("年度")
    metric = models.CharField("項目", max_length=20, choices=Metric.choices)
    value = models.DecimalField("値", **FIGURE)
    unit = models.CharField("単位", max_length=20)
    continuing = models.DecimalField("うち前年度から継続", null=True, blank=True, **FIGURE)

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
