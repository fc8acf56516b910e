"""Evaluations (分析と課題) move through their workflow on the product's screens; the admin
shows them and links there."""

from django.contrib import admin
from django.urls import reverse

from chiiki.audit.admin import ProductScreenAdmin
from chiiki.evaluations import models


@admin.register(models.Evaluation)
class EvaluationAdmin(ProductScreenAdmin):
    list_display = ["project", "fy", "status"]
    list_filter = ["status", "fy"]

    @staticmethod
    def product_url(obj: models.Evaluation) -> str:
        return reverse("evaluation", args=[obj.project.plan.slug, obj.project.slug, obj.fy])
