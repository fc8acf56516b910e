"""The plan structure and budgets are written by the dataset loader and the product's screens
(budgets on the project page, the API and imports); the admin shows them and links there."""

from django.contrib import admin
from django.urls import reverse

from chiiki.audit.admin import ProductScreenAdmin
from chiiki.plans import models


@admin.register(models.Region)
class RegionAdmin(ProductScreenAdmin):
    list_display = ["name", "organization", "order"]

    @staticmethod
    def product_url(obj: models.Region) -> str:
        return reverse("region", args=[obj.slug])


@admin.register(models.Bureau)
class BureauAdmin(ProductScreenAdmin):
    list_display = ["name", "kind", "region", "seat"]
    list_filter = ["region", "kind"]

    @staticmethod
    def product_url(obj: models.Bureau) -> str:
        return reverse("bureau", args=[obj.slug])


@admin.register(models.Municipality)
class MunicipalityAdmin(ProductScreenAdmin):
    list_display = ["code", "name", "kana", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["code", "name", "kana"]

    @staticmethod
    def product_url(obj: models.Municipality) -> str:
        return reverse("municipality", args=[obj.code])


@admin.register(models.Plan)
class PlanAdmin(ProductScreenAdmin):
    list_display = ["title", "edition", "kind", "start_fy", "declared_project_total"]

    @staticmethod
    def product_url(obj: models.Plan) -> str:
        return reverse("plan", args=[obj.slug])


@admin.register(models.Project)
class ProjectAdmin(ProductScreenAdmin):
    list_display = ["name", "plan", "region", "lead_bureau", "is_example"]
    list_filter = ["plan", "region"]
    search_fields = ["name"]

    @staticmethod
    def product_url(obj: models.Project) -> str:
        return reverse("project", args=[obj.plan.slug, obj.slug])


@admin.register(models.Measure)
class MeasureAdmin(ProductScreenAdmin):
    list_display = ["title", "project", "group"]

    @staticmethod
    def product_url(obj: models.Measure) -> str:
        return reverse("project", args=[obj.project.plan.slug, obj.project.slug])


@admin.register(models.Program)
class ProgramAdmin(ProductScreenAdmin):
    list_display = ["name", "kind", "bureau", "project"]
    list_filter = ["kind", "bureau"]
    search_fields = ["name", "description"]

    @staticmethod
    def product_url(obj: models.Program) -> str:
        return reverse("program", args=[obj.pk])


@admin.register(models.ProgramBudget)
class ProgramBudgetAdmin(ProductScreenAdmin):
    list_display = ["program", "fy", "amount_thousand_yen", "version"]

    @staticmethod
    def product_url(obj: models.ProgramBudget) -> str:
        return reverse("program", args=[obj.program_id])


@admin.register(models.ProgramSettlement)
class ProgramSettlementAdmin(ProductScreenAdmin):
    list_display = ["program", "fy", "settled_thousand_yen", "staff_years", "version"]

    @staticmethod
    def product_url(obj: models.ProgramSettlement) -> str:
        return reverse("program", args=[obj.program_id])


@admin.register(models.StaffUnitCost)
class StaffUnitCostAdmin(ProductScreenAdmin):
    list_display = ["organization", "fy", "thousand_yen", "version"]

    @staticmethod
    def product_url(obj: models.StaffUnitCost) -> str:
        return reverse("staff_costs")


@admin.register(models.Source)
class SourceAdmin(ProductScreenAdmin):
    list_display = ["title", "issuer", "fy", "organization"]


admin.site.register(models.Organization, ProductScreenAdmin)
admin.site.register(models.AnnualInitiative, ProductScreenAdmin)
