from django.contrib import admin

from chiiki.indicators import models


class ActualInline(admin.TabularInline):
    model = models.Actual
    extra = 0


class RevisionInline(admin.TabularInline):
    model = models.TargetRevision
    extra = 0


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "project", "unit", "target_kind", "published_grade"]
    list_filter = ["kind", "target_kind", "name_status"]
    inlines = [RevisionInline, ActualInline]
