from django.contrib import admin

from chiiki.audit.admin import AuditedAdmin
from chiiki.proposals import models


@admin.register(models.Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "order"]


@admin.register(models.PolicyPillar)
class PolicyPillarAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "parent", "order"]


class ResponseInline(admin.TabularInline):
    model = models.Response
    extra = 0
    fields = ["department", "status", "measure", "program", "budget_fy"]
    readonly_fields = fields  # answers are given on the site, by the departments

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(models.Proposal)
class ProposalAdmin(AuditedAdmin):
    list_display = ["title", "fy", "lead_bureau", "status", "published"]
    list_filter = ["fy", "status", "published"]
    readonly_fields = ["status", "version"]
    inlines = [ResponseInline]
