from django.contrib import admin

from chiiki.audit.admin import AuditedAdmin
from chiiki.support import models


class FigureInline(admin.TabularInline):
    model = models.SupportFigure
    extra = 0


@admin.register(models.SupportScheme)
class SupportSchemeAdmin(AuditedAdmin):
    list_display = ["name", "category"]
    list_filter = ["category"]
    inlines = [FigureInline]


@admin.register(models.CooperationArea)
class CooperationAreaAdmin(AuditedAdmin):
    list_display = ["name", "kind", "start_fy"]
    list_filter = ["kind"]
    filter_horizontal = ["members"]


@admin.register(models.GrantAward)
class GrantAwardAdmin(AuditedAdmin):
    list_display = ["fy", "municipality", "title", "amount_thousand_yen", "scheme"]
    list_filter = ["fy", "scheme"]
    autocomplete_fields = ["municipality"]


@admin.register(models.StaffDispatch)
class StaffDispatchAdmin(AuditedAdmin):
    list_display = ["fy", "kind", "municipality", "body", "staff", "continuing"]
    list_filter = ["fy", "kind"]
    autocomplete_fields = ["municipality"]
