from django.contrib import admin

from chiiki.evaluations import models


@admin.register(models.Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["project", "fy", "status"]
    list_filter = ["status", "fy"]
