from django.contrib import admin

from chiiki.audit.admin import AuditedAdmin
from chiiki.councils import models


@admin.register(models.Meeting)
class MeetingAdmin(AuditedAdmin):
    list_display = ["title", "bureau", "kind", "held_on", "published"]
    list_filter = ["bureau", "kind", "published"]
    filter_horizontal = ["municipalities", "reviewed_evaluations"]
