from django.contrib import admin

from chiiki.support import models


class FigureInline(admin.TabularInline):
    model = models.SupportFigure
    extra = 0


@admin.register(models.SupportScheme)
class SupportSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    list_filter = ["category"]
    inlines = [FigureInline]
