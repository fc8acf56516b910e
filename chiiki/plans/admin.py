from django.contrib import admin

from chiiki.plans import models


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "order"]


@admin.register(models.Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "seat"]
    list_filter = ["region", "kind"]


@admin.register(models.Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kana", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["code", "name", "kana"]


@admin.register(models.Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "edition", "kind", "start_fy", "declared_project_total"]


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "region", "lead_bureau", "is_example"]
    list_filter = ["plan", "region"]
    search_fields = ["name"]


@admin.register(models.Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "bureau", "project"]
    list_filter = ["kind", "bureau"]
    search_fields = ["name", "description"]


admin.site.register(models.Organization)
admin.site.register(models.Measure)
admin.site.register(models.ProgramBudget)
admin.site.register(models.AnnualInitiative)
