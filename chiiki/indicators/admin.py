"""Indicators, targets and actuals are written on the product's screens (the KPI page, the
bureau grid, the API, imports), never here: the admin only shows them and links there."""

from django.contrib import admin
from django.urls import reverse

from chiiki.audit.admin import ProductScreenAdmin, ReadOnlyInline
from chiiki.indicators import models


class ActualInline(ReadOnlyInline):
    model = models.Actual
    fields = ["fy", "value", "marker", "rate", "rate_reason", "version", "updated_by"]
    readonly_fields = fields


class RevisionInline(ReadOnlyInline):
    model = models.TargetRevision
    fields = ["original_value", "revised_value", "target_fy", "revised_fy", "reason"]
    readonly_fields = fields


@admin.register(models.Indicator)
class IndicatorAdmin(ProductScreenAdmin):
    list_display = ["__str__", "kind", "project", "unit", "target_kind", "grade", "published_grade"]
    list_filter = ["kind", "target_kind", "name_status"]
    inlines = [RevisionInline, ActualInline]

    @staticmethod
    def product_url(obj: models.Indicator) -> str:
        return reverse("indicator", args=[obj.pk])
